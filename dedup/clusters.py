"""Stages 3 and 4 of both dedup passes: clusters with a chosen survivor, then the filter.

`SurvivorCluster` does what datatrove's `MinhashDedupCluster` does — union-find over the
duplicate pairs of every bucket — but first drops candidate pairs whose estimated Jaccard is
below the configured threshold (dedup/verify.py), and keeps the best copy of each cluster
(dedup/survivor.py) instead of the union-find root. Besides datatrove's `.remove`, `.clusters` and `.sizes` files
(so datatrove's own filter still reads its output) it writes `<rank>.survivors`, a json line
per clustered document: its cluster, the cluster's size, the survivor's id, removed or not.

`ClusterFilter` reads that file: a removed document goes to the exclusion writer with
`<method>_cluster_id`, `<method>_cluster_size` and `duplicate_of` (the survivor's id), and the
removal record every stage writes: `filter_rule`, `filter_reason` and, as the measured value,
`filter_value` = its similarity to the survivor (1.0 for an exact copy; the MinHash estimate of
the Jaccard for a near copy, which can sit under `filter_threshold` when the document joined
the cluster through another member — the case recovery's false_duplicates re-examines). The
survivor passes on carrying its cluster's id and size.
"""

from __future__ import annotations

import json
import struct
from contextlib import nullcontext

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.dedup.minhash import SENTINEL, MinhashConfig, MinhashDedupCluster, MinhashDedupFilter
from datatrove.utils.logging import logger
from datatrove.utils.typeshelper import StatHints
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from dedup.scope import group_of
from dedup.survivor import read_facts
from dedup.verify import agreements, node_key, signature_matrix
from pipeline import removal


def removal_record(doc, method: str, similarity: float | None, threshold: float | None) -> None:
    """The removal keys every stage's removed documents carry (pipeline/removal.py)."""
    removal.mark(doc.metadata, f"{method}_dedup", similarity, threshold, reason=f"{method}_duplicate")


