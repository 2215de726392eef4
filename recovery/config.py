"""The recovery stage's settings: each mechanism that re-admits wrongly removed documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipeline.layout import LANGUAGES


@dataclass
class FalseDuplicatesConfig:
    enabled: bool = True
    # A removed duplicate whose true Jaccard to its cluster's survivor is below this was chained
    # in by LSH banding or transitive clustering, not by being a near copy: it is re-admitted.
    min_jaccard: float = 0.7


@dataclass
class FalseRejectionsConfig:
    enabled: bool = True
    # A quality classifier per language (`thresher quality train`); a language without one
    # has this mechanism off (the report says so). Relative paths are from the working directory.
    model_path: dict[str, str] = field(default_factory=dict)
    # A rule's removal is overruled only when the model scores the document at least this high
    # and the document is of a kind that rule misjudges (recovery/kinds.py). 0.8: a little above
    # the median (0.78, range 0.75..0.84) of the values cross-validation picks in
    # bench/recovery_eval.py, which reach only 84 % precision out of fold. At 0.8, ~90 % of
    # re-admissions are good on DCLM's labels, and ~1/5 of the wrongly removed come back.
    min_score: float = 0.8


@dataclass
class FalseLanguageConfig:
    enabled: bool = True
    # Share of the page's prose lines (code and menu lines left out) in one of en/zh.
    min_share: float = 0.6
    min_paragraph_score: float = 0.5
    min_prose_bytes: int = 200


@dataclass
class ReextractionConfig:
    enabled: bool = True
    # The precise extractor a removed page's HTML goes through again (FineWeb's settings:
    # favour precision); then line cleaning and every rule of its language, as in the quality stage.
    extractor: Literal["trafilatura", "resiliparse"] = "trafilatura"


@dataclass
class RecoveryConfig:
    reextraction: ReextractionConfig = field(default_factory=ReextractionConfig)
    false_duplicates: FalseDuplicatesConfig = field(default_factory=FalseDuplicatesConfig)
    false_rejections: FalseRejectionsConfig = field(default_factory=FalseRejectionsConfig)
    false_language: FalseLanguageConfig = field(default_factory=FalseLanguageConfig)
    # A re-admitted candidate this similar (Jaccard of dedup's shingles) to a kept document stays out.
    max_jaccard_to_kept: float = 0.7

    def check(self, need) -> None:
        need(0.0 <= self.false_duplicates.min_jaccard <= 1.0, "false_duplicates.min_jaccard", "a Jaccard similarity is between 0 and 1")
        for lang in self.false_rejections.model_path:
            need(lang in LANGUAGES, f"false_rejections.model_path.{lang}", f"unsupported language; valid: {list(LANGUAGES)}")
        for key, value in (("false_rejections.min_score", self.false_rejections.min_score),
                           ("false_language.min_share", self.false_language.min_share),
                           ("false_language.min_paragraph_score", self.false_language.min_paragraph_score),
                           ("max_jaccard_to_kept", self.max_jaccard_to_kept)):
            need(0.0 <= value <= 1.0, key, f"a score, share or similarity is between 0 and 1, got {value}")
        need(self.false_language.min_prose_bytes >= 0, "false_language.min_prose_bytes",
             f"a byte budget cannot be negative, got {self.false_language.min_prose_bytes}")
