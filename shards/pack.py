"""Tokenize the final documents, pack them into rows of `seq_len` tokens, shuffle the rows into shards.

Three datatrove jobs make the stage:

1. `PackShards`, one task per share of the input like every stage: `encode_batch`, EOS after
   each document, packing (`concat` or `best_fit`, see packing.py) into `work/rows_<task>.*`
   and a part record of counts.
2. `ShuffleShards`, the same number of tasks: one seeded permutation of every row of every
   part (shards/permutation.py), of which each task evaluates only the positions of the shards
   it writes (those whose number is its rank modulo the task count): no task holds the whole
   order, 8 bytes a row of its own shards. Rows can only be shuffled *across* shards once all
   packing is done, and since every shard is written by exactly one task the bytes do not
   depend on timing or on the workers.
3. `WriteManifest`, one task: `manifest.json`, then `work/` is removed.

The same input, config (task count included) and `run.seed` give byte-identical shards.

The format (`format_version` 2), for trainers; all integers little-endian:

- `shard_NNNNN.bin`: rows of exactly `seq_len` uint32 tokens, `rows` of them, at most
  `max_shard_tokens` tokens a file. Padding (`pad_id`) fills only the end of a row.
- `shard_NNNNN.seg`: the document boundaries of every row. First `rows + 1` uint64 offsets,
  then records of four uint32: `end` (exclusive, in tokens from the row start; a piece starts
  where the row's previous one ended), `task` and `doc` (which document: its pack task and its
  number there), `piece` (0 = the document's start). The piece holding a document's last
  token ends with EOS. Records `offsets[i]:offsets[i+1]` belong to row `i`; the row's last
  `end` is where its padding starts.
- BOS policy: no BOS is stored. Every document ends with EOS; a trainer that wants BOS puts
  `bos_id` before every piece whose `piece` is 0.
- `manifest.json` keys: format_version, dtype, byte_order, seq_len, packing, seed, bos_policy,
  vocab_size, embedding_size, bos_id, eos_id, pad_id, tokenizer_sha256, rows, documents and
  tokens (per language; tokens count EOS, not padding), padding_tokens, split_documents,
  padding_rate, split_document_rate, document_tokens_histogram, and files: a list of
  {name, rows, sha256, tokens, padding_tokens, segments: {name, sha256}}.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.batching import batched

from pipeline.layout import DamagedRunFolder, read_run_json
from shards.config import ShardsConfig
from shards.dataset import file_sha256
from shards.packing import DTYPE, FORMAT_VERSION, MANIFEST, SEGMENT, Batch, BestFitPacker, ConcatPacker, Packed
from shards.permutation import RowPermutation
from tokenizer.files import META_FILE, tokenizer_file
from tokenizer.load import plain_text_tokenizer

BATCH_DOCS = 256  # documents per encode_batch call: big enough to use the Rust side well
HISTOGRAM_BINS = 24  # document lengths in powers of two: bin k holds [2^k, 2^(k+1)) tokens
WRITE_ROWS = 1024  # rows gathered at a time while shuffling: 16 MiB at 4096 tokens


def length_histogram(lengths: np.ndarray) -> np.ndarray:
    """Documents per power-of-two length bin: `[1, 2, 3, 4, 1000]` -> bins 0, 1, 1, 2, 9."""
    bins = np.minimum(np.log2(np.maximum(lengths, 1)).astype(np.int64), HISTOGRAM_BINS - 1)
    return np.bincount(bins, minlength=HISTOGRAM_BINS)


class PackShards(PipelineStep):
    """Documents -> packed rows in `work/`, plus a part record of what went in."""

    type = "📦 - SHARDS"
    name = "pack"

    def __init__(self, tokenizer_dir: str, output_dir: str, settings: ShardsConfig):
        super().__init__()
        self.tokenizer_dir = tokenizer_dir
        self.output_dir = output_dir
        self.settings = settings

    def packer(self, rank: int, pad_id: int):
        s = self.settings
        if s.packing == "concat":
            return ConcatPacker(s.seq_len, rank, pad_id)
        if s.packing == "best_fit":
            return BestFitPacker(s.seq_len, rank, pad_id, s.best_fit_buffer_tokens)
        raise ValueError(f"unknown packing {s.packing!r}; valid: ['concat', 'best_fit']")

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # Crawled text that quotes "<｜end▁of▁sentence｜>" must stay text, not become EOS.
        tok = plain_text_tokenizer(self.tokenizer_dir)
        meta = json.loads((Path(self.tokenizer_dir) / META_FILE).read_text())
        work = Path(self.output_dir) / "work"
        work.mkdir(parents=True, exist_ok=True)
        packer = self.packer(rank, meta["pad_id"])
        docs, tokens, hist = Counter(), Counter(), {}
        totals = {"rows": 0, "padding_tokens": 0, "documents": 0}
        stem = work / f"rows_{rank:05d}"
        segments = [0]  # segment records written so far: where the next row's records start
        with open(f"{stem}.bin", "wb") as tok_f, open(f"{stem}.seg", "wb") as seg_f, open(f"{stem}.off", "wb") as off_f:
            off_f.write(np.zeros(1, dtype="<u8").tobytes())  # row r's records: off[r]:off[r + 1]

            def write(packed: Packed) -> None:
                tok_f.write(packed.tokens.tobytes())
                seg_f.write(packed.segments.tobytes())
                ends = segments[0] + np.cumsum(packed.counts, dtype=np.int64)
                off_f.write(ends.astype("<u8").tobytes())
                segments[0] = int(ends[-1]) if len(ends) else segments[0]
                totals["rows"] += len(packed.counts)
                totals["padding_tokens"] += packed.padding

            for chunk in batched(data, BATCH_DOCS):
                with self.track_time("batch"):
                    batch = encode(tok, [d.text for d in chunk], meta["eos_id"], totals["documents"])
                    write(packer.add(batch))
                totals["documents"] += len(chunk)
                for lang in {d.metadata.get("language", "unknown") for d in chunk}:
                    mine = np.array([d.metadata.get("language", "unknown") == lang for d in chunk])
                    docs[lang] += int(mine.sum())
                    tokens[lang] += int(batch.lengths[mine].sum())
                    hist[lang] = hist.get(lang, 0) + length_histogram(batch.lengths[mine])
            write(packer.finish())
        for key in ("documents", "rows", "padding_tokens"):
            self.stat_update(key, value=totals[key])
        part = {
            "task": rank,
            "rows": totals["rows"],
            "padding_tokens": totals["padding_tokens"],
            "split_documents": packer.split_documents,
            "documents": dict(docs),
            "tokens": dict(tokens),
            "document_tokens_histogram": {lang: h.tolist() for lang, h in hist.items()},
        }
        (work / f"part_{rank:05d}.json").write_text(json.dumps(part) + "\n")
        return
        yield


def encode(tok, texts: list[str], eos_id: int, first_doc: int) -> Batch:
    """One encode_batch call -> every document's ids then EOS, back to back, and their lengths."""
    encodings = tok.encode_batch(texts, add_special_tokens=False)
    ids: list[int] = []
    lengths = np.empty(len(encodings), dtype=np.int64)
    for i, enc in enumerate(encodings):
        doc = enc.ids
        ids += doc
        ids.append(eos_id)
        lengths[i] = len(doc) + 1
    return Batch(np.array(ids, dtype=DTYPE), lengths, first_doc)


