"""What datatrove's per-task stats files say a job did: documents in and out, removals by reason.

Every stage's summary is read from `RUN/<stage>/logs/<job>/stats/*.json`, which exist the same
way for local and Slurm runs. Text sizes are characters (datatrove's `doc_len`); removed sizes
are UTF-8 bytes (our filters count them).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.layout import RunLayout, read_run_json

DROPPED = "dropped_"
DROPPED_BYTES = "dropped_bytes_"

# The step a Slurm job runs first to check that its run still owns the folder
# (pipeline/run_lock.py): left out of what a job did to documents.
OWNER_CHECK = "run_owner"


@dataclass
class StepStats:
    name: str
    totals: Counter  # stat name -> total over all tasks


def job_stats(logging_dir: Path) -> list[StepStats]:
    """The per-step stat totals over every task of one job, or [] if it has not run.

    datatrove saves a counter as a number, or as a dict with its "total" once it has a unit or
    more than one update; either way we add up the totals.
    """
    steps: list[StepStats] = []
    for f in sorted((logging_dir / "stats").glob("*.json")):
        # A Slurm job's first step checks that its run owns the folder (pipeline/run_lock.py):
        # not part of what the job did to documents.
        for i, step in enumerate(s for s in read_run_json(f) if not s["name"].endswith(OWNER_CHECK)):
            if i == len(steps):
                steps.append(StepStats(step["name"], Counter()))
            for key, value in step.get("stats", {}).items():
                steps[i].totals[key] += value["total"] if isinstance(value, dict) else value
    return steps


def stat(step: StepStats | None, key: str) -> float:
    return step.totals.get(key, 0) if step is not None else 0


def counts(steps: list, reader: bool = True) -> dict:
    """documents in (the reader), out (the last writer), and removals by reason and bytes."""
    out: dict = {"documents_in": 0, "documents_out": 0, "removed": Counter(), "removed_bytes": Counter(),
                 "characters_in": 0, "characters_out": 0}
    if not steps:
        return out
    if reader:
        # What the reader skipped (non-HTML records, …) came in too; empty or unreadable files
        # (`*_file`, pipeline/stage_io.py) are counted as files, not documents.
        skipped = sum(v for k, v in steps[0].totals.items()
                      if k.startswith(DROPPED) and not k.startswith(DROPPED_BYTES) and not k.endswith("_file"))
        out["documents_in"] = int(stat(steps[0], "documents") + skipped)
        out["characters_in"] = int(stat(steps[0], "doc_len"))  # datatrove counts text length in characters
    writers = [s for s in steps if "WRITER" in s.name]
    if writers:
        out["documents_out"] = int(stat(writers[-1], "total"))
        out["characters_out"] = int(stat(writers[-1], "doc_len"))
    for step in steps:
        for key, total in step.totals.items():
            if key.startswith(DROPPED_BYTES):
                out["removed_bytes"][key[len(DROPPED_BYTES):]] += int(total)
            elif key.startswith(DROPPED):
                out["removed"][key[len(DROPPED):]] += int(total)
            elif "EXTRAC" in step.name and key in ("dropped", "timeout", "broken_process", "clean_error"):
                # datatrove's extractor: "dropped" is a page with no main text left.
                name = "extract_no_main_text" if key == "dropped" else f"extract_{key}"
                out["removed"][name] += int(total)
    return out


def merge(parts: list[dict]) -> dict:
    merged = {"documents_in": 0, "documents_out": 0, "removed": Counter(), "removed_bytes": Counter(),
              "characters_in": 0, "characters_out": 0}
    for part in parts:
        for key in ("documents_in", "documents_out", "characters_in", "characters_out"):
            merged[key] += part.get(key, 0)
        merged["removed"] += part["removed"]
        merged["removed_bytes"] += part["removed_bytes"]
    return merged


def run_settings(layout: RunLayout, section: str) -> dict:
    """One section of the config the run was made with (RUN/config.yaml), as plain data."""
    if not layout.config.is_file():
        return {}
    return (yaml.safe_load(layout.config.read_text()) or {}).get(section) or {}


def document_line(s: dict) -> str:
    """A stage's summary as one terminal line: what came in, what went on, why the rest left."""
    text = f"{s['documents_in']} docs in, {s['documents_out']} out"
    if s.get("removed"):
        text += "; removed: " + ", ".join(f"{k} {v}" for k, v in sorted(s["removed"].items(), key=lambda kv: -kv[1]))
    return text
