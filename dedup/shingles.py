"""What a MinHash shingle is made of, per language.

English shingles are word n-grams; Chinese has no spaces, so its shingles are character
n-grams (CJK characters one by one, Latin words and numbers whole). Both are datatrove
`WordTokenizer`s, so datatrove's MinHash stages use them as they are, and recovery measures
true Jaccard similarity on exactly the same shingles the LSH saw.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from datatrove.utils.text import simplify_text, TextNormConfig
from datatrove.utils.word_tokenizers import WordTokenizer

from langid import scripts

_WORD = re.compile(r"\w+")
# A CJK character alone, or a run of other word characters (Latin words, numbers).
_CJK_OR_WORD = re.compile(f"[{scripts.HAN}]|[^\\W{scripts.HAN}]+")
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



class ShingleIndex:
    """Shingle sets with an inverted index (shingle -> sets holding it): the Jaccard of a new set
    to every added set that shares a shingle with it. The work of a lookup is the postings of
    its shingles, not the number of sets added: a chain of documents each overlapping the next
    costs a constant per document, where comparing against every set costs the cluster's size.
    Documents that all share the same shingles (a boilerplate paragraph) still cost what they
    share. `visits` counts the postings walked, the measure of that work."""

    def __init__(self):
        self.sets: list[set] = []
        self.ids: list[str] = []
        self.postings: dict[tuple, list[int]] = defaultdict(list)
        self.visits = 0

    def add(self, doc_id: str, shingles: set) -> None:
        for s in shingles:
            self.postings[s].append(len(self.sets))
        self.sets.append(shingles)
        self.ids.append(doc_id)

    def overlaps(self, shingles: set) -> dict[int, float]:
        """Jaccard to every indexed set that shares a shingle with `shingles`, by index order."""
        common: dict[int, int] = defaultdict(int)
        for s in shingles:
            found = self.postings.get(s, ())
            self.visits += len(found)
            for i in found:
                common[i] += 1
        return {i: common[i] / (len(shingles) + len(self.sets[i]) - common[i]) for i in sorted(common)}


# --- Hashed shingles, all at once ------------------------------------------------------------
# Hashing each n-gram in Python (join, then xxhash) costs a call per shingle; here every token's
# code points are hashed column by column in numpy (FNV-1a style) and the n-grams are combined
# from the token hashes by array slicing, so the Python work per document is a constant.
_FNV_PRIME = np.uint64(0x100000001B3)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_NGRAM_PRIME = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads FNV's weak low bits over all 64."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def token_hashes(tokens: list[str]) -> np.ndarray:
    """One uint64 per token, the same for the same token in any document or process."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    arr = np.array(tokens)
    lengths = np.char.str_len(arr)
    codes = arr.view(np.uint32).reshape(len(tokens), -1)
    h = np.full(len(tokens), _FNV_OFFSET, dtype=np.uint64)
    for j in range(codes.shape[1]):
        step = (h ^ codes[:, j].astype(np.uint64)) * _FNV_PRIME
        # Only a token's own characters count: the padding up to the longest token would make
        # a token's hash depend on the other tokens of its document.
        h = np.where(j < lengths, step, h)
    return _mix(h)


def salt_hash(salt: str) -> np.uint64:
    """The starting value of every shingle hash of a partition (see dedup/scope.py)."""
    return token_hashes([salt])[0] if salt else np.uint64(0)


def shingle_hashes(text: str, lang: str, n: int, salt: str = "") -> np.ndarray:
    """The uint64 hashes of `shingle_set(text, lang, n)` (with repeats), in one numpy pass.

    A text shorter than N tokens is one shingle of all its tokens, as in `shingle_set`; an
    empty text has none. A SALT makes the hashes of different partitions unrelated.
    """
    tokens = TOKENIZERS[lang](lang).word_tokenize(simplify_text(text, NORM))
    h = token_hashes(tokens)
    m = max(len(tokens) - n + 1, 1) if tokens else 0
    g = np.full(m, salt_hash(salt), dtype=np.uint64)
    for j in range(min(n, len(tokens))):
        g = (g ^ h[j : j + m]) * _NGRAM_PRIME
    return _mix(g)
