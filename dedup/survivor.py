"""Which copy of a duplicate cluster survives, and the per-document facts that decide it.

The union-find root of datatrove's clustering is whichever document happened to be merged
first: arbitrary. We keep the best copy instead: the highest `quality_score` (when the
quality stage set one), then the longest text (the fullest copy, e.g. with its appendix),
then the smallest id, so the same input always keeps the same document.

The signature stages write one `docinfo/<rank>.jsonl.gz` per task, a line per document in
reading order, `[index, quality_score, chars, id]`; the cluster stage reads back only the
lines of documents that are in some cluster, so its memory follows the duplicates, not the
corpus.
"""

from __future__ import annotations

import gzip
import json
import math
from typing import Iterable

from datatrove.data import Document
from datatrove.io import DataFolder

QUALITY_KEY = "quality_score"


def survivor_key(quality: float | None, chars: int, doc_id: str) -> tuple:
    """Sorts best first: `min(members, key=survivor_key)` is the survivor."""
    q = quality if isinstance(quality, (int, float)) and not math.isnan(quality) else -math.inf
    return (-q, -chars, doc_id)


def doc_facts(doc: Document, index: int) -> list:
    return [index, doc.metadata.get(QUALITY_KEY), len(doc.text), str(doc.id)]


class DocInfoWriter:
    """Writes `docinfo/<rank>.jsonl.gz` beside a stage's signatures."""

    def __init__(self, folder: DataFolder, rank: int):
        self.file = folder.open(f"docinfo/{rank:05d}.jsonl.gz", mode="wb")
        self.gz = gzip.GzipFile(fileobj=self.file, mode="wb", mtime=0)

    def write(self, doc: Document, index: int) -> None:
        self.gz.write((json.dumps(doc_facts(doc, index), ensure_ascii=False) + "\n").encode("utf-8"))

    def close(self) -> None:
        self.gz.close()
        self.file.close()


def read_facts(folder: DataFolder, file_id: int, wanted: set[int]) -> Iterable[tuple[int, tuple, str]]:
    """(index, survivor key, id) for the documents of task FILE_ID whose index is in WANTED."""
    path = f"docinfo/{file_id:05d}.jsonl.gz"
    if not folder.exists(path):
        raise FileNotFoundError(f"{folder.path}/{path} is missing: rerun this partition's signature job")
    with folder.open(path, mode="rb") as f, gzip.GzipFile(fileobj=f, mode="rb") as gz:
        for line in gz:
            index, quality, chars, doc_id = json.loads(line)
            if index in wanted:
                yield index, survivor_key(quality, chars, doc_id), doc_id


class UnionFind:
    """Disjoint sets over hashable nodes; union by size, iterative path compression."""

    def __init__(self):
        self.parent: dict = {}
        self.size: dict = {}

    def find(self, x):
        root = self.parent.setdefault(x, x)
        while root != self.parent[root]:
            root = self.parent[root]
        while x != root:  # compress the path just walked
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size.get(ra, 1) < self.size.get(rb, 1):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] = self.size.get(ra, 1) + self.size.pop(rb, 1)

    def clusters(self) -> dict:
        """root -> sorted members."""
        groups: dict = {}
        for node in sorted(self.parent):
            groups.setdefault(self.find(node), []).append(node)
        return groups
