"""Chinese heuristic quality rules, measured on characters.

Chinese has no spaces and no English stop words, and `str.isalpha` is true for every Han
character, so the English rules measure nothing useful here. These rules count CJK
ideographs, punctuation and symbols instead, and apply Gopher's repetition idea to character
n-grams. They judge what the text is made of, not the shape of its lines: a poem, a price list
or a code tutorial has short lines and passes; whether a page is a menu or a listing is the
`listing` step's question (filters/listing.py).

Where a threshold was (re)chosen, it was chosen on the tuning half of the clean reference texts
(bench/rules_on_clean_text.py) and on shared/data/text (cmrc2018 Wikipedia paragraphs joined
three to a page, ChineseWebText's quality_clean/quality_dirty and cc-2021-43 crawl pages, read
one by one); the bench reports the held-apart half. tests/test_filters_chinese.py holds both
sides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from datatrove.data import Document

from filters.base import Check, RuleFilter, at_least, at_most
from filters.listing import is_code_line
from filters.words import dup_ngram_chars, find_duplicates, split_lines, split_paragraphs, top_ngram_chars
from langid import scripts

_CJK_CLASS = scripts.HAN
_CJK = scripts.HAN_CHAR
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
# A space after a clause of Han characters is a clause break in informal writing ("楓紅期間入園費
# 沿著步道走"): Taiwanese blogs and forum replies often use it instead of a comma. The clause must
# be 6+ characters: keywords stuffed with spaces between them ("百家乐 老虎机 时时彩") are not
# clauses.
_HAN_GAP = re.compile(f"[{_CJK_CLASS}]{{6}}[ \u3000\t]+(?=[{_CJK_CLASS}])")
# The units repetition is counted in: each Han character, and each run of other letters and
# digits ("2023", "GDP", "8.1"), which is a word as Gopher counts words. Punctuation and spaces
# are not units.
_UNIT = re.compile(rf"[{_CJK_CLASS}]|(?:[^\W{_CJK_CLASS}]|(?<=\d)[.,](?=\d))+")


def count_cjk(text: str) -> int:
    """Han characters: "GPT-4很强。" -> 2."""
    return len(_CJK.findall(text))


def cjk_chars(text: str) -> list[str]:
    """The Han characters of the text, in order, everything else dropped."""
    return _CJK.findall(text)


def repetition_units(text: str) -> list[str]:
    """Han characters one by one, other letter/digit runs whole: "GDP增长8.1%。" -> ["GDP", "增", "长", "8.1"]."""
    return _UNIT.findall(text)


def non_space_chars(text: str) -> int:
    return len(text) - sum(map(str.isspace, text))


def symbol_frac(text: str) -> float:
    """Share of symbols among non-space characters: "好★★" -> 2/3."""
    n = non_space_chars(text)
    return len(_SYMBOL.findall(text)) / n if n else 0.0


def sentence_punct_per_cjk(text: str) -> float:
    """Clause breaks per Han character: sentence punctuation, and spaces after a run of 6+ Han
    characters. "你好，世界。" -> 2/4; "今天天气很好 我们去爬山" -> 1/11; "百家乐 老虎机" -> 0."""
    n = count_cjk(text)
    return (len(_PUNCT_CHARS.findall(text)) + len(_HAN_GAP.findall(text))) / n if n else 0.0


def prose_cjk_frac(text: str) -> float:
    """Han characters among the non-space characters of the lines that are not code: a
    tutorial's code blocks are not "non-Chinese text". "说明：\nx = f(1);\n" -> 2/3."""
    kept = [line for line in text.split("\n") if line.strip() and not is_code_line(line)]
    n = sum(map(non_space_chars, kept))
    return sum(map(count_cjk, kept)) / n if n else 0.0


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
        # Gopher's 50 words (Rae et al. 2021, A.1.1) in Han characters: jieba cuts cmrc2018
        # into 1.81 Han characters a word (quality_clean: 1.89), so 50 words are ~90; 100 (~55
        # words) is kept, as no clean reference of the tuning half lies between 90 and 100.
        min_cjk_chars: int | None = 100,
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
    """A "Chinese" page whose text is mostly another language: an English page with a Chinese
    menu, an English link list. Code lines are left out of the count (`prose_cjk_frac`): a
    programming tutorial is Chinese prose around code, and counting the code as non-Chinese
    text removed CSDN/WeChat tutorials (wechat/2 in gne_zh_news: 0.26 over all lines, 0.65
    without its code)."""

    name = "zh_cjk_share"

    def __init__(
        self,
        # Over the non-code lines: the lowest clean reference of the tuning half is 0.35 (a Java
        # question quoting an English stack trace), cmrc2018 pages 0.54 and up, quality_clean 0.76;
        # the English navigation list of quality_dirty is 0.10. Chosen between, nearer the clean
        # side's margin: 0.3.
        min_cjk_frac: float | None = 0.3,
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.min_cjk_frac = min_cjk_frac

    def checks(self, doc: Document) -> Iterator[Check | None]:
        yield at_least("zh_low_cjk_share", prose_cjk_frac(doc.text), self.min_cjk_frac)


class ZhLineLengthFilter(RuleFilter):
    """Pages made of short lines are menus, tag clouds and link lists, not prose.

    Not in the default configs/filters/zh.yaml any more: it judges the shape of the lines, and
    removed poems, price lists, encyclopedia entries, and news pages whose extraction kept a
    site's menu lines (163.com pages 2, 5-8 and sina/2 of gne_zh_news; 3 of the 19 clean
    references of the tuning half). The `listing` step (filters/listing.py) asks what the lines
    are instead. Kept registered so that an older rule file still runs.
    """

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
        # model; we are stricter because a Chinese "word" is ~1.8 characters.
        max_symbol_frac: float | None = 0.05,
        # Chinese prose has a ，or 。 every 10-20 characters (cmrc2018: median 0.09 per Han
        # character, lowest 0.058 a page; quality_clean lowest 0.022, a list of people's posts);
        # product listings, directories and keyword pages in cc-2021-43 have 0-0.008. Spaces
        # between Han characters count as breaks since a Taiwanese photo blog of the tuning half
        # (readability/pixnet) writes its clauses that way: 0.010 without them, 0.029 with.
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


# Gopher's repetition thresholds (Rae et al. 2021, table A1) are on word n-grams; Chinese has
# no spaces, so these count n-grams of units: Han characters, with each run of digits or Latin
# letters one unit, as Gopher's words are (`repetition_units`). Dropping the figures instead
# glued every "比上年增长8.1%" of a statistics release into one repeated phrase. A character
# is ~0.55 of a word (jieba on cmrc2018: 1.81 Han characters a word), so clean text repeats
# more character n-grams than Gopher's English word n-grams, and the limits are set on clean
# text: on cmrc2018 paragraphs joined three to a page the maxima are 0.08 / 0.07 / 0.06 (top
# 2/3/4-gram) and 0.32 / 0.29 / 0.25 / 0.25 / 0.21 / 0.21 (duplicated 5..10-grams); gne_zh_news
# pages as extracted reach 0.28 on 5-grams; a quality_clean list of namesakes ("徐卫兵：…")
# 0.19 on its top 3-gram. Templated and stuffed pages of cc-2021-43 are at 0.41-0.52.
# FineWeb-2's per-language thresholds (huggingface/fineweb-2 configs/cmn_Hani.yml: top
# 2/3/4-grams 0.256/0.201/0.171, duplicated 5..10-grams 0.198..0.127, on jieba words) were tried
# on character n-grams of 1.8 times the length (4/5/7, 9..18): they removed 4 of 368 cmrc2018
# pages, 2 of 56 gne_zh_news pages and 3 of the 19 clean references of the tuning half, so they
# are not used.
ZH_TOP_NGRAM_FRAC = {2: 0.25, 3: 0.22, 4: 0.20}
ZH_DUP_NGRAM_FRAC = {5: 0.40, 6: 0.38, 7: 0.36, 8: 0.34, 9: 0.32, 10: 0.30}


class ZhRepetitionFilter(RuleFilter):
    """Gopher's repetition rules on characters: repeated lines, paragraphs and unit n-grams
    (Han characters; a number or a Latin word is one unit). The reasons keep their names
    (`zh_dup_5_char_grams`) for the records of earlier runs."""

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
        units = tuple(repetition_units(text))
        total = sum(map(len, units))
        if not count_cjk(text):
            return
        for n, max_frac in self.max_top_ngram_chars_frac.items():
            if len(units) >= n:
                yield at_most(f"zh_top_{n}_char_gram", top_ngram_chars(units, n, sep_chars=0) / total, max_frac)
        for n, max_frac in self.max_dup_ngram_chars_frac.items():
            yield at_most(f"zh_dup_{n}_char_grams", dup_ngram_chars(units, n) / total, max_frac)


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
            # Case-blind for the Latin brand names in the list (bet365, yabo); Han has no case.
            self._pattern = re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))), re.IGNORECASE)
        return self._pattern

    def checks(self, doc: Document) -> Iterator[Check | None]:
        hits = len(self.pattern().findall(doc.text))
        per_1000 = 1000 * hits / max(count_cjk(doc.text), self.min_density_cjk_chars, 1)
        yield at_most("zh_spam_terms", per_1000, self.max_terms_per_1000_cjk)
