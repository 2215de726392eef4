"""Chinese heuristic quality rules, measured on characters.

Chinese has no spaces and no English stop words, and `str.isalpha` is true for every Han
character, so the English rules measure nothing useful here. These rules count CJK
ideographs, punctuation and symbols instead, and apply Gopher's repetition idea to character
n-grams. The defaults were chosen on shared/data/text: they keep every cmrc2018 paragraph
(Chinese Wikipedia) and ChineseWebText's quality_clean.jsonl, and catch its gambling spam,
code dumps and navigation lists (tests/test_filters_chinese.py holds both sides).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from datatrove.data import Document

from filters.base import Check, RuleFilter, at_least, at_most
from filters.words import dup_ngram_chars, find_duplicates, split_lines, split_paragraphs, top_ngram_chars

# Han ideographs: the unified block, extension A, compatibility ideographs, extensions B-F.
_CJK_CLASS = "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0002ebef"
_CJK = re.compile(f"[{_CJK_CLASS}]")
# Sentence and clause punctuation of running Chinese prose.
CJK_SENTENCE_PUNCT = "，。！？、；："
# Punctuation a clean Chinese page uses besides those: quotes, brackets, book titles, dashes,
# ellipses, the middle dot, full-width forms, and all of ASCII's.
_COMMON_PUNCT = re.escape(CJK_SENTENCE_PUNCT + "“”‘’「」『』《》〈〉（）【】〔〕…—–·～﹏　．％＋－／＝＜＞")
_ASCII_PUNCT = re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_PUNCT_CHARS = re.compile(f"[{re.escape(CJK_SENTENCE_PUNCT)}]")
# A symbol is anything else that is not a letter, digit or space: emoji, box drawing,
# control characters, mojibake (U+FFFD), decorative stars and arrows.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SYMBOL = re.compile(rf"[^\w\s{_COMMON_PUNCT}{_ASCII_PUNCT}]|_")


def count_cjk(text: str) -> int:
    """Han characters: "GPT-4很强。" -> 2."""
    return len(_CJK.findall(text))


def cjk_chars(text: str) -> list[str]:
    """The Han characters of the text, in order, everything else dropped."""
    return _CJK.findall(text)


def non_space_chars(text: str) -> int:
    return len(text) - sum(map(str.isspace, text))


def symbol_frac(text: str) -> float:
    """Share of symbols among non-space characters: "好★★" -> 2/3."""
    n = non_space_chars(text)
    return len(_SYMBOL.findall(text)) / n if n else 0.0


def sentence_punct_per_cjk(text: str) -> float:
    """Sentence punctuation marks per Han character: "你好，世界。" -> 2/4."""
    n = count_cjk(text)
    return len(_PUNCT_CHARS.findall(text)) / n if n else 0.0


def mean_line_chars(text: str) -> float:
    """Mean length of the non-blank lines, stripped: "ab\\n\\n  abcd " -> 3.0."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    return sum(map(len, lines)) / len(lines) if lines else 0.0


