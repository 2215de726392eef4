"""The shards stage end to end: pack per task, shuffle across shards, manifest; both packing modes."""

import json

import numpy as np
import pytest
from datatrove.data import Document

from shards.config import ShardsConfig
from shards.dataset import ShardDataset, file_sha256
from shards.pack import PackShards, ShuffleShards, WriteManifest, length_histogram
from tokenizer.train import save_tokenizer, train_bpe

SEQ_LEN = 64
# Short and long documents (every 37th is ~10 rows long), English and Chinese.
TEXTS = [f"Document number {i} talks about river {i % 7} and 数据 {i}. " * (1 + i % 5) * (1 + 10 * (i % 37 == 0)) for i in range(300)]
TASKS = 2


def build_shards(root, packing="concat", seed=7, max_shard_tokens=SEQ_LEN * 40, buffer_tokens=2000, texts=TEXTS):
    """The three jobs of the stage, run the way the executor runs them; returns (tokenizer, manifest)."""
    tok = train_bpe(TEXTS, vocab_size=300, min_frequency=1)
    save_tokenizer(tok, root / "tok", pad_to_multiple_of=64, model_max_length=SEQ_LEN, extra={})
    docs = [Document(text=t, id=str(i), metadata={"language": "en" if i % 3 else "zh"}) for i, t in enumerate(texts)]
    tok_dir, out = str(root / "tok"), str(root / "shards")
    s = ShardsConfig(seq_len=SEQ_LEN, packing=packing, best_fit_buffer_tokens=buffer_tokens, max_shard_tokens=max_shard_tokens)
    for rank in range(TASKS):
        list(PackShards(tok_dir, out, s).run(iter(docs[rank::TASKS]), rank=rank, world_size=TASKS))
    for rank in range(TASKS):
        list(ShuffleShards(out, s, seed).run(rank=rank, world_size=TASKS))
    list(WriteManifest(tok_dir, out, s, seed).run())
    return tok, json.loads((root / "shards" / "manifest.json").read_text())


