"""Kill harness: SIGKILL `thresher run` at random points of every stage, rerun, compare the shards.

    python bench/kill_harness.py --trials 24 [--seed 0] [--scale 1.0] [--workdir /tmp/thresher-kill]
    python bench/kill_harness.py --concurrent --trials 20

The demo corpus (demo/corpus.py) is run once without interruption; its shards
(RUN/shards/*.bin, *.seg and manifest.json) are the reference. Each trial starts a fresh run of
`thresher run configs/demo.yaml` in its own process group, waits for a chosen stage to start,
sleeps a random share of that stage's reference duration, and SIGKILLs either the whole process
group (`group`: a power cut) or one child process of the run (`worker`: the OOM killer; a Pool
worker, or datatrove's Manager process where a job runs its tasks in-process; with no child
alive, the main process alone). A parent that does not exit within --hang-s after a worker kill
is reported as a hang. The same command is then rerun until it exits 0, and the shards must be
byte-identical to the reference. Prints one line per trial and a summary; exits 1 on any
mismatch, hang or run that never finishes.

`--concurrent` runs two `thresher run`s into one fresh folder per trial instead, the second
started at a random moment of the first: every run that exits 0 must leave the reference shards,
and the other must be refused naming the holder (exit 2).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.plan import names as stage_names  # noqa: E402
from demo.corpus import write_demo_corpus  # noqa: E402

CLI = "import faulthandler, sys; faulthandler.enable(); from pipeline.cli import main; sys.exit(main())"


@dataclass
class Trial:
    stage: str
    mode: str  # group | worker
    delay_s: float
    killed: str = ""  # what was killed: group, worker <pid>, main, or "" when the run ended first
    hang: bool = False
    exit_code: int | None = None  # of the killed run (-9: SIGKILL; 1: stopped itself, naming the job)
    reruns: int = 0
    identical: bool = False
    # On a hang: the job running, and each process of the run with its state and what its
    # threads wait in (kernel wchan), to tell a deadlock from a slow run.
    hang_dump: str = ""


def shard_digests(run: Path) -> dict[str, str]:
    files = sorted((run / "shards").glob("*.bin")) + sorted((run / "shards").glob("*.seg")) + [run / "shards" / "manifest.json"]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.is_file()}


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(found)


class Run:
    """One `thresher run` in its own process group; records when each stage starts."""

    def __init__(self, corpus: Path, output: Path, workers: int):
        cmd = [sys.executable, "-c", CLI, "run", str(REPO / "configs" / "demo.yaml"), "--input", str(corpus),
               "--output", str(output), "--workers", str(workers)]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.started: dict[str, float] = {}
        self.output: list[str] = []
        self.t0 = time.perf_counter()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)
            if line.startswith("[") and "] " in line:
                self.started[line.split("] ", 1)[1].strip()] = time.perf_counter() - self.t0

    def wait_for_stage(self, stage: str) -> bool:
        while stage not in self.started:
            if self.proc.poll() is not None:
                return False
            time.sleep(0.01)
        return True

    def kill_group(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_to_completion(corpus: Path, output: Path, workers: int, max_reruns: int) -> tuple[int, list[int]]:
    codes = []
    for _ in range(max_reruns):
        run = Run(corpus, output, workers)
        codes.append(run.proc.wait())
        if codes[-1] == 0:
            break
    return len(codes), codes


def process_dump(pid: int, output: Path) -> str:
    """The hung run as it stands: the job last started, and per process (the main one and its
    children) its state and every thread's wchan."""
    jobs = sorted(output.rglob("executor.json"), key=lambda p: p.stat().st_mtime)
    lines = [f"job: {jobs[-1].parent.relative_to(output) if jobs else 'none started'}"]
    for p in [pid, *children(pid)]:
        try:
            state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
            waits = sorted(Path(t, "wchan").read_text() for t in Path(f"/proc/{p}/task").iterdir())
        except OSError:
            continue  # ended while we looked
        lines.append(f"pid {p} state {state} threads waiting in: {', '.join(waits)}")
    return "\n".join(lines)


def trial(t: Trial, corpus: Path, output: Path, workers: int, hang_s: float, max_reruns: int, reference: dict) -> Trial:
    shutil.rmtree(output, ignore_errors=True)
    run = Run(corpus, output, workers)
    if run.wait_for_stage(t.stage):
        time.sleep(t.delay_s)
        if run.proc.poll() is None:
            if t.mode == "group":
                run.kill_group()
                t.killed = "group"
            else:
                workers_now = children(run.proc.pid)
                victim = random.choice(workers_now) if workers_now else run.proc.pid
                t.killed = f"worker {victim}" if workers_now else "main"
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    try:
        run.proc.wait(timeout=hang_s)
    except subprocess.TimeoutExpired:
        t.hang = True
        t.hang_dump = process_dump(run.proc.pid, output)
    run.kill_group()  # leftovers of a killed main process (orphaned workers) go too
    t.exit_code = run.proc.wait()
    t.reruns, codes = run_to_completion(corpus, output, workers, max_reruns)
    t.identical = codes[-1] == 0 and shard_digests(output) == reference
    return t