class SurvivorCluster(MinhashDedupCluster):
    """One task per partition; every per-document structure is a numpy array over the clustered
    documents only (those in a candidate pair), so its memory is a stated number of bytes:

    - per distinct candidate pair (a pair sharing several bands is listed in each band's file
      and kept once, merging file by file): two 8-byte keys, then two 8-byte dense indices and
      its estimate, plus the sorting copies of the merge;
    - per clustered document: its 8-byte key, its signature's low 16 bits (2 bytes a hash: 384
      at 24 x 8, dedup/verify.py), its component label and its survivor facts (quality, length
      and id, as Python objects while the survivors are chosen); bench/cluster_memory.py
      measures the whole.

    Connected components come from scipy's linear-time graph search over the verified pairs,
    so a long chain of near copies costs what its pairs cost.
    """

    name = "🎯 clusters + survivors"

    def __init__(self, input_folder, output_folder, signatures_folder, config: MinhashConfig, min_similarity: float = 0.0):
        super().__init__(input_folder, output_folder, config=config, save_cluster_id=True, save_cluster_size=True)
        self.signatures_folder = get_datafolder(signatures_folder)
        # Candidates whose estimated Jaccard (dedup/verify.py) is below this are not duplicates.
        self.min_similarity = min_similarity

    def _pairs(self) -> np.ndarray:
        """Every candidate pair of the bands' `.dups` files once, as sorted (smaller key, larger
        key) rows. A near copy shares most bands with its original, so the files list each pair
        up to num_buckets times: merging file by file keeps memory to the distinct pairs."""
        pairs = np.empty((0, 2), dtype=np.int64)
        for dup_file in self.input_folder.list_files(glob_pattern="*.dups"):
            with self.input_folder.open(dup_file, "rb") as f:
                records = np.frombuffer(f.read(), dtype="<u4").reshape(-1, 4)
            records = records[records[:, 0] != SENTINEL]  # no index is used: every pair is inside this run
            a, b = node_key(records[:, 0], records[:, 1]), node_key(records[:, 2], records[:, 3])
            del records
            band = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1), axis=0)
            pairs = np.unique(np.concatenate([pairs, band]), axis=0)
        return pairs

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1):
        assert world_size == 1, "clustering is one task"
        with self.track_time():
            pairs = self._pairs()
            keys = np.unique(pairs)  # every document of some candidate pair, in (task, index) order
            n = len(keys)
            # Dense indices: keys are sorted, and each pair is (smaller, larger) already.
            a, b = np.searchsorted(keys, pairs[:, 0]), np.searchsorted(keys, pairs[:, 1])
            del pairs
            signatures = None
            if self.min_similarity > 0 and n:
                signatures = signature_matrix(self.signatures_folder, self.config, keys)
                close = agreements(signatures, a, b) >= self.min_similarity
                self.stat_update("candidates_below_threshold", value=int((~close).sum()))
                a, b = a[close], b[close]
            clustered, labels = self._components(n, a, b)
            self._write(keys, signatures, clustered, labels)

    @staticmethod
    def _components(n: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(indices of the documents in a verified pair, their component label), both sorted
        by document; labels numbered in order of each component's first document."""
        if not len(a):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        clustered = np.unique(np.concatenate([a, b]))
        labels = labels[clustered]
        # Renumber by first member: the first label seen in document order gets 0, and so on.
        first_seen, order = np.unique(labels, return_index=True)
        rank_of = np.empty(len(first_seen), dtype=np.int64)
        rank_of[np.argsort(order, kind="stable")] = np.arange(len(first_seen))
        return clustered, rank_of[np.searchsorted(first_seen, labels)]

    def _facts(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """For the clustered NODES (sorted keys): -quality, -length and id, from the docinfo
        lines, read one signature task's file at a time. Arrays, not a dict of tuples: ~70
        bytes a document instead of ~400."""
        neg_quality, neg_chars = np.empty(len(nodes)), np.empty(len(nodes), dtype=np.int64)
        ids: list = [None] * len(nodes)
        files = nodes >> 32
        for file_id in np.unique(files).tolist():
            lo, hi = np.searchsorted(files, [file_id, file_id + 1])
            docs = nodes[lo:hi] & 0xFFFFFFFF
            for index, (q, c, doc_id), _ in read_facts(self.signatures_folder, file_id, set(docs.tolist())):
                at = lo + int(np.searchsorted(docs, index))
                neg_quality[at], neg_chars[at], ids[at] = q, c, doc_id
        if None in ids:
            missing = int(nodes[ids.index(None)])
            raise ValueError(f"{ids.count(None)} clustered documents have no docinfo line, e.g. {(missing >> 32, missing & 0xFFFFFFFF)}")
        return neg_quality, neg_chars, ids

    @staticmethod
    def _survivors(labels: np.ndarray, neg_quality, neg_chars, ids: list[str]) -> np.ndarray:
        """Per cluster (label), the position of its best member (dedup/survivor.py's order:
        highest quality, then longest, then smallest id)."""
        order = np.lexsort((neg_chars, neg_quality, labels))
        sorted_labels = labels[order]
        starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
        best = order[starts]
        # Where the next member ties the head on quality and length, the ids decide (Python,
        # for those clusters only).
        same = (sorted_labels[1:] == sorted_labels[:-1]) & (neg_quality[order][1:] == neg_quality[order][:-1]) \
            & (neg_chars[order][1:] == neg_chars[order][:-1])
        head_tied = np.zeros(len(starts), dtype=bool)
        inside = starts < len(same)  # the last cluster's head may be the last member of all
        head_tied[inside] = same[starts[inside]]
        for cluster in np.flatnonzero(head_tied).tolist():
            at = starts[cluster]
            run = [order[at]]
            while at < len(same) and same[at]:
                at += 1
                run.append(order[at])
            best[cluster] = min(run, key=lambda i: ids[i])
        return best

    def _write(self, keys, signatures, clustered, labels) -> None:
        if not len(clustered):
            return
        neg_quality, neg_chars, ids = self._facts(keys[clustered])
        survivor = self._survivors(labels, neg_quality, neg_chars, ids)  # positions in `clustered`
        del neg_quality, neg_chars
        sizes = np.bincount(labels, minlength=len(survivor))
        similarity = agreements(signatures, clustered, clustered[survivor[labels]]) if signatures is not None else None
        for size in sizes.tolist():
            self.stat_update("clusters")
            self.stat_update("cluster_size", value=size, unit="cluster")
        with self.output_folder.get_output_file_manager(mode="wb") as out:
            for i, (node, label) in enumerate(zip(clustered.tolist(), labels.tolist())):
                key = int(keys[node])
                file_id, doc = key >> 32, key & 0xFFFFFFFF
                removed = i != survivor[label]
                self.stat_update("duplicates")
                if removed:
                    self.stat_update("to_remove")
                    out.write(f"{file_id:06d}.remove", struct.pack("<I", doc))
                out.write(f"{file_id:06d}.clusters", struct.pack("<2I", doc, label))
                out.write(f"{file_id:06d}.sizes", struct.pack("<2I", doc, int(sizes[label])))
                line = {"doc": doc, "cluster": label, "size": int(sizes[label]), "survivor": ids[survivor[label]],
                        "removed": bool(removed),
                        "similarity": round(float(similarity[i]), 4) if removed and similarity is not None else None}
                out.write(f"{file_id:06d}.survivors", (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))


class ClusterFilter(MinhashDedupFilter):
    """Removes all but the survivor of each cluster; METHOD ("exact", "minhash") names the keys."""

    name = "🎯 cluster filter"

    def __init__(self, input_folder, method: str, exclusion_writer=None, group_key: str | None = None,
                 threshold: float | None = None):
        super().__init__(input_folder, exclusion_writer=exclusion_writer, load_cluster_ids=True, load_cluster_sizes=True)
        self.method = method
        self.group_key = group_key
        self.threshold = threshold  # the similarity check's threshold (None: plain banding / exact)

    def _records(self, rank: int):
        path = f"{rank:06d}.survivors"
        if not self.data_folder.exists(path):
            logger.info(f"No duplicates in task {rank}'s documents")
            return
        with self.data_folder.open(path, "rt") as f:
            for line in f:
                yield json.loads(line)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1):
        cluster_key, size_key = f"{self.method}_cluster_id", f"{self.method}_cluster_size"
        records = self._records(rank)
        record = next(records, None)
        with self.exclusion_writer if self.exclusion_writer else nullcontext() as removed_writer:
            for index, doc in enumerate(data):
                with self.track_time():
                    self.stat_update(StatHints.total)
                    if record is not None and record["doc"] == index:
                        doc.metadata[cluster_key], doc.metadata[size_key] = record["cluster"], record["size"]
                        removed, survivor, similarity = record["removed"], record["survivor"], record.get("similarity")
                        record = next(records, None)
                    else:
                        if self.method == "minhash":  # as datatrove's filter marks a document alone
                            doc.metadata[cluster_key], doc.metadata[size_key] = -1, 1
                        removed = False
                    if removed:
                        doc.metadata["duplicate_of"] = survivor
                        removal_record(doc, self.method, 1.0 if self.method == "exact" else similarity,
                                       1.0 if self.method == "exact" else self.threshold)
                        self.stat_update(StatHints.dropped)
                        # dropped_<reason> and dropped_bytes_<reason>: the report's removal counts
                        self.stat_update(f"dropped_{self.method}_duplicate")
                        self.stat_update(f"dropped_bytes_{self.method}_duplicate", value=len(doc.text.encode("utf-8")))
                        if self.group_key:
                            self.stat_update(f"removed_in_group/{group_of(doc, self.group_key)}")
                        if self.exclusion_writer:
                            removed_writer.write(doc, rank)
                        continue
                    self.stat_update(StatHints.forwarded)
                yield doc
        if record is not None:
            raise ValueError(f"task {rank}: duplicate records past the last document (index {record['doc']}): "
                             "the documents changed since the signatures were made")
