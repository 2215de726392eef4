"""Faults: SIGKILL mid-run (whole group, one worker), a full disk and an output folder that cannot be
written. Each time the run stops with a clear error, the failed task is not marked complete, and
rerunning the same command finishes; after kills, with byte-identical shards. The full harness
(>= 20 trials over all stages) is bench/kill_harness.py; this runs two of its trials."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import kill_harness as kh  # noqa: E402
from demo.corpus import write_demo_corpus  # noqa: E402

SCALE = 0.3  # a smaller demo corpus: each run takes a few seconds


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    work = tmp_path_factory.mktemp("kill")
    corpus = write_demo_corpus(work / "corpus", seed=0, scale=SCALE)
    run = kh.Run(corpus, work / "reference", workers=2)
    assert run.proc.wait() == 0, "".join(run.output)
    return corpus, kh.shard_digests(work / "reference"), run.started


@pytest.mark.parametrize("stage, mode", [("langid", "group"), ("dedup", "worker")])
def test_killed_run_resumes_to_identical_shards(reference, tmp_path, stage, mode):
    corpus, digests, started = reference
    random.seed(0)
    t = kh.Trial(stage, mode, delay_s=0.3)
    kh.trial(t, corpus, tmp_path / "run", workers=2, hang_s=30, max_reruns=3, reference=digests)
    assert t.killed, "the run ended before the kill: nothing was tested"
    assert not t.hang, f"the parent hung after its worker died:\n{t.hang_dump}"
    assert t.identical and t.reruns == 1


def run_cli(corpus: Path, output: Path, stages: str = "extract,langid") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", kh.CLI, "run", str(REPO / "configs" / "demo.yaml"), "--input", str(corpus),
                           "--output", str(output), "--stages", stages], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_output_folder_that_cannot_be_written(reference, tmp_path):
    corpus = reference[0]
    run = tmp_path / "run"
    assert run_cli(corpus, run, "extract").returncode == 0
    # A file where langid's output folder should be: the writer cannot create it.
    (run / "langid").mkdir()
    (run / "langid" / "output").write_text("in the way")
    failed = run_cli(corpus, run)
    assert failed.returncode == 1
    assert "langid/langid failed" in failed.stderr and "Logs:" in failed.stderr
    completions = run / "langid" / "logs" / "langid" / "completions"
    assert not completions.is_dir() or not list(completions.iterdir())
    (run / "langid" / "output").unlink()
    assert run_cli(corpus, run).returncode == 0
    assert list((run / "langid" / "output").rglob("*.jsonl.gz"))


def test_disk_full_then_rerun_after_freeing_space(reference, tmp_path):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a tiny tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=120k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount tmpfs here")
    try:
        run = disk / "run"
        failed = run_cli(reference[0], run)
        assert failed.returncode != 0
        assert "No space left on device" in failed.stderr and "Logs:" in failed.stderr
        completions = run / "extract" / "logs" / "extract" / "completions"
        assert not completions.is_dir() or len(list(completions.iterdir())) < 2  # not marked complete
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        done = run_cli(reference[0], run)
        assert done.returncode == 0, done.stderr
        assert list((run / "langid" / "output").rglob("*.jsonl.gz"))
    finally:
        subprocess.run(["umount", "-l", str(disk)])
