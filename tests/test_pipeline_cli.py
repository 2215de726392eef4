"""The `thresher` command line: help everywhere, exit code 2 on any config or input problem."""

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main

THRESHER = [str(Path(sys.executable).parent / "thresher")]


@pytest.mark.parametrize("args", [[], ["demo"], ["run"], ["status"], ["stats"]])
def test_help_everywhere(args):
    result = subprocess.run(THRESHER + args + ["--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "usage: thresher" in result.stdout


def test_run_options_are_documented():
    out = subprocess.run(THRESHER + ["run", "--help"], capture_output=True, text=True).stdout
    for option in ("--stages", "--input", "--output", "--set", "--executor", "--tasks", "--workers"):
        assert option in out


def test_unknown_stage(configs, tmp_path, capsys):
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract,dedupe", "--output", str(tmp_path)]) == 2
    assert "unknown stage(s) ['dedupe']" in capsys.readouterr().err


def test_missing_input(configs, tmp_path, capsys):
    code = main(["run", str(configs / "demo.yaml"), "--input", str(tmp_path / "none/*.warc.gz"), "--output", str(tmp_path / "r")])
    assert code == 2
    assert "matches no file" in capsys.readouterr().err
    assert not (tmp_path / "r" / "extract").exists()  # nothing started


def test_later_stage_without_earlier_output(configs, tmp_path, capsys):
    assert main(["run", str(configs / "demo.yaml"), "--stages", "dedup", "--output", str(tmp_path)]) == 2
    assert "run stage 'quality' first" in capsys.readouterr().err


def test_each_input_is_checked_against_the_stage_that_writes_it(configs, tmp_path, capsys):
    # Shards read the recovery output and the tokenizer: with recovery in the same run only the
    # tokenizer is missing, and the error names the stage that makes it.
    assert main(["run", str(configs / "demo.yaml"), "--stages", "recovery,shards", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "stage 'recovery' reads" in err and "run stage 'dedup' first" in err
    (tmp_path / "dedup" / "output").mkdir(parents=True)
    assert main(["run", str(configs / "demo.yaml"), "--stages", "recovery,shards", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "thresher_tokenizer.json, which does not exist: run stage 'tokenizer' first" in err


def test_unwritable_output(configs, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["run", str(configs / "demo.yaml"), "--stages", "report", "--output", str(blocker / "run")]) == 2
    assert "cannot write to" in capsys.readouterr().err


def test_slurm_without_slurm(configs, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no sbatch anywhere
    assert main(["run", str(configs / "demo.yaml"), "--stages", "report", "--executor", "slurm", "--output", str(tmp_path / "r")]) == 2
    assert "no `sbatch`" in capsys.readouterr().err


def test_status_of_a_non_run(tmp_path, capsys):
    assert main(["status", str(tmp_path)]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_missing_config_file_is_named(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.yaml")]) == 2
    assert f"cannot read config file {tmp_path / 'nope.yaml'}: No such file" in capsys.readouterr().err


def test_named_files_are_checked_for_the_stages_that_read_them(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text("quality:\n  en:\n    - use: url_blocklist\n      blocklist_path: lists/urls.txt\n"
                      "recovery:\n  false_language: {enabled: false}\n  reextraction: {enabled: false}\n")
    missing = f"{config}:4: quality.en.0.blocklist_path: {tmp_path / 'lists' / 'urls.txt'} does not exist"
    args = ["run", str(config), "--output", str(tmp_path / "run")]
    assert main([*args, "--stages", "quality"]) == 2
    assert missing in capsys.readouterr().err
    # Dedup and recovery (without its re-extraction and language mechanisms) never open the blocklist.
    assert main([*args, "--stages", "dedup,recovery"]) == 2
    assert "run stage 'quality' first" in capsys.readouterr().err
    # With the language mechanism on, recovery runs the quality rules on the pages it re-admits.
    assert main([*args, "--stages", "recovery", "--set", "recovery.false_language.enabled=true"]) == 2
    assert missing in capsys.readouterr().err
    # Re-extracted pages are judged by the same rules.
    assert main([*args, "--stages", "recovery", "--set", "recovery.reextraction.enabled=true"]) == 2
    assert missing in capsys.readouterr().err


def test_text_under_another_key_gets_a_hint(configs, tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text('{"id": "1", "content": "Some text under another key."}\n')
    assert main(["run", str(configs / "demo.yaml"), "--input", str(tmp_path / "in"), "--output", str(tmp_path / "r"),
                 "--stages", "extract"]) == 0
    assert "no document had text under input.text_key 'text'" in capsys.readouterr().out


def test_ctrl_c_is_a_message_not_a_traceback(configs, tmp_path, capsys, monkeypatch):
    import pipeline.cli

    def interrupted(cfg, stages):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.cli, "run_pipeline", interrupted)
    assert main(["run", str(configs / "demo.yaml"), "--stages", "report", "--output", str(tmp_path / "r")]) == 130
    assert "interrupted: the same command goes on from the finished tasks" in capsys.readouterr().err


def test_stats_and_status_name_a_damaged_file_instead_of_a_traceback(configs, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "One document to make a run folder with."}\n')
    run = tmp_path / "run"
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(src), "--output", str(run)]) == 0
    stats = next((run / "extract" / "logs" / "extract" / "stats").glob("*.json"))
    stats.write_text(stats.read_text()[:40])  # a write cut short
    capsys.readouterr()
    assert main(["stats", str(run)]) == 1
    err = capsys.readouterr().err
    assert f"{stats} is damaged" in err and "Traceback" not in err
    executor = run / "extract" / "logs" / "extract" / "executor.json"
    executor.write_text("{")
    assert main(["status", str(run)]) == 1
    assert f"{executor} is damaged" in capsys.readouterr().err
