"""The extract stage's input readers (WARC, jsonl, parquet): a bad record or file never fails
the run. It is counted as `dropped_extract_<reason>` and named in the task log, and the good
records around it still come out.
"""

from __future__ import annotations

import codecs
import io
import json
from collections import Counter

from datatrove.pipeline.readers import JsonlReader, ParquetReader
from loguru import logger

from extract.warc import MAX_REPLACEMENT_FRAC, CountingWarcReader

# Per input file, the first this many dropped lines/records are named one by one in the task log;
# the rest are summed up in one line when the file ends. A 20 kB .jsonl.gz of 20 million
# newlines would otherwise write 20 million warnings (2.7 GB of log, most of the run's time).
MAX_NAMED_DROPS = 20
# Dropped but never named: a blank line in a jsonl file is layout, not lost data.
UNNAMED_DROPS = ("empty_line",)


def _is_zstd(f) -> bool:
    return type(f).__module__.startswith("zstandard")


class DropLog:
    """Names a file's dropped lines or records in the task log, up to MAX_NAMED_DROPS."""

    def __init__(self, filepath: str):
        self.filepath = filepath
        self.named = 0
        self.more: Counter = Counter()

    def drop(self, where: str, reason: str) -> None:
        if reason in UNNAMED_DROPS:
            return
        if self.named < MAX_NAMED_DROPS:
            self.named += 1
            logger.warning(f"{self.filepath}: {where} dropped ({reason})")
        else:
            self.more[reason] += 1

    def close(self) -> None:
        if self.more:
            counts = ", ".join(f"{reason} {n}" for reason, n in self.more.most_common())
            logger.warning(f"{self.filepath}: {sum(self.more.values())} more dropped, not named one by one: {counts}")


