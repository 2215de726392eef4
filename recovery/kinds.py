"""What kind of text a rule may have misjudged: pure detectors, one per kind.

Heuristic rules are tuned on running prose. Some good documents are not prose and fail them
for reasons that say nothing about quality: a list or a table has short lines without
terminal punctuation, code has symbols and short "words", a long formal text trips the
repetition rules with its headers, and Chinese text has no spaces for English word counts.
A rule rejection is only overruled when the document is one of these kinds AND the rule that
removed it is one that kind is known to fail (`KIND_RULES`): a spam page that happens to be a
list is still dropped by the spam rule.
"""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")
_BULLET = re.compile(r"^\s*(?:[-*•·▪●◦‣]|\d{1,3}[.)、]|[a-zA-Z][.)]|[（(]?[一二三四五六七八九十]+[)）、.])\s+\S")
_CELL_SPLIT = re.compile(r"\t|\s{2,}|\|")
_CODE_LINE = re.compile(
    r"(?:[;{}]\s*$|^\s*(?:def|class|import|from|return|if|for|while|#include|public|private|function|var|let|const)\b"
    r"|[=!<>]=|=>|->|\w+\([^)]*\)|^\s{4,}\S)"
)
_SENTENCE_END = re.compile(r"[.!?。！？；;]\s*$")


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
    "list": {"gopher_quality", "c4_quality", "fineweb_quality", "zh_line_length", "zh_symbols"},
    "table": {"gopher_quality", "c4_quality", "fineweb_quality", "zh_line_length", "zh_symbols", "zh_cjk_share"},
    "code": {"gopher_quality", "c4_quality", "fineweb_quality", "zh_symbols", "zh_cjk_share"},
    "long_formal": {"gopher_repetition", "gopher_quality", "fineweb_quality", "zh_repetition", "zh_length"},
}


def kind_of(text: str, rule: str) -> str | None:
    """The first kind the text is that excuses a removal by `rule`, or None."""
    if is_chinese_hit_by_english_rule(text, rule):
        return "chinese_english_rule"
    detectors = (("list", is_list), ("table", is_table), ("code", is_code), ("long_formal", is_long_formal))
    for kind, detect in detectors:
        if rule in KIND_RULES[kind] and detect(text):
            return kind
    return None
