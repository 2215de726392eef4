"""English heuristic quality rules (Gopher, C4, FineWeb) as their papers define them, and a URL
blocklist.

Where datatrove's stock filters measure differently from the paper (words as spaCy tokens, a
1 % duplicated-line threshold) and that removes good text, we follow the paper; each rule says
where. `stock_compatible: true` on a rule measures as datatrove does (on our regex splitter
instead of spaCy: `bench/quality_rules_agreement.py` checks agreement and speed), and
configs/filters/en_fineweb.yaml is FineWeb's rule set exactly."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from datatrove.data import Document

from filters.base import Check, RuleFilter, at_least, at_most
from filters.words import SENTENCE_END, bare_word, content_words, count_alpha_words, count_line_sentences, whitespace_words
from filters.words import dup_ngram_chars, find_duplicates, split_lines, split_paragraphs, split_words, top_ngram_chars

# Gopher (Rae et al. 2021, appendix A): a document needs two of these to count as English prose.
GOPHER_STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")
# Gopher table A1: the share of characters the most frequent 2/3/4-gram may cover, and the
# share that repeated 5..10-grams may cover together.
GOPHER_TOP_NGRAM_FRAC = {2: 0.20, 3: 0.18, 4: 0.16}
GOPHER_DUP_NGRAM_FRAC = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
_TERMINAL = tuple(SENTENCE_END)  # for str.endswith
_CLOSERS = "\"'”’)]»」』"  # marks that may follow a sentence's end on its line
# A citation or footnote marker after a sentence's end: "... in 1990.[3]", "... sacred. [M1 / MP]".
_CITATION_AT_END = re.compile(r"\s*\[[^\[\]\n]{1,30}\]$")
_BLANK_LINES = re.compile(r"\n[^\S\n]*\n\s*")  # a paragraph break: a line with no text between


def ends_sentence(line: str) -> bool:
    """FineWeb's "line ends in punctuation", read as "the line ends a sentence": also inside
    closing quotes or brackets, before trailing spaces, or before a citation marker. Why the
    marker: Wikipedia's paragraphs end "... in 1990.[3]" (59 lines of the tuning half's Wikipedia
    page in bench/rules_on_clean_text.py), and a held-apart Kotaku feature whose paragraphs end
    "... sacred. [M1 / MP]" had 13 of 216 lines end in punctuation (under FineWeb's 0.12), 132
    with the marker read past."""
    return _CITATION_AT_END.sub("", line.rstrip()).rstrip(_CLOSERS).endswith(_TERMINAL)


def text_blocks(text: str, separator: str | re.Pattern) -> list[str]:
    """The lines (separator "\n") or paragraphs that hold text, as they are: indentation is
    part of a line, so two code lines "  ]" and "    ]" are different lines."""
    parts = separator.split(text) if isinstance(separator, re.Pattern) else text.split(separator)
    return [p for p in parts if p.strip()]


class GopherQualityFilter(RuleFilter):
    """Gopher's quality rules (Rae et al. 2021, appendix A.1.1): length, word shape, symbols, stop words.

    A word is what whitespace separates, as in the paper. Stock datatrove counts spaCy tokens,
    so every comma and full stop is a "word" without a letter: "80 % of words contain a letter"
    then removes tutorials, reviews and wire stories whose words all have letters. Stop words
    are matched without edge punctuation and case ("The", "of,"); stock matches the bare
    lower-case token only. `stock_compatible: true` measures as datatrove does.
    """

    name = "gopher_quality"

    def __init__(
        self,
        min_doc_words: int | None = 50,  # Gopher: 50 ≤ words ≤ 100,000
        max_doc_words: int | None = 100000,
        min_mean_word_chars: float | None = 3,  # Gopher: mean word length 3..10 characters
        max_mean_word_chars: float | None = 10,
        max_symbol_word_frac: float | None = 0.1,  # "#" and "..." per word, each ≤ 0.1
        max_bullet_lines_frac: float | None = 0.9,  # lines starting with a bullet
        max_ellipsis_lines_frac: float | None = 0.3,  # lines ending with an ellipsis
        min_alpha_words_frac: float | None = 0.8,  # Gopher: 80 % of words contain a letter
        min_stop_words: int | None = 2,
        stop_words: list[str] | tuple[str, ...] = GOPHER_STOP_WORDS,
        stock_compatible: bool = False,  # measure words as datatrove's stock filter does
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.min_doc_words = min_doc_words
        self.max_doc_words = max_doc_words
        self.min_mean_word_chars = min_mean_word_chars
        self.max_mean_word_chars = max_mean_word_chars
        self.max_symbol_word_frac = max_symbol_word_frac
        self.max_bullet_lines_frac = max_bullet_lines_frac
        self.max_ellipsis_lines_frac = max_ellipsis_lines_frac
        self.min_alpha_words_frac = min_alpha_words_frac
        self.min_stop_words = min_stop_words
        self.stock_compatible = stock_compatible
        self.stop_words = frozenset(stop_words) if stock_compatible else frozenset(w.lower() for w in stop_words)

    def checks(self, doc: Document) -> Iterator[Check | None]:
        text = doc.text
        if self.stock_compatible:
            tokens = split_words(text)  # punctuation marks included: they count as words below
            words = content_words(tokens)
            matchable = tokens
        else:
            tokens = whitespace_words(text)
            matchable = [bare_word(w) for w in tokens]
            words = [w for w in matchable if w]  # a lone "—" or "|" is not a word
        yield at_least("gopher_short_doc", len(words), self.min_doc_words)
        yield at_most("gopher_long_doc", len(words), self.max_doc_words)
        mean_chars = sum(map(len, words)) / len(words) if words else 0.0
        yield at_least("gopher_below_avg_threshold", mean_chars, self.min_mean_word_chars)
        yield at_most("gopher_above_avg_threshold", mean_chars, self.max_mean_word_chars)
        n_tokens = max(len(tokens), 1)
        yield at_most("gopher_too_many_hashes", text.count("#") / n_tokens, self.max_symbol_word_frac)
        ellipses = text.count("...") + text.count("…")
        yield at_most("gopher_too_many_ellipsis", ellipses / n_tokens, self.max_symbol_word_frac)
        lines = text.splitlines() or [""]
        bullets = sum(line.lstrip().startswith(("•", "-")) for line in lines)
        yield at_most("gopher_too_many_bullets", bullets / len(lines), self.max_bullet_lines_frac)
        trailing = sum(line.rstrip().endswith(("...", "…")) for line in lines)
        yield at_most("gopher_too_many_end_ellipsis", trailing / len(lines), self.max_ellipsis_lines_frac)
        # Stock: of all tokens, punctuation included. Ours: of the words counted above (a word
        # holds a letter or digit), so "│" or "•" between words is not a word without a letter.
        alpha_of = tokens if self.stock_compatible else words
        yield at_least("gopher_below_alpha_threshold", count_alpha_words(alpha_of) / max(len(alpha_of), 1), self.min_alpha_words_frac)
        yield at_least("gopher_enough_stop_words", len(self.stop_words.intersection(matchable)), self.min_stop_words)


class GopherRepetitionFilter(RuleFilter):
    """Gopher's repetition rules (Rae et al. 2021, table A1): repeated lines, paragraphs and n-grams.

    N-grams are of whitespace-separated words, as in the paper; stock datatrove makes every
    punctuation mark a word, so ", the" and ". The" are n-grams of their own. A line or a
    paragraph holds text: stock counts whitespace-only lines (a forum's indented blank lines)
    as lines that repeat, which removed clean forum threads in bench/rules_on_clean_text.py.
    `stock_compatible: true` measures as datatrove does.
    """

    name = "gopher_repetition"

    def __init__(
        self,
        max_dup_line_frac: float | None = 0.3,
        max_dup_para_frac: float | None = 0.3,
        max_dup_line_chars_frac: float | None = 0.2,
        max_dup_para_chars_frac: float | None = 0.2,
        max_top_ngram_chars_frac: Mapping[int, float] | None = None,  # None: GOPHER_TOP_NGRAM_FRAC
        max_dup_ngram_chars_frac: Mapping[int, float] | None = None,  # None: GOPHER_DUP_NGRAM_FRAC
        stock_compatible: bool = False,  # n-grams of spaCy tokens, as datatrove's stock filter
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.stock_compatible = stock_compatible
        self.max_dup_line_frac = max_dup_line_frac
        self.max_dup_para_frac = max_dup_para_frac
        self.max_dup_line_chars_frac = max_dup_line_chars_frac
        self.max_dup_para_chars_frac = max_dup_para_chars_frac
        top = GOPHER_TOP_NGRAM_FRAC if max_top_ngram_chars_frac is None else max_top_ngram_chars_frac
        dup = GOPHER_DUP_NGRAM_FRAC if max_dup_ngram_chars_frac is None else max_dup_ngram_chars_frac
        self.max_top_ngram_chars_frac = {int(n): float(f) for n, f in sorted(top.items())}
        self.max_dup_ngram_chars_frac = {int(n): float(f) for n, f in sorted(dup.items())}

    def checks(self, doc: Document) -> Iterator[Check | None]:
        text = doc.text
        yield at_least("empty", len(text), 1)
        if not text:
            return
        if self.stock_compatible:
            paragraphs, lines = split_paragraphs(text), split_lines(text)
        else:
            paragraphs, lines = text_blocks(text, _BLANK_LINES) or [""], text_blocks(text, "\n") or [""]
        dup_paras, dup_para_chars = find_duplicates(paragraphs)
        yield at_most("dup_para_frac", dup_paras / len(paragraphs), self.max_dup_para_frac)
        yield at_most("dup_para_char_frac", dup_para_chars / len(text), self.max_dup_para_chars_frac)
        dup_lines, dup_line_chars = find_duplicates(lines)
        yield at_most("dup_line_frac", dup_lines / len(lines), self.max_dup_line_frac)
        yield at_most("dup_line_char_frac", dup_line_chars / len(text), self.max_dup_line_chars_frac)
        words = split_words(text) if self.stock_compatible else whitespace_words(text)
        for n, max_frac in self.max_top_ngram_chars_frac.items():
            if len(words) >= n:
                yield at_most(f"top_{n}_gram", top_ngram_chars(words, n) / len(text), max_frac)
        shortest_unrepeated = None  # no n-gram repeats, so no longer one does either
        for n, max_frac in self.max_dup_ngram_chars_frac.items():
            # Gopher joins the words of a repeated n-gram without spaces when counting its characters
            if shortest_unrepeated is not None and n > shortest_unrepeated:
                repeated = 0
            else:
                repeated = dup_ngram_chars(words, n)
                if repeated == 0:
                    shortest_unrepeated = n
            yield at_most(f"duplicated_{n}_n_grams", repeated / len(text), max_frac)


# C4 (Raffel et al. 2020, section 2.2) and the TFDS c4_utils code it points to.
_CITATION = re.compile(r"\[(?:\d*|edit|citation needed)\]")
_POLICY_PHRASES = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
_C4_LINE_ENDS = (".", "?", "!", '"', "'")


@dataclass
class C4Page:
    """What C4 keeps of a page, and why it would throw the page away."""

    kept_lines: list[str] = field(default_factory=list)
    sentences: int = 0
    lorem_ipsum: bool = False
    curly_bracket: bool = False


class C4QualityFilter(RuleFilter):
    """C4's rules: remove bad lines (too few words, javascript, cookie/policy notices, giant words,
    citation markers), then drop the page for lorem ipsum, a "{", or < 5 sentences. A kept page's
    text becomes its kept lines, as with datatrove's C4QualityFilter."""

    name = "c4_quality"
    rewrites_text = True

    def __init__(
        self,
        min_sentences: int | None = 5,  # C4: "discarded any page with fewer than 5 sentences"
        min_line_words: int | None = 3,  # C4: "only retained lines that contained at least 3 words"
        max_word_chars: int | None = 1000,  # TFDS c4_utils: a line with a longer "word" is markup
        remove_no_terminal_punct_lines: bool = False,  # C4 keeps only lines ending in . ? ! " ';
        # off by default: FineWeb (Penedo et al. 2024, section 3.3) found it removes ~30 % of tokens
        remove_citations: bool = True,  # "[1]", "[edit]", "[citation needed]"
        remove_javascript_lines: bool = True,
        remove_policy_lines: bool = True,
        filter_lorem_ipsum: bool = True,
        filter_curly_bracket: bool = True,  # C4: a "{" means code
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.min_sentences = min_sentences
        self.min_line_words = min_line_words
        self.max_word_chars = max_word_chars
        self.remove_no_terminal_punct_lines = remove_no_terminal_punct_lines
        self.remove_citations = remove_citations
        self.remove_javascript_lines = remove_javascript_lines
        self.remove_policy_lines = remove_policy_lines
        self.filter_lorem_ipsum = filter_lorem_ipsum
        self.filter_curly_bracket = filter_curly_bracket
        self._last: tuple[str, C4Page] | None = None  # the page measured for the current doc

    def page(self, text: str) -> C4Page:
        """Apply the line rules; the scan stops at the first page-level hit, as C4's does."""
        if self._last is not None and self._last[0] is text:
            return self._last[1]
        page = C4Page()
        for line in text.splitlines():
            line = line.strip()
            words = line.split()
            if self.max_word_chars is not None and any(len(w) > self.max_word_chars for w in words):
                continue
            if self.remove_citations:
                line = _CITATION.sub("", line)
            if self.remove_no_terminal_punct_lines and (not line.endswith(_C4_LINE_ENDS) or line.endswith("...")):
                continue
            if self.min_line_words is not None and len(words) < self.min_line_words:
                continue
            lowered = line.lower()
            if self.filter_lorem_ipsum and "lorem ipsum" in lowered:
                page.lorem_ipsum = True
                break
            if self.remove_javascript_lines and "javascript" in lowered:
                continue
            if self.filter_curly_bracket and "{" in line:
                page.curly_bracket = True
                break
            if self.remove_policy_lines and any(p in lowered for p in _POLICY_PHRASES):
                continue
            if self.min_sentences is not None:
                page.sentences += count_line_sentences(line)
            page.kept_lines.append(line)
        self._last = (text, page)
        return page

    def checks(self, doc: Document) -> Iterator[Check | None]:
        page = self.page(doc.text)
        if self.filter_lorem_ipsum:
            yield at_most("c4_lorem_ipsum", page.lorem_ipsum, 0)
        if self.filter_curly_bracket:
            yield at_most("c4_curly_bracket", page.curly_bracket, 0)
        yield at_least("c4_too_few_sentences", page.sentences, self.min_sentences)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        verdict = super().filter(doc)
        if verdict is True:
            doc.text = "\n".join(self.page(doc.text).kept_lines).strip()
        self._last = None
        return verdict


class FineWebQualityFilter(RuleFilter):
    """FineWeb's rules (Penedo et al. 2024, section 3.3): line punctuation, short, duplicated lines, lists.

    The paper removes a page when duplicated lines hold >= 10 % of its characters (MassiveText
    used 20 %); datatrove's stock filter ships 1 %, which removes a page for one caption or
    headline shown twice. A line ends in punctuation when its sentence does, inside closing
    quotes or brackets or before trailing spaces too (stock checks the line's last character).
    Words (for newlines per word) are what whitespace separates;
    `stock_compatible: true` counts spaCy tokens, as datatrove does (set 0.01 with it to
    reproduce FineWeb's released filter, as configs/filters/en_fineweb.yaml does).
    """

    name = "fineweb_quality"

    def __init__(
        self,
        min_punct_lines_frac: float | None = 0.12,  # FineWeb: ≥ 12 % of lines end in . ! ? etc.
        max_short_lines_frac: float | None = 0.67,  # FineWeb: ≤ 67 % of lines are short ...
        short_line_max_chars: int = 30,  # ... where short means at most 30 characters
        max_dup_line_chars_frac: float | None = 0.1,  # chars in repeated lines / chars in text
        max_newlines_per_word: float | None = 0.3,  # lists: a newline every ~3 words
        stock_compatible: bool = False,  # words as spaCy tokens, as datatrove's stock filter
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.stock_compatible = stock_compatible
        self.min_punct_lines_frac = min_punct_lines_frac
        self.max_short_lines_frac = max_short_lines_frac
        self.short_line_max_chars = short_line_max_chars
        self.max_dup_line_chars_frac = max_dup_line_chars_frac
        self.max_newlines_per_word = max_newlines_per_word

    def checks(self, doc: Document) -> Iterator[Check | None]:
        text, lines = doc.text, text_blocks(doc.text, "\n")
        yield at_least("fineweb_empty", len(lines), 1)
        if not lines:  # nothing below is defined for an empty page
            return
        if self.stock_compatible:
            punct = sum(line.endswith(_TERMINAL) for line in lines)
        else:
            punct = sum(map(ends_sentence, lines))
        yield at_least("fineweb_line_punct_ratio", punct / len(lines), self.min_punct_lines_frac)
        short = sum(len(line) <= self.short_line_max_chars for line in lines)
        yield at_most("fineweb_short_line_ratio", short / len(lines), self.max_short_lines_frac)
        dup_chars = find_duplicates(lines)[1] / (len(text) - text.count("\n"))
        yield at_most("fineweb_char_dup_ratio", dup_chars, self.max_dup_line_chars_frac)
        words = split_words(text) if self.stock_compatible else whitespace_words(text)
        newlines = text.count("\n") / max(len(words), 1)
        yield at_most("fineweb_list_ratio", newlines, self.max_newlines_per_word)


class UrlBlocklistFilter(RuleFilter):
    """Drop a document whose `url` is on a blocklisted domain (or a subdomain of one) or holds a
    blocklisted word. The list file has one entry a line, `#` comments; an entry with a dot is a
    domain, one without a word, matched against the URL's alphanumeric pieces ("sex" ≠ "essex")."""

    name = "url_blocklist"

    def __init__(self, blocklist_path: str, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.blocklist_path = blocklist_path
        self._lists: tuple[frozenset[str], frozenset[str]] | None = None  # read on first use

    def blocklist(self) -> tuple[frozenset[str], frozenset[str]]:
        """(domains, words), read once per worker; a missing file raises."""
        if self._lists is None:
            with open(self.blocklist_path, encoding="utf-8") as f:
                entries = {line.split("#", 1)[0].strip().lower() for line in f}
            entries.discard("")
            dotted = {e for e in entries if "." in e}
            self._lists = (frozenset(e.removeprefix("www.") for e in dotted), frozenset(entries - dotted))
        return self._lists

    def checks(self, doc: Document) -> Iterator[Check | None]:
        url = str(doc.metadata.get("url") or "").strip().lower()
        if not url:
            return
        domains, words = self.blocklist()
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
        parts = host.split(".")
        on_domain = any(".".join(parts[i:]) in domains for i in range(len(parts)))
        yield at_most("url_blocklisted_domain", on_domain, 0)
        hits = sum(piece in words for piece in re.split(r"[^a-z0-9]+", url))
        yield at_most("url_blocklisted_word", hits, 0)
