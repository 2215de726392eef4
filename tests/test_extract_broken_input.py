"""Broken input through `thresher run --stages extract,langid`: the run completes, each bad record
or file is counted by reason and named in the task log, and every good record comes out."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from broken_corpus import write_broken_corpus
from pipeline.cli import main


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_broken_corpus(tmp_path_factory.mktemp("broken"))


def ids_in(folder: Path) -> set[str]:
    ids = set()
    for path in folder.rglob("*.jsonl.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            ids |= {json.loads(line)["id"] for line in f}
    return ids


def extract_stats(run: Path) -> dict[str, int]:
    stats = json.loads((run / "extract" / "logs" / "extract" / "stats.json").read_text())
    counts: dict[str, int] = {}
    for step in stats:
        for name, value in step["stats"].items():
            if name.startswith("dropped_extract_"):
                total = value["total"] if isinstance(value, dict) else value
                counts[name.removeprefix("dropped_extract_")] = counts.get(name.removeprefix("dropped_extract_"), 0) + total
    return counts


@pytest.mark.parametrize("fmt", ["warc", "jsonl", "parquet"])
def test_broken_input_is_counted_and_good_records_come_out(corpus, configs, tmp_path, capsys, fmt):
    run = tmp_path / "run"
    code = main(["run", str(configs / "demo.yaml"), "--stages", "extract,langid", "--input", str(corpus.root / fmt),
                 "--output", str(run)])
    assert code == 0, capsys.readouterr().err
    counts = extract_stats(run)
    for reason, at_least in corpus.reasons[fmt].items():
        assert counts.get(reason, 0) >= at_least, (reason, counts)
    # Every good record, in the same files as the bad ones, came through extract and langid.
    assert corpus.good[fmt] <= ids_in(run / "extract" / "output")
    assert corpus.good[fmt] - ids_in(run / "langid" / "output") == set()
    # Bad files are named in the task logs.
    logs = "".join(p.read_text() for p in (run / "extract" / "logs" / "extract" / "logs").glob("*.log*"))
    assert "dangling" in logs or fmt == "parquet"
    if fmt == "warc":
        assert "mixed.warc.gz: a record dropped (decompression_bomb)" in logs
        texts = {}
        for path in (run / "extract" / "output").rglob("*.jsonl.gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                texts.update((d["id"], d["text"]) for d in map(json.loads, f))
        assert "資料清洗是預訓練語料處理的第一步" in texts["<urn:big5-as-gb>"]  # Big5, not GB mojibake
    if fmt == "jsonl":
        assert "mixed.jsonl: line 2 dropped (bad_json)" in logs
    if fmt == "parquet":
        assert "wrong_schema.parquet" in logs and "not_parquet.parquet" in logs
    # The summary's funnel adds up in documents: empty or unreadable files are counted, as files.
    from pipeline.layout import RunLayout
    from pipeline.report import stage_summary

    extract = stage_summary(RunLayout(run), "extract")
    documents_removed = sum(n for reason, n in extract["removed"].items() if not reason.endswith("_file"))
    assert extract["documents_in"] == extract["documents_out"] + documents_removed


def test_a_file_of_many_bad_lines_names_the_first_and_counts_the_rest(configs, tmp_path):
    # 20 kB of gzip can hold millions of blank or broken lines: the log names the first
    # MAX_NAMED_DROPS and sums the rest, and blank lines are counted, never named.
    from extract.readers import MAX_NAMED_DROPS

    src = tmp_path / "in" / "noisy.jsonl.gz"
    src.parent.mkdir()
    good = json.dumps({"id": "good", "text": "The one good document among the noise."})
    with gzip.open(src, "wt") as f:
        f.write("\n" * 100_000 + "{bad json\n" * 500 + good + "\n")
    run = tmp_path / "run"
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(src), "--output", str(run)]) == 0
    counts = extract_stats(run)
    assert counts["empty_line"] == 100_000 and counts["bad_json"] == 500
    assert ids_in(run / "extract" / "output") == {"good"}
    logs = "".join(p.read_text() for p in (run / "extract" / "logs" / "extract" / "logs").glob("*.log*"))
    assert logs.count("dropped (bad_json)") == MAX_NAMED_DROPS and "dropped (empty_line)" not in logs
    assert f"{500 - MAX_NAMED_DROPS} more dropped, not named one by one: bad_json {500 - MAX_NAMED_DROPS}" in logs
