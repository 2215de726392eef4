"""The pipeline on a real Slurm cluster (scripts/slurm-local.sh starts one; CI does).

Where no Slurm answers, these tests skip with a message — except when THRESHER_REQUIRE_SLURM=1
(set by .ci/run), where a missing cluster is a failure: CI must run them for real.
"""

import gzip
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.slurm import NODE_LINE
from tests.conftest import assert_same_shards
from tests.conftest import run_demo_config as run
from demo.corpus import write_demo_corpus

WAIT_S = 900


def slurm_ready() -> str | None:
    """None when a Slurm node is up and takes jobs, else why not."""
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return "no sbatch/sinfo on PATH"
    result = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    if result.returncode != 0:
        return f"sinfo failed: {result.stderr.strip()}"
    if not any(state.startswith(("idle", "mixed", "alloc")) for state in result.stdout.split()):
        return f"no Slurm node is up (sinfo: {result.stdout.strip() or 'nothing'})"
    return None


@pytest.fixture(scope="module", autouse=True)
def slurm():
    why = slurm_ready()
    if why:
        if os.environ.get("THRESHER_REQUIRE_SLURM") == "1":
            pytest.fail(f"THRESHER_REQUIRE_SLURM=1 but Slurm is not usable: {why}")
        pytest.skip(f"Slurm tests need a running cluster ({why}); start one with scripts/slurm-local.sh up")


def wait_for(run: Path) -> None:
    """Until none of the run's Slurm jobs is queued or running."""
    jobs = json.loads((run / "slurm_jobs.json").read_text())
    ids = [job_id for ids in jobs.values() for job_id in ids]
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        queued = subprocess.run(["squeue", "-h", "-j", ",".join(ids), "-o", "%i"], capture_output=True, text=True).stdout
        if not queued.strip():
            return
        time.sleep(2)
    pytest.fail(f"Slurm jobs of {run} still queued after {WAIT_S}s")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_demo_corpus(tmp_path_factory.mktemp("slurm") / "input", seed=0, scale=0.3)


def test_whole_pipeline_on_slurm_matches_local(configs, corpus, tmp_path, capsys):
    # 5 tasks against CI's MaxArraySize of 4: every 5-task job is split into two arrays.
    assert run(configs, corpus, tmp_path / "local", "--tasks", "5") == 0
    assert run(configs, corpus, tmp_path / "slurm", "--tasks", "5", "--executor", "slurm") == 0
    printed = capsys.readouterr().out
    assert "Submitted" in printed
    # Each job's arrays ask for their own resources, and the run says what: a heavy one-task job
    # more memory and time than the parallel jobs.
    assert re.search(r"dedup/en/clusters\s+1 task\(s\) x 1 CPU, 8 GB, 24:00:00", printed), printed
    assert re.search(r"langid/langid\s+5 task\(s\) x 1 CPU, 2 GB, 04:00:00", printed), printed
    script = (tmp_path / "slurm" / "dedup" / "logs" / "en" / "clusters" / "launch_script.slurm").read_text()
    assert "--mem-per-cpu=8G" in script and "--time=24:00:00" in script
    wait_for(tmp_path / "slurm")
    assert main(["status", str(tmp_path / "slurm")]) == 0
    status = capsys.readouterr().out
    assert "incomplete" not in status and "report/report" in status, status

    # On a cluster of several nodes (CI: NODES=2 scripts/slurm-local.sh up, and
    # THRESHER_SLURM_NODES=2 to hold the test to it) the arrays' tasks ran on every node.
    nodes = [n for n in subprocess.run(["sinfo", "-h", "-N", "-o", "%N"], capture_output=True, text=True).stdout.split()]
    expected = int(os.environ.get("THRESHER_SLURM_NODES", "0"))
    assert not expected or len(set(nodes)) == expected, f"THRESHER_SLURM_NODES={expected} but sinfo lists {nodes}"
    used = {m for out in (tmp_path / "slurm").rglob("slurm/*.out") for m in re.findall(rf"{NODE_LINE} (\S+)", out.read_text())}
    assert used and used <= set(nodes)
    if len(set(nodes)) > 1:
        assert used == set(nodes), f"tasks ran on {used} only, of {nodes}"

    assert_same_shards(tmp_path / "slurm", tmp_path / "local")
    summary = json.loads((tmp_path / "slurm" / "report" / "summary.json").read_text())
    assert summary["funnel"][-1]["documents_out"] > 0


def test_failed_task_fails_visibly_and_rerun_redoes_only_it(configs, corpus, tmp_path, capsys):
    out = tmp_path / "run"
    assert run(configs, corpus, out, "--stages", "extract") == 0
    broken = out / "extract" / "output" / "00001.jsonl.gz"
    good = broken.read_bytes()
    broken.write_bytes(good[: len(good) // 2])  # a truncated gzip: task 1 of langid will fail

    assert run(configs, corpus, out, "--stages", "langid", "--executor", "slurm") == 0
    wait_for(out)
    logs = out / "langid" / "logs" / "langid"
    assert sorted(p.name for p in (logs / "completions").iterdir()) == ["00000"]
    assert main(["status", str(out)]) == 1  # a failed task shows, and makes status exit 1
    status = capsys.readouterr().out
    assert "langid/langid" in status and "1/2" in status and "1 failed" in status
    assert "task 00001 failed, log:" in status

    kept = {p: p.stat().st_mtime_ns for p in (out / "langid" / "output").rglob("00000.jsonl.gz")}
    broken.write_bytes(good)  # fix the input, run the same command again
    assert run(configs, corpus, out, "--stages", "langid", "--executor", "slurm") == 0
    wait_for(out)
    assert json.loads((logs / "ranks_to_run.json").read_text()) == [1]  # only the failed task
    assert sorted(p.name for p in (logs / "completions").iterdir()) == ["00000", "00001"]
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # task 0's output was not redone

    # The repaired run's output is what a clean local run gives.
    clean = tmp_path / "clean"
    assert run(configs, corpus, clean, "--stages", "extract,langid") == 0
    for path in sorted((clean / "langid" / "output").rglob("*.jsonl.gz")):
        mine = out / path.relative_to(clean)
        with gzip.open(path, "rt") as a, gzip.open(mine, "rt") as b:
            assert a.read() == b.read()
