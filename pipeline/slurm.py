"""Slurm: every job of every stage becomes a job array through datatrove's Slurm executor.

Two things datatrove's executor leaves to us:

- Array size. Slurm rejects an array whose indices reach the cluster's MaxArraySize (1001 by
  default), so a 5,000-task stage must go in as several arrays. datatrove can split them
  (`max_array_size`), but has to be told the cluster's limit: we read it from `scontrol`.
- Dependencies across split arrays. datatrove makes the next stage wait for the *last* array
  it submitted; the earlier arrays of the same stage run before it but their failure would not
  hold the next stage back. We make the next stage wait (afterok) for every array of the stage
  before, so one failed task anywhere stops what depends on it.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

from datatrove.executor.slurm import SlurmPipelineExecutor

DEFAULT_MAX_ARRAY_SIZE = 1001  # Slurm's own default for MaxArraySize


def cluster_max_array_size() -> int:
    """The cluster's MaxArraySize: an array may hold indices 0 .. MaxArraySize-1."""
    try:
        out = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return DEFAULT_MAX_ARRAY_SIZE
    match = re.search(r"^MaxArraySize\s*=\s*(\d+)", out, re.MULTILINE)
    return int(match.group(1)) if match else DEFAULT_MAX_ARRAY_SIZE


def venv_activation() -> str | None:
    """`source …/bin/activate` for the virtual environment thresher runs from, if any."""
    if sys.prefix != sys.base_prefix and (Path(sys.prefix) / "bin" / "activate").is_file():
        return f"source {Path(sys.prefix) / 'bin' / 'activate'}"
    return None


NODE_LINE = "thresher: on node"


class ThresherSlurmExecutor(SlurmPipelineExecutor):
    """datatrove's Slurm executor that remembers every job it submits and waits for all of them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, job_id_retriever=self._remember_job_id, **kwargs)
        self.submitted: list[str] = []  # the job ids of every array this job was split into
        self.upstream: list[str] = []

    def _remember_job_id(self, sbatch_output: str) -> str:
        job_id = sbatch_output.split()[-1]  # "Submitted batch job 1234"
        self.submitted.append(job_id)
        return job_id

    def launch_job(self):
        if self.depends is not None:
            if not self.depends.job_id:
                self.depends.launch_job()
            self.upstream = list(self.depends.submitted)
        super().launch_job()

    def launch_merge_stats(self):
        """No extra Slurm job per stage to merge stats: the report sums the per-task files."""

    def get_launch_file_contents(self, sbatch_args: dict, run_script: str) -> str:
        # The srun line names the pickled pipeline by path: quoted, so the shell reads it as one
        # word whatever it holds (preflight already refuses run folders sbatch cannot take).
        pickled = self.logging_dir.resolve_paths("executor.pik")
        run_script = run_script.replace(pickled, shlex.quote(pickled))
        # The first line of each task's Slurm output says where it ran (`status`, and a user
        # chasing a node that misbehaves, read it).
        where = f'echo "{NODE_LINE} $SLURMD_NODENAME (array task $SLURM_ARRAY_TASK_ID)"'
        return super().get_launch_file_contents(sbatch_args, f"{where}\n{run_script}")

    def get_sbatch_args(self, max_array: int = 1) -> dict:
        args = super().get_sbatch_args(max_array)
        if not self.partition:
            del args["partition"]  # no partition given: the cluster's default partition
        return args

    @property
    def dependency(self) -> str:
        parts = []
        if self.upstream:
            parts.append("afterok:" + ":".join(self.upstream))
        if self.job_id and not self.max_array_launch_parallel:
            # the arrays of one split job run one after another, as datatrove does
            parts.append(f"afterany:{self.job_id}")
        return ",".join(parts)


def record_submission(run_root: Path, executors: dict[str, ThresherSlurmExecutor]) -> Path:
    """RUN/slurm_jobs.json: which Slurm job ids belong to which stage job (for `status`)."""
    path = run_root / "slurm_jobs.json"
    previous = json.loads(path.read_text()) if path.is_file() else {}
    for name, executor in executors.items():
        if executor.submitted:
            previous[name] = executor.submitted
    path.write_text(json.dumps(previous, indent=2) + "\n")
    return path


def queue_states(job_ids: list[str]) -> dict[str, str]:
    """Slurm job id (array tasks as `id_index`) -> state and reason, for jobs still queued."""
    if not job_ids:
        return {}
    try:
        out = subprocess.run(
            ["squeue", "-h", "-r", "-j", ",".join(job_ids), "-o", "%i|%T|%r"],
            capture_output=True, text=True, timeout=30,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    states = {}
    for line in out.splitlines():
        job, state, reason = (line.split("|") + ["", ""])[:3]
        states[job.strip()] = state if reason in ("None", "") else f"{state} ({reason})"
    return states