class _Part:
    """One pack task's rows, read a row at a time with pread: a shuffle task holds only the
    block of rows it is writing. (A memory map would leave every page it touched resident, and
    the whole run passes through each task's reads.)"""

    def __init__(self, stem: Path, seq_len: int):
        self.stem = stem
        self.row_bytes = seq_len * DTYPE.itemsize
        self.files: list[int] = []
        try:
            for suffix in ("bin", "seg", "off"):
                self.files.append(os.open(f"{stem}.{suffix}", os.O_RDONLY))
        except OSError:
            self.close()
            raise

    def _read(self, which: int, size: int, at: int) -> bytes:
        data = os.pread(self.files[which], size, at)
        if len(data) != size:  # a packed file cut short: never write a short row
            raise DamagedRunFolder(f"{self.stem}.{('bin', 'seg', 'off')[which]} is shorter than its part record says",
                                   f"delete {self.stem.parents[1]}/ and run the same command again")
        return data

    def row(self, r: int) -> bytes:
        return self._read(0, self.row_bytes, r * self.row_bytes)

    def segments(self, r: int) -> np.ndarray:
        start, end = np.frombuffer(self._read(2, 16, r * 8), dtype="<u8").tolist()
        return np.frombuffer(self._read(1, (end - start) * SEGMENT.itemsize, start * SEGMENT.itemsize), dtype=SEGMENT)

    def close(self) -> None:
        for fd in self.files:
            os.close(fd)


