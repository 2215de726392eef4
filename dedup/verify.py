"""Checking LSH candidates: the estimated Jaccard of two documents from their whole signatures.

Banding alone decides on a few hashes at a time, so its catch rate is an S-curve: with 14 x 8
a pair at Jaccard 0.6 is caught a third of the time and one at 0.8 misses one time in 40.
Thresher splits the two jobs. The banding is chosen wide (many short bands), so that nearly
every pair at the configured threshold becomes a candidate; then each candidate is kept only
when the share of equal MinHash values over all buckets x hashes — an unbiased estimate of
its Jaccard — reaches `dedup.threshold`. The S-curve's lower half, pairs well below the
threshold that share a band by luck, is cut off here.

The cluster stage reads the signatures back from the bucket files the signature stage wrote
(`bucket_XXX/<rank>.minhash.sig`, sorted records of (hashes..., doc index)), keeping only the
documents that appear in some candidate pair: its memory follows the candidates, not the corpus.
It keeps the low 16 bits of each hash (`signature_matrix`): two different MinHash values agree
there with odds 2^-16, so of 192 hashes a pair gains a false agreement 0.3% of the time, which
moves its estimate by 1/192 and can flip only a pair sitting one agreement below the
threshold (about 1 in 20 of the pairs near it): a change of the decision for ~0.015% of the
pairs near the threshold, for 2 bytes a hash instead of 8 plus a Python object per document.
"""

from __future__ import annotations

import numpy as np
from datatrove.io import DataFolder
from datatrove.pipeline.dedup.minhash import MinhashConfig

from dedup.signature import record_dtype

_RECORDS_PER_READ = 1 << 16  # bounds the memory of reading one large bucket file


def file_records(folder: DataFolder, path: str, dtype: np.dtype):
    """The records of one bucket file, a block of at most _RECORDS_PER_READ at a time."""
    with folder.open(path, "rb") as f:
        while chunk := f.read(_RECORDS_PER_READ * dtype.itemsize):
            if len(chunk) % dtype.itemsize:
                raise ValueError(f"{folder.path}/{path}: truncated signature file; rerun the job that wrote it")
            yield np.frombuffer(chunk, dtype=dtype)


def band_records(folder: DataFolder, band: int, dtype: np.dtype):
    """(file id, records) blocks of one band, file by file. File ids are positions in the bucket
    folder's sorted file list, as datatrove's bucket stage numbers them."""
    for file_id, path in enumerate(folder.list_files(subdirectory=f"bucket_{band:03d}")):
        for records in file_records(folder, path, dtype):
            yield file_id, records


def load_signatures(folder: DataFolder, config: MinhashConfig, wanted: dict[int, set[int]]) -> dict[tuple[int, int], np.ndarray]:
    """(file id, doc index) -> all num_buckets x hashes_per_bucket hashes, for the WANTED documents.

    File ids are positions in each bucket folder's sorted file list, as datatrove's bucket stage
    numbers them (so they match the ids in the `.dups` pairs).
    """
    dtype = record_dtype(config)
    width = config.hashes_per_bucket
    out: dict[tuple[int, int], np.ndarray] = {}
    for bucket in range(config.num_buckets):
        files = folder.list_files(subdirectory=f"bucket_{bucket:03d}")
        for file_id, path in enumerate(files):
            docs = wanted.get(file_id)
            if not docs:
                continue
            keys = np.fromiter(docs, dtype=np.uint32, count=len(docs))
            for records in file_records(folder, path, dtype):
                for record in records[np.isin(records["doc"], keys)]:
                    key = (file_id, int(record["doc"]))
                    sig = out.get(key)
                    if sig is None:
                        sig = out[key] = np.zeros(config.num_buckets * width, dtype=dtype["sig"].base)
                    sig[bucket * width : (bucket + 1) * width] = record["sig"]
    return out


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of positions where two MinHash signatures agree: E = the sets' Jaccard."""
    return float(np.count_nonzero(a == b)) / len(a)


def node_key(file_id, doc) -> np.ndarray:
    """(file id, doc index) as one sortable int64: file id in the high 32 bits."""
    return (np.asarray(file_id, dtype=np.int64) << 32) | np.asarray(doc, dtype=np.int64)


def signature_matrix(folder: DataFolder, config: MinhashConfig, keys: np.ndarray) -> np.ndarray:
    """The low 16 bits of every hash of the documents KEYS (sorted `node_key`s), one row each:
    a (len(keys), num_buckets x hashes_per_bucket) uint16 matrix."""
    dtype = record_dtype(config)
    width = config.hashes_per_bucket
    out = np.zeros((len(keys), config.num_buckets * width), dtype=np.uint16)
    found = np.zeros(len(keys), dtype=bool)
    for bucket in range(config.num_buckets):
        for file_id, path in enumerate(folder.list_files(subdirectory=f"bucket_{bucket:03d}")):
            lo, hi = np.searchsorted(keys, [file_id << 32, (file_id + 1) << 32])
            if lo == hi:
                continue
            docs = keys[lo:hi] & 0xFFFFFFFF
            for records in file_records(folder, path, dtype):
                at = np.searchsorted(docs, records["doc"])
                hit = at < len(docs)
                hit[hit] = docs[at[hit]] == records["doc"][hit]
                rows = lo + at[hit]
                out[rows, bucket * width : (bucket + 1) * width] = records["sig"][hit].astype(np.uint16)
                if bucket == 0:
                    found[rows] = True
    if not found.all():
        missing = keys[~found][0]
        raise ValueError(f"{folder.path}: no signature for document {int(missing) & 0xFFFFFFFF} of task {int(missing) >> 32}: "
                         "the signatures changed since the buckets were made; rerun this partition's dedup jobs")
    return out


def agreements(signatures: np.ndarray, a: np.ndarray, b: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """`estimated_jaccard` of rows A[i] and B[i] of SIGNATURES for every i, BLOCK pairs at a time."""
    out = np.empty(len(a), dtype=np.float64)
    for at in range(0, len(a), block):
        out[at : at + block] = (signatures[a[at : at + block]] == signatures[b[at : at + block]]).mean(axis=1)
    return out