class SkipBadFiles:
    """Mixin for a datatrove reader: a file that cannot be opened or read to the end is counted
    (`dropped_extract_unreadable_file`; an empty one as `dropped_extract_empty_file`) and named in
    the task log; the documents it gave before the failure are kept and the other files are read.

    `files_json` names the run's input file list (RunLayout.input_files), shared out among tasks
    as datatrove shares out a paths file (every world_size-th file from the task's rank); a
    paths file holds one name a line and strips it, so a name with a line break or edge spaces
    would be lost."""

    def __init__(self, *args, files_json: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.files_json = files_json

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if self.files_json is None:
            yield from super().run(data, rank, world_size)
            return
        if data:
            yield from data
        with open(self.files_json, encoding="utf-8") as f:
            shard = json.load(f)[rank::world_size]
        if not shard:
            logger.warning(f"No input files for {rank=} of {world_size}")
        for doc in self.read_files_shard(shard):
            self.update_doc_stats(doc)
            yield doc

    def read_file(self, filepath: str):
        try:
            if self.data_folder.size(filepath) == 0:
                # Nothing to lose, but a user should see that an input file was empty.
                self.stat_update("dropped_extract_empty_file")
                logger.warning(f"Input file {filepath} is empty (0 bytes)")
                return
            yield from self.read_records(filepath)
        except Exception as e:  # noqa: BLE001 — any reader failure is about this one file
            self.stat_update("dropped_extract_unreadable_file")
            logger.warning(f"Skipping unreadable input file {filepath}: {type(e).__name__}: {e}")

    def read_records(self, filepath: str):
        return super().read_file(filepath)  # the reader this is mixed into


class InputJsonlReader(SkipBadFiles, JsonlReader):
    """jsonl input, line by line in binary: a line with bad JSON, no text, invalid UTF-8 or over
    `max_document_bytes` is dropped and counted, and the next line is read (datatrove's reader
    gives up on the rest of a file at the first invalid UTF-8 byte)."""

    def __init__(self, data_folder, *, max_document_bytes: int = 10 << 20, **kwargs):
        super().__init__(data_folder, **kwargs)
        self.max_document_bytes = max_document_bytes

    def _lines(self, f):
        # JSON escapes (\uXXXX) make a line up to 6x its text: longer lines are skipped unparsed,
        # read in bounded pieces, so one huge (or decompression-bomb) line never sits in memory.
        limit = 6 * self.max_document_bytes + (1 << 20)
        while True:
            line = f.readline(limit)
            if not line:
                return
            if len(line) >= limit and not line.endswith(b"\n"):
                while (rest := f.readline(limit)) and not rest.endswith(b"\n"):
                    pass
                yield None
                continue
            yield line

    def read_records(self, filepath: str):
        import orjson

        drops = DropLog(filepath)
        with self.data_folder.open(filepath, "rb", compression=self.compression) as raw:
            # zstd's stream reader has no readline: a buffer gives every codec the same lines.
            f = io.BufferedReader(raw) if _is_zstd(raw) else raw
            for li, line in enumerate(self._lines(f)):
                with self.track_time():
                    reason, document = self._document(line, filepath, li, orjson)
                if reason:
                    self.stat_update(f"dropped_extract_{reason}")
                    drops.drop(f"line {li + 1}", reason)
                    continue
                yield document
        drops.close()

    def _document(self, line, filepath, li, orjson):
        if line is None:
            return "too_large_document", None
        if li == 0 and line.startswith(codecs.BOM_UTF8):  # a file saved "UTF-8 with BOM" (Windows tools)
            line = line[len(codecs.BOM_UTF8):]
        if not line.strip():
            return "empty_line", None
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = line.decode("utf-8", "replace")
            if text.count("\ufffd") > MAX_REPLACEMENT_FRAC * len(text):
                return "invalid_utf8", None
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            return "bad_json", None
        return _checked(self, data, filepath, li)


def _checked(reader, data, filepath, li):
    """(reason, None) for a record that is not a usable document, else (None, Document)."""
    if not isinstance(data, dict):
        return "bad_json", None
    text = data.get(reader.text_key)
    if not isinstance(text, str) or not text.strip():
        return "no_text", None
    if len(text.encode("utf-8", "surrogatepass")) > reader.max_document_bytes:
        return "too_large_document", None
    if "\x00" in text:  # NUL is never text; a few in otherwise good text are removed
        text = data[reader.text_key] = text.replace("\x00", "")
        if not text.strip():
            return "no_text", None
    try:
        return None, reader.get_document_from_dict(data, filepath, li)
    except (TypeError, ValueError, KeyError):  # e.g. a malformed `media` list
        return "bad_record", None


class InputParquetReader(SkipBadFiles, ParquetReader):
    """parquet input: a file without the text column is counted (`dropped_extract_bad_schema`) and
    named; a row whose text is missing, not a string or too large is dropped and counted."""

    def __init__(self, data_folder, *, max_document_bytes: int = 10 << 20, **kwargs):
        super().__init__(data_folder, **kwargs)
        self.max_document_bytes = max_document_bytes

    def read_records(self, filepath: str):
        import pyarrow.parquet as pq

        with self.data_folder.open(filepath, "rb") as f, pq.ParquetFile(f) as pqf:
            names = pqf.schema_arrow.names
            if self.text_key not in names:
                self.stat_update("dropped_extract_bad_schema")
                logger.warning(f"Skipping {filepath}: no column {self.text_key!r} (input.text_key); columns: {names}")
                return
            columns = [c for c in (self.text_key, self.id_key) if c in names] if not self.read_metadata else None
            li, drops = 0, DropLog(filepath)
            for batch in pqf.iter_batches(batch_size=self.batch_size, columns=columns):
                for row in batch.to_pylist():
                    with self.track_time():
                        reason, document = _checked(self, row, filepath, li)
                    li += 1
                    if reason:
                        self.stat_update(f"dropped_extract_{reason}")
                        drops.drop(f"row {li}", reason)
                        continue
                    yield document
            drops.close()


class InputWarcReader(SkipBadFiles, CountingWarcReader):
    """WARC input (records counted by reason, see extract/warc.py); an unreadable file is counted and
    named, and so is each skipped record (file and position) in the task log."""

    def read_file(self, filepath: str):
        # Set before anything of the file is read: a file that fails at once (empty, unreadable)
        # is named as itself, not as the file before it.
        self._drops = DropLog(filepath)
        yield from super().read_file(filepath)
        self._drops.close()

    def stat_update(self, *labels, value: int = 1, unit: str = None):
        for label in labels:
            if label.startswith("dropped_extract_") and getattr(self, "_drops", None):
                self._drops.drop("a record", label.removeprefix("dropped_extract_"))
        super().stat_update(*labels, value=value, unit=unit)