def concurrent_trial(delay_s: float, corpus: Path, output: Path, workers: int, reference: dict) -> tuple[list[int], bool]:
    """Two runs into one fresh folder, the second started DELAY_S after the first (a double
    click, a job submitted twice). (exit codes, whether the outcome is right): every run that
    exits 0 must have left the reference shards, and a refused run must say who holds the folder."""
    shutil.rmtree(output, ignore_errors=True)
    first = Run(corpus, output, workers)
    time.sleep(delay_s)
    second = Run(corpus, output, workers)
    codes = [first.proc.wait(), second.proc.wait()]
    time.sleep(0.1)  # the reader threads drain the last lines
    right = all(code != 0 or shard_digests(output) == reference for code in codes)
    for run, code in zip((first, second), codes):
        if code == 2 and not any("another run is using" in line for line in run.output):
            right = False  # exit 2 for some other reason is not a refusal
    return codes, right and 0 in codes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0, help="demo corpus size (1.0: ~290 pages)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--stages", default=",".join(stage_names()), help="stages to kill in, round robin")
    parser.add_argument("--hang-s", type=float, default=60.0, help="a run still alive this long after a kill is hung")
    parser.add_argument("--max-reruns", type=int, default=4)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/thresher-kill"))
    parser.add_argument("--concurrent", action="store_true",
                        help="instead of kills: two runs into one folder per trial, the second a random moment later")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    random.seed(args.seed)
    shutil.rmtree(args.workdir, ignore_errors=True)
    corpus = write_demo_corpus(args.workdir / "corpus", seed=0, scale=args.scale)
    output = args.workdir / "run"

    print("reference run (uninterrupted) ...", flush=True)
    ref = Run(corpus, output, args.workers)
    if ref.proc.wait() != 0:
        print("".join(ref.output), file=sys.stderr)
        return 1
    total = time.perf_counter() - ref.t0
    reference = shard_digests(output)
    order = [s for s in stage_names() if s in ref.started]
    duration = {s: (ref.started[order[i + 1]] if i + 1 < len(order) else total) - ref.started[s] for i, s in enumerate(order)}
    print("stage durations: " + ", ".join(f"{s} {d:.1f}s" for s, d in duration.items()), flush=True)

    if args.concurrent:
        outcomes = []
        for i in range(args.trials):
            delay = round(rng.uniform(0.0, 0.5) * total, 3)
            t0 = time.perf_counter()
            codes, right = concurrent_trial(delay, corpus, output, args.workers, reference)
            outcomes.append(right)
            print(f"trial {i + 1:2d}: second run at +{delay:5.2f}s exits={codes} right={right}  "
                  f"({time.perf_counter() - t0:.0f}s)", flush=True)
        print(f"\n{len(outcomes)} trials of two runs into one folder: {sum(outcomes)} refused or identical, "
              f"{len(outcomes) - sum(outcomes)} wrong")
        return 0 if all(outcomes) else 1

    stages = args.stages.split(",")
    results = []
    for i in range(args.trials):
        stage = stages[i % len(stages)]
        mode = "group" if (i // len(stages)) % 2 == 0 else "worker"
        t = Trial(stage, mode, round(rng.uniform(0.0, 0.95) * duration[stage], 3))
        t0 = time.perf_counter()
        trial(t, corpus, output, args.workers, args.hang_s, args.max_reruns, reference)
        results.append(t)
        print(f"trial {i + 1:2d}: {t.stage:9s} {t.mode:6s} at +{t.delay_s:5.2f}s killed={t.killed or 'none (run ended first)':24s} "
              f"exit={t.exit_code} hang={t.hang} reruns={t.reruns} identical={t.identical}  ({time.perf_counter() - t0:.0f}s)", flush=True)
        if t.hang_dump:
            print("    " + t.hang_dump.replace("\n", "\n    "), flush=True)

    faults = sum(1 for t in results if t.killed)
    bad = [t for t in results if not t.identical or t.hang]
    print(f"\n{len(results)} trials, {faults} kills delivered, {faults - sum(1 for t in bad if t.killed)} survived "
          f"(rerun finished with byte-identical shards), {sum(t.hang for t in results)} hangs, "
          f"{sum(not t.identical for t in results)} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
