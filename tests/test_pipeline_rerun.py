"""Running into an existing run folder: the same inputs and settings go on, others are refused.

datatrove skips every task whose completion marker exists, so a rerun with other input files
or other settings would silently keep outputs made from the old ones (pipeline/preflight.py).
"""

from __future__ import annotations

import json
import shutil

import yaml

from pipeline.cli import main
from tests.test_pipeline_explain import PROSE

WORDS = ("river", "canal", "stream", "brook")


def write_doc(folder, name: str, word: str = "river") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({"id": name, "text": PROSE.replace("river", word)}) + "\n")


def run(configs, inputs, out, stages: str, *extra: str) -> int:
    given = ["--input", *map(str, inputs)] if inputs else []
    return main(["run", str(configs / "demo.yaml"), *given, "--output", str(out),
                 "--tasks", "1", "--workers", "1", "--stages", stages, *extra])


def test_input_files_changed_since_are_refused(configs, tmp_path, capsys):
    inputs, out = tmp_path / "in", tmp_path / "run"
    write_doc(inputs, "a.jsonl")
    assert run(configs, [inputs], out, "extract") == 0
    write_doc(inputs, "b.jsonl", "canal")
    assert run(configs, [inputs], out, "extract") == 2
    err = capsys.readouterr().err
    assert "input.paths: the inputs are not the files" in err
    assert "(1 file(s) added: b.jsonl)" in err
    assert f"Fix: delete {out / 'extract'}, or use a new --output" in err
    (inputs / "a.jsonl").unlink()
    assert run(configs, [inputs], out, "extract") == 2
    assert "(1 file(s) added: b.jsonl; 1 file(s) removed: a.jsonl)" in capsys.readouterr().err
    # Once the folder named is gone, the run reads the new files.
    shutil.rmtree(out / "extract")
    assert run(configs, [inputs], out, "extract") == 0
    assert json.loads((out / "extract" / "input_files.json").read_text()) == ["b.jsonl"]


def test_a_file_added_beside_the_old_folder_is_named_alone():
    from extract.stage import file_changes

    # The recorded names are relative to the old common folder, `a/`; the new one is its parent.
    assert file_changes(["x.jsonl", "y.jsonl"], ["a/x.jsonl", "a/y.jsonl", "b/z.jsonl"]) == (["b/z.jsonl"], [])
    assert file_changes(["x.jsonl"], ["x.jsonl"]) == ([], [])
    assert file_changes(["x.jsonl", "y.jsonl"], ["x.jsonl"]) == ([], ["y.jsonl"])


def test_equivalent_spellings_of_the_inputs_are_not_refused(configs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_doc(tmp_path / "in", "a.jsonl")
    assert run(configs, ["in"], "run", "extract") == 0
    outputs = sorted((tmp_path / "run" / "extract" / "output").glob("*.jsonl.gz"))
    before = [p.stat().st_mtime_ns for p in outputs]
    for spelling in ("in/", "./in", f"{tmp_path}/in/", "in/*.jsonl"):  # a glob naming the same files too
        assert run(configs, [spelling], "run", "extract") == 0, spelling
    assert [p.stat().st_mtime_ns for p in outputs] == before  # the finished task was skipped


def test_a_change_is_accepted_where_no_output_it_affects_exists(configs, tmp_path, capsys):
    inputs, out = tmp_path / "in", tmp_path / "run"
    write_doc(inputs, "a.jsonl")
    assert run(configs, [inputs], out, "extract") == 0
    # Langid settings: the run has no langid folder yet, so nothing made with the old value remains.
    assert run(configs, [inputs], out, "extract", "--set", "langid.min_score.en=0.7", "--workers", "2") == 0
    assert yaml.safe_load((out / "config.yaml").read_text())["langid"]["min_score"]["en"] == 0.7
    # The task count decides what every task of every stage read: the whole run.
    assert run(configs, [inputs], out, "extract", "--tasks", "2") == 2
    err = capsys.readouterr().err
    assert "different config (changed: langid.min_score.en, run.tasks). langid.min_score.en: 0.7 -> 0.65; run.tasks: 1 -> 2." in err
    assert f"Fix: delete {out / 'extract'}, or use a new --output" in err


def test_readme_rerun_of_quality_and_dedup_with_a_new_threshold(configs, tmp_path, capsys):
    inputs, out = tmp_path / "in", tmp_path / "run"
    for i, word in enumerate(WORDS):
        write_doc(inputs, f"{i}.jsonl", word)
    assert run(configs, [inputs], out, "extract,langid,quality,dedup") == 0
    for stage in ("recovery", "tokenizer", "shards", "report"):  # as a finished run leaves them
        (out / stage).mkdir()
    # As README has it: later stages only, so no --input (the run keeps the inputs it was made from).
    change = ["--set", "quality.en.gopher_quality.min_doc_words=80"]
    assert run(configs, [], out, "quality,dedup", *change) == 2
    err = capsys.readouterr().err
    assert "different config (changed: quality.en.3.min_doc_words). quality.en.3.min_doc_words: 50 -> 80." in err
    later = ", ".join(str(out / s) for s in ("quality", "dedup", "recovery", "tokenizer", "shards", "report"))
    assert f"Fix: delete {later}, or use a new --output" in err
    for stage in ("quality", "dedup", "recovery", "tokenizer", "shards", "report"):
        shutil.rmtree(out / stage)
    assert run(configs, [], out, "quality,dedup", *change) == 0
    recorded = yaml.safe_load((out / "config.yaml").read_text())
    assert recorded["quality"]["en"][3]["min_doc_words"] == 80
    assert recorded["input"]["paths"] == [str(inputs)]
    assert list((out / "dedup" / "output" / "en").glob("*.jsonl.gz"))
