"""The langid stage's settings: scores per language, mixed pages, the English second opinion."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.layout import LANGUAGES


@dataclass
class LangidConfig:
    # Minimum lid.176 score per kept language. 0.65 is FineWeb's English threshold; Chinese web
    # pages carry more Latin UI strings, so their whole-page score runs lower.
    min_score: dict[str, float] = field(default_factory=lambda: {"en": 0.65, "zh": 0.5})
    # A page lid.176 calls Chinese but whose CJK text has this much kana is Japanese: kanji alone
    # fool character-based detectors.
    max_kana_frac_for_zh: float = 0.05
    # Mixed pages: a page whose paragraphs identified as en or zh (each at its language's
    # min_score) make up at least this share of the text's bytes is kept even when its whole-page
    # score is low, and goes to whichever of en/zh has the larger share.
    min_en_zh_share: float = 0.5
    # Convert Traditional Chinese to Simplified (OpenCC's t2s tables) for pages routed to zh.
    to_simplified: bool = False
    # A whole-page score at least this high decides alone; below it paragraph shares are
    # computed (~7 ms a page), so mixed pages are judged on paragraph evidence.
    confident_score: float = 0.9
    # Second opinion on an unsure en (score 0.4-0.9, Latin script): English function words,
    # word-by-word votes, non-ASCII letters rescue or refuse it (langid/english.py).
    english_check: bool = True

    def check(self, need) -> None:
        for lang, score in self.min_score.items():
            need(lang in LANGUAGES, f"min_score.{lang}", f"unsupported language; valid: {list(LANGUAGES)}")
            need(0.0 <= score <= 1.0, f"min_score.{lang}", f"a score is between 0 and 1, got {score}")
        need(0.0 <= self.confident_score <= 1.01, "confident_score",
             f"a score between 0 and 1 (above 1: paragraph shares for every page), got {self.confident_score}")
        for name in ("min_en_zh_share", "max_kana_frac_for_zh"):
            value = getattr(self, name)
            need(0.0 <= value <= 1.0, name, f"a share is between 0 and 1, got {value}")
