"""Run a stage's jobs on datatrove's executors: local processes, Ray tasks, or Slurm arrays.

Completion markers are datatrove's own (`logs/<job>/completions/`): a rerun skips finished
tasks. Locally, datatrove's console chatter goes to `logs/<job>/console.log` and the user sees
one progress line per job instead; the task logs stay where datatrove puts them.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor

from pipeline.config import Config
from pipeline.layout import RunLayout
from pipeline.stage_io import job_writers
from pipeline.plan import stage
from pipeline.stage import Job


CLEAR_LINE = "\r\033[K"  # back to the start of the line and erase it (terminals only)


class JobFailed(RuntimeError):
    pass


def completed_tasks(logging_dir: Path) -> int:
    folder = logging_dir / "completions"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def damaged_tasks(job: Job, layout: RunLayout) -> dict[int, str]:
    """{rank: what is wrong} for the tasks of JOB marked complete whose recorded output files
    are missing or changed since (pipeline/stage_io.py, RecordedJsonlWriter)."""
    folder = layout.logs(job.stage, job.name) / "completions"
    if not folder.is_dir():
        return {}
    writers = job_writers(job.pipeline, layout.logs(job.stage, job.name))
    damaged = {}
    for marker in folder.iterdir():
        if not marker.name.isdigit():
            continue
        for writer in writers:
            wrong = writer.damaged(int(marker.name))
            if wrong:
                damaged[int(marker.name)] = wrong
                break
    return damaged


def redo_damaged(jobs_by_stage: dict[str, list[Job]], layout: RunLayout, out=None) -> list[str]:
    """Unmark the damaged tasks so that they run again, and every task of the stages after the
    first damaged one (they may have read the damaged files). The notes say what and why."""
    out = out or sys.stdout
    notes, first = [], None
    for name, jobs in jobs_by_stage.items():
        if first is None:
            # A finished stage whose output no recorded writer makes is checked as a whole.
            done = all(completed_tasks(layout.logs(j.stage, j.name)) >= j.tasks for j in jobs)
            wrong = stage(name).damaged(layout) if done else None
            if wrong:
                notes.append(f"{name}: {wrong}; the stage runs again")
                first = name
            else:
                for job in jobs:
                    for rank, what in sorted(damaged_tasks(job, layout).items()):
                        (layout.logs(job.stage, job.name) / "completions" / f"{rank:05d}").unlink()
                        notes.append(f"{job.stage}/{job.name} task {rank}: {what}; it runs again")
                        first = name
                continue
        # The stage that was damaged as a whole, and every stage after the first damaged one.
        for job in jobs:
            shutil.rmtree(layout.logs(job.stage, job.name) / "completions", ignore_errors=True)
    if first is not None:
        later = [s for s in jobs_by_stage if list(jobs_by_stage).index(s) > list(jobs_by_stage).index(first)]
        if later:
            notes.append(f"the stages after {first} ({', '.join(later)}) run again too: they may have read what was damaged")
    for note in notes:
        print(f"note: {note}", file=out, flush=True)
    return notes


@contextmanager
def stderr_to(path: Path):
    """Send this process's stderr (and that of workers it forks) to PATH for the duration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "a") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _progress(job: Job, logging_dir: Path, stop: threading.Event, out) -> None:
    """Print `done/total` whenever a task of a running job completes."""
    last = -1
    while not stop.wait(1.0):
        done = completed_tasks(logging_dir)
        if done != last and job.tasks > 1:
            out.write(f"{CLEAR_LINE}    {job.name}: {done}/{job.tasks} tasks")
            out.flush()
            last = done


def _children(pid: int) -> set[int]:
    """Process ids whose parent is PID (Linux /proc; empty elsewhere)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return found


@contextmanager
def fail_fast_on_dead_worker(job: Job, logging_dir: Path, out):
    """Stop the run (exit 1) when a worker process of the local Pool dies (SIGKILL, out of memory).

    datatrove's local executor runs tasks on a multiprocessing Pool: a worker killed mid-task
    loses its task (and the local rank it holds), and the parent waits for it forever. The Pool
    notices the death itself when it reaps the worker (`_join_exited_workers`, run by its
    worker-handler thread): we hook there. Its workers never exit on their own while the pool
    runs (no maxtasksperchild), so any exit then is a death. The run stops at once: the other
    children are killed and this process exits without unwinding (unwinding a main thread
    blocked on the pool can deadlock). Finished tasks keep their completion markers, so
    rerunning the same command resumes.
    """
    from multiprocess.pool import Pool

    reap = Pool.__dict__["_join_exited_workers"]

    def reap_or_fail(workers):
        dead = [(w.pid, w.exitcode) for w in workers if w.exitcode is not None]
        # A pool shutting down normally ends its workers with exit code 0 or SIGTERM, after
        # every task is done: not a death. Any other signal (SIGKILL from the OOM killer, a
        # crash) is one even when every task has its completion marker: a worker killed
        # between writing the marker and handing back its result would leave the pool waiting.
        violent = any(code not in (0, -signal.SIGTERM) for _, code in dead)
        if dead and (violent or completed_tasks(logging_dir) < job.tasks):
            message = (f"\nerror: {job.stage}/{job.name}: worker process died (pid, exit code: {dead}; -9 is SIGKILL, "
                       f"e.g. out of memory). Finished tasks are kept: rerun the same command to resume. "
                       f"Logs: {logging_dir}/logs/\n")
            for stream in (out, sys.stderr):  # the terminal, and the job's console.log
                stream.write(message)
                stream.flush()
            for pid in _children(os.getpid()):  # the other workers and datatrove's Manager process
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os._exit(1)
        return reap.__func__(workers)

    Pool._join_exited_workers = staticmethod(reap_or_fail)
    try:
        yield
    finally:
        Pool._join_exited_workers = reap


def run_local(job: Job, layout: RunLayout, workers: int, out=None) -> float:
    """Run JOB's tasks here; task-level progress is shown on a terminal only."""
    out = out or sys.stdout  # looked up now: tests and callers may have replaced sys.stdout
    logging_dir = layout.logs(job.stage, job.name)
    job_writers(job.pipeline, logging_dir)  # they record what each task wrote (damaged_tasks checks it)
    executor = LocalPipelineExecutor(
        job.pipeline,
        tasks=job.tasks,
        workers=max(1, min(workers, job.tasks)),
        logging_dir=str(logging_dir),
        # fork: workers start at once and inherit the redirected stderr.
        start_method="fork",
    )
    return _drive(job, executor, logging_dir, out, fail_fast_on_dead_worker(job, logging_dir, out))


