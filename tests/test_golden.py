"""The golden end-to-end run: the demo corpus through every stage, checked against its labels.

The generated corpus labels every page with what it is (a good article, spam, a duplicate of
another page, another language …); the run must treat each kind as a curator would, and the
count per removal reason must stay what it was when these numbers were last reviewed.
"""

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from pipeline.cli import main
from demo.corpus import write_demo_corpus
from shards.dataset import ShardDataset
from tests.conftest import assert_same_shards

# Reviewed against the labels (see test_each_kind_meets_its_fate): a change here is a change
# in what the pipeline removes, to be understood before the numbers are updated.
GOLDEN_REMOVALS = {
    # The menu-only pages reach the rules since the hybrid extractor keeps a page's text when
    # both extractors find no main content (line cleaning and zh_too_few_cjk_chars remove them).
    "extract": {"extract_binary": 1, "extract_image": 1, "extract_pdf": 2},
    "langid": {"lid_low_score": 2, "lid_other_language": 20},
    "quality": {
        "duplicated_5_n_grams": 9,
        "gopher_short_doc": 1,
        "line_cleaning_nothing_left": 8,  # cookie notice + menu pages: interface lines cut, nothing left
        "top_2_gram": 1,
        "top_3_gram": 1,
        "top_4_gram": 2,
        "url_blocklisted_word": 3,
        "zh_dup_5_char_grams": 1,
        "zh_spam_terms": 5,
        "zh_too_few_cjk_chars": 10,
        "zh_too_little_punct": 5,
    },
    "dedup": {"exact_duplicate": 12, "minhash_duplicate": 12},
}


def run_demo(configs: Path, corpus: Path, out: Path) -> int:
    return main(["run", str(configs / "demo.yaml"), "--input", str(corpus), "--output", str(out)])


@pytest.fixture(scope="module")
def golden(tmp_path_factory, configs):
    base = tmp_path_factory.mktemp("golden")
    corpus = write_demo_corpus(base / "input", seed=0)
    run = base / "run"
    assert run_demo(configs, corpus, run) == 0
    labels = json.loads((corpus / "labels.json").read_text())
    return run, labels, corpus


def read_docs(pattern_root: Path, pattern: str) -> list[dict]:
    docs = []
    for path in sorted(pattern_root.glob(pattern)):
        with gzip.open(path, "rt") as f:
            docs.extend(json.loads(line) for line in f)
    return docs


def fates(run: Path) -> dict[str, str]:
    """url -> "kept" or "<stage>:<reason>" for every document that got past extraction."""
    fate = {}
    for stage in ("langid", "quality", "dedup"):
        for d in read_docs(run / stage / "removed", "*/*.jsonl.gz"):
            fate[d["metadata"]["url"]] = f"{stage}:{d['metadata']['filter_reason']}"
    for d in read_docs(run / "recovery" / "output", "*/*.jsonl.gz"):
        fate[d["metadata"]["url"]] = "kept"
    return fate


def test_each_kind_meets_its_fate(golden):
    run, labels, _ = golden
    fate = fates(run)
    extracted = {d["metadata"]["url"] for d in read_docs(run / "extract" / "output", "*.jsonl.gz")}
    originals = {label["dup_of"] for label in labels if label.get("dup_of")}
    by_kind = {}
    for label in labels:
        by_kind.setdefault(label["kind"], []).append(label)

    for label in by_kind["non_html"]:
        assert label["url"] not in extracted
    for label in by_kind["other_lang"]:
        assert fate[label["url"]] == "langid:lid_other_language", label
    for kind in ("spam_en", "spam_zh", "boilerplate", "very_short"):
        for label in by_kind[kind]:
            assert fate.get(label["url"], "extract") != "kept", label
    # Good pages survive, unless they are the original of a planted duplicate pair.
    for kind in ("good_en", "good_zh", "gbk", "mixed"):
        for label in by_kind[kind]:
            if label["url"] not in originals:
                assert fate[label["url"]] == "kept", label
    # Every duplicate pair ends with exactly one copy kept, the other removed by its dedup pass.
    for kind, reason in (("exact_dup", "exact_duplicate"), ("near_dup", "minhash_duplicate")):
        for label in by_kind[kind]:
            pair = [fate[label["url"]], fate[label["dup_of"]]]
            assert sorted(pair) == [f"dedup:{reason}", "kept"], (label, pair)
    # Spam is removed by the rules that target it.
    spam_zh = Counter(fate[label["url"]] for label in by_kind["spam_zh"])
    assert spam_zh["quality:zh_spam_terms"] >= 1


