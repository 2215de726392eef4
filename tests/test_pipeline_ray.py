"""The pipeline on Ray (datatrove's RayPipelineExecutor), on a Ray started for the run on this
machine: the same run folder, completion markers and shards as the local executor."""

import pytest

from demo.corpus import write_demo_corpus
from tests.conftest import assert_same_shards
from tests.conftest import run_demo_config as run

pytest.importorskip("ray", reason="the Ray executor needs Ray: pip install -e '.[ray]' (the test extra has it)")


def test_whole_pipeline_on_ray_matches_local(configs, tmp_path, capsys):
    corpus = write_demo_corpus(tmp_path / "input", seed=0, scale=0.3)
    assert run(configs, corpus, tmp_path / "local", "--tasks", "2") == 0
    assert run(configs, corpus, tmp_path / "ray", "--tasks", "2", "--executor", "ray") == 0
    printed = capsys.readouterr().out
    assert "2 tasks, 2 at once on Ray" in printed and "Logging directory points" not in printed  # Ray's chatter stays in the logs
    assert_same_shards(tmp_path / "ray", tmp_path / "local")
    # datatrove's completion markers, as locally: a rerun finds every task done.
    assert len(list((tmp_path / "ray" / "langid" / "logs" / "langid" / "completions").iterdir())) == 2
    assert run(configs, corpus, tmp_path / "ray", "--tasks", "2", "--executor", "ray") == 0
    again = capsys.readouterr().out
    assert again.count("already done in this folder: skipped") == 7  # every stage but the report
