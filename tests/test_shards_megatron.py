"""The Megatron-LM export, read back by the published layout of its .idx/.bin files.

The reader below follows the format's description (megatron/core/datasets/indexed_dataset.py's
docs): magic, version, dtype code, counts, then sequence lengths, byte pointers and the
document index. It imports nothing from Megatron.
"""

import struct

import numpy as np

from test_shards import build_shards
from shards.dataset import ShardDataset
from shards.megatron import export_megatron, main

CODES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


def read_indexed(prefix):
    """(dtype, sequences as arrays, document index) of PREFIX.idx / PREFIX.bin."""
    idx = open(f"{prefix}.idx", "rb").read()
    assert idx[:9] == b"MMIDIDX\x00\x00"
    version, code, n_seq, n_doc = struct.unpack_from("<QBQQ", idx, 9)
    assert version == 1
    at = 9 + 8 + 1 + 8 + 8
    lengths = np.frombuffer(idx, "<i4", n_seq, at)
    pointers = np.frombuffer(idx, "<i8", n_seq, at + 4 * n_seq)
    doc_index = np.frombuffer(idx, "<i8", n_doc, at + 12 * n_seq)
    assert len(idx) == at + 12 * n_seq + 8 * n_doc  # nothing after (not multimodal)
    dtype = np.dtype(CODES[code]).newbyteorder("<")
    data = open(f"{prefix}.bin", "rb").read()
    sequences = [np.frombuffer(data, dtype, n, p) for n, p in zip(lengths, pointers)]
    return dtype, sequences, doc_index


def test_export_reads_back(tmp_path, capsys):
    build_shards(tmp_path, "best_fit")
    ds = ShardDataset(tmp_path / "shards")
    assert main([str(tmp_path / "shards"), str(tmp_path / "mg" / "data")]) == 0
    assert "sequences" in capsys.readouterr().out
    dtype, sequences, doc_index = read_indexed(tmp_path / "mg" / "data")
    assert dtype == np.uint16  # a 305-token vocabulary fits, as Megatron would choose
    assert doc_index[0] == 0 and doc_index[-1] == len(sequences) and len(doc_index) == len(ds) + 1
    for row in range(len(ds)):
        pieces = sequences[doc_index[row] : doc_index[row + 1]]
        ends = ds.boundaries(row)
        assert [len(p) for p in pieces] == np.diff(ends, prepend=0).tolist()
        assert np.concatenate(pieces).tolist() == ds[row][: ends[-1]].tolist()  # padding dropped, nothing else


def test_large_vocabularies_export_as_int32(tmp_path):
    import json

    build_shards(tmp_path, "concat")
    manifest_path = tmp_path / "shards" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["vocab_size"] = 102400  # DeepSeek-V2's: past uint16
    manifest_path.write_text(json.dumps(manifest))
    counts = export_megatron(tmp_path / "shards", tmp_path / "big")
    dtype, sequences, _ = read_indexed(tmp_path / "big")
    assert dtype == np.int32 and sum(len(s) for s in sequences) == counts["tokens"]
    assert counts["tokens"] == sum(manifest["tokens"].values())
