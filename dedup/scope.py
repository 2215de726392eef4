"""Which documents may be duplicates of each other: `dedup.scope`.

- `per_language` (default): English against English, Chinese against Chinese; one set of jobs
  per language, as FineWeb-style pipelines do per language.
- `per_group`: inside a language, only documents with the same value of the metadata field
  `dedup.group_key` (e.g. the crawl dump) — FineWeb found per-dump dedup kept better data.
- `global`: everything against everything, across languages and groups — DeepSeek's choice
  (89.8% removed across 91 dumps vs 22.2% inside one).

A partition is made by salting every hash with the partition's name: documents of different
groups get unrelated signatures and never share a bucket, so one set of datatrove jobs
serves any number of groups, which are not known before the data is read.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from datatrove.data import Document

from pipeline.stage_io import StageReader

SCOPES = ("per_language", "per_group", "global")
NO_GROUP = "<none>"


def partitions(scope: str, languages: tuple[str, ...]) -> list[str]:
    """The job-set prefixes: one per language, or `all` for the global scope."""
    return ["all"] if scope == "global" else list(languages)


def group_of(doc: Document, group_key: str | None) -> str:
    """The group a document belongs to; a document without the field is in `<none>`."""
    if not group_key:
        return ""
    value = doc.metadata.get(group_key)
    return NO_GROUP if value is None else str(value)


def language_of(doc: Document) -> str:
    lang = doc.metadata.get("language")
    if not lang:
        raise ValueError(f"document {doc.id!r} has no `language` metadata: the dedup reader sets it")
    return lang


class DedupReader(StageReader):
    """A stage folder's documents, each tagged with its language.

    Per language the folder is the language's; in the global scope it is the parent of all
    language folders, and a document's language is its sub-folder's name (the routing
    contract of layout.py), so files written by hand need no `language` field.
    """

    def __init__(self, folder, language: str | None = None, glob_pattern: str = "*.jsonl.gz"):
        super().__init__(folder, glob_pattern=glob_pattern)
        self.language = language

    def read_file(self, filepath: str):
        lang = self.language or PurePosixPath(filepath).parts[0]
        for doc in super().read_file(filepath):
            doc.metadata["language"] = lang
            yield doc


def dedup_reader(folder, partition: str) -> DedupReader:
    if partition == "all":
        return DedupReader(folder, glob_pattern="*/*.jsonl.gz")
    return DedupReader(folder, language=partition)
