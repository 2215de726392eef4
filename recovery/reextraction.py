"""Re-admit documents a quality rule removed that pass every rule once extracted again with the
precise extractor and line-cleaned: DeepSeek-V2's sense of recovery, where a better cleaning
process brings back what the first one deleted by mistake. No model is needed, so it is on by
default.

Why it works: many removals are of good articles whose extracted text carried a menu, a
related-stories list or a comment widget that pushed a share over a threshold. trafilatura with
`favour_precision` (FineWeb's settings) keeps less of that than the fast default extractor, and
line cleaning cuts the site's boilerplate; a page that then passes the same rules was removed
for the extraction, not for what it says. A page that fails again stays out, and the gate
after (readmit_dedup) keeps out copies of what was kept.

Two jobs per language, so every WARC file is read once whatever the run's size:
`RouteBySource` spreads the removed documents into one bucket per task by a hash of their source
file; `RemovedPages` (one task per bucket) reads each of its WARC files once, picks the removed
records by WARC-Record-ID and hands their HTML to the extractor and the quality steps
(pipeline/stages.py builds that pipeline). Documents from jsonl/parquet inputs, or removed by a
rule re-extraction cannot change (the URL blocklist), are not examined.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict

import xxhash
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep
from loguru import logger

from extract.warc import PAGE_RECORDS, CountingWarcReader, file_chunks, warc_records
from pipeline import removal
from pipeline.stage_io import StageReader

# A removal the page's text cannot undo: the URL is what was judged.
NOT_REEXTRACTED = ("url_blocklist",)


def source_bucket(file_path: str, buckets: int) -> int:
    return xxhash.xxh3_64_intdigest(file_path) % buckets


class RouteBySource(PipelineStep):
    """Keeps the removed documents re-extraction can examine and names their bucket
    (`source_bucket` metadata) for the writer's file name."""

    type = "♻️ - RECOVER"
    name = "reextraction_route"

    def __init__(self, buckets: int, extractor: str = "trafilatura"):
        super().__init__()
        self.buckets = buckets
        self.extractor = extractor  # the re-extraction's extractor: a page it already made is not redone

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data or ():
            rule = removal.rule_of(doc.metadata)
            source, record = doc.metadata.get("file_path"), doc.metadata.get("record_id")
            if rule in NOT_REEXTRACTED:
                continue
            if doc.metadata.get("extractor") == self.extractor:  # the hybrid's fallback made it already
                self.stat_update(f"already_{self.extractor}")
                continue
            if not source or not record or doc.metadata.get("content_type") == "text/plain":
                self.stat_update("no_html_source")  # jsonl/parquet/WET input: nothing to extract again
                continue
            self.stat_update(f"examined/{rule}")
            self.stat_update(f"examined_bytes/{rule}", value=len(doc.text.encode("utf-8")))
            doc.metadata["source_bucket"] = f"{source_bucket(source, self.buckets):05d}"
            yield doc


class RemovedPages(PipelineStep):
    """The HTML of this task's removed documents, read again from their WARC files, each file once.
    A document's metadata is the removed one's, less the removal, plus `recovery_evidence`."""

    type = "📖 - READER"
    name = "reextraction_pages"

    def __init__(self, routed_folder: str, buckets: int, max_record_bytes: int, max_html_bytes: int, max_inflate_ratio: int):
        super().__init__()
        self.routed_folder = routed_folder
        self.buckets = buckets
        self.max_record_bytes = max_record_bytes
        self.max_html_bytes = max_html_bytes
        self.max_inflate_ratio = max_inflate_ratio

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        folder = get_datafolder(self.routed_folder)
        wanted: dict[str, dict[str, dict]] = defaultdict(dict)  # source file -> record id -> metadata
        for bucket in range(rank, self.buckets, world_size):
            if not folder.isdir(f"{bucket:05d}"):
                continue  # no removed page of this bucket's files
            for doc in StageReader(folder.resolve_paths(f"{bucket:05d}")).run():
                meta = {**doc.metadata, "removed_chars": len(doc.text), "removed_id": doc.id}
                wanted[doc.metadata["file_path"]][doc.metadata["record_id"]] = meta
        for source in sorted(wanted):
            yield from self.pages(source, wanted[source])

    def pages(self, source: str, records: dict[str, dict]) -> DocumentsPipeline:
        reader = CountingWarcReader(posixpath.dirname(source), max_record_bytes=self.max_record_bytes,
                                    max_html_bytes=self.max_html_bytes, max_inflate_ratio=self.max_inflate_ratio)
        try:
            with reader.data_folder.open(posixpath.basename(source), "rb", compression=None) as f:
                for record in warc_records(file_chunks(f), self.max_record_bytes):
                    if isinstance(record, str) or record.headers.get("warc-type", "").encode() not in PAGE_RECORDS:
                        continue
                    meta = records.get(record.headers.get("warc-record-id", ""))
                    page = reader.page(record) if meta is not None else None
                    if not isinstance(page, dict):
                        continue
                    yield self.document(page["text"], meta)
        except OSError as e:  # the input moved or went away since the run: counted, named, not fatal
            self.stat_update("source_unreadable")
            logger.warning(f"re-extraction: cannot read {source}: {e}")

    def document(self, html: str, meta: dict) -> Document:
        self.stat_update("pages")
        metadata = {k: v for k, v in meta.items() if k not in ("source_bucket", "removed_chars", "removed_id")}
        evidence = {**removal.erase(metadata), "first_extractor": meta.get("extractor"), "removed_chars": meta["removed_chars"]}
        metadata.update(recovered_by="reextraction", recovery_evidence=evidence)
        return Document(text=html, id=meta["removed_id"], metadata=metadata)
