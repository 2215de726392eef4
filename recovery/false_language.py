"""Re-admit pages langid dropped although their prose is mostly English or Chinese.

langid judges a page by a sample of its whole text; its paragraph shares (`lid_shares`)
count every line in the denominator. Code, numbers, URLs, tables of figures and one-word
menu lines belong to no language, yet they dilute the share of the prose around them, so a
code-heavy English tutorial can fall under both thresholds. Here the shares are measured again
over the lines that carry language only (`language_lines`), at a paragraph score that may be
lower than the page threshold; a page whose prose is at least `min_share` one language, with at
least `min_prose_bytes` of prose, is routed to that language. It then goes through the quality
rules of that language (recovery_jobs chains them after this step): re-admitted is not exempt.
"""

from __future__ import annotations

import re

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from langid.config import LangidConfig
from langid.lid import LanguageRouter
from pipeline import removal
from recovery.config import FalseLanguageConfig
from recovery.kinds import _CODE_LINE

_WS = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")
LANGS = ("en", "zh")


def language_lines(text: str, min_letters: int = 12) -> list[str]:
    """The lines that carry language: not code, and with at least `min_letters` letters."""
    lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
    return [line for line in lines if len(_LETTER.findall(line)) >= min_letters and not _CODE_LINE.search(line)]


def dominant(shares: dict[str, float], min_share: float) -> str | None:
    """The en/zh language holding at least `min_share` of the prose, or None."""
    best = max(LANGS, key=lambda lang: (shares.get(lang, 0.0), lang == "en"))
    return best if shares.get(best, 0.0) >= min_share else None


class FalseLanguageRecovery(BaseFilter):
    """Keeps (and routes by `language`) the dropped pages whose prose is mostly en or zh."""

    name = "false_language"

    def __init__(self, settings: FalseLanguageConfig | None = None):
        super().__init__()
        s = settings or FalseLanguageConfig()
        self.min_share = s.min_share
        self.min_paragraph_score = s.min_paragraph_score
        self.min_prose_bytes = s.min_prose_bytes
        self._router = None

    @property
    def router(self):
        if self._router is None:
            self._router = LanguageRouter(LangidConfig(min_score={lang: self.min_paragraph_score for lang in LANGS}))
        return self._router

    def prose_shares(self, text: str) -> tuple[dict[str, float], int]:
        """(share of prose bytes per en/zh, prose bytes), prose = `language_lines`."""
        lines = language_lines(text)
        prose = sum(len(line.encode("utf-8")) for line in lines)
        if not lines:
            return {}, 0
        # The router's paragraph shares, with only the prose lines as paragraphs.
        return self.router.paragraph_shares("\n".join(lines)), prose

    def filter(self, doc: Document) -> bool:
        reason = removal.reason_of(doc.metadata, "unknown")
        self.stat_update(f"examined/{reason}")
        self.stat_update(f"examined_bytes/{reason}", value=len(doc.text.encode("utf-8")))
        shares, prose = self.prose_shares(doc.text)
        lang = dominant(shares, self.min_share) if prose >= self.min_prose_bytes else None
        if lang is None:
            return False
        doc.metadata["recovery_evidence"] = {
            "reason": reason,
            "page_language": doc.metadata.get("language"),
            "page_score": doc.metadata.get("language_score"),
            "lid_shares": doc.metadata.get("lid_shares"),
            "prose_shares": shares,
            "prose_bytes": prose,
            "min_share": self.min_share,
        }
        doc.metadata["recovered_by"] = self.name
        doc.metadata["language"] = lang
        doc.metadata["language_score"] = shares[lang]
        doc.metadata["lid_basis"] = "recovery"
        removal.erase(doc.metadata)  # langid's score and shares are in the evidence above
        self.stat_update(f"candidates/{reason}")
        return True
