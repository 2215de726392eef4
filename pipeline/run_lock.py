"""One run at a time in a run folder: an OS file lock held for the whole run.

Two runs writing one folder (a double-click, a job submitted twice) interleave their tasks'
outputs and completion markers; the result can be wrong shards with exit 0, and a rerun then
trusts the damage as "already done". So `thresher run` takes an exclusive `flock` on
RUN/.thresher.lock before its checks and holds it until it exits, whatever the exit: the OS
releases it when the process dies, so a lock is never left behind by a crash. The file holds the
holder's pid, host and start time, for the message that refuses a second run, and for a note
when the last run that held it did not finish (its pid is gone but its record is still there).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from datatrove.pipeline.base import PipelineStep

from pipeline.preflight import unwritable
from pipeline.stats import OWNER_CHECK
from pipeline.yaml_source import ConfigError

LOCK_FILE = ".thresher.lock"


def _holder(handle) -> dict:
    handle.seek(0)
    try:
        return json.loads(handle.read() or "{}")
    except json.JSONDecodeError:
        return {}


@contextlib.contextmanager
def run_lock(root: Path) -> Iterator[dict]:
    """Hold RUN's lock for the block; yields the record of the last holder that did not finish
    (empty when the folder was released cleanly or is new). ConfigError (exit 2) naming the
    holder when another run has it."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115: held for the block
    except OSError as e:
        raise unwritable(root, e) from e
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            raise ConfigError(
                f"another run is using {root} (pid {holder.get('pid', '?')} on {holder.get('host', '?')}, "
                f"started {holder.get('started', '?')}): wait for it to finish, or give another --output",
                key="run.output") from None
        unfinished = _holder(handle)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}))
        handle.flush()
        try:
            yield unfinished
        finally:
            with contextlib.suppress(OSError):  # the folder may be gone: a refused new run removes it
                handle.seek(0)
                handle.truncate()  # released cleanly: no record left for the next run to report
                handle.flush()
    finally:
        handle.close()  # closing releases the lock


RUN_ID_FILE = "run_id.json"


def record_run_id(root: Path) -> str:
    """A new id for the run being submitted, recorded in RUN/run_id.json: the Slurm jobs it
    submits check it when they start (`OwnerCheck`)."""
    run_id = uuid.uuid4().hex
    path = root / RUN_ID_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
                               "submitted": time.strftime("%Y-%m-%dT%H:%M:%S%z")}))
    tmp.replace(path)
    return run_id


class OwnerCheck(PipelineStep):
    """The first step of every Slurm job: the job runs only if its run still owns the folder.

    The lock of `run_lock` is held by the submitting command, which exits once the jobs are
    queued; a second submission into the same folder records a new run id, and the jobs of the
    first then stop at their start instead of writing into the second run's outputs.
    """

    type = "🔒 - CHECK"
    name = OWNER_CHECK

    def __init__(self, root: str, run_id: str):
        super().__init__()
        self.root = root
        self.run_id = run_id

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        path = Path(self.root) / RUN_ID_FILE
        try:
            owner = json.loads(path.read_text()).get("run_id")
        except (OSError, json.JSONDecodeError):
            owner = None
        if owner != self.run_id:
            raise RuntimeError(f"{self.root} now belongs to another run (run id {owner}, this job's is {self.run_id}): "
                               "this job stops without writing")
        # Not a generator: the check runs when datatrove builds the task's pipeline, before any
        # step works, and the next step gets its input as it would without this one (None for
        # a reader or MinHash stage, which refuse any input).
        return data
