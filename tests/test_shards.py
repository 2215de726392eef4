"""Packing: exact rows of seq_len uint32 tokens, EOS after every document, nothing lost."""

import json

import numpy as np
from datatrove.data import Document

from tokenizer.shards import MergeManifest, PackShards, file_sha256
from tokenizer.train import save_tokenizer, train_bpe

TEXTS = [f"Document number {i} talks about river {i % 7} and 数据 {i}." * (1 + i % 5) for i in range(300)]


def make_shards(tmp_path, seq_len=64):
    tok = train_bpe(TEXTS, vocab_size=300, min_frequency=1)
    meta = save_tokenizer(tok, tmp_path / "tok", pad_to_multiple_of=64, model_max_length=seq_len, extra={})
    docs = [Document(text=t, id=str(i), metadata={"language": "en" if i % 3 else "zh"}) for i, t in enumerate(TEXTS)]
    list(PackShards(str(tmp_path / "tok"), str(tmp_path / "shards"), seq_len).run(iter(docs), rank=0))
    list(MergeManifest(str(tmp_path / "tok"), str(tmp_path / "shards"), seq_len, "concat").run())
    return tok, meta, json.loads((tmp_path / "shards" / "manifest.json").read_text())


def test_rows_eos_and_round_trip(tmp_path):
    tok, meta, manifest = make_shards(tmp_path)
    data = np.fromfile(tmp_path / "shards" / "shard_00000.bin", dtype="<u4")
    assert len(data) == manifest["rows"] * 64
    assert data.max() < meta["vocab_size"]
    eos, pad = meta["eos_id"], meta["pad_id"]
    assert (data == eos).sum() == len(TEXTS)
    assert (data == pad).sum() == manifest["padding_tokens"] < 64
    # Decode the stream back: the documents, in order, each followed by EOS.
    stream = data[data != pad].tolist()
    docs, current = [], []
    for t in stream:
        if t == eos:
            docs.append(tok.decode(current))
            current = []
        else:
            current.append(t)
    assert docs == TEXTS


def test_manifest(tmp_path):
    _, meta, manifest = make_shards(tmp_path)
    assert manifest["seq_len"] == 64 and manifest["dtype"] == "uint32"
    assert manifest["documents"] == {"en": 200, "zh": 100}
    assert sum(manifest["tokens"].values()) == manifest["rows"] * 64 - manifest["padding_tokens"]
    (entry,) = manifest["files"]
    assert entry["sha256"] == file_sha256(tmp_path / "shards" / entry["name"])
    assert manifest["eos_id"] == meta["eos_id"] and manifest["vocab_size"] == meta["vocab_size"]


def test_deterministic(tmp_path):
    make_shards(tmp_path / "a")
    make_shards(tmp_path / "b")
    assert (tmp_path / "a/shards/shard_00000.bin").read_bytes() == (tmp_path / "b/shards/shard_00000.bin").read_bytes()
