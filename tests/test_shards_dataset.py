"""ShardDataset: random access, document boundaries for attention masks, loud checksum errors."""

import json
import pickle

import numpy as np
import pytest

from test_shards import SEQ_LEN, build_shards
from shards.dataset import ShardDataset, ShardError


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds")
    build_shards(root, "best_fit")
    return root / "shards"


def test_random_access_and_boundaries(folder):
    ds = ShardDataset(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len(ds) == manifest["rows"]
    last = ds[-1]
    assert last.dtype == np.dtype("<u4") and last.shape == (SEQ_LEN,)
    assert np.array_equal(ds[len(ds) - 1], last)
    with pytest.raises(IndexError):
        ds[len(ds)]
    # A row of several documents: per-token ids follow the boundaries, padding is -1.
    i = next(i for i in range(len(ds)) if len(ds.boundaries(i)) > 2)
    ends, ids = ds.boundaries(i), ds.document_ids(i)
    assert ids[0] == 0 and ids[ends[0] - 1] == 0 and ids[ends[0]] == 1
    assert (ids == -1).sum() == SEQ_LEN - ends[-1]
    assert np.all(ds[i][ids == -1] == manifest["pad_id"])
    assert [len(p) for p in ds.parts()] == [f["rows"] for f in manifest["files"]]


def test_pickles_without_its_memmaps(folder):
    ds = ShardDataset(folder)
    ds[0]
    clone = pickle.loads(pickle.dumps(ds))
    assert np.array_equal(clone[3], ds[3]) and np.array_equal(clone.boundaries(3), ds.boundaries(3))


def test_a_corrupted_shard_is_named(tmp_path):
    build_shards(tmp_path, "concat")
    folder = tmp_path / "shards"
    name = json.loads((folder / "manifest.json").read_text())["files"][1]["name"]
    data = bytearray((folder / name).read_bytes())
    data[100] ^= 0xFF  # one flipped byte, same size
    (folder / name).write_bytes(bytes(data))
    with pytest.raises(ShardError, match=f"{name}: sha256 differs"):
        ShardDataset(folder)
    ShardDataset(folder, verify=False)  # sizes still check out: a caller may skip hashing
    (folder / name).write_bytes(bytes(data[:-4]))
    with pytest.raises(ShardError, match=f"{name}: .* bytes, manifest.json says"):
        ShardDataset(folder, verify=False)


def test_not_a_shard_folder(tmp_path):
    with pytest.raises(ShardError, match="no manifest.json"):
        ShardDataset(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format_version": 1}))
    with pytest.raises(ShardError, match="format_version 1"):
        ShardDataset(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format_version": 2, "dtype": "uint')  # cut off mid-write
    with pytest.raises(ShardError, match="manifest.json: damaged, not JSON"):
        ShardDataset(tmp_path)


def test_the_reader_needs_numpy_only():
    # A trainer's data loader imports the reader without the pipeline's datatrove or tokenizers.
    import subprocess
    import sys

    code = "import sys, shards.dataset; print(sorted({'datatrove', 'tokenizers', 'pipeline'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
