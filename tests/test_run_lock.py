"""One run at a time in a run folder: a second is refused naming the first; a crash leaves no lock."""

import json
import os
import socket

from pipeline.cli import main
from pipeline.run_lock import LOCK_FILE, run_lock


def _args(configs, tmp_path, run):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "A short document for the lock test."}) + "\n")
    return ["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(src), "--output", str(run)]


def test_a_second_run_into_a_held_folder_is_refused_naming_the_holder(configs, tmp_path, capsys):
    run = tmp_path / "run"
    with run_lock(run):  # another run holds the folder
        assert main(_args(configs, tmp_path, run)) == 2
        err = capsys.readouterr().err
        assert f"pid {os.getpid()} on {socket.gethostname()}" in err and "another run is using" in err
        assert not (run / "extract").exists()  # the refused run wrote nothing
    assert main(_args(configs, tmp_path, run)) == 0  # released: the next run goes ahead
    assert (run / LOCK_FILE).read_text() == ""  # and released cleanly


def test_a_run_that_died_holding_the_lock_is_noted_not_blocking(configs, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    # What a SIGKILLed run leaves: its record, but no lock (the OS released it with the process).
    (run / LOCK_FILE).write_text(json.dumps({"pid": 999999, "host": "node7", "started": "2026-01-01T00:00:00"}))
    assert main(_args(configs, tmp_path, run)) == 0
    out = capsys.readouterr().out
    assert "the last run in this folder (pid 999999 on node7" in out and "did not finish" in out