def test_removal_counts_are_golden(golden):
    run, _, _ = golden
    summary = json.loads((run / "report" / "summary.json").read_text())
    for stage, expected in GOLDEN_REMOVALS.items():
        assert summary["stages"][stage]["removed"] == expected, stage
    # The funnel adds up: what a stage passes on is what the next one reads.
    funnel = {f["stage"]: f for f in summary["funnel"]}
    for before, after in (("extract", "langid"), ("langid", "quality"), ("quality", "dedup"), ("dedup", "recovery")):
        assert funnel[before]["documents_out"] == funnel[after]["documents_in"]
    for stage in ("extract", "langid", "quality", "dedup"):
        f = funnel[stage]
        assert f["documents_in"] - f["documents_out"] == sum(summary["stages"][stage]["removed"].values())


def test_run_folder_contract(golden):
    run, _, _ = golden
    assert (run / "config.yaml").is_file()
    for stage in ("extract", "langid", "quality", "dedup", "recovery"):
        assert (run / stage / "logs").is_dir()
    for stage in ("langid", "quality", "dedup", "recovery"):
        assert {p.name for p in (run / stage / "output").iterdir()} == {"en", "zh"}
    # Every removed document says why, with the measured value where a rule measured one.
    for doc in read_docs(run / "quality" / "removed", "*/*.jsonl.gz"):
        meta = doc["metadata"]
        assert meta["filter_reason"] and meta["filter_rule"] and "filter_value" in meta
    for doc in read_docs(run / "langid" / "removed", "*/*.jsonl.gz"):
        assert doc["metadata"]["filter_reason"].startswith("lid_")
    # A removed duplicate names its cluster and the copy that was kept in its place.
    for method in ("exact", "minhash"):
        for doc in read_docs(run / "dedup" / "removed" / method, "*.jsonl.gz"):
            assert doc["metadata"][f"{method}_cluster_id"] >= 0 and doc["metadata"]["duplicate_of"]
    for name in ("tokenizer.json", "tokenizer_config.json", "thresher_tokenizer.json"):
        assert (run / "tokenizer" / name).is_file()
    assert (run / "shards" / "manifest.json").is_file()
    assert (run / "report" / "summary.json").is_file() and (run / "report" / "report.md").is_file()


def test_shards_hold_every_final_document(golden):
    run, _, _ = golden
    manifest = json.loads((run / "shards" / "manifest.json").read_text())
    tok = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json"))
    for entry in manifest["files"]:
        data = np.fromfile(run / "shards" / entry["name"], dtype="<u4")
        assert len(data) == entry["rows"] * manifest["seq_len"] == entry["rows"] * 4096
    # Rows are shuffled across shards: each document is put back together from its pieces.
    decoded = [tok.decode(tokens.tolist()) for _, tokens in ShardDataset(run / "shards").documents()]
    final = [d["text"] for d in read_docs(run / "recovery" / "output", "*/*.jsonl.gz")]
    assert sorted(decoded) == sorted(final)
    assert sum(manifest["documents"].values()) == len(final)


def test_rerun_skips_and_a_second_run_is_identical(golden, tmp_path, configs, capsys):
    run, _, corpus = golden
    outputs = sorted(run.glob("*/output/**/*.jsonl.gz")) + sorted((run / "shards").glob("*.bin"))
    before = {p: p.stat().st_mtime_ns for p in outputs}
    capsys.readouterr()
    assert run_demo(configs, corpus, run) == 0  # same folder: every task is already complete
    assert {p: p.stat().st_mtime_ns for p in outputs} == before  # nothing was redone
    out = capsys.readouterr().out
    assert out.count("(already done in this folder: skipped)") == 7  # every stage but the report says so
    # The corpus folder holds labels.json beside the WARC files: left out, and said so.
    assert "note: 1 file(s) in the input folders are of no format read here and were left out: labels.json" in out
    assert run_demo(configs, corpus, tmp_path / "again") == 0  # fresh folder, same input and seed
    assert_same_shards(tmp_path / "again", run)


