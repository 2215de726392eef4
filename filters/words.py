"""Splitting text into words, sentences, lines and paragraphs, and counting what repeats.

The word splitter is a regex (run only on the whitespace-separated chunks that are not plain
words) that cuts English the way spaCy's rule-based tokenizer (`spacy.blank("en")`) does,
which is what datatrove's Gopher / FineWeb filters count with. It matters beyond word counts: spaCy makes every punctuation mark its own token,
so Gopher's "80 % of words contain a letter" and FineWeb's newline-per-word ratio see
punctuation as words. The rules use it only with `stock_compatible: true`, to make datatrove's
decisions (bench/quality_rules_agreement.py measures it) at a fraction of the cost; by
default they count `whitespace_words`, as the papers do.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import numpy as np

# Abbreviations that keep their final period in English text (AP-style titles, months,
# company forms, US states), so "Mr. Smith" and "Jan. 5" are not sentence ends.
_ABBREVIATIONS = (
    "Mr Mrs Ms Messrs Dr Prof Rev Gen Gov Sen Rep Adm St Mt Jr Bros Co co Corp Inc Ltd vs "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Ph\\.D a\\.m p\\.m "
    "Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Md Mass Mich Minn Miss Mo "
    "Mont Neb Nebr Nev Okla Ore Pa Tenn Va Wash Wis"
).split()

# Glue that keeps a token whole when it sits between two letters/digits; everything else
# between word characters splits. Mirrors spaCy's infix rules: a hyphen splits "well-known"
# and "19-year" but not "COVID-19"; a comma splits "a,b" but not "1,000"; ":" and "/" split
# "and/or" but not "10:30"; an apostrophe that is not a clitic keeps "O'Brien".
_NEUTRAL = r"""[|\[\](){}"“”‘*&@\#%$_;!?\\~`´§]"""
_JOIN = r"""(?:
      (?<![a-z])\.|\.(?![A-Z])
    | (?<![^\W\d_]),|,(?![^\W\d_])
    | (?<=[^\W\d_])-(?=\d) | (?<=[^\W_])[–—](?=\d)
    | [:/<>=](?=\d)
    | ['’](?!(?:[sSdDmM]|re|RE|ve|VE|ll|LL)(?![^\W_]))
    | [_@&\#%$]
    | (?<!\d)[+*^]|[+*^](?!\d)
    | [.,:\-]*{n}+[.,:\-]*     # marks that split a word only at its edges: "Prev][Date"
)""".format(n=_NEUTRAL)

# Units that come off a number ("6oz" -> "6", "oz"), as spaCy's suffix rules do.
_UNITS = "km|cm|mm|dm|nm|µm|m|ha|yd|in|ft|mi|kg|mg|µg|g|t|lb|lbs|oz|mph|kmh|km/h|m/s|hPa|Pa|mbar|mb|MB|kb|KB|gb|GB|tb|TB|am|pm"

# Letters and digits, plus the combining marks and joiners that Indic, Thai and Persian words
# carry inside them (Python's \w leaves those out; spaCy does not split on them).
_WORD_CHAR = r"[\w\u0300-\u036F\u0900-\u0DFF\u0E31-\u0E4E\u200C\u200D]"

_TOKEN = re.compile(
    r"""
      (?<![\w.])(?:[Cc]an(?=not\b)|\d+(?:[.,]\d+)*(?=(?:{units})\b))  # can|not, 6|oz, 9|pm
    | {w}+(?=\s|\Z)                                          # a plain word: the common case
    | (?<![\w.])(?=[A-Za-z.]{{1,8}}\.)(?:{abbr}|[A-Za-z](?:\.[A-Za-z])*)\.(?!\w)  # Mr. U.S. e.g. J.
    | {w}+(?=[.,;:!?)\]"'”’]+(?:\s|\Z))                    # a word before closing marks
    | (?:https?://|www\.)[^\s]*[^\s.,;:!?'")\]}}>]            # a URL stays whole
    | \w+(?=n['’]t(?!\w))                                     # do|n't, is|n't
    | n['’]t(?![^\W_])
    | ['’](?:[sSdDmM]|re|RE|ve|VE|ll|LL)(?![^\W_])            # clitics: 's 're 've 'll 'd 'm
    | and/or | (?<!\S)(?:US|A|C)\$                            # currency prefixes
    | (?:(?<!\S)[-|\\^/@~](?:[-|\\^/@~]|{n})*|(?<!\S)\+(?=\d))?  # "-5", "+5", "|Day", "@name"
      {w}+(?:{join}{w}+)*                                     # words, numbers, e-mails
      (?:(?:[-|\\^/@~=]|(?<![0-9])[+$])+(?![^\W_]))?         # "pre-", "C++", "key="
    | ''
    | \.{{2,}} | -{{2,}}                                      # ellipsis, rule lines
    | \S                                                      # any other mark is one token
    """.format(abbr="|".join(_ABBREVIATIONS), join=_JOIN, w=_WORD_CHAR, units=_UNITS, n=_NEUTRAL),
    re.VERBOSE,
)

# Marks that end a sentence (the common part of Unicode's Sentence_Terminal: Latin, CJK,
# Arabic, Devanagari, Ethiopic, Armenian), for spaCy-style sentence counting and FineWeb's
# "line ends in terminal punctuation".
SENTENCE_END = frozenset(".!?。！？．｡‼‽⁇⁈⁉؟۔।॥።։")
_SPLIT_ALPHA = frozenset({"cannot", "Cannot", "CANNOT"})  # letter-only chunks spaCy still splits
_LINES = re.compile(r"\n+")
_MAY_SPLIT_SENTENCE = re.compile(
    "[" + re.escape("".join(sorted(SENTENCE_END))) + r"].*?[^\s!\"#%&'()*,\-./:;?@\[\\\]_{}]", re.DOTALL
).search
_HAS_ALNUM = re.compile(r"[^\W_]").search
_HAS_LETTER = re.compile(r"[^\W\d_]").search
_PARAGRAPHS = re.compile(r"\n{2,}")


def _tokenize(text: str) -> list[str]:
    # Whitespace-separated chunks made of letters only are words as they stand (most of
    # them); the regex runs on the rest. Twice as fast as one regex pass, same tokens.
    tokens: list[str] = []
    keep, cut = tokens.append, tokens.extend
    for chunk in text.split():
        if chunk.isalpha() and chunk not in _SPLIT_ALPHA:
            keep(chunk)
        else:
            cut(_TOKEN.findall(chunk))
    return tokens


@lru_cache(maxsize=8)
def split_words(text: str) -> tuple[str, ...]:
    """English words and punctuation marks, as spaCy would cut them.

    "Don't pay $5.50, Mr. Smith!" -> ("Do", "n't", "pay", "$", "5.50", ",", "Mr.", "Smith", "!")

    Cached: the Gopher, repetition and FineWeb rules split the same text one after another.
    """
    return tuple(_tokenize(text))


@lru_cache(maxsize=4096)
def is_punct(token: str) -> bool:
    """True when every character is Unicode punctuation (category P*)."""
    return all(unicodedata.category(ch)[0] == "P" for ch in token)


def whitespace_words(text: str) -> tuple[str, ...]:
    """Words as the Gopher, C4 and FineWeb papers count them: what whitespace separates.

    "Don't pay $5.50, Mr. Smith!" -> ("Don't", "pay", "$5.50,", "Mr.", "Smith!")
    """
    return tuple(text.split())


# Marks a word may carry at its edges without being another word: "(the", "end.", "“of”".
_EDGE_MARKS = re.compile(r"^\W+|\W+$")


def bare_word(word: str) -> str:
    """A word without the punctuation and symbols at its edges, lower-cased: "(The" -> "the"."""
    return _EDGE_MARKS.sub("", word).lower()


def content_words(words: tuple[str, ...] | list[str]) -> list[str]:
    """The words that hold a letter or digit; punctuation, bullets and emoji are left out."""
    return list(filter(_HAS_ALNUM, words))


def count_alpha_words(words: tuple[str, ...] | list[str]) -> int:
    """Words holding at least one letter (any script): ["a1", "42", "-", "x"] -> 2."""
    return sum(map(bool, map(_HAS_LETTER, words)))


def count_sentences(tokens: tuple[str, ...] | list[str]) -> int:
    """Sentences, split after `SENTENCE_END` marks once a non-punctuation token follows.

    ["It", "rains", ".", "Go", "!"] -> 2; ["Wait", "...", "what", "?"] -> 1 (an ellipsis
    does not end a sentence).
    """
    if not tokens:
        return 0
    sentences, seen_end = 1, False
    for token in tokens:
        if token in SENTENCE_END:
            seen_end = True
        elif seen_end and not is_punct(token):
            sentences += 1
            seen_end = False
    return sentences


def count_line_sentences(line: str) -> int:
    """`count_sentences` of one line, skipping the tokenizer when no sentence end is followed
    by anything but whitespace and punctuation (a one-sentence line, the usual case)."""
    if not line:
        return 0
    if _MAY_SPLIT_SENTENCE(line) is None:
        return 1
    return count_sentences(_tokenize(line))


def split_lines(text: str) -> list[str]:
    """Lines, with runs of newlines collapsed: "a\\n\\nb\\n" -> ["a", "b", ""]."""
    return _LINES.split(text)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines: "a\\nb\\n\\n\\nc" -> ["a\\nb", "c"]."""
    return _PARAGRAPHS.split(text.strip())


def find_duplicates(items: list[str]) -> tuple[int, int]:
    """(items that repeat an earlier one, their characters): ["a", "bb", "a", "bb", "a"] -> (3, 4)."""
    counts = Counter(items)
    dup_items = len(items) - len(counts)
    dup_chars = sum((k - 1) * len(item) for item, k in counts.items() if k > 1)
    return dup_items, dup_chars


# Repeated n-grams are found on 64-bit hashes of word-id windows, computed with numpy for
# every window at once: building a tuple per window and hashing it in Python was a third of
# the quality stage's time. Two different n-grams share a hash with odds ~m^2 / 2^64 for m
# windows (below 10^-11 for a 10,000-word page), far below any effect on a fraction.
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it permutes the 64-bit words


@lru_cache(maxsize=4)
def _word_ids(words: tuple[str, ...] | str) -> tuple[np.ndarray, np.ndarray]:
    """(an id per word, equal words equal ids; each word's length). Cached: one page's words
    are looked at for n = 2..10 one after another."""
    index = {w: i for i, w in enumerate(dict.fromkeys(words))}
    ids = np.fromiter(map(index.__getitem__, words), dtype=np.uint64, count=len(words))
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    return ids, lengths


def _gram_hashes(words, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(a hash per n-gram window in order, the word lengths)."""
    ids, lengths = _word_ids(words if isinstance(words, (tuple, str)) else tuple(words))
    m = len(ids) - n + 1
    if m <= 0:
        return np.empty(0, dtype=np.uint64), lengths
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = (h ^ (ids[k : k + m] + np.uint64(k + 1))) * _MIX
            h ^= h >> np.uint64(29)
    return h, lengths


def top_ngram_chars(words: tuple[str, ...] | list[str] | str, n: int, sep_chars: int = 1) -> int:
    """Characters covered by the most frequent n-gram: its length (words joined with
    `sep_chars` separators) times its count; ties go to the n-gram seen first.

    ["a", "b", "a", "b", "c"], n=2 -> "a b" twice -> 3 * 2 = 6.
    """
    h, lengths = _gram_hashes(words, n)
    if not len(h):
        return 0
    _, first, counts = np.unique(h, return_index=True, return_counts=True)
    k = counts.max()
    at = int(first[counts == k].min())
    return (int(lengths[at : at + n].sum()) + sep_chars * (n - 1)) * int(k)


def dup_ngram_chars(words: tuple[str, ...] | list[str] | str, n: int) -> int:
    """Characters in n-grams that repeat an earlier n-gram, scanning left to right and
    jumping past each repeat so that no word is counted twice (Gopher, Rae et al. 2021, A1).

    ["x", "y", "x", "y", "x", "y"], n=2 -> "xy" at 0, "yx" at 1, repeat "xy" at 2 (2 chars),
    jump to 4, repeat "xy" (2 chars) -> 4.
    """
    h, lengths = _gram_hashes(words, n)
    if not len(h):
        return 0
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    if len(first) == len(h):  # nothing repeats: the common case
        return 0
    # Positions holding a later occurrence of their n-gram are the only ones the scan has to
    # look at; the stretches between them go into `seen` in one step.
    later = np.flatnonzero(first[inverse] != np.arange(len(h))).tolist()
    grams = h.tolist()
    offsets = np.concatenate(([0], np.cumsum(lengths))).tolist()
    seen: set[int] = set()
    repeated, i = 0, 0
    for j in later:
        if j < i:
            continue  # inside a repeat already counted
        seen.update(grams[i:j])
        if grams[j] in seen:
            repeated += offsets[j + n] - offsets[j]
            i = j + n
        else:
            seen.add(grams[j])
            i = j + 1
    return repeated
