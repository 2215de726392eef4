"""What a MinHash shingle is made of, per language.

English shingles are word n-grams; Chinese has no spaces, so its shingles are character
n-grams (CJK characters one by one, Latin words and numbers whole). Both are datatrove
`WordTokenizer`s, so datatrove's MinHash stages use them as they are, and recovery measures
true Jaccard similarity on exactly the same shingles the LSH saw.
"""

from __future__ import annotations

import re

from datatrove.utils.text import simplify_text, TextNormConfig
from datatrove.utils.word_tokenizers import WordTokenizer

_WORD = re.compile(r"\w+")
# A CJK character alone, or a run of other word characters (Latin words, numbers).
_CJK_OR_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")

NORM = TextNormConfig()  # datatrove's MinHash default: lowercase, no punctuation, digits as 0


class _RegexTokenizer(WordTokenizer):
    pattern: re.Pattern

    def word_tokenize(self, text: str) -> list[str]:
        return self.pattern.findall(text)

    def sent_tokenize(self, text: str) -> list[str]:
        return [s for s in _SENTENCE_END.split(text) if s.strip()]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in self.pattern.finditer(text)]


class EnglishWords(_RegexTokenizer):
    """`"Hello, world 42"` -> `["Hello", "world", "42"]`: spaCy-free and ~50x faster."""

    pattern = _WORD


class ChineseChars(_RegexTokenizer):
    """`"数据ok 42个"` -> `["数", "据", "ok", "42", "个"]`."""

    pattern = _CJK_OR_WORD


TOKENIZERS = {"en": EnglishWords, "zh": ChineseChars}


def shingle_set(text: str, lang: str, n: int) -> set[tuple[str, ...]]:
    """The set of n-gram shingles MinHash hashes for TEXT, before hashing."""
    tokens = TOKENIZERS[lang](lang).word_tokenize(simplify_text(text, NORM))
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)
