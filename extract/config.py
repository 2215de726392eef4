"""The extract stage's settings: which extractor, and the limits on one input document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass
class ExtractConfig:
    # hybrid: resiliparse, with trafilatura for the pages where its main content is empty or a
    # stub (extract/extraction.py); resiliparse alone; trafilatura: FineWeb's extractor.
    # Chosen by bench/extraction_quality.py (F1 and pages/s per core, en and zh).
    extractor: Literal["hybrid", "resiliparse", "trafilatura"] = "hybrid"
    # hybrid: a page goes to trafilatura when resiliparse's main content is under this share of
    # its visible text. 0.2 was chosen on the tuning half of the labelled pages: the best F1 at
    # 5x stock's pages/s; higher shares send more pages through trafilatura for no F1.
    fallback_below: float = 0.2
    # hybrid: the fallback runs trafilatura without its own readability/jusText second pass
    # (no_fallback): the same F1 on the labelled pages at half the time.
    fallback_fast: bool = True
    favour_precision: bool = True  # trafilatura only: FineWeb's setting
    timeout_s: float = 1.0  # trafilatura (and the hybrid's fallback): per page; a page over it is counted
    # Limits on one input document: over a limit it is dropped and counted (dropped_extract_*), never
    # fatal. resiliparse runs in-process without a timeout: it is linear in its input, so
    # max_html_bytes is what bounds its time per page.
    max_record_bytes: int = 67108864  # a WARC record is framed in memory; larger ones are skipped unread
    max_html_bytes: int = 10485760  # an HTML payload (after HTTP content decoding) handed to the extractor
    max_inflate_ratio: int = 100  # a gzip/deflate HTTP body may inflate at most this many times its size
    max_document_bytes: int = 10485760  # the text of a jsonl/parquet document (UTF-8 bytes)

    def check(self, need) -> None:
        """Values of the right type that still cannot work; NEED(ok, key, message) reports one."""
        need(self.timeout_s > 0, "timeout_s", f"a time per page must be above 0 seconds, got {self.timeout_s}")
        need(0.0 <= self.fallback_below <= 1.0, "fallback_below",
             f"a share of the visible text is between 0 and 1, got {self.fallback_below}")
        for name in ("max_record_bytes", "max_html_bytes", "max_inflate_ratio", "max_document_bytes"):
            need(getattr(self, name) >= 1, name, f"a limit must be at least 1, got {getattr(self, name)}")
