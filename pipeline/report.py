"""The run summary: documents in and out of every stage and why each removed one went.

Everything comes from datatrove's per-task stats files (`RUN/<stage>/logs/<job>/stats/*.json`),
which exist the same way for local and Slurm runs, plus the tokenizer's and shards' own
metadata. Written as `RUN/report/summary.json`, a readable `RUN/report/report.md` and the page
people look at, `RUN/report/report.html` (plots, see report_html.py). Text sizes in the funnel
are characters (datatrove's `doc_len`); removed sizes are UTF-8 bytes (our filters count them).
"""

from __future__ import annotations

import json
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from pipeline import stages
from pipeline.layout import RunLayout
from pipeline.report_html import write_html
from pipeline.stage import Job, Stage
from pipeline.stats import document_line
from shards.stage import folder_summary


def stage_summary(layout: RunLayout, name: str) -> dict:
    """One stage's part of the summary (its package's `summary`)."""
    return next(s for s in stages.TABLE if s.name == name).summary(layout)


def build_summary(layout: RunLayout) -> dict:
    found = {stage.name: stage.summary(layout) for stage in stages.TABLE}
    for summary in found.values():
        for key in ("removed", "removed_bytes"):
            if key in summary:
                summary[key] = dict(sorted(summary[key].items()))
    # The stages that pass documents on (their summaries count them): the funnel, in run order.
    funnel = [
        {"stage": name, **{k: s.get(k, 0) for k in FUNNEL_KEYS}, "removed_bytes": sum(s.get("removed_bytes", {}).values())}
        for name, s in found.items() if "documents_in" in s
    ]
    return {"run": str(layout.root), "funnel": funnel, "stages": found}


def write_shards_report(folder: Path) -> dict:
    """The report of a shard folder alone (no run around it): FOLDER/report/."""
    summary = {"run": str(folder), "funnel": [], "stages": {"shards": folder_summary(folder)}}
    _write(summary, folder / "report")
    return summary


def stage_line(layout: RunLayout, stage: Stage) -> str:
    """One line for the terminal after a stage: what came in, what went on, why the rest left."""
    s = stage.summary(layout)
    return stage.line(s) if stage.line else document_line(s)


def write_report(layout: RunLayout) -> dict:
    summary = build_summary(layout)
    _write(summary, layout.report)
    return summary


def _write(summary: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    (folder / "report.md").write_text(_markdown(summary))
    write_html(summary, folder / "report.html")


def _markdown(summary: dict) -> str:
    lines = [f"# Thresher run report: {summary['run']}", "", "## Funnel", "",
             "| stage | documents in | documents out |", "|---|---:|---:|"]
    lines += [f"| {f['stage']} | {f['documents_in']} | {f['documents_out']} |" for f in summary["funnel"]]
    lines += ["", "## Removals by reason", "", "| stage | reason | documents | bytes |", "|---|---|---:|---:|"]
    for stage, s in summary["stages"].items():
        for reason, count in s.get("removed", {}).items():
            lines.append(f"| {stage} | {reason} | {count} | {s.get('removed_bytes', {}).get(reason, '')} |")
    for stage in stages.TABLE:  # each stage's own sections (its `markdown`)
        lines += stage.markdown(summary["stages"].get(stage.name) or {})
    return "\n".join(lines) + "\n"


def print_summary(summary: dict) -> None:
    for f in summary["funnel"]:
        print(f"  {f['stage']:<10} {f['documents_in']:>8} in  {f['documents_out']:>8} out")
    for stage in stages.TABLE:
        for line in stage.closing(summary["stages"].get(stage.name) or {}):
            print(f"  {line}")


FUNNEL_KEYS = ("documents_in", "documents_out", "characters_in", "characters_out")


class WriteReport(PipelineStep):
    """The report stage as a one-task job, so it runs after the others on Slurm too."""

    type = "📊 - REPORT"
    name = "report"

    def __init__(self, run_root: str):
        super().__init__()
        self.run_root = run_root

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        write_report(RunLayout(Path(self.run_root)))
        return
        yield


def _report_jobs(cfg, layout: RunLayout) -> list[Job]:
    return [Job("report", "report", [WriteReport(str(layout.root))], 1)]


# The run's last stage; not a stage package's: it reads them all (pipeline/plan.py appends it).
REPORT = Stage("report", _report_jobs, line=lambda _summary: "summary written", always_runs=True)
