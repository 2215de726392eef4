"""Bytes per clustered document and per candidate pair of the MinHash cluster job, measured.

The cluster job (dedup/clusters.py) is one task per language; its memory follows the documents
that sit in some candidate pair and the pairs themselves. Here it runs on generated signature
files in datatrove's format (one signature task; every document in a cluster of `--size`
members; each member paired with the next in every band, as a chain, the costliest shape), at
two sizes, each in a fresh process. The growth of peak RSS between the sizes, divided by the
growth in clustered documents, is the cost per clustered document with its share of pairs;
a third run on the larger set with every member paired with every other of its cluster (a
clique: twice the distinct pairs of a chain of 4) splits off the cost per distinct pair.

    .venv/bin/python bench/cluster_memory.py [--docs 100000,400000] [--size 4]
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NUM_BUCKETS, HASHES = 24, 8  # the default banding (configs/default.yaml)


def write_inputs(folder: Path, n: int, size: int, bands: int, clique: bool = False) -> int:
    """Signatures of N documents (near copies within each cluster of SIZE: 90% of hashes
    shared) and the .dups pair files of BANDS bands; the number of distinct pairs."""
    from dedup.signature import record_dtype
    from dedup.minhash import minhash_config

    config = minhash_config(5, NUM_BUCKETS, HASHES, seed=1)
    dtype = record_dtype(config)
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**60, size=(n // size, NUM_BUCKETS * HASHES), dtype=np.uint64)
    sigs = np.repeat(base, size, axis=0)[:n]
    noise = rng.random(sigs.shape) < 0.1
    sigs[noise] = rng.integers(0, 2**60, size=int(noise.sum()), dtype=np.uint64)
    for b in range(NUM_BUCKETS):
        out = folder / "sigs" / f"bucket_{b:03d}"
        out.mkdir(parents=True)
        records = np.empty(n, dtype=dtype)
        records["sig"] = sigs[:, b * HASHES : (b + 1) * HASHES]
        records["doc"] = np.arange(n)
        (out / "00000.minhash.sig").write_bytes(records.tobytes())
    (folder / "sigs" / "docinfo").mkdir()
    with gzip.open(folder / "sigs" / "docinfo" / "00000.jsonl.gz", "wt") as f:
        for i in range(n):
            f.write(json.dumps([i, None, 1000 + i % 7, f"doc-{i}"]) + "\n")
    members = np.arange(n - n % size)
    steps = range(1, size) if clique else [1]  # a clique: each member with every later one of its cluster
    left = np.concatenate([members[(members % size) < size - k] for k in steps])
    right = np.concatenate([members[(members % size) < size - k] + k for k in steps])
    pairs = np.zeros((len(left), 4), dtype="<u4")
    pairs[:, 1], pairs[:, 3] = left, right
    (folder / "dups").mkdir()
    for b in range(bands):
        (folder / "dups" / f"{b:03d}.dups").write_bytes(pairs.tobytes())
    return len(left)


def _status_kb(field: str) -> int:
    """A VmRSS/VmHWM line of /proc/self/status: this process's own memory since its exec
    (getrusage's ru_maxrss would carry the parent's peak across the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _run(folder: str, queue) -> None:
    from dedup.clusters import SurvivorCluster
    from dedup.minhash import minhash_config

    floor = _status_kb("VmRSS")
    step = SurvivorCluster(f"{folder}/dups", f"{folder}/out", f"{folder}/sigs", minhash_config(5, NUM_BUCKETS, HASHES, seed=1), 0.7)
    step.run()
    queue.put((floor, _status_kb("VmHWM"), step.stats["duplicates"].total))


def peak_kb(n: int, size: int, bands: int, clique: bool = False) -> tuple[int, int, int]:
    """(peak RSS in KB above the imports, clustered documents, distinct pairs)."""
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        pairs = write_inputs(Path(tmp), n, size, bands, clique)
        queue = ctx.Queue()
        p = ctx.Process(target=_run, args=(tmp, queue))
        p.start()
        floor, peak, clustered = queue.get()
        p.join()
    return peak - floor, int(clustered), pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", default="100000,400000")
    parser.add_argument("--size", type=int, default=4)
    args = parser.parse_args()
    small, large = (int(x) for x in args.docs.split(","))
    (a, ca, _), (b, cb, pb) = peak_kb(small, args.size, 12), peak_kb(large, args.size, 12)
    b2, _, pb2 = peak_kb(large, args.size, 12, clique=True)
    per_pair = (b2 - b) * 1024 / (pb2 - pb)  # the same documents, more distinct pairs
    per_doc = (b - a) * 1024 / (cb - ca)
    print(f"clustered documents {ca:,} -> {cb:,}: peak RSS above the imports {a / 1024:.0f} -> {b / 1024:.0f} MiB")
    print(f"per clustered document, with its {pb / cb:.2f} distinct pairs (a chain of {args.size}; each listed in 12 bands): "
          f"{per_doc:,.0f} bytes")
    print(f"per further distinct pair ({pb:,} -> {pb2:,} pairs, same documents): {per_pair:,.0f} bytes")
    for share in (1.0, 1 / 3):
        print(f"at 100M documents of a language, {share:.0%} of them clustered: {per_doc * 1e8 * share / 2**30:.0f} GiB")


if __name__ == "__main__":
    main()