def run_ray(job: Job, layout: RunLayout, cfg: Config, out=None) -> float:
    """Run JOB's tasks on the Ray cluster `ray_cluster` connected to, through datatrove's
    RayPipelineExecutor: the same run folder, logs, stats and completion markers as locally."""
    from datatrove.executor.ray import RayPipelineExecutor

    out = out or sys.stdout
    logging_dir = layout.logs(job.stage, job.name)
    job_writers(job.pipeline, logging_dir)
    with stderr_to(logging_dir / "console.log"):  # it warns that a local folder must be shared storage
        executor = RayPipelineExecutor(
            job.pipeline,
            tasks=job.tasks,
            workers=max(1, min(cfg.run.workers, job.tasks)),
            logging_dir=str(logging_dir),
            cpus_per_task=cfg.ray.cpus_per_task,
            mem_per_cpu_gb=cfg.ray.mem_per_cpu_gb,
        )
    return _drive(job, executor, logging_dir, out, nullcontext())


def _drive(job: Job, executor, logging_dir: Path, out, guard) -> float:
    """Run EXECUTOR with its console chatter in console.log and a progress line on a terminal;
    JobFailed unless every task left its completion marker."""
    start = time.perf_counter()
    stop = threading.Event()
    watcher = threading.Thread(target=_progress, args=(job, logging_dir, stop, out), daemon=True)
    if out.isatty():
        watcher.start()
    console = logging_dir / "console.log"
    try:
        with stderr_to(console), guard:
            executor.run()
    except Exception as e:
        raise JobFailed(f"{job.stage}/{job.name} failed: {e}. Logs: {logging_dir}/logs/ and {console}") from e
    finally:
        stop.set()
        if watcher.is_alive():
            watcher.join()
    incomplete = job.tasks - completed_tasks(logging_dir)
    if incomplete:
        raise JobFailed(f"{job.stage}/{job.name}: {incomplete} of {job.tasks} tasks did not complete. Logs: {logging_dir}/logs/")
    return time.perf_counter() - start


@contextmanager
def ray_cluster(cfg: Config, console: Path):
    """Connect to the cluster `ray.address` names (or RAY_ADDRESS), or start one here for the
    run's length. Ray's own start-up lines go to CONSOLE; the workers' output stays in the task
    logs (log_to_driver off), as locally."""
    try:
        import ray
    except ImportError:
        raise JobFailed("run.executor ray needs Ray: pip install 'thresher[ray]'") from None
    starts_here = cfg.ray.address is None and not os.environ.get("RAY_ADDRESS")
    # A Ray started here keeps its object store small: only the executors travel through it.
    options = {"object_store_memory": 256 * 2**20, "include_dashboard": False} if starts_here else {}
    try:
        with stderr_to(console):
            ray.init(address=cfg.ray.address, log_to_driver=False, logging_level="ERROR", **options)
    except Exception as e:  # no cluster at that address, a version mismatch, …
        where = cfg.ray.address or os.environ.get("RAY_ADDRESS") or "this machine"
        raise JobFailed(f"could not start or reach Ray at {where}: {e}. Ray's own log: {console}") from None
    try:
        yield
    finally:
        with stderr_to(console):
            ray.shutdown()


def slurm_executors(jobs: list[Job], cfg: Config, layout: RunLayout, depends=None, run_id: str | None = None) -> dict:
    """Chain JOBS as Slurm arrays, each waiting for the one before; {stage/job: executor}. With
    RUN_ID, each job first checks that its run still owns the folder (pipeline/run_lock.py)."""
    from pipeline.run_lock import OwnerCheck
    from pipeline.slurm import ThresherSlurmExecutor, cluster_max_array_size, venv_activation

    s = cfg.slurm
    max_array_size = cluster_max_array_size()
    executors = {}
    previous = depends
    for job in jobs:
        logging_dir = layout.logs(job.stage, job.name)
        job_writers(job.pipeline, logging_dir)
        steps = [OwnerCheck(str(layout.root), run_id), *job.pipeline] if run_id else job.pipeline
        cpus, mem, time_limit = s.resources(f"{job.stage}/{job.name}")
        previous = ThresherSlurmExecutor(
            steps,
            tasks=job.tasks,
            time=time_limit,
            partition=s.partition,
            cpus_per_task=cpus,
            mem_per_cpu_gb=mem,
            qos=s.qos or "",
            job_name=f"thresher-{job.stage}-{job.name.replace('/', '-')}",
            logging_dir=str(logging_dir),
            slurm_logs_folder=str(logging_dir / "slurm"),
            env_command=s.env_command or venv_activation(),
            sbatch_args=dict(s.sbatch_args),
            max_array_size=max_array_size,
            depends=previous,
            skip_completed=True,
        )
        executors[f"{job.stage}/{job.name}"] = previous
    return executors