@pytest.fixture(scope="module", params=["concat", "best_fit"])
def shards(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    tok, manifest = build_shards(root, request.param)
    return root / "shards", tok, manifest


def test_rows_are_exact_uint32_and_bounded_per_file(shards):
    folder, _, manifest = shards
    assert manifest["dtype"] == "uint32" and manifest["byte_order"] == "little" and manifest["seq_len"] == SEQ_LEN
    assert len(manifest["files"]) > 1  # max_shard_tokens split them
    for entry in manifest["files"]:
        data = np.fromfile(folder / entry["name"], dtype="<u4")
        assert len(data) == entry["rows"] * SEQ_LEN <= 40 * SEQ_LEN
        assert data.max() < manifest["vocab_size"]
        assert entry["sha256"] == file_sha256(folder / entry["name"])
    assert sum(f["rows"] for f in manifest["files"]) == manifest["rows"]
    assert not (folder / "work").exists()


def test_eos_ends_every_document_and_padding_only_ends_rows(shards):
    folder, _, manifest = shards
    ds = ShardDataset(folder)
    eos, pad = manifest["eos_id"], manifest["pad_id"]
    eos_total = padding = 0
    for i in range(len(ds)):
        row, ends = ds[i], ds.boundaries(i)
        assert np.all(np.diff(ends, prepend=0) > 0) and ends[-1] <= SEQ_LEN
        assert np.all(row[ends[-1]:] == pad) and not np.any(row[: ends[-1]] == pad)
        padding += SEQ_LEN - ends[-1]
        eos_total += int((row == eos).sum())
        # EOS appears only as the last token of a piece: never inside one.
        for start, end in zip(np.concatenate([[0], ends[:-1]]), ends):
            assert not np.any(row[start : end - 1] == eos), (i, start, end)
    assert eos_total == sum(manifest["documents"].values()) == len(TEXTS)
    assert padding == manifest["padding_tokens"]
    assert sum(manifest["tokens"].values()) == manifest["rows"] * SEQ_LEN - padding
    assert sum(f["tokens"] for f in manifest["files"]) == sum(manifest["tokens"].values())


def test_no_content_lost(shards):
    """Every document, put back together from its pieces, decodes to its text."""
    folder, tok, _ = shards
    got = {key: tok.decode(tokens.tolist()) for key, tokens in ShardDataset(folder).documents()}
    # Document i went to task i % TASKS, as number i // TASKS there.
    assert got == {(i % TASKS, i // TASKS): text for i, text in enumerate(TEXTS)}


def test_manifest_counts(shards):
    folder, tok, manifest = shards
    assert manifest["format_version"] == 2 and manifest["packing"] in ("concat", "best_fit")
    assert manifest["documents"] == {"en": 200, "zh": 100}
    lengths = [len(tok.encode(t, add_special_tokens=False).ids) + 1 for t in TEXTS]
    assert sum(manifest["tokens"].values()) == sum(lengths)
    assert manifest["tokenizer_sha256"] == file_sha256(folder.parent / "tok" / "tokenizer.json")
    hist = manifest["document_tokens_histogram"]
    assert (np.array(hist["en"]) + np.array(hist["zh"])).tolist() == length_histogram(np.array(lengths)).tolist()
    long_docs = sum(n > SEQ_LEN for n in lengths)
    if manifest["packing"] == "best_fit":
        assert manifest["split_documents"] == long_docs  # only documents longer than a row are cut
    else:
        assert manifest["split_documents"] > long_docs
    assert manifest["split_document_rate"] == manifest["split_documents"] / len(TEXTS)
    assert manifest["padding_rate"] == manifest["padding_tokens"] / (manifest["rows"] * SEQ_LEN)


def test_best_fit_cuts_fewer_documents_and_concat_pads_less(tmp_path):
    _, concat = build_shards(tmp_path / "c", "concat")
    _, best = build_shards(tmp_path / "b", "best_fit")
    assert best["split_documents"] < concat["split_documents"]
    assert concat["padding_tokens"] < SEQ_LEN * TASKS <= best["padding_tokens"]


@pytest.mark.parametrize("packing", ["concat", "best_fit"])
def test_deterministic_and_seeded(tmp_path, packing):
    build_shards(tmp_path / "a", packing)
    build_shards(tmp_path / "b", packing)
    build_shards(tmp_path / "c", packing, seed=8)
    names = sorted(p.name for p in (tmp_path / "a/shards").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b/shards").iterdir())
    for name in names:
        assert (tmp_path / "a/shards" / name).read_bytes() == (tmp_path / "b/shards" / name).read_bytes(), name
    a, c = ShardDataset(tmp_path / "a/shards"), ShardDataset(tmp_path / "c/shards")
    rows_a = [a[i].tobytes() for i in range(len(a))]
    rows_c = [c[i].tobytes() for i in range(len(c))]
    assert rows_a != rows_c and sorted(rows_a) == sorted(rows_c)  # same rows, another order


def test_rows_are_shuffled_across_tasks(tmp_path):
    build_shards(tmp_path, "concat")
    ds = ShardDataset(tmp_path / "shards")
    tasks = [int(ds.segments(i)["task"][0]) for i in range(len(ds))]
    # Unshuffled, all of task 0's rows would come first.
    assert tasks != sorted(tasks)
    first_file = ds.files[0]["rows"]
    assert set(tasks[:first_file]) == {0, 1}


def test_a_task_without_documents(tmp_path):
    _, manifest = build_shards(tmp_path, "best_fit", texts=TEXTS[:1])  # task 1 gets nothing
    assert manifest["documents"] == {"zh": 1} and manifest["rows"] >= 1
    assert ShardDataset(tmp_path / "shards")[0][0] != manifest["pad_id"]


def test_a_packed_file_cut_short_is_named_not_shuffled(tmp_path):
    from pipeline.layout import DamagedRunFolder

    tok = train_bpe(TEXTS, vocab_size=300, min_frequency=1)
    save_tokenizer(tok, tmp_path / "tok", pad_to_multiple_of=64, model_max_length=SEQ_LEN, extra={})
    s = ShardsConfig(seq_len=SEQ_LEN, packing="concat", max_shard_tokens=SEQ_LEN * 40)
    out = tmp_path / "shards"
    list(PackShards(str(tmp_path / "tok"), str(out), s).run(iter([Document(text=t, id=str(i)) for i, t in enumerate(TEXTS)])))
    rows = out / "work" / "rows_00000.bin"
    rows.write_bytes(rows.read_bytes()[: -SEQ_LEN * 4 - 7])  # a disk that filled mid-write
    with pytest.raises(DamagedRunFolder, match="rows_00000.bin is shorter than its part record says"):
        list(ShuffleShards(str(out), s, seed=0).run())


def test_special_token_text_in_a_document_stays_text(tmp_path):
    """A page quoting the EOS string must not put an EOS id in the middle of its row."""
    from shards.dataset import ShardDataset
    from shards.pack import PackShards, ShuffleShards, WriteManifest
    from tokenizer.files import EOS
    from tokenizer.train import save_tokenizer, train_bpe

    tok = train_bpe(["plain words and more words"] * 50, vocab_size=300, min_frequency=1)
    save_tokenizer(tok, tmp_path / "tok", pad_to_multiple_of=64, model_max_length=64, extra={})
    docs = [Document(text=f"the string {EOS} appears here", id="0", metadata={"language": "en"})]
    out = str(tmp_path / "shards")
    s = ShardsConfig(seq_len=64, packing="concat", max_shard_tokens=64 * 100)
    list(PackShards(str(tmp_path / "tok"), out, s).run(iter(docs), rank=0, world_size=1))
    list(ShuffleShards(out, s, seed=0).run(rank=0, world_size=1))
    list(WriteManifest(str(tmp_path / "tok"), out, s, seed=0).run())
    (_, tokens), = ShardDataset(tmp_path / "shards").documents()
    assert tok.token_to_id(EOS) not in tokens.tolist()
