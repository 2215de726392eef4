"""`thresher status RUN`: each stage's jobs, how many of their tasks are done, where logs are.

Read from datatrove's own records — `executor.json` (how many tasks a job has) and the
completion markers — and, for a Slurm run, from `squeue` for the jobs `RUN/slurm_jobs.json`
lists. A task with a log but no completion marker that is not queued or running has failed.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from pipeline.layout import RunLayout, read_run_json
from pipeline.plan import names
from pipeline.slurm import queue_states


def job_status(logging_dir: Path) -> dict:
    executor = read_run_json(logging_dir / "executor.json")
    tasks = int(executor.get("world_size") or executor.get("tasks") or 0)
    done = {p.name for p in (logging_dir / "completions").glob("*")} if (logging_dir / "completions").is_dir() else set()
    started = {p.name.removeprefix("task_").removesuffix(".log") for p in (logging_dir / "logs").glob("task_*.log")}
    return {"tasks": tasks, "done": len(done), "unfinished": sorted(started - done)}


def print_status(layout: RunLayout, out=None) -> int:
    """Print every job's state; exit code 1 when a task has failed, else 0."""
    out = out or sys.stdout
    if not layout.config.is_file():
        print(f"error: {layout.root} is not a run folder (no config.yaml)", file=sys.stderr)
        return 2
    slurm_file = layout.root / "slurm_jobs.json"
    submitted = read_run_json(slurm_file) if slurm_file.is_file() else {}
    any_failed = False
    for stage in names():
        # executor.json is written when a job starts (or is submitted): its time gives the order.
        jobs = sorted((p.parent for p in layout.logs(stage).rglob("executor.json")),
                      key=lambda d: (d / "executor.json").stat().st_mtime)
        if not jobs:
            out.write(f"{stage:<10} not started\n")
            continue
        for job_dir in jobs:
            name = f"{stage}/{job_dir.relative_to(layout.logs(stage))}"
            s = job_status(job_dir)
            queued = Counter(state.split()[0].lower() for state in queue_states(submitted.get(name, [])).values())
            # A task that started, is not done, and is no longer queued or running has failed.
            failed = [] if queued else s["unfinished"]
            any_failed |= bool(failed)
            parts = [f"{n} {state}" for state, n in sorted(queued.items())]
            if failed:
                parts.append(f"{len(failed)} failed")
            state = "done" if s["done"] == s["tasks"] else (", ".join(parts) or "incomplete")
            out.write(f"{name:<28} {s['done']:>4}/{s['tasks']:<4} {state}\n")
            for rank in failed:
                out.write(f"    task {rank} failed, log: {job_dir}/logs/task_{rank}.log\n")
    return 1 if any_failed else 0
