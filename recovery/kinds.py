"""What kind of text a rule may have misjudged: pure detectors, one per kind.

Heuristic rules are tuned on running prose. Some good documents are not prose and fail them
for reasons that say nothing about quality: a list or a table has short lines without
terminal punctuation, code has symbols and short "words", a long formal text trips the
repetition rules with its headers, and Chinese text has no spaces for English word counts.
Running prose fails them too: the shape rules are proxies for "is this prose", measured with
quirks (Gopher's alphabetic-word share counts every punctuation mark as a word, FineWeb's and
C4's line rules read a page cut off mid-sentence as one unpunctuated line). On DCLM's human
labels, 72 of the 73 pages `gopher_below_alpha_threshold` removed still have >= 80 % alphabetic
words once punctuation marks are left out: the rule fired on its quirk, not its intent.

A rule rejection is only overruled when the document is one of these kinds AND the rule that
removed it is one that kind is known to fail (`KIND_RULES`): a spam page that happens to be a
list is still dropped by the spam rule, and a page that is none of these kinds (navigation,
keyword soup, a listing of names and prices) stays out however a model scores it.
"""

from __future__ import annotations

import re

from langid import scripts

_HAN = scripts.HAN_CHAR
_BULLET = re.compile(r"^\s*(?:[-*•·▪●◦‣]|\d{1,3}[.)、]|[a-zA-Z][.)]|[（(]?[一二三四五六七八九十]+[)）、.])\s+\S")
_CELL_SPLIT = re.compile(r"\t|\s{2,}|\|")
_CODE_LINE = re.compile(
    r"(?:[;{}]\s*$|^\s*(?:def|class|import|from|return|if|for|while|#include|public|private|function|var|let|const)\b"
    r"|[=!<>]=|=>|->|\w+\([^)]*\)|^\s{4,}\S)"
)
_SENTENCE_END = re.compile(r"[.!?。！？；;]\s*$")
# A sentence anywhere in a line: ten or more characters, then a full stop, question or
# exclamation mark that ends it (followed by a space, a closing quote or bracket, or the line's
# end; a Chinese mark needs nothing after it). "Home | About | Contact" has none.
_SENTENCE = re.compile(r"[^.!?。！？\n]{10,}(?:[.!?](?=\s|$|[\"'”’)\]])|[。！？])")


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def is_list(text: str, min_items: int = 5, min_frac: float = 0.5) -> bool:
    """Most non-empty lines are bullet or numbered items (at least `min_items` of them)."""
    lines = _lines(text)
    items = sum(1 for line in lines if _BULLET.match(line))
    return items >= min_items and items >= min_frac * len(lines)


def is_table(text: str, min_rows: int = 4, min_frac: float = 0.5) -> bool:
    """Most lines split into the same number (≥ 3) of cells, on tabs, pipes or wide gaps."""
    lines = _lines(text)
    widths = [len([c for c in _CELL_SPLIT.split(line.strip()) if c.strip()]) for line in lines]
    widths = [w for w in widths if w >= 3]
    if len(widths) < min_rows:
        return False
    common = max(set(widths), key=widths.count)
    return widths.count(common) >= min_rows and widths.count(common) >= min_frac * len(lines)


def is_code(text: str, min_lines: int = 5, min_frac: float = 0.3) -> bool:
    """A good share of lines look like source code (braces, semicolons, calls, keywords, indents)."""
    lines = _lines(text)
    code = sum(1 for line in lines if _CODE_LINE.search(line))
    return code >= min_lines and code >= min_frac * len(lines)


def is_long_formal(text: str, min_chars: int = 8000, min_sentence_frac: float = 0.6) -> bool:
    """Long and written in full sentences: a report, a paper, a legal or reference text."""
    lines = _lines(text)
    if len(text) < min_chars or not lines:
        return False
    # Weighted by characters: headings and short lines count for little.
    sentence_chars = sum(len(line) for line in lines if _SENTENCE_END.search(line))
    return sentence_chars >= min_sentence_frac * sum(len(line) for line in lines)


def is_prose(text: str, min_frac: float = 0.5) -> bool:
    """At least `min_frac` of the characters are in lines that hold a sentence.

    Measured on lines, not on line ends, so that a page cut off mid-sentence (as crawl
    excerpts are) still counts as prose; menus, link lists and spec sheets do not.
    """
    lines = _lines(text)
    total = sum(len(line) for line in lines)
    in_sentences = sum(len(line) for line in lines if _SENTENCE.search(line))
    return total > 0 and in_sentences >= min_frac * total


def han_frac(text: str) -> float:
    non_space = sum(1 for c in text if not c.isspace())
    return len(_HAN.findall(text)) / non_space if non_space else 0.0


def is_chinese_hit_by_english_rule(text: str, rule: str, min_han_frac: float = 0.3) -> bool:
    """Chinese text removed by a rule that counts English words or stop words."""
    return rule in ENGLISH_MINDED_RULES and han_frac(text) >= min_han_frac


# Rules that count space-separated words, English stop words or line-final Latin punctuation.
ENGLISH_MINDED_RULES = frozenset({"gopher_quality", "c4_quality", "fineweb_quality"})

# Which rules each kind is known to fail for reasons unrelated to quality. Never the spam,
# blocklist or repetition-of-whole-document rules: those catch bad pages of every kind.
KIND_RULES = {
    # A list is what the listing rule is meant to remove: that removal is not excused as a list.
    "list": {"gopher_quality", "c4_quality", "fineweb_quality", "zh_symbols"},
    "table": {"gopher_quality", "c4_quality", "fineweb_quality", "listing", "zh_symbols", "zh_cjk_share"},
    "code": {"gopher_quality", "c4_quality", "fineweb_quality", "listing", "zh_symbols", "zh_cjk_share"},
    "long_formal": {"gopher_repetition", "gopher_quality", "fineweb_quality", "zh_repetition", "zh_length"},
    # The line- and word-shape rules only: prose is what they are meant to let through. Not
    # the repetition rules (repeated text is repeated whatever its kind), not the length or
    # CJK-share rules (a short page is short, a mostly non-Chinese page is not Chinese prose).
    "prose": {"gopher_quality", "c4_quality", "fineweb_quality", "listing", "zh_symbols"},
}


# Checks inside an excusable rule that no kind excuses: a step such as gopher_quality also
# measures length, and a short page is short whatever it is (except Chinese text, whose words
# an English rule cannot count).
UNEXCUSED_REASONS = frozenset({"gopher_short_doc", "gopher_long_doc"})


def kind_of(text: str, rule: str, reason: str | None = None) -> str | None:
    """The first kind the text is that excuses a removal by `rule` (for `reason`, the check of
    the rule that failed, when known), or None."""
    if is_chinese_hit_by_english_rule(text, rule):
        return "chinese_english_rule"
    if reason in UNEXCUSED_REASONS:
        return None
    # Most specific first, so that the evidence names the kind that best explains the removal.
    detectors = (("list", is_list), ("table", is_table), ("code", is_code), ("long_formal", is_long_formal), ("prose", is_prose))
    for kind, detect in detectors:
        if rule in KIND_RULES[kind] and detect(text):
            return kind
    return None
