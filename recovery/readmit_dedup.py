"""The last gate of recovery: a re-admitted document must not copy anything already kept.

Candidates from reextraction, false_rejections and false_language were removed before dedup
ran (langid and quality come first), so dedup never compared them with the kept set. They are
compared now on dedup's own terms: their MinHash signatures go into the LSH bands of the
signatures dedup computed, and only the pairs that share a band are measured
(recovery/readmit_bands.py). A candidate whose estimated Jaccard to a kept document reaches
`recovery.max_jaccard_to_kept` stays out (an exact copy shares every hash: 1.0), and of
candidates that copy each other the first by id comes back, then any that copies none admitted.

This job, `readmit_dedup`, runs with the signature job's tasks and reads the same candidates
in the same order, so a candidate's index there is its index here; it holds only the decision
lines of its own candidates (one per candidate that collided with anything).
"""

from __future__ import annotations

from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers import JsonlWriter

from recovery.readmit_bands import CandidateReader, read_decisions


def mechanism_rule(doc) -> tuple[str, str]:
    ev = doc.metadata.get("recovery_evidence") or {}
    return doc.metadata.get("recovered_by", "unknown"), str(ev.get("rule") or ev.get("reason") or "all")


class ReadmitDedup(PipelineStep):
    """Candidates in, with the verify job's verdicts; the non-copies out as readmitted_<rank>."""

    type = "♻️ - RECOVER"
    name = "readmit_dedup"

    def __init__(self, candidates_folder: str, decisions_folder: str, output_folder: str):
        super().__init__()
        self.candidates_folder = candidates_folder
        self.decisions_folder = decisions_folder
        self.output_folder = output_folder

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        candidates = CandidateReader(self.candidates_folder).run(rank=rank, world_size=world_size)
        decisions = read_decisions(Path(self.decisions_folder), rank)
        writer = None
        try:
            for index, doc in enumerate(candidates):
                mech, rule = mechanism_rule(doc)
                decision = decisions.get(index, {"admit": True, "max_jaccard_to_kept": 0.0})
                if not decision["admit"]:
                    self.stat_update(f"duplicate/{mech}/{rule}")
                    continue
                doc.metadata["recovery_evidence"]["max_jaccard_to_kept"] = decision["max_jaccard_to_kept"]
                self.stat_update(f"readmitted/{mech}/{rule}")
                self.stat_update(f"readmitted_bytes/{mech}/{rule}", value=len(doc.text.encode("utf-8")))
                if writer is None:  # no file at all for a task that admits nothing
                    writer = JsonlWriter(self.output_folder, output_filename="readmitted_${rank}.jsonl.gz")
                writer.write(doc, rank)
        finally:
            if writer is not None:
                writer.close()
        return
        yield  # output is the files written