def test_changed_config_in_same_folder_is_refused(golden, configs, capsys):
    run, _, corpus = golden
    code = main(["run", str(configs / "demo.yaml"), "--input", str(corpus), "--output", str(run),
                 "--set", "dedup.num_buckets=20"])
    assert code == 2
    assert "different config (changed: dedup.num_buckets)" in capsys.readouterr().err


def test_stats_and_status_commands(golden, capsys):
    run, _, _ = golden
    (run / "report" / "summary.json").unlink()
    assert main(["stats", str(run)]) == 0
    out = capsys.readouterr().out
    assert "extract" in out and "recovery" in out and "summary.json" in out
    exact, near = GOLDEN_REMOVALS["dedup"]["exact_duplicate"], GOLDEN_REMOVALS["dedup"]["minhash_duplicate"]
    assert f"dedup: {exact} exact and {near} near copies removed (per_language)" in out
    assert (run / "report" / "summary.json").is_file()
    assert main(["status", str(run)]) == 0
    status = capsys.readouterr().out
    assert "not started" not in status and "incomplete" not in status
    assert "dedup/en/signatures" in status


def test_a_run_that_recovers_documents_counts_and_reports_them(golden, configs, tmp_path):
    _, _, corpus = golden
    run = tmp_path / "run"
    # Copies must be almost identical to stay removed: the planted near copies (~0.9) come back.
    assert main(["run", str(configs / "demo.yaml"), "--input", str(corpus), "--output", str(run),
                 "--set", "recovery.false_duplicates.min_jaccard=0.95"]) == 0
    assert (run / "report" / "report.html").is_file()
    recovery = json.loads((run / "report" / "summary.json").read_text())["stages"]["recovery"]
    readmitted = read_docs(run / "recovery" / "output", "*/recovered_*.jsonl.gz")
    assert readmitted and recovery["recovered"] == {"false_duplicates": len(readmitted)}
    assert all(d["metadata"]["recovered_by"] == "false_duplicates" for d in readmitted)
    everything = read_docs(run / "recovery" / "output", "*/*.jsonl.gz")
    assert recovery["documents_out"] == len(everything) == recovery["documents_in"] + len(readmitted)
    assert recovery["characters_out"] == sum(len(d["text"]) for d in everything)
    samples = recovery["mechanisms"]["false_duplicates"]["per_rule"]["minhash"]["samples"]
    assert samples and {s["id"] for s in samples} <= {d["id"] for d in readmitted}


def test_sentencepiece_backend_feeds_the_shards(golden, configs, tmp_path):
    from shards.pack import file_sha256
    from tokenizer.load import plain_text_tokenizer

    run, _, _ = golden
    copy = tmp_path / "run"
    shutil.copytree(run, copy, ignore=shutil.ignore_patterns("tokenizer", "shards", "report"))
    assert main(["run", str(configs / "demo.yaml"), "--output", str(copy), "--stages", "tokenizer,shards",
                 "--set", "tokenizer.backend=sentencepiece"]) == 0
    folder = copy / "tokenizer"
    assert (folder / "tokenizer.model").is_file() and not (folder / "tokenizer.json").exists()
    manifest = json.loads((copy / "shards" / "manifest.json").read_text())
    assert manifest["tokenizer_sha256"] == file_sha256(folder / "tokenizer.model")
    tok = plain_text_tokenizer(folder)
    decoded = [tok.decode(tokens.tolist()) for _, tokens in ShardDataset(copy / "shards").documents()]
    final = [d["text"] for d in read_docs(copy / "recovery" / "output", "*/*.jsonl.gz")]
    assert sorted(decoded) == sorted(final)
