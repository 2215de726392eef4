"""The last gate of recovery: a re-admitted document must not copy anything already kept.

Candidates from false_rejections and false_language were removed before dedup ran (quality and
langid come first), so dedup never compared them with the kept set. Here each candidate is
compared with every kept document of its language (RUN/recovery/output/<lang>: dedup's output
and the re-admitted false duplicates) and with the candidates admitted before it: exact copies
(same normalised text) and near copies (Jaccard of dedup's shingles ≥ `max_jaccard`) stay out.

Memory: only the candidates are held, with an inverted index shingle -> candidates; the kept
set is streamed once and each kept document costs one shingle set at a time. Candidates are a
small share of a run. At a scale where they are not, the same comparison is done with the
MinHash signatures dedup already computed: bucket the candidates' signatures into the kept
set's LSH bands, then verify only the colliding pairs with this Jaccard.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers import JsonlWriter

from dedup.shingles import shingle_set
from pipeline.stage_io import StageReader


def exact_key(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).lower().encode("utf-8")).hexdigest()


def mechanism_rule(doc) -> tuple[str, str]:
    ev = doc.metadata.get("recovery_evidence") or {}
    return doc.metadata.get("recovered_by", "unknown"), str(ev.get("rule") or ev.get("reason") or "all")


class ShingleIndex:
    """Shingle sets with an inverted index: the best Jaccard of a set against all added ones."""

    def __init__(self):
        self.sets: list[set] = []
        self.ids: list[str] = []
        self.postings: dict[tuple, list[int]] = defaultdict(list)

    def add(self, doc_id: str, shingles: set) -> None:
        for s in shingles:
            self.postings[s].append(len(self.sets))
        self.sets.append(shingles)
        self.ids.append(doc_id)

    def overlaps(self, shingles: set) -> dict[int, float]:
        """Jaccard to every indexed set that shares a shingle with `shingles`."""
        common: dict[int, int] = defaultdict(int)
        for s in shingles:
            for i in self.postings.get(s, ()):
                common[i] += 1
        return {i: n / (len(shingles) + len(self.sets[i]) - n) for i, n in common.items()}


class ReadmitDedup(PipelineStep):
    """One task per language: candidates in, the non-duplicates out as readmitted_*.jsonl.gz."""

    type = "♻️ - RECOVER"
    name = "readmit_dedup"

    def __init__(self, lang: str, candidates_folder: str, kept_folder: str, output_folder: str, n_grams: int, max_jaccard: float):
        super().__init__()
        self.lang = lang
        self.candidates_folder = candidates_folder
        self.kept_folder = kept_folder
        self.output_folder = output_folder
        self.n_grams = n_grams
        self.max_jaccard = max_jaccard

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if not Path(self.candidates_folder).is_dir():
            return
        # Sorted, so the same input re-admits the same documents whatever the file order.
        candidates = sorted(StageReader(self.candidates_folder).run(), key=lambda d: (mechanism_rule(d), d.id))
        if not candidates:
            return
        index = ShingleIndex()
        keys = {}
        for i, doc in enumerate(candidates):
            index.add(doc.id, shingle_set(doc.text, self.lang, self.n_grams))
            keys.setdefault(exact_key(doc.text), []).append(i)
        duplicate_of: dict[int, tuple[str, float]] = {}
        self._best: dict[int, float] = {}  # each candidate's highest Jaccard to a kept document
        if Path(self.kept_folder).is_dir():
            for kept in StageReader(self.kept_folder, glob_pattern="[!r]*.jsonl.gz").run():
                self._mark(kept.id, kept.text, index, keys, duplicate_of)
            for kept in StageReader(self.kept_folder, glob_pattern="recovered_*.jsonl.gz").run():
                self._mark(kept.id, kept.text, index, keys, duplicate_of)
        with JsonlWriter(self.output_folder, output_filename="readmitted_${rank}.jsonl.gz") as writer:
            admitted = ShingleIndex()
            for i, doc in enumerate(candidates):
                mech, rule = mechanism_rule(doc)
                if i not in duplicate_of:
                    best = max(admitted.overlaps(index.sets[i]).items(), key=lambda kv: kv[1], default=None)
                    if best and best[1] >= self.max_jaccard:
                        duplicate_of[i] = (admitted.ids[best[0]], round(best[1], 4))
                if i in duplicate_of:
                    self.stat_update(f"duplicate/{mech}/{rule}")
                    continue
                admitted.add(doc.id, index.sets[i])
                doc.metadata["recovery_evidence"]["max_jaccard_to_kept"] = self.max_jaccard_seen(i)
                self.stat_update(f"readmitted/{mech}/{rule}")
                self.stat_update(f"readmitted_bytes/{mech}/{rule}", value=len(doc.text.encode("utf-8")))
                writer.write(doc, rank)
        return
        yield  # output is the files written

    def max_jaccard_seen(self, i: int) -> float:
        return round(self._best.get(i, 0.0), 4)

    def _mark(self, kept_id, text, index, keys, duplicate_of) -> None:
        for i in keys.get(exact_key(text), ()):
            duplicate_of.setdefault(i, (kept_id, 1.0))
        for i, similarity in index.overlaps(shingle_set(text, self.lang, self.n_grams)).items():
            self._best[i] = max(self._best.get(i, 0.0), similarity)
            if similarity >= self.max_jaccard:
                duplicate_of.setdefault(i, (kept_id, round(similarity, 4)))
