"""`dedup.engine: datasketch`: the MinHash pass as one in-memory task, for small runs.

datasketch's `MinHash` and `MinHashLSH` (with the config's buckets x hashes as its bands)
replace the four on-disk stages: no signature files, no bucket tasks, the whole partition in
memory. The result has the same shape as the datatrove engine's: survivors chosen by
dedup/survivor.py carry `minhash_cluster_id` and `minhash_cluster_size`; removed documents go
to the exclusion writer with those and `duplicate_of`.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.utils.typeshelper import StatHints

from dedup.clusters import removal_record
from dedup.scope import group_of, language_of
from dedup.shingles import shingle_hashes
from dedup.survivor import QUALITY_KEY, UnionFind, survivor_key


def _identity(value):
    return value  # shingles arrive hashed (dedup/shingles.py): datasketch only permutes them


def true_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard of two sets of shingle hashes (each array holds distinct values)."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def lsh_clusters(shingle_sets: list[np.ndarray], num_buckets: int, hashes_per_bucket: int, seed: int,
                 threshold: float = 0.0) -> list[list[int]]:
    """Clusters (sorted index lists, 2+ members) of the documents whose MinHash share a band
    and whose shingle sets have a Jaccard of at least THRESHOLD.

    Every document's shingles are in memory here, so the check uses the true Jaccard rather
    than the signature estimate of the on-disk engine (dedup/verify.py).
    """
    from datasketch import MinHash, MinHashLSH

    num_perm = num_buckets * hashes_per_bucket
    lsh = MinHashLSH(num_perm=num_perm, params=(num_buckets, hashes_per_bucket))
    uf = UnionFind()
    sets = [np.unique(s) for s in shingle_sets]
    for index, shingles in enumerate(sets):
        if not len(shingles):
            continue  # no text to compare: never a duplicate
        m = MinHash(num_perm=num_perm, seed=seed, hashfunc=_identity)
        m.update_batch(shingles)
        for other in lsh.query(m):
            if threshold <= 0 or true_jaccard(sets[other], shingles) >= threshold:
                uf.union(other, index)
        lsh.insert(index, m)
    return [members for members in uf.clusters().values()]


class InMemoryLSHDedup(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🎯 MinHashLSH (datasketch, in memory)"

    def __init__(self, config: MinhashConfig, group_key: str | None = None, threshold: float = 0.0, exclusion_writer=None):
        super().__init__()
        self.config = config
        self.group_key = group_key
        self.threshold = threshold
        self.exclusion_writer = exclusion_writer

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if world_size != 1:
            raise ValueError("the in-memory LSH engine is one task: it must see every document")
        docs = list(data or [])
        with self.track_time():
            shingles = [
                shingle_hashes(d.text, language_of(d), self.config.n_grams, group_of(d, self.group_key)) for d in docs
            ]
            clusters = lsh_clusters(shingles, self.config.num_buckets, self.config.hashes_per_bucket, self.config.seed,
                                    self.threshold)
        records = {}
        for cluster_id, members in enumerate(sorted(clusters)):
            best = min(members, key=lambda i: survivor_key(docs[i].metadata.get(QUALITY_KEY), len(docs[i].text), str(docs[i].id)))
            self.stat_update("clusters")
            for i in members:
                # The measured value of a removal: its true Jaccard to the survivor.
                similarity = None if i == best else round(true_jaccard(np.unique(shingles[i]), np.unique(shingles[best])), 4)
                records[i] = (cluster_id, len(members), None if i == best else str(docs[best].id), similarity)
        with self.exclusion_writer if self.exclusion_writer else nullcontext() as removed_writer:
            for i, doc in enumerate(docs):
                self.stat_update(StatHints.total)
                cluster_id, size, survivor, similarity = records.get(i, (-1, 1, None, None))
                doc.metadata["minhash_cluster_id"], doc.metadata["minhash_cluster_size"] = cluster_id, size
                if survivor is None:
                    self.stat_update(StatHints.forwarded)
                    yield doc
                    continue
                doc.metadata["duplicate_of"] = survivor
                removal_record(doc, "minhash", similarity, self.threshold or None)
                self.stat_update(StatHints.dropped)
                self.stat_update("dropped_minhash_duplicate")
                self.stat_update("dropped_bytes_minhash_duplicate", value=len(doc.text.encode("utf-8")))
                if self.group_key:
                    self.stat_update(f"removed_in_group/{group_of(doc, self.group_key)}")
                if self.exclusion_writer:
                    removed_writer.write(doc, rank)
