"""Re-admit documents that MinHash removed although they are not near copies of what was kept.

LSH banding lets a pair through below the threshold now and then, and transitive clustering
chains A~B, B~C into one cluster although A and C may share little. For every removed
duplicate we measure the true Jaccard similarity, on the same shingles the LSH hashed, to the
documents its cluster keeps, first the survivor it names in `duplicate_of`. Below
`min_jaccard` it is re-admitted — and joins the kept set, so two re-admitted documents that
copy each other never both come back.

The clusters are shared out among the tasks by id (task = cluster id mod tasks), and a task
keeps in memory only its clusters' removed documents and the survivors they name. Each task
writes its re-admissions, cluster by cluster, to a part file; `MergeReadmitted` then merges the
parts by cluster id into one file, so the output is the same documents in the same order
whatever the number of tasks.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers import JsonlWriter

from dedup.shingles import ShingleIndex, shingle_set
from extract.inputs import read_records
from pipeline import removal
from pipeline.stage_io import StageReader

CLUSTER_KEY = "minhash_cluster_id"
SURVIVOR_KEY = "duplicate_of"  # the id of the copy dedup kept


class FalseDuplicateRecovery(PipelineStep):
    """Per language, over any number of tasks: reads dedup's kept and removed documents, writes
    the re-admissions of the task's clusters to OUTPUT_FOLDER/<rank>.jsonl.gz."""

    type = "♻️ - RECOVER"
    name = "false_duplicates"

    def __init__(self, lang: str, kept_folder: str, removed_folder: str, output_folder: str, n_grams: int, min_jaccard: float):
        super().__init__()
        self.lang = lang
        self.kept_folder = kept_folder
        self.removed_folder = removed_folder
        self.output_folder = output_folder
        self.n_grams = n_grams
        self.min_jaccard = min_jaccard

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        removed_by_cluster: dict[int, list[Document]] = defaultdict(list)
        for doc in StageReader(self.removed_folder, glob_pattern=f"{self.lang}_*.jsonl.gz").run():
            cluster = doc.metadata.get(CLUSTER_KEY, -1)
            if cluster % world_size == rank:  # this task's clusters only
                removed_by_cluster[cluster].append(doc)
        if not removed_by_cluster:
            return
        # The survivor each removed document names (`duplicate_of`) is what it is judged
        # against; older runs without it fall back to the kept documents of its cluster.
        wanted_ids = {d.metadata[SURVIVOR_KEY] for docs in removed_by_cluster.values() for d in docs if d.metadata.get(SURVIVOR_KEY)}
        kept_by_cluster: dict[int, list[Document]] = defaultdict(list)
        # Ids come from the input and need not be unique (two jsonl files may both number their
        # lines from 0), so every kept document with a named id is a survivor to judge against:
        # a copy must be far from all of them to come back.
        survivors: dict[str, list[Document]] = defaultdict(list)
        for doc in StageReader(self.kept_folder).run():
            cluster = doc.metadata.get(CLUSTER_KEY, -1)
            if doc.id in wanted_ids:
                survivors[doc.id].append(doc)
            elif cluster in removed_by_cluster:
                kept_by_cluster[cluster].append(doc)
        missing = wanted_ids - set(survivors)
        if missing:
            # With `dedup.scope: global` a survivor may sit in another language's folder.
            for doc in StageReader(self.kept_folder.rstrip("/").rsplit("/", 1)[0], glob_pattern="*/*.jsonl.gz").run():
                if doc.id in missing:
                    survivors[doc.id].append(doc)

        writer = JsonlWriter(self.output_folder, output_filename="${rank}.jsonl.gz")
        with writer:
            for cluster in sorted(removed_by_cluster):
                named = sorted({d.metadata.get(SURVIVOR_KEY) for d in removed_by_cluster[cluster]} & set(survivors))
                kept = [d for i in named for d in survivors[i]] + kept_by_cluster[cluster]
                for doc in self._readmit(cluster, kept, removed_by_cluster[cluster]):
                    writer.write(doc, rank)
        return
        yield  # a generator step with nothing to pass on: its output is the files it writes

    def _readmit(self, cluster: int, kept: list[Document], removed: list[Document]) -> list[Document]:
        # The cluster's kept documents and, as they come back, the re-admitted ones, in an
        # inverted index: a chained cluster (each member like the next) costs linear time.
        index = ShingleIndex()
        for d in kept:
            index.add(d.id, shingle_set(d.text, self.lang, self.n_grams))
        fallback_survivor = kept[0].id if kept else None
        readmitted = []
        # Sorted by id, so the same input re-admits the same documents whatever the task order.
        for doc in sorted(removed, key=lambda d: d.id):
            self.stat_update("examined")
            self.stat_update("examined_bytes", value=len(doc.text.encode("utf-8")))
            shingles = shingle_set(doc.text, self.lang, self.n_grams)
            if not shingles:
                # Nothing to measure it by (dedup signs no text without shingles, so this is a
                # file edited by hand): it stays out, counted.
                self.stat_update("no_shingles")
                continue
            survivor_id = doc.metadata.get(SURVIVOR_KEY) or fallback_survivor
            best_id, best = None, 0.0  # None: it shares no shingle with any kept document
            for i, similarity in index.overlaps(shingles).items():
                if similarity >= best:  # ties: the latest added, as a scan in that order would pick
                    best_id, best = index.ids[i], similarity
            self.stat_update("compared", value=index.visits)
            index.visits = 0
            if best >= self.min_jaccard:
                continue
            doc.metadata["recovered_by"] = self.name
            doc.metadata["recovery_evidence"] = {
                "rule": "minhash",  # the removal it overrules, as the report's per-rule rows name it
                "cluster_id": cluster,
                "survivor_id": survivor_id,
                "max_jaccard_to_kept": round(best, 4),
                "most_similar_kept_id": best_id,
                "min_jaccard": self.min_jaccard,
            }
            removal.erase(doc.metadata)  # the cluster id and survivor above are the evidence
            self.stat_update("readmitted")
            self.stat_update("readmitted_bytes", value=len(doc.text.encode("utf-8")))
            index.add(doc.id, shingles)
            readmitted.append(doc)
        return readmitted


class MergeReadmitted(PipelineStep):
    """One cheap task: the tasks' part files merged by cluster id into OUTPUT/recovered_00000,
    holding one document per part at a time. Each part is in cluster order already, and a
    cluster is in one part only."""

    type = "♻️ - RECOVER"
    name = "false_duplicates_merge"

    def __init__(self, parts_folder: str, output_folder: str):
        super().__init__()
        self.parts_folder = parts_folder
        self.output_folder = output_folder

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        parts = sorted(Path(self.parts_folder).glob("*.jsonl.gz"))
        streams = [(record for _, record in read_records(str(part))) for part in parts]
        by_cluster = heapq.merge(*streams, key=lambda r: r["metadata"]["recovery_evidence"]["cluster_id"])
        with JsonlWriter(self.output_folder, output_filename="recovered_${rank}.jsonl.gz") as writer:
            for record in by_cluster:
                writer.write(Document(text=record["text"], id=record["id"], metadata=record.get("metadata") or {}), rank)
        return
        yield

