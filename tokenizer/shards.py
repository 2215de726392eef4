"""Tokenize the final documents and pack them into fixed-length rows of uint32 tokens.

Each document is followed by EOS; no BOS is added (a trainer that wants one prepends it to
every row). `concat` packing cuts one continuous stream into rows of exactly `seq_len`
tokens; the last row of a task is padded with PAD so that no token of any document is lost.
Each task writes `shard_<rank>.bin` (little-endian uint32) and a part record; one merge task
turns the parts into `manifest.json`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from tokenizer.train import META_FILE

FORMAT_VERSION = 1
DTYPE = "<u4"
BATCH_DOCS = 256  # documents per encode_batch call: big enough to use the Rust side well


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class PackShards(PipelineStep):
    type = "📦 - SHARDS"
    name = "pack_concat"

    def __init__(self, tokenizer_dir: str, output_dir: str, seq_len: int):
        super().__init__()
        self.tokenizer_dir = tokenizer_dir
        self.output_dir = output_dir
        self.seq_len = seq_len

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(Path(self.tokenizer_dir) / "tokenizer.json"))
        meta = json.loads((Path(self.tokenizer_dir) / META_FILE).read_text())
        eos, pad = meta["eos_id"], meta["pad_id"]
        out = Path(self.output_dir)
        (out / "parts").mkdir(parents=True, exist_ok=True)
        shard = out / f"shard_{rank:05d}.bin"
        docs_per_lang, tokens_per_lang = Counter(), Counter()
        pending = np.empty(0, dtype=DTYPE)
        rows = 0
        with open(shard, "wb") as f:
            batch = []
            for doc in data:
                batch.append(doc)
                if len(batch) == BATCH_DOCS:
                    pending, written = self._pack(tok, batch, eos, pending, f, docs_per_lang, tokens_per_lang)
                    rows += written
                    batch = []
            if batch:
                pending, written = self._pack(tok, batch, eos, pending, f, docs_per_lang, tokens_per_lang)
                rows += written
            padding = 0
            if len(pending):
                padding = self.seq_len - len(pending)
                f.write(np.concatenate([pending, np.full(padding, pad, dtype=DTYPE)]).tobytes())
                rows += 1
        if rows == 0:
            shard.unlink()  # a task that got no documents leaves no empty shard behind
        self.stat_update("rows", value=rows)
        self.stat_update("padding_tokens", value=padding)
        part = {
            "file": shard.name,
            "rows": rows,
            "sha256": file_sha256(shard) if rows else None,
            "padding_tokens": padding,
            "documents": dict(docs_per_lang),
            "tokens": dict(tokens_per_lang),
        }
        (out / "parts" / f"{rank:05d}.json").write_text(json.dumps(part, indent=2) + "\n")
        return
        yield

    def _pack(self, tok, batch, eos, pending, f, docs_per_lang, tokens_per_lang):
        encodings = tok.encode_batch([d.text for d in batch], add_special_tokens=False)
        pieces = [pending]
        for doc, enc in zip(batch, encodings):
            lang = doc.metadata.get("language", "unknown")
            docs_per_lang[lang] += 1
            tokens_per_lang[lang] += len(enc.ids) + 1
            self.stat_update("documents")
            pieces.append(np.asarray(enc.ids, dtype=DTYPE))
            pieces.append(np.asarray([eos], dtype=DTYPE))
        stream = np.concatenate(pieces)
        full = len(stream) // self.seq_len
        if full:
            f.write(stream[: full * self.seq_len].tobytes())
        return stream[full * self.seq_len :], full


class MergeManifest(PipelineStep):
    """One task: the parts of every packing task -> `manifest.json`."""

    type = "📦 - SHARDS"
    name = "manifest"

    def __init__(self, tokenizer_dir: str, output_dir: str, seq_len: int, packing: str):
        super().__init__()
        self.tokenizer_dir = tokenizer_dir
        self.output_dir = output_dir
        self.seq_len = seq_len
        self.packing = packing

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        out = Path(self.output_dir)
        parts = [json.loads(p.read_text()) for p in sorted((out / "parts").glob("*.json"))]
        meta = json.loads((Path(self.tokenizer_dir) / META_FILE).read_text())
        documents, tokens = Counter(), Counter()
        for part in parts:
            documents.update(part["documents"])
            tokens.update(part["tokens"])
        manifest = {
            "format_version": FORMAT_VERSION,
            "dtype": "uint32",
            "byte_order": "little",
            "seq_len": self.seq_len,
            "packing": self.packing,
            "bos_policy": "none: each document ends with EOS; no BOS is inserted",
            "vocab_size": meta["vocab_size"],
            "embedding_size": meta["embedding_size"],
            "eos_id": meta["eos_id"],
            "pad_id": meta["pad_id"],
            "tokenizer_sha256": file_sha256(Path(self.tokenizer_dir) / "tokenizer.json"),
            "files": [{"name": p["file"], "rows": p["rows"], "sha256": p["sha256"]} for p in parts if p["rows"]],
            "rows": sum(p["rows"] for p in parts),
            "documents": dict(sorted(documents.items())),
            "tokens": dict(sorted(tokens.items())),
            "padding_tokens": sum(p["padding_tokens"] for p in parts),
        }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        return
        yield
