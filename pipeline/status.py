"""`thresher status RUN`: each stage's jobs, how many of their tasks are done, where logs are.

Read from datatrove's own records: `executor.json` (how many tasks a job has) and the
completion markers. A task with a log but no completion marker has started and not finished:
running, or failed — its log says which.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.config import STAGES
from pipeline.layout import RunLayout


def job_status(logging_dir: Path) -> dict:
    executor = json.loads((logging_dir / "executor.json").read_text())
    tasks = int(executor.get("world_size") or executor.get("tasks") or 0)
    done = {p.name for p in (logging_dir / "completions").glob("*")} if (logging_dir / "completions").is_dir() else set()
    started = {p.name.removeprefix("task_").removesuffix(".log") for p in (logging_dir / "logs").glob("task_*.log")}
    unfinished = sorted(started - done)
    return {"tasks": tasks, "done": len(done), "unfinished": unfinished, "pending": tasks - len(done) - len(unfinished)}


def print_status(layout: RunLayout, out=sys.stdout) -> int:
    if not layout.config.is_file():
        print(f"error: {layout.root} is not a run folder (no config.yaml)", file=sys.stderr)
        return 2

    for stage in STAGES:
        jobs = sorted(p.parent for p in layout.logs(stage).rglob("executor.json"))
        if not jobs:
            out.write(f"{stage:<10} not started\n")
            continue
        for job_dir in jobs:
            s = job_status(job_dir)
            name = f"{stage}/{job_dir.relative_to(layout.logs(stage))}"
            state = "done" if s["done"] == s["tasks"] else "incomplete"

            out.write(f"{name:<28} {s['done']:>4}/{s['tasks']:<4} {state}\n")
            for rank in s["unfinished"]:
                out.write(f"    task {rank} started but did not finish: {job_dir}/logs/task_{rank}.log\n")
    return 0
