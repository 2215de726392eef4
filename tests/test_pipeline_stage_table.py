"""The stage table: a stage is its own package's `Stage` plus one entry in pipeline/stages.py.

A toy stage (it counts the words of the final documents) is registered here the way a new
stage would be, by inserting it into the table, and everything else follows from the table:
its config section and checks, its run after the stage it reads, its line, its part of the
report, `status`, and the refusal of a changed setting over its old output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from datatrove.pipeline.base import PipelineStep

from pipeline import stages
from pipeline.cli import main
from pipeline.layout import RunLayout
from pipeline.stage import Job, Stage
from pipeline.stage_io import StageReader
from tests.test_pipeline_explain import PROSE


@dataclass
class WordCountConfig:
    min_words: int = 1  # documents with fewer words are not counted

    def check(self, need) -> None:
        need(self.min_words >= 1, "min_words", f"must be at least 1, got {self.min_words}")


class CountWords(PipelineStep):
    name = "count_words"

    def __init__(self, output: str, min_words: int):
        super().__init__()
        self.output, self.min_words = output, min_words

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        counted = [len(doc.text.split()) for doc in data if len(doc.text.split()) >= self.min_words]
        Path(self.output).mkdir(parents=True, exist_ok=True)
        (Path(self.output) / f"{rank:05d}.json").write_text(json.dumps({"documents": len(counted), "words": sum(counted)}))
        return
        yield


def toy_jobs(cfg, layout: RunLayout) -> list[Job]:
    step = CountWords(str(layout.output("wordcount")), cfg.wordcount.min_words)
    return [Job("wordcount", "count", [StageReader(layout.output("recovery"), glob_pattern="*/*.jsonl.gz"), step], 1)]


def toy_summary(layout: RunLayout) -> dict:
    parts = [json.loads(f.read_text()) for f in sorted(layout.output("wordcount").glob("*.json"))]
    return {"documents": sum(p["documents"] for p in parts), "words": sum(p["words"] for p in parts)}


TOY = Stage("wordcount", toy_jobs, config=WordCountConfig, reads=lambda layout: [(layout.output("recovery"), "recovery")],
            summary=toy_summary, line=lambda s: f"{s['words']} words in {s['documents']} documents")


@pytest.fixture
def with_toy(monkeypatch):
    # The one line a new stage adds to pipeline/stages.py: its place in the order.
    monkeypatch.setattr(stages, "TABLE", [*stages.TABLE[:5], TOY, *stages.TABLE[5:]])


def write_config(tmp_path, extra: str = "") -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir(exist_ok=True)
    (inputs / "a.jsonl").write_text(json.dumps({"id": "a", "text": PROSE}) + "\n")
    config = tmp_path / "run.yaml"
    config.write_text(f"run: {{tasks: 1, workers: 1}}\ninput: {{paths: ['{inputs}']}}\n{extra}")
    return config


def test_a_registered_stage_runs_reports_and_guards_its_output(with_toy, tmp_path, capsys):
    out = tmp_path / "run"
    config = write_config(tmp_path, "wordcount: {min_words: 3}\n")
    stages_run = "extract,langid,quality,dedup,recovery,wordcount,report"
    assert main(["run", str(config), "--output", str(out), "--stages", stages_run]) == 0
    printed = capsys.readouterr().out
    words = len(PROSE.split())
    assert f"wordcount\n    {words} words in 1 documents" in printed.replace("\r\033[K", "")
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert summary["stages"]["wordcount"] == {"documents": 1, "words": words}
    assert "min_words: 3" in (out / "config.yaml").read_text()  # its section is part of the resolved config
    # status walks the table too.
    assert main(["status", str(out)]) == 0
    assert "wordcount/count" in capsys.readouterr().out
    # Its section is its own: a changed setting makes its old output stale, not the stages before.
    config.write_text(config.read_text().replace("min_words: 3", "min_words: 5"))
    assert main(["run", str(config), "--output", str(out), "--stages", "wordcount"]) == 2
    err = capsys.readouterr().err
    assert "changed: wordcount.min_words" in err
    assert f"Fix: delete {out / 'wordcount'}, {out / 'report'}, or use a new --output" in err  # recovery's stays


def test_a_registered_stage_checks_its_section(with_toy, tmp_path, capsys):
    for extra, message in (("wordcount: {min_words: 0}\n", "wordcount.min_words: must be at least 1, got 0"),
                           ("wordcount: {max_words: 3}\n", "wordcount.max_words: unknown key 'max_words'")):
        config = write_config(tmp_path, extra)
        assert main(["run", str(config), "--output", str(tmp_path / "run"), "--stages", "wordcount"]) == 2
        assert message in capsys.readouterr().err
    # Its input is checked like any stage's: nothing has made recovery's output yet.
    config = write_config(tmp_path)
    assert main(["run", str(config), "--output", str(tmp_path / "run"), "--stages", "wordcount"]) == 2
    assert "run stage 'recovery' first" in capsys.readouterr().err


def test_without_the_entry_the_stage_does_not_exist(tmp_path, capsys):
    config = write_config(tmp_path, "wordcount: {min_words: 3}\n")
    assert main(["run", str(config), "--output", str(tmp_path / "run"), "--stages", "extract"]) == 2
    assert "unknown key 'wordcount'" in capsys.readouterr().err
