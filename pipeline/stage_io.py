"""Reading and writing a stage's folders: datatrove's jsonl reader and writer, set up once.

A stage may legitimately find nothing to read (a run with no Chinese pages has empty `zh/`
folders all the way down); datatrove's reader raises on a folder with no files, ours yields
nothing and says so in the task log.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import fsspec.compression
import xxhash
from datatrove.io import get_datafolder
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from loguru import logger


class StageReader(JsonlReader):
    """The jsonl.gz documents of a run folder's `output/` or `removed/` directory."""

    def __init__(self, folder: str | Path, glob_pattern: str = "*.jsonl.gz"):
        super().__init__(str(folder), glob_pattern=glob_pattern)

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if data:
            yield from data
        if not self.data_folder.isdir("") or not self.data_folder.list_files(glob_pattern=self.glob_pattern):
            logger.warning(f"Nothing to read in {self.data_folder.path} ({self.glob_pattern}): no documents reached this stage")
            return
        yield from super().run(None, rank, world_size)


# Between stages, gzip level 1: Python's default, 9, took 5-8 % of a stage's CPU time to make
# files ~25 % smaller that the next stage reads once. The files stay plain .gz for any reader.
FAST_GZIP = "gzip-level1"
fsspec.compression.register_compression(
    FAST_GZIP, lambda f, mode="rb", **kw: gzip.GzipFile(fileobj=f, mode=mode, compresslevel=1, mtime=0, **kw),
    extensions=[], force=True)


def plain_record(writer, doc) -> dict:
    """The record datatrove's default adapter writes (empty fields left out), without its
    `dataclasses.asdict`, which deep-copies every document's metadata first (~3% of a run)."""
    if doc.media:  # Thresher never sets media: the default adapter knows how to write it
        return writer._default_adapter(doc)
    return {key: value for key, value in (("text", doc.text), ("id", doc.id), ("metadata", doc.metadata)) if value}


class RecordedJsonlWriter(JsonlWriter):
    """datatrove's jsonl writer that records, when a task closes it, every file it wrote and the
    file's size, in `record_folder` (the job's logging folder: LOGS/written/<rank>_<template>.json,
    set by the executor code, pipeline/execution.py). datatrove marks a task complete just after;
    a rerun trusts that mark only while the files are still what was recorded (`damaged`), so a
    file cut short by a full disk or overwritten by a second run is redone, not kept as "already
    done"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.record_folder: str | None = None  # None: nothing recorded (a writer used outside a job)
        self._written: set[str] = set()
        self._rank: int | None = None

    def write(self, document, rank: int = 0, **kwargs):
        self._rank = rank
        super().write(document, rank, **kwargs)

    def _write(self, document: dict, file_handler, filename: str):
        self._written.add(filename)
        super()._write(document, file_handler, filename)

    def record_name(self, rank: int) -> str:
        return f"{rank:05d}_{xxhash.xxh3_64_hexdigest(self.output_folder.path + self.output_filename.template)}.json"

    def close(self):
        super().close()
        if self._rank is None or self.record_folder is None:  # wrote nothing: nothing to check later
            return
        sizes = {name: self.output_folder.size(name) for name in sorted(self._written)}
        with get_datafolder(self.record_folder).open(self.record_name(self._rank), "w") as f:
            json.dump(sizes, f)
        self._written, self._rank = set(), None

    def damaged(self, rank: int) -> str | None:
        """What is wrong with the files task RANK recorded, or None (also when it recorded none)."""
        records = get_datafolder(self.record_folder)
        record = self.record_name(rank)
        if not records.exists(record):
            return None
        with records.open(record, "r") as f:
            try:
                sizes = json.load(f)
            except json.JSONDecodeError:
                return f"{records.path}/{record} is damaged"
        for name, size in sizes.items():
            path = f"{self.output_folder.path}/{name}"
            if not self.output_folder.exists(name):
                return f"{path} is missing"
            actual = self.output_folder.size(name)
            if actual != size:
                return f"{path} has {actual:,} bytes, {size:,} when its task finished"
        return None


def stage_writer(folder: str | Path, filename: str = "${rank}.jsonl.gz") -> JsonlWriter:
    return RecordedJsonlWriter(str(folder), output_filename=filename, compression=FAST_GZIP, adapter=plain_record)


def job_writers(pipeline: list, logging_dir: str | Path) -> list[RecordedJsonlWriter]:
    """The recorded writers of a job (its writer steps, its filters' exclusion and cut writers),
    set to record what they write in the job's logging folder."""
    found = []
    for step in pipeline:
        for writer in (step, getattr(step, "exclusion_writer", None), getattr(step, "cut_writer", None)):
            if isinstance(writer, RecordedJsonlWriter) and writer not in found:
                writer.record_folder = str(Path(logging_dir) / "written")
                found.append(writer)
    return found
