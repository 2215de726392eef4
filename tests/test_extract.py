"""The extract stage: WARC pages to text, already-extracted jsonl/parquet passed through."""

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.cli import main

TEXTS = ["First document, plain text already.", "第二个文档，已经是纯文本。", "Third one."]


def read_output(run):
    docs = []
    for path in sorted((run / "extract" / "output").glob("*.jsonl.gz")):
        with gzip.open(path, "rt") as f:
            docs.extend(json.loads(line) for line in f)
    return docs


def test_jsonl_passes_through_with_its_fields(configs, tmp_path):
    src = tmp_path / "in" / "docs.jsonl.gz"
    src.parent.mkdir()
    with gzip.open(src, "wt") as f:
        for i, text in enumerate(TEXTS):
            f.write(json.dumps({"doc_id": f"d{i}", "content": text, "url": f"https://example.org/{i}"}) + "\n")
    code = main(["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(src),
                 "--output", str(tmp_path / "run"), "--set", "input.text_key=content", "--set", "input.id_key=doc_id"])
    assert code == 0
    docs = read_output(tmp_path / "run")
    assert sorted(d["text"] for d in docs) == sorted(TEXTS)
    assert {d["id"] for d in docs} == {"d0", "d1", "d2"}
    assert all(d["metadata"]["url"].startswith("https://example.org/") for d in docs)


def test_parquet_passes_through(configs, tmp_path):
    src = tmp_path / "in" / "part-0.parquet"
    src.parent.mkdir()
    pq.write_table(pa.table({"id": ["a", "b", "c"], "text": TEXTS}), src)
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(src.parent),
                 "--output", str(tmp_path / "run")]) == 0
    assert sorted(d["text"] for d in read_output(tmp_path / "run")) == sorted(TEXTS)


def test_real_common_crawl_warc(shared_data, configs, tmp_path, capsys):
    warc = shared_data / "warc" / "cc-main-2020-34_sample_resiliparse.noadult.warc.gz"
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract,langid", "--input", str(warc),
                 "--output", str(tmp_path / "run")]) == 0
    docs = read_output(tmp_path / "run")
    # 12 HTML responses in the excerpt (MANIFEST.md); each keeps its URL, date and record id.
    assert len(docs) >= 10
    assert all(d["metadata"]["url"].startswith("http") and d["metadata"]["date"] for d in docs)
    assert all(d["id"].startswith("<urn:uuid:") for d in docs)
    zh = list((tmp_path / "run" / "langid" / "output" / "zh").glob("*.jsonl.gz"))
    assert zh  # the excerpt's Chinese pages were routed to zh/
    assert main(["status", str(tmp_path / "run")]) == 0
    status = capsys.readouterr().out
    assert "extract/extract" in status and "done" in status and "quality" in status and "not started" in status