def read_parts(work: Path) -> list[dict]:
    parts = [json.loads(p.read_text()) for p in sorted(work.glob("part_*.json"))]
    if not parts:
        raise FileNotFoundError(f"no part records in {work}: the pack job has not run")
    return parts


class ShuffleShards(PipelineStep):
    """Every packed row, in one seeded order, into shard files of at most `max_shard_tokens`."""

    type = "📦 - SHARDS"
    name = "shuffle"

    def __init__(self, output_dir: str, settings: ShardsConfig, seed: int):
        super().__init__()
        self.output_dir = output_dir
        self.settings = settings
        self.seed = seed

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        out, work = Path(self.output_dir), Path(self.output_dir) / "work"
        parts_meta = read_parts(work)
        rows = np.array([p["rows"] for p in parts_meta], dtype=np.int64)
        total = int(rows.sum())
        per_shard = max(1, self.settings.max_shard_tokens // self.settings.seq_len)
        order = RowPermutation(total, self.seed)
        starts = np.cumsum(rows) - rows  # each part's first row in the run-wide numbering
        parts: list[_Part] = []
        try:
            for p in parts_meta:  # inside the try: a part that cannot be opened closes the others
                parts.append(_Part(work / f"rows_{p['task']:05d}", self.settings.seq_len))
            for shard in range(rank, math.ceil(total / per_shard), world_size):
                chosen = order(np.arange(shard * per_shard, min(total, (shard + 1) * per_shard)))
                part_of = np.searchsorted(starts, chosen, side="right") - 1
                record = self._write(out / f"shard_{shard:05d}", parts, part_of, chosen - starts[part_of])
                (work / f"shard_{shard:05d}.json").write_text(json.dumps(record) + "\n")
                self.stat_update("rows", value=record["rows"])
        finally:
            for part in parts:
                part.close()
        return
        yield

    def _write(self, stem: Path, parts: list[_Part], part_of: np.ndarray, local: np.ndarray) -> dict:
        L = self.settings.seq_len
        real_tokens, segments_written = 0, 0
        with open(f"{stem}.bin", "wb") as tok_f, open(f"{stem}.seg", "wb") as seg_f:
            # The index first (rows + 1 offsets), its values known only as the rows are read.
            index = np.zeros(len(local) + 1, dtype="<u8")
            seg_f.write(index.tobytes())
            for at in range(0, len(local), WRITE_ROWS):
                rows = list(zip(part_of[at : at + WRITE_ROWS].tolist(), local[at : at + WRITE_ROWS].tolist()))
                tok_f.write(b"".join(parts[p].row(r) for p, r in rows))
                segs = [parts[p].segments(r) for p, r in rows]
                for i, seg in enumerate(segs):
                    segments_written += len(seg)
                    index[at + i + 1] = segments_written
                    real_tokens += int(seg["end"][-1])  # the row's last piece ends where its padding starts
                seg_f.write(b"".join(seg.tobytes() for seg in segs))
            seg_f.seek(0)
            seg_f.write(index.tobytes())
        return {
            "name": f"{stem.name}.bin",
            "rows": len(local),
            "sha256": file_sha256(Path(f"{stem}.bin")),
            "tokens": real_tokens,
            "padding_tokens": len(local) * L - real_tokens,
            "segments": {"name": f"{stem.name}.seg", "sha256": file_sha256(Path(f"{stem}.seg"))},
        }


def damaged_shards(folder: str | Path, tokenizer_dir: str | Path) -> str | None:
    """What is wrong with a finished shard folder, or None: manifest.json whole, every shard it
    lists there at the size its rows give (rows x seq_len x 4 bytes) with its index, and the
    tokenizer the same one the shards were made with. Sizes, not checksums: a rerun of a
    finished run should not read terabytes."""
    folder = Path(folder)
    try:
        manifest = read_run_json(folder / MANIFEST)
    except FileNotFoundError:
        return f"{folder / MANIFEST} is missing"
    except DamagedRunFolder as e:
        return e.what
    itemsize = np.dtype(manifest.get("dtype", "uint32")).itemsize
    for entry in manifest.get("files", []):
        path = folder / entry["name"]
        expected = entry["rows"] * manifest["seq_len"] * itemsize
        if not path.is_file() or path.stat().st_size != expected:
            return f"{path} is missing or not {expected:,} bytes"
        if not (folder / entry["segments"]["name"]).is_file():
            return f"{folder / entry['segments']['name']} is missing"
    try:
        if file_sha256(tokenizer_file(tokenizer_dir)) != manifest.get("tokenizer_sha256"):
            return "the tokenizer changed since the shards were made"
    except FileNotFoundError:
        return f"the tokenizer in {tokenizer_dir} is missing"
    return None


class WriteManifest(PipelineStep):
    """One task: the part and shard records -> `manifest.json`; the packed rows in `work/` go."""

    type = "📦 - SHARDS"
    name = "manifest"

    def __init__(self, tokenizer_dir: str, output_dir: str, settings: ShardsConfig, seed: int):
        super().__init__()
        self.tokenizer_dir = tokenizer_dir
        self.output_dir = output_dir
        self.settings = settings
        self.seed = seed

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        out, work = Path(self.output_dir), Path(self.output_dir) / "work"
        parts = read_parts(work)
        files = [json.loads(p.read_text()) for p in sorted(work.glob("shard_*.json"))]
        meta = json.loads((Path(self.tokenizer_dir) / META_FILE).read_text())
        documents, tokens, hist = Counter(), Counter(), {}
        for part in parts:
            documents.update(part["documents"])
            tokens.update(part["tokens"])
            for lang, counts in part["document_tokens_histogram"].items():
                hist[lang] = (np.array(hist.get(lang, np.zeros(HISTOGRAM_BINS, np.int64))) + counts).tolist()
        rows = sum(p["rows"] for p in parts)
        if sum(f["rows"] for f in files) != rows:
            raise RuntimeError(f"{work}: the shard records hold {sum(f['rows'] for f in files)} rows, the parts {rows}")
        padding = sum(p["padding_tokens"] for p in parts)
        split = sum(p["split_documents"] for p in parts)
        manifest = {
            "format_version": FORMAT_VERSION,
            "dtype": "uint32",
            "byte_order": "little",
            "seq_len": self.settings.seq_len,
            "packing": self.settings.packing,
            "seed": self.seed,
            "bos_policy": "none stored: each document ends with EOS; to use BOS, put bos_id before every piece 0",
            "vocab_size": meta["vocab_size"],
            "embedding_size": meta["embedding_size"],
            "bos_id": meta["bos_id"],
            "eos_id": meta["eos_id"],
            "pad_id": meta["pad_id"],
            "tokenizer_sha256": file_sha256(tokenizer_file(self.tokenizer_dir)),
            "rows": rows,
            "documents": dict(sorted(documents.items())),
            "tokens": dict(sorted(tokens.items())),
            "padding_tokens": padding,
            "split_documents": split,
            "padding_rate": padding / (rows * self.settings.seq_len) if rows else 0.0,
            "split_document_rate": split / sum(documents.values()) if documents else 0.0,
            "document_tokens_histogram": {"bin_start_tokens": [2**k for k in range(HISTOGRAM_BINS)], **dict(sorted(hist.items()))},
            "files": files,
        }
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        shutil.rmtree(work)  # the packed rows now live in the shards: do not keep them twice
        return
        yield
