"""Packing tokenized documents into rows of exactly `seq_len` tokens: `concat` and `best_fit`.

Both packers take batches of documents (one flat uint32 array of their tokens, EOS included,
and each document's length) and hand back finished rows plus one *segment* record per piece
of a document in a row: where the piece ends in the row, which document it is (`task`, `doc`)
and which piece of it (`piece`, 0 for the first). The segments are what a trainer needs to
mask attention across documents, and what lets a reader put split documents back together.

- `concat` cuts one continuous stream into rows: no padding except the task's last row, but
  every document that crosses a row edge is cut (about one per row).
- `best_fit` is best-fit-decreasing bin packing inside a buffer of documents (Ding et al.,
  "Fewer Truncations Improve Language Modeling", 2024): a document is cut only when it is
  longer than a row; the price is padding, small once the buffer holds many rows' worth.

Documents of `[3, 4, 2]` tokens into rows of 5 -> concat: `[3, 4a] [4b, 2, pad]` (the 4 is
cut in two), best_fit: `[4, pad] [3, 2]` (nothing cut, one more padding token).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

# The on-disk format of a shard folder; the reader refuses any other (shards/dataset.py).
FORMAT_VERSION = 2
MANIFEST = "manifest.json"  # in every shard folder: what is where, and its checksums
DTYPE = np.dtype("<u4")
# One record per piece of a document in a row. `end` is exclusive, in tokens from the row start;
# the piece starts where the row's previous piece ended (0 for the first).
SEGMENT = np.dtype([("end", "<u4"), ("task", "<u4"), ("doc", "<u4"), ("piece", "<u4")])


@dataclass
class Packed:
    """What a packer hands back: whole rows, and their segments in row order."""

    tokens: np.ndarray  # (rows * seq_len,) uint32
    segments: np.ndarray  # SEGMENT records, grouped by row
    counts: np.ndarray  # segments per row
    padding: int = 0


@dataclass
class Batch:
    flat: np.ndarray  # every document's tokens then its EOS, back to back
    lengths: np.ndarray  # tokens per document, EOS included (int64)
    first_doc: int  # number of the batch's first document within the task


def _segments(task: int, doc: np.ndarray, piece: np.ndarray, end: np.ndarray) -> np.ndarray:
    out = np.empty(len(doc), dtype=SEGMENT)
    out["end"], out["task"], out["doc"], out["piece"] = end, task, doc, piece
    return out


class ConcatPacker:
    """A continuous stream of documents cut into rows; the final row is padded."""

    def __init__(self, seq_len: int, task: int, pad_id: int):
        self.seq_len, self.task, self.pad_id = seq_len, task, pad_id
        self.position = 0  # stream tokens seen so far
        self.rows_out = 0
        self.tokens = np.empty(0, dtype=DTYPE)  # the unfinished last row
        self.segments = np.empty(0, dtype=SEGMENT)
        self.seg_rows = np.empty(0, dtype=np.int64)
        self.split_documents = 0

    def add(self, batch: Batch) -> Packed:
        L = self.seq_len
        ends = self.position + np.cumsum(batch.lengths)
        starts = ends - batch.lengths
        first_row, last_row = starts // L, (ends - 1) // L
        pieces = last_row - first_row + 1
        self.split_documents += int((pieces > 1).sum())
        # One segment per (document, row it touches); the piece number is the row offset.
        which = np.repeat(np.arange(len(ends)), pieces)
        piece = np.arange(len(which)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        row = first_row[which] + piece
        end = np.minimum(ends[which], (row + 1) * L) - row * L
        self.segments = np.concatenate([self.segments, _segments(self.task, batch.first_doc + which, piece, end)])
        self.seg_rows = np.concatenate([self.seg_rows, row])
        self.tokens = np.concatenate([self.tokens, batch.flat])
        self.position = int(ends[-1]) if len(ends) else self.position
        return self._take(self.position // L - self.rows_out)

    def finish(self) -> Packed:
        if not len(self.tokens):
            return self._take(0)
        padding = self.seq_len - len(self.tokens)
        self.tokens = np.concatenate([self.tokens, np.full(padding, self.pad_id, dtype=DTYPE)])
        packed = self._take(1)
        packed.padding = padding
        return packed

    def _take(self, rows: int) -> Packed:
        n_tok = rows * self.seq_len
        n_seg = int(np.searchsorted(self.seg_rows, self.rows_out + rows))
        counts = np.bincount(self.seg_rows[:n_seg] - self.rows_out, minlength=rows)
        out = Packed(self.tokens[:n_tok], self.segments[:n_seg], counts)
        self.tokens, self.segments, self.seg_rows = self.tokens[n_tok:], self.segments[n_seg:], self.seg_rows[n_seg:]
        self.rows_out += rows
        return out


@dataclass
class _Bins:
    """Open rows indexed by their free space, for the best-fit lookup in O(log seq_len)."""

    free_sizes: list = field(default_factory=list)  # sorted distinct free sizes with an open row
    by_free: dict = field(default_factory=dict)  # free size -> stack of row numbers

    def take(self, need: int) -> tuple[int, int] | None:
        """(row, its free space): the open row with the least room that still fits NEED tokens."""
        i = bisect.bisect_left(self.free_sizes, need)
        if i == len(self.free_sizes):
            return None
        free = self.free_sizes[i]
        stack = self.by_free[free]
        row = stack.pop()
        if not stack:
            del self.by_free[free], self.free_sizes[i]
        return row, free

    def put(self, row: int, free: int) -> None:
        if free == 0:
            return  # full: never a candidate again
        if free not in self.by_free:
            bisect.insort(self.free_sizes, free)
            self.by_free[free] = []
        self.by_free[free].append(row)


class BestFitPacker:
    """Best-fit-decreasing over a buffer of documents; only documents longer than a row are cut."""

    def __init__(self, seq_len: int, task: int, pad_id: int, buffer_tokens: int):
        self.seq_len, self.task, self.pad_id = seq_len, task, pad_id
        self.buffer_tokens = buffer_tokens
        self.pending: list[Batch] = []
        self.pending_tokens = 0
        self.split_documents = 0

    def add(self, batch: Batch) -> Packed:
        self.pending.append(batch)
        self.pending_tokens += len(batch.flat)
        if self.pending_tokens < self.buffer_tokens:
            return Packed(np.empty(0, dtype=DTYPE), np.empty(0, dtype=SEGMENT), np.empty(0, dtype=np.int64))
        return self.finish()

    def finish(self) -> Packed:
        L = self.seq_len
        # Items: (length, batch, start in batch.flat, doc number, piece number).
        items, full_rows = [], []
        for b, batch in enumerate(self.pending):
            offsets = np.concatenate([[0], np.cumsum(batch.lengths)]).tolist()
            for i, n in enumerate(batch.lengths.tolist()):
                start, doc = offsets[i], batch.first_doc + i
                if n > L:
                    self.split_documents += 1
                    whole = n // L
                    full_rows += [(b, start + p * L, doc, p) for p in range(whole)]
                    if n % L:
                        items.append((n % L, b, start + whole * L, doc, whole))
                else:
                    items.append((n, b, start, doc, 0))
        # Longest first; ties in document order, so the packing is deterministic.
        items.sort(key=lambda it: (-it[0], it[3]))
        rows: list[list[tuple]] = []
        free = _Bins()
        for item in items:
            found = free.take(item[0])
            if found is None:
                rows.append([item])
                free.put(len(rows) - 1, L - item[0])
            else:
                row, space = found
                rows[row].append(item)
                free.put(row, space - item[0])
        packed = self._write(full_rows, rows)
        self.pending, self.pending_tokens = [], 0
        return packed

    def _write(self, full_rows: list[tuple], rows: list[list[tuple]]) -> Packed:
        L, n_rows = self.seq_len, len(full_rows) + len(rows)
        tokens = np.full(n_rows * L, self.pad_id, dtype=DTYPE)
        seg = np.empty(len(full_rows) + sum(len(r) for r in rows), dtype=SEGMENT)
        counts = np.ones(n_rows, dtype=np.int64)
        padding = 0
        for r, (b, start, doc, piece) in enumerate(full_rows):
            tokens[r * L : (r + 1) * L] = self.pending[b].flat[start : start + L]
            seg[r] = (L, self.task, doc, piece)
        s = len(full_rows)
        for r, row in enumerate(rows, start=len(full_rows)):
            at = r * L
            for n, b, start, doc, piece in row:
                tokens[at : at + n] = self.pending[b].flat[start : start + n]
                at += n
                seg[s] = (at - r * L, self.task, doc, piece)
                s += 1
            counts[r] = len(row)
            padding += (r + 1) * L - at
        return Packed(tokens, seg, counts, padding)
