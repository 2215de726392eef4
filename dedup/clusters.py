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
from collections import defaultdict
from contextlib import nullcontext

from datatrove.data import DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.dedup.minhash import SENTINEL, MinhashConfig, MinhashDedupCluster, MinhashDedupFilter
from datatrove.utils.binaryio import read_tuples_from_file
from datatrove.utils.logging import logger
from datatrove.utils.typeshelper import StatHints

from dedup.scope import group_of
from dedup.survivor import UnionFind, read_facts
from dedup.verify import estimated_jaccard, load_signatures
from pipeline import removal


def removal_record(doc, method: str, similarity: float | None, threshold: float | None) -> None:
    """The removal keys every stage's removed documents carry (pipeline/removal.py)."""
    removal.mark(doc.metadata, f"{method}_dedup", similarity, threshold, reason=f"{method}_duplicate")


class SurvivorCluster(MinhashDedupCluster):
    name = "🎯 clusters + survivors"

    def __init__(self, input_folder, output_folder, signatures_folder, config: MinhashConfig, min_similarity: float = 0.0):
        super().__init__(input_folder, output_folder, config=config, save_cluster_id=True, save_cluster_size=True)
        self.signatures_folder = get_datafolder(signatures_folder)
        # Candidates whose estimated Jaccard (dedup/verify.py) is below this are not duplicates.
        self.min_similarity = min_similarity

    def _pairs(self):
        for dup_file in self.input_folder.list_files(glob_pattern="*.dups"):
            with self.input_folder.open(dup_file, "rb") as f:
                for f1, d1, f2, d2 in read_tuples_from_file(f, "4I", lines_to_buffer=self.lines_to_buffer):
                    if f1 != SENTINEL:  # no index is used: every pair is inside this run
                        yield (f1, d1), (f2, d2)

    def _union_checked(self, uf: UnionFind) -> dict | None:
        """Union the candidate pairs that pass the similarity check (all of them with no threshold);
        the signatures it loaded for the check, None without one."""
        if self.min_similarity <= 0:
            for a, b in self._pairs():
                uf.union(a, b)
            return None
        # Two reads of the pair files: the first names the documents whose signatures to load.
        wanted: dict[int, set[int]] = defaultdict(set)
        for a, b in self._pairs():
            wanted[a[0]].add(a[1])
            wanted[b[0]].add(b[1])
        signatures = load_signatures(self.signatures_folder, self.config, wanted)
        # A pair sharing several buckets is listed once per bucket: decide it once.
        turned_down = set()
        for a, b in self._pairs():
            if (a, b) in turned_down or (a in uf.parent and b in uf.parent and uf.find(a) == uf.find(b)):
                continue  # (membership first: find() would add a lone document as a cluster of one)
            if estimated_jaccard(signatures[a], signatures[b]) >= self.min_similarity:
                uf.union(a, b)
            else:
                turned_down.add((a, b))
        self.stat_update("candidates_below_threshold", value=len(turned_down))
        return signatures

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1):
        assert world_size == 1, "clustering is one task"
        uf = UnionFind()
        with self.track_time():
            signatures = self._union_checked(uf)
            clusters = uf.clusters()
            wanted: dict[int, set[int]] = defaultdict(set)
            for file_id, doc in uf.parent:
                wanted[file_id].add(doc)
            facts = {}
            for file_id, docs in wanted.items():
                for index, key, doc_id in read_facts(self.signatures_folder, file_id, docs):
                    facts[(file_id, index)] = (key, doc_id)
            missing = set(uf.parent) - set(facts)
            if missing:
                raise ValueError(f"{len(missing)} clustered documents have no docinfo line, e.g. {min(missing)}")

            records = {}
            # Cluster ids in order of each cluster's first document: stable for the same input.
            for cluster_id, members in enumerate(sorted(clusters.values())):
                survivor = min(members, key=lambda node: facts[node][0])
                self.stat_update("clusters")
                self.stat_update("cluster_size", value=len(members), unit="cluster")
                for node in members:
                    similarity = None
                    if node != survivor and signatures is not None:
                        similarity = round(estimated_jaccard(signatures[node], signatures[survivor]), 4)
                    records[node] = (cluster_id, len(members), facts[survivor][1], node != survivor, similarity)
            self._write(records)

    def _write(self, records: dict) -> None:
        with self.output_folder.get_output_file_manager(mode="wb") as out:
            for (file_id, doc), (cluster_id, size, survivor_id, removed, similarity) in sorted(records.items()):
                self.stat_update("duplicates")
                if removed:
                    self.stat_update("to_remove")
                    out.write(f"{file_id:06d}.remove", struct.pack("<I", doc))
                out.write(f"{file_id:06d}.clusters", struct.pack("<2I", doc, cluster_id))
                out.write(f"{file_id:06d}.sizes", struct.pack("<2I", doc, size))
                line = {"doc": doc, "cluster": cluster_id, "size": size, "survivor": survivor_id, "removed": removed,
                        "similarity": similarity}
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
