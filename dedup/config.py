"""The dedup stage's settings: shingles, MinHash banding, the verifying threshold, scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipeline.layout import LANGUAGES


@dataclass
class DedupConfig:
    # Shingles: word n-grams for English, character n-grams for Chinese (no spaces to split on).
    # 3-grams: one replaced word breaks 3 shingles, not 5, so a copy with 3% of its words
    # replaced keeps a Jaccard near 0.84 (5-grams: 0.75, right at any usual threshold), while
    # one with 50% replaced stays under 0.17. The banding feeds candidates to a check on the
    # Jaccard estimated from all buckets x hashes (dedup/verify.py). n, banding and threshold
    # were chosen together, cross-validated, by bench/dedup_quality.py (which prints the rates),
    # at no more hashes and no more banding candidates between distinct pages than 5-grams at
    # 32 x 6 cost before.
    n_grams: dict[str, int] = field(default_factory=lambda: {"en": 3, "zh": 3})
    num_buckets: int = 24
    hashes_per_bucket: int = 8
    threshold: float = 0.725  # 0: every candidate is a duplicate (plain LSH banding)
    # Which documents may be duplicates of each other (see dedup/scope.py): per_language,
    # per_group (same value of the metadata field `group_key`, e.g. the crawl dump) or global.
    scope: Literal["per_language", "per_group", "global"] = "per_language"
    group_key: str | None = None
    exact: bool = True  # remove exact copies (normalised text) before MinHash
    # datatrove: the four on-disk MinHash stages, any corpus size. datasketch: one in-memory
    # MinHashLSH task per partition, for small runs; same removed records.
    engine: Literal["datatrove", "datasketch"] = "datatrove"

    def check(self, need) -> None:
        for lang in LANGUAGES:
            need(self.n_grams.get(lang, 0) >= 1, f"n_grams.{lang}", "give an n-gram size of at least 1 per language")
        need(self.num_buckets >= 1 and self.hashes_per_bucket >= 1, "num_buckets", "buckets and hashes per bucket must be at least 1")
        need(0 <= self.threshold <= 1, "threshold", f"a Jaccard similarity is between 0 and 1, got {self.threshold}")
        need(self.scope != "per_group" or bool(self.group_key), "group_key",
             "scope per_group needs `group_key`, the metadata field that names a document's group (e.g. group_key: dump)")