class ZhLengthFilter(RuleFilter):
    """Too little Chinese to learn from, or a dump too long to be a page."""

    name = "zh_length"

    def __init__(
        self,
        min_cjk_chars: int | None = 100,  # ~ two sentences; cmrc2018 paragraphs are 200-1,000
        max_chars: int | None = 500000,  # longer "pages" are concatenated dumps (a novel, a log)
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.min_cjk_chars = min_cjk_chars
        self.max_chars = max_chars

    def checks(self, doc: Document) -> Iterator[Check | None]:
        yield at_least("zh_too_few_cjk_chars", count_cjk(doc.text), self.min_cjk_chars)
        yield at_most("zh_too_many_chars", len(doc.text), self.max_chars)


class ZhCjkShareFilter(RuleFilter):
    """A Chinese page whose characters are mostly not Chinese: code, English, number tables."""

    name = "zh_cjk_share"

    def __init__(
        self,
        # Clean zh pages carry Latin names, years and figures: cmrc2018 paragraphs go down to
        # ~0.6 and quality_clean to ~0.7, while the code dump in quality_dirty is ~0.1 and the
        # English navigation list ~0.05. 0.4 leaves a wide margin on both sides.
        min_cjk_frac: float | None = 0.4,
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.min_cjk_frac = min_cjk_frac

    def checks(self, doc: Document) -> Iterator[Check | None]:
        n = non_space_chars(doc.text)
        yield at_least("zh_low_cjk_share", count_cjk(doc.text) / n if n else 0.0, self.min_cjk_frac)


class ZhLineLengthFilter(RuleFilter):
    """Pages made of short lines are menus, tag clouds and link lists, not prose."""

    name = "zh_line_length"

    def __init__(
        self,
        # A Chinese sentence is ~20-40 characters. On real zh Common Crawl (cc-2021-43) no
        # news or article page averages under 21 characters a line; what does is link lists,
        # price tables, spec sheets and idiom lists (quality_dirty: 15-18). cmrc2018 and
        # quality_clean are one long line per paragraph.
        min_mean_line_chars: float | None = 20,
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.min_mean_line_chars = min_mean_line_chars

    def checks(self, doc: Document) -> Iterator[Check | None]:
        yield at_least("zh_short_lines", mean_line_chars(doc.text), self.min_mean_line_chars)


class ZhSymbolsFilter(RuleFilter):
    """Symbol soup (emoji, box drawing, mojibake) and pages without sentence punctuation."""

    name = "zh_symbols"

    def __init__(
        self,
        # Clean pages have well under 1 % symbols (cmrc2018 max ~0.5 %); a control-character
        # or mojibake-laden page has several %. Gopher's 0.1 symbol-to-word ratio is the
        # model; we are stricter because a Chinese "word" is ~1.5 characters.
        max_symbol_frac: float | None = 0.05,
        # Chinese prose has a ，or 。 every 10-20 characters (cmrc2018: median 0.09 per Han
        # character, lowest 0.023; quality_clean lowest 0.022, a list of people's posts);
        # product listings, directories and keyword pages in cc-2021-43 have 0-0.014.
        min_sentence_punct_per_cjk: float | None = 0.015,
        # C0 control characters (other than tab/newline/CR) never occur in a clean page; in
        # crawled zh text they mark mojibake or anti-scraping noise ("再战机器人\x08\x06\x07").
        max_control_chars: int | None = 0,
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.max_symbol_frac = max_symbol_frac
        self.min_sentence_punct_per_cjk = min_sentence_punct_per_cjk
        self.max_control_chars = max_control_chars

    def checks(self, doc: Document) -> Iterator[Check | None]:
        yield at_most("zh_control_chars", len(_CONTROL.findall(doc.text)), self.max_control_chars)
        yield at_most("zh_too_many_symbols", symbol_frac(doc.text), self.max_symbol_frac)
        yield at_least("zh_too_little_punct", sentence_punct_per_cjk(doc.text), self.min_sentence_punct_per_cjk)


# Gopher's table A1 thresholds, applied to Han-character n-grams. A Chinese word is ~1.5
# characters, so a character n-gram is shorter than Gopher's word n-gram; the measured
# repetition of clean text is correspondingly higher (names and set phrases recur). Measured
# on cmrc2018 paragraphs joined three at a time, the maxima are 0.09 (top 2/3/4-gram) and
# 0.37 / 0.34 / 0.27 / 0.30 / 0.27 / 0.26 (duplicated 5..10-grams); a quality_clean list of
# namesakes ("徐卫兵：…") reaches 0.19 on its top 3-gram. The limits sit above those, and
# templated or keyword-stuffed pages in cc-2021-43 are at 0.4-0.5.
ZH_TOP_NGRAM_FRAC = {2: 0.25, 3: 0.22, 4: 0.20}
ZH_DUP_NGRAM_FRAC = {5: 0.40, 6: 0.38, 7: 0.36, 8: 0.34, 9: 0.32, 10: 0.30}


class ZhRepetitionFilter(RuleFilter):
    """Gopher's repetition rules on characters: repeated lines, paragraphs and Han n-grams."""

    name = "zh_repetition"

    def __init__(
        self,
        max_dup_line_frac: float | None = 0.3,  # Gopher table A1
        max_dup_para_frac: float | None = 0.3,  # Gopher table A1
        max_top_ngram_chars_frac: dict[int, float] | None = None,  # None: ZH_TOP_NGRAM_FRAC
        max_dup_ngram_chars_frac: dict[int, float] | None = None,  # None: ZH_DUP_NGRAM_FRAC
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.max_dup_line_frac = max_dup_line_frac
        self.max_dup_para_frac = max_dup_para_frac
        top = ZH_TOP_NGRAM_FRAC if max_top_ngram_chars_frac is None else max_top_ngram_chars_frac
        dup = ZH_DUP_NGRAM_FRAC if max_dup_ngram_chars_frac is None else max_dup_ngram_chars_frac
        self.max_top_ngram_chars_frac = {int(n): float(f) for n, f in sorted(top.items())}
        self.max_dup_ngram_chars_frac = {int(n): float(f) for n, f in sorted(dup.items())}

    def checks(self, doc: Document) -> Iterator[Check | None]:
        text = doc.text
        lines = [line for line in split_lines(text.strip()) if line.strip()] or [""]
        yield at_most("zh_dup_line_frac", find_duplicates(lines)[0] / len(lines), self.max_dup_line_frac)
        paragraphs = split_paragraphs(text)
        yield at_most("zh_dup_para_frac", find_duplicates(paragraphs)[0] / len(paragraphs), self.max_dup_para_frac)
        chars = cjk_chars(text)
        if not chars:
            return
        for n, max_frac in self.max_top_ngram_chars_frac.items():
            if len(chars) >= n:
                yield at_most(f"zh_top_{n}_char_gram", top_ngram_chars(chars, n, sep_chars=0) / len(chars), max_frac)
        for n, max_frac in self.max_dup_ngram_chars_frac.items():
            yield at_most(f"zh_dup_{n}_char_grams", dup_ngram_chars(chars, n) / len(chars), max_frac)


class ZhSpamTermsFilter(RuleFilter):
    """Gambling, lottery and porn spam: too many spam terms per 1,000 Han characters.

    Density rather than presence, so that a news story about a gambling raid survives while
    a page with a casino keyword injected into every paragraph does not.
    """

    name = "zh_spam_terms"

    def __init__(
        self,
        terms_path: str,
        # The injected page in cc-2021-43 (王者威尼斯人现金网 in a news story) has ~10 hits per
        # 1,000 Han characters, the lottery page (澳洲幸运8) ~7; Wikipedia text about Macau's
        # casinos (cmrc2018) has at most 2.3 once paragraphs are joined into pages.
        max_terms_per_1000_cjk: float | None = 3.0,
        # Short pages are counted as this long, so that two or three mentions of 赌场 in one
        # encyclopedia paragraph are not spam, while ten in a short page still are.
        min_density_cjk_chars: int = 1000,
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.terms_path = terms_path
        self.max_terms_per_1000_cjk = max_terms_per_1000_cjk
        self.min_density_cjk_chars = min_density_cjk_chars
        self._pattern: re.Pattern | None = None  # compiled on first use, in the worker

    def pattern(self) -> re.Pattern:
        """One alternation of all terms, longest first so that 新葡京 wins over 葡京."""
        if self._pattern is None:
            with open(self.terms_path, encoding="utf-8") as f:
                terms = {line.split("#", 1)[0].strip() for line in f}
            terms.discard("")
            if not terms:
                raise ValueError(f"no spam terms in {self.terms_path}")
            self._pattern = re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))
        return self._pattern

    def checks(self, doc: Document) -> Iterator[Check | None]:
        hits = len(self.pattern().findall(doc.text))
        per_1000 = 1000 * hits / max(count_cjk(doc.text), self.min_density_cjk_chars, 1)
        yield at_most("zh_spam_terms", per_1000, self.max_terms_per_1000_cjk)
