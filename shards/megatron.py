"""Export a shard folder to Megatron-LM's indexed dataset (`PREFIX.bin` + `PREFIX.idx`).

Megatron-LM and NeMo read token data through that format, so they can train on the same rows.
What is exported: each piece of a document in a row is one Megatron *sequence* (its tokens,
padding dropped), and each row is one Megatron *document* (its pieces, in row order). The
export keeps our shuffle, our document boundaries and every token; Megatron's GPTDataset then
builds its own samples of `seq_length + 1` tokens from them (it ends documents by the EOS id).

The `.idx` layout, all little-endian, as the format is published (megatron/core/datasets):
the 9-byte magic `MMIDIDX\\x00\\x00`, the version (uint64, 1), the dtype code (uint8: 8 for
uint16, 4 for int32), the sequence count (uint64), the document-index count (uint64, documents
+ 1), then the sequence lengths (int32), the sequences' byte offsets in `.bin` (int64) and the
document index (int64: the first sequence of each document, then the sequence count).

    .venv/bin/python -m shards.megatron runs/demo/shards runs/demo/megatron/thresher
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

import numpy as np

from shards.dataset import ShardDataset

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
DTYPE_CODES = {np.dtype(np.uint16): 8, np.dtype(np.int32): 4}  # Megatron's DType enum
# Megatron picks uint16 below this vocabulary size and int32 above (DType.optimal_dtype).
UINT16_MAX_VOCAB = 65500


def token_dtype(vocab_size: int) -> np.dtype:
    return np.dtype(np.uint16) if vocab_size < UINT16_MAX_VOCAB else np.dtype(np.int32)


def export_megatron(shards: str | Path, prefix: str | Path, verify: bool = True) -> dict:
    """Write PREFIX.bin and PREFIX.idx from the shard folder SHARDS; return the counts."""
    ds = ShardDataset(shards, verify=verify)
    dtype = token_dtype(ds.manifest["vocab_size"]).newbyteorder("<")
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    lengths: list[np.ndarray] = []
    with open(f"{prefix}.bin", "wb") as bin_f:
        for i in range(len(ds)):
            ends = ds.boundaries(i)
            bin_f.write(ds[i][: ends[-1]].astype(dtype).tobytes())
            lengths.append(np.diff(ends, prepend=0))
    seq_lengths = np.concatenate(lengths).astype("<i4") if lengths else np.empty(0, "<i4")
    starts = np.cumsum(seq_lengths, dtype=np.int64) - seq_lengths  # in tokens: pointers are in bytes
    pointers = (starts * dtype.itemsize).astype("<i8")
    per_row = np.array([len(x) for x in lengths], dtype=np.int64)
    doc_index = np.concatenate([[0], np.cumsum(per_row)]).astype("<i8")
    with open(f"{prefix}.idx", "wb") as idx_f:
        idx_f.write(MAGIC)
        idx_f.write(struct.pack("<Q", VERSION))
        idx_f.write(struct.pack("<B", DTYPE_CODES[np.dtype(dtype.type)]))
        idx_f.write(struct.pack("<Q", len(seq_lengths)))
        idx_f.write(struct.pack("<Q", len(doc_index)))
        for array in (seq_lengths, pointers, doc_index):
            idx_f.write(array.tobytes())
    return {"sequences": len(seq_lengths), "documents": len(per_row), "tokens": int(seq_lengths.sum())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shards", type=Path, help="a shard folder (with manifest.json)")
    parser.add_argument("prefix", type=Path, help="output prefix: PREFIX.bin and PREFIX.idx are written")
    parser.add_argument("--no-verify", action="store_true", help="skip the sha256 check of the shards")
    args = parser.parse_args(argv)
    counts = export_megatron(args.shards, args.prefix, verify=not args.no_verify)
    print(f"{args.prefix}.bin/.idx: {counts['tokens']:,} tokens in {counts['sequences']:,} sequences, {counts['documents']:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
