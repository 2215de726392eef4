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


def test_a_slurm_job_of_an_earlier_submission_stops_when_the_folder_changed_hands(tmp_path):
    import pytest
    from datatrove.data import Document

    from pipeline.run_lock import OwnerCheck, record_run_id

    first = record_run_id(tmp_path)
    doc = Document(text="x", id="1")
    assert list(OwnerCheck(str(tmp_path), first).run(iter([doc]))) == [doc]  # the owner's job goes on
    assert OwnerCheck(str(tmp_path), first).run(None) is None  # a first step's input stays None
    second = record_run_id(tmp_path)  # the folder was submitted again
    assert second != first
    with pytest.raises(RuntimeError, match="now belongs to another run"):
        OwnerCheck(str(tmp_path), first).run(iter([doc]))


def test_a_task_whose_output_was_damaged_after_it_finished_runs_again(configs, tmp_path, capsys):
    # Marked complete, but its file was cut short since (a full disk, a second writer): the
    # rerun redoes that task, and the stages after it, instead of trusting "already done".
    import gzip

    run = tmp_path / "run"
    args = _args(configs, tmp_path, run)
    args[args.index("--stages") + 1] = "extract,langid"
    assert main(args) == 0
    output = next((run / "extract" / "output").glob("*.jsonl.gz"))
    good = output.read_bytes()
    output.write_bytes(good[: len(good) // 2])
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"extract/extract task 0: {output} has" in out and "it runs again" in out
    assert "the stages after extract (langid) run again too" in out
    assert gzip.decompress(output.read_bytes()) == gzip.decompress(good)  # whole again
    capsys.readouterr()
    assert main(args) == 0 and "runs again" not in capsys.readouterr().out  # and trusted now


def test_damaged_shards_or_tokenizer_of_a_finished_run_are_made_again(configs, tmp_path, capsys):
    # The tokenizer and shard stages write no recorded jsonl: their finished outputs are checked
    # whole (manifest sizes and tokenizer checksum; the tokenizer's JSON) before a rerun trusts them.
    from demo.corpus import write_demo_corpus

    corpus = write_demo_corpus(tmp_path / "corpus", seed=0, scale=0.2)
    run = tmp_path / "run"
    args = ["run", str(configs / "demo.yaml"), "--input", str(corpus), "--output", str(run)]
    assert main(args) == 0
    shard = run / "shards" / "shard_00000.bin"
    whole = shard.read_bytes()
    shard.write_bytes(whole[:-4096])
    capsys.readouterr()
    assert main(args) == 0
    assert f"shards: {shard} is missing or not {len(whole):,} bytes; the stage runs again" in capsys.readouterr().out
    assert shard.read_bytes() == whole
    tokenizer = run / "tokenizer" / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text()[:100])
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"tokenizer: {tokenizer} is damaged (JSONDecodeError" in out  # the damaged file, by name
    assert "the stages after tokenizer (shards, report) run again too" in out
    assert shard.read_bytes() == whole
