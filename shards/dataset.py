"""`ShardDataset`: random access to the rows of a shard folder and their document boundaries.

numpy memmaps only, so it works under any trainer. Opening checks the manifest (format version,
dtype, every file's size) and, unless `verify=False`, every file's sha256; a mismatch raises
`ShardError` naming the file. The memmaps open lazily and are dropped on pickling, so a dataset
can be handed to DataLoader workers.

    ds = ShardDataset("runs/demo/shards")
    row = ds[0]                   # (seq_len,) uint32
    ds.document_ids(0)            # per token: 0, 1, … for each piece of a document, -1 for padding
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from shards.packing import DTYPE, FORMAT_VERSION, MANIFEST, SEGMENT


def file_sha256(path: Path) -> str:
    """The checksum the manifest records for each shard file and for the tokenizer."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ShardError(ValueError):
    """A shard folder that does not match its manifest: damaged, stale or of another format."""


class ShardDataset:
    def __init__(self, folder: str | Path, verify: bool = True):
        self.folder = Path(folder)
        path = self.folder / MANIFEST
        if not path.is_file():
            raise ShardError(f"{self.folder}: no manifest.json, not a shard folder")
        try:
            self.manifest = manifest = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ShardError(f"{path}: damaged, not JSON ({e})") from e
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ShardError(f"{path}: format_version {manifest.get('format_version')}, this reader reads {FORMAT_VERSION}")
        if manifest["dtype"] != "uint32" or manifest["byte_order"] != "little":
            raise ShardError(f"{path}: dtype {manifest['dtype']} ({manifest['byte_order']}-endian), expected little-endian uint32")
        self.seq_len = manifest["seq_len"]
        self.files = manifest["files"]
        for entry in self.files:
            self._check(entry["name"], entry["sha256"], entry["rows"] * self.seq_len * DTYPE.itemsize, verify)
            self._check(entry["segments"]["name"], entry["segments"]["sha256"], None, verify)
        self.starts = np.cumsum([0] + [f["rows"] for f in self.files])
        if self.starts[-1] != manifest["rows"]:
            raise ShardError(f"{path}: files hold {self.starts[-1]} rows, the manifest says {manifest['rows']}")
        self._maps: dict[int, tuple] = {}

    def _check(self, name: str, sha256: str, size: int | None, verify: bool) -> None:
        path = self.folder / name
        if not path.is_file():
            raise ShardError(f"{path}: listed in manifest.json but missing")
        if size is not None and path.stat().st_size != size:
            raise ShardError(f"{path}: {path.stat().st_size} bytes, manifest.json says {size}")
        if verify and file_sha256(path) != sha256:
            raise ShardError(f"{path}: sha256 differs from manifest.json: the file is damaged or stale")

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_maps": {}}  # memmaps are reopened in the receiving process

    def _file(self, f: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tokens (rows, seq_len), segment offsets, segment records) of file F, mapped once."""
        if f not in self._maps:
            entry = self.files[f]
            tokens = np.memmap(self.folder / entry["name"], dtype=DTYPE, mode="r").reshape(entry["rows"], self.seq_len)
            seg_path = self.folder / entry["segments"]["name"]
            offsets = np.memmap(seg_path, dtype="<u8", mode="r", shape=(entry["rows"] + 1,))
            records = np.memmap(seg_path, dtype=SEGMENT, mode="r", offset=offsets.nbytes, shape=(int(offsets[-1]),))
            self._maps[f] = (tokens, offsets, records)
        return self._maps[f]

    def _locate(self, index: int) -> tuple[int, int]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"row {index} of {len(self)}")
        index %= len(self)
        f = int(np.searchsorted(self.starts, index, side="right")) - 1
        return f, index - int(self.starts[f])

    def __getitem__(self, index: int) -> np.ndarray:
        f, r = self._locate(index)
        return self._file(f)[0][r]

    def segments(self, index: int) -> np.ndarray:
        """The row's SEGMENT records (end, task, doc, piece), in row order."""
        f, r = self._locate(index)
        _, offsets, records = self._file(f)
        return records[offsets[r] : offsets[r + 1]]

    def boundaries(self, index: int) -> np.ndarray:
        """Where each piece of a document ends in the row (exclusive); the last is where padding starts."""
        return self.segments(index)["end"].astype(np.int64)

    def document_ids(self, index: int) -> np.ndarray:
        """Per token, the number of its piece in the row (0, 1, …) and -1 for padding: for attention masks."""
        ends = self.boundaries(index)
        ids = np.full(self.seq_len, -1, dtype=np.int32)
        ids[: ends[-1]] = np.repeat(np.arange(len(ends), dtype=np.int32), np.diff(ends, prepend=0))
        return ids

    def parts(self) -> list[np.ndarray]:
        """Each file's rows as one (rows, seq_len) memmap, for whole-file scans."""
        return [self._file(f)[0] for f in range(len(self.files))]

    def documents(self) -> Iterator[tuple[tuple[int, int], np.ndarray]]:
        """Every document put back together from its pieces: ((task, doc), tokens without EOS).

        An audit tool (decode the shards, compare with the input): it reads every row and keeps
        the pieces of documents not yet complete, so memory grows with the cut documents.
        """
        eos, open_docs = self.manifest["eos_id"], {}
        for i in range(len(self)):
            row, start = self[i], 0
            for seg in self.segments(i):
                key, piece = (int(seg["task"]), int(seg["doc"])), row[start : seg["end"]]
                start = int(seg["end"])
                open_docs.setdefault(key, {})[int(seg["piece"])] = np.array(piece)
                got = open_docs[key]
                if got[max(got)][-1] == eos and len(got) == max(got) + 1:
                    del open_docs[key]
                    yield key, np.concatenate([got[p] for p in range(len(got))])[:-1]
        if open_docs:
            raise ShardError(f"{self.folder}: {len(open_docs)} documents have pieces missing, e.g. {next(iter(open_docs))}")
