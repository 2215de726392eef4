"""Re-admit documents a heuristic rule removed that a quality model rates good and that are of a
kind the rule is known to misjudge (recovery/kinds.py).

Two witnesses are required. The classifier is the one that judges content, and it carries the
decision. On DCLM's human labels, the removed good pages and the removed bad ones look alike to
the rules' own evidence (bench/recovery_eval.py, ROC-AUC good vs bad: 0.50 for how near the
threshold the value was, 0.61 for how few checks failed) and only the classifier's score tells
them apart at all (0.75). The reason is that the rules misfire on ordinary prose, and the labels
judge what the prose says. The kind check is the guard: a page that is no kind we can name
(navigation, a spec sheet, keyword soup) stays out however the model scores it, and the spam and
blocklist rules are never overruled.

`min_score` is the lever between the two targets. Cross-validation in bench/recovery_eval.py
picks 0.75..0.84 (median 0.78; a fold where no score reaches 90 % re-admits nothing), and those
picks re-admit at 82 % precision out of fold, so the default is rounded up to 0.8. At 0.8 the re-admissions are about 90 % good, but only about a
fifth of the good pages the rules removed come back. A lower score brings more back, at the
precision the bench prints.

Candidates are written to a work folder; the `readmit_dedup` job then checks them against what
was kept before they join the output.
"""

from __future__ import annotations

from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers import JsonlWriter

from pipeline import fasttext_model
from pipeline import removal
from pipeline.stage_io import StageReader
from recovery.kinds import kind_of


def decide(text: str, rule: str, score: float, min_score: float, reason: str | None = None) -> str | None:
    """The kind that excuses the removal (by RULE, for REASON), when the score is high enough too; else None."""
    if score < min_score:
        return None
    return kind_of(text, rule, reason)


class FalseRejectionRecovery(PipelineStep):
    """One task per language over RUN/quality/removed/<rule>/<lang>_*.jsonl.gz."""

    type = "♻️ - RECOVER"
    name = "false_rejections"

    def __init__(self, lang: str, removed_folder: str, output_folder: str, model_path: str, min_score: float):
        super().__init__()
        self.lang = lang
        self.removed_folder = removed_folder
        self.output_folder = output_folder
        self.model_path = model_path
        self.min_score = min_score
        self._model = fasttext_model.LazyModel(
            model_path, missing=f"recovery.false_rejections.model_path.{lang}: no model at {model_path}")

    @property
    def model(self):
        return self._model.get()

    def score(self, doc) -> float:
        if "quality_score" in doc.metadata:  # scored in the quality stage already
            return float(doc.metadata["quality_score"])
        from filters.classifier import keep_scores

        return keep_scores(self.model, [doc.text])[0]

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if not Path(self.removed_folder).is_dir():
            return
        docs = StageReader(self.removed_folder, glob_pattern=f"*/{self.lang}_*.jsonl.gz").run()
        with JsonlWriter(self.output_folder, output_filename="rejections_${rank}.jsonl.gz") as writer:
            for doc in docs:
                rule = removal.rule_of(doc.metadata)
                size = len(doc.text.encode("utf-8"))
                self.stat_update(f"examined/{rule}")
                self.stat_update(f"examined_bytes/{rule}", value=size)
                score = self.score(doc)
                kind = decide(doc.text, rule, score, self.min_score, removal.reason_of(doc.metadata))
                if kind is None:
                    continue
                doc.metadata["recovered_by"] = self.name
                doc.metadata["recovery_evidence"] = {
                    **removal.erase(doc.metadata),
                    "quality_score": round(score, 4),
                    "min_score": self.min_score,
                    "kind": kind,
                }
                self.stat_update(f"candidates/{rule}")
                writer.write(doc, rank)
        return
        yield  # output is the files written
