"""The extract stage: WARC pages to text, already-extracted jsonl/parquet passed through."""

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from pipeline.cli import main
from extract.config import ExtractConfig
from extract.extraction import HybridExtractor, ResiliparseExtractor, TrafilaturaExtractor, fallback_reason, make_extractor
from extract.warc import decode_html

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
    # The default hybrid names the extractor of each page, and why it fell back where it did.
    assert all(d["metadata"]["record_id"] == d["id"] for d in docs)
    for d in docs:
        meta = d["metadata"]
        assert meta["extractor"] in ("resiliparse", "trafilatura", "resiliparse_visible")
        if meta["extractor"] != "resiliparse":  # another extractor's text: the fallback says why
            assert meta["extract_fallback"] in ("empty_main", "short_main", "visible_text")
    assert {d["metadata"]["content_type"] for d in docs} <= {"text/html", "application/xhtml+xml"}
    zh = list((tmp_path / "run" / "langid" / "output" / "zh").glob("*.jsonl.gz"))
    assert zh  # the excerpt's Chinese pages were routed to zh/
    assert main(["status", str(tmp_path / "run")]) == 0
    status = capsys.readouterr().out
    assert "extract/extract" in status and "done" in status and "quality" in status and "not started" in status


def first_paragraph(expected_html: bytes) -> str:
    import lxml.html

    tree = lxml.html.fromstring(expected_html.decode("utf-8"))
    return max((p.text_content().strip() for p in tree.iter("p")), key=len)


@pytest.mark.parametrize("page", ["gmw", "qq", "nytimes-1", "wikipedia"])
@pytest.mark.parametrize("step", [ResiliparseExtractor(), TrafilaturaExtractor(timeout=10), HybridExtractor(timeout=10)],
                         ids=["resiliparse", "trafilatura", "hybrid"])
def test_real_pages_keep_their_main_text(shared_data, step, page):
    folder = shared_data / "html" / "readability" / page
    if not folder.is_dir():
        pytest.skip(f"{folder} not in this copy of the data")
    html, _, _ = decode_html(gzip.open(folder / "source.html.gz").read())
    doc = Document(text=html, id=page, metadata={"content_type": "text/html"})
    out = list(step.run(iter([doc])))
    assert len(out) == 1 and out[0].metadata["extractor"] == step.extractor_name  # hybrid: no fallback on these
    assert "extract_fallback" not in out[0].metadata
    longest = first_paragraph(gzip.open(folder / "expected.html.gz").read())
    # The longest paragraph of the reference survives, give or take whitespace.
    assert "".join(longest.split())[:60] in "".join(out[0].text.split())
    assert "<div" not in out[0].text and len(out[0].text) < len(html) / 2


def test_wet_text_passes_through_and_empty_pages_are_counted():
    step = ResiliparseExtractor()
    wet = Document(text="Plain text from a WET record.", id="w", metadata={"content_type": "text/plain"})
    empty = Document(text="<html><body><script>var x=1;</script></body></html>", id="e",
                     metadata={"content_type": "text/html"})
    out = list(step.run(iter([wet, empty])))
    assert [d.id for d in out] == ["w"] and out[0].metadata["extractor"] == "none"
    assert out[0].text == "Plain text from a WET record."
    assert step.stats["dropped_extract_no_main_text"].total == 1


def test_config_picks_the_extractor():
    assert isinstance(make_extractor(ExtractConfig(extractor="resiliparse")), ResiliparseExtractor)
    hybrid = make_extractor(ExtractConfig(extractor="hybrid", fallback_below=0.3, fallback_fast=False))
    assert isinstance(hybrid, HybridExtractor) and hybrid.fallback_below == 0.3
    assert hybrid.fallback.kwargs == {"no_fallback": False}
    traf = make_extractor(ExtractConfig(extractor="trafilatura", favour_precision=True, timeout_s=2.0))
    assert isinstance(traf, TrafilaturaExtractor) and traf.favour_precision and traf.timeout == 2.0
    with pytest.raises(ValueError, match="unknown extractor"):
        make_extractor(ExtractConfig(extractor="boilerpipe"))


def test_wet_file_keeps_common_crawl_text(shared_data, configs, tmp_path):
    wet = shared_data / "warc" / "whirlwind_cc-main-2024-22.warc.wet.gz"
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(wet),
                 "--output", str(tmp_path / "run")]) == 0
    docs = read_output(tmp_path / "run")
    assert len(docs) == 1 and docs[0]["metadata"]["url"] == "https://an.wikipedia.org/wiki/Escopete"
    assert docs[0]["metadata"]["extractor"] == "none" and "Escopete" in docs[0]["text"]


ARTICLE = " ".join(["The river rose through the night and by morning the lower town was under water."] * 3)


def page(body: str) -> str:
    nav = "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(6))
    return f"<html><head><title>Flood</title></head><body><ul class='menu'>{nav}</ul>{body}</body></html>"


def test_fallback_reason_names_empty_and_stub_main_text():
    assert fallback_reason("", "Home News Sport", 0.2) == "empty_main"
    assert fallback_reason("", "   ", 0.2) is None  # nothing on the page: nothing to fall back for
    assert fallback_reason("Flood", "Flood " + ARTICLE * 3, 0.2) == "short_main"
    assert fallback_reason(ARTICLE, ARTICLE + " Home News", 0.2) is None


def test_hybrid_falls_back_on_a_hidden_article_body_and_not_on_a_clean_one():
    # WeChat serves the article hidden until a script shows it: resiliparse's main content drops
    # `visibility: hidden`, so the page would keep only its title and account name.
    paragraphs = "".join(f"<p>{ARTICLE} Paragraph {i}.</p>" for i in range(5))
    hidden = page(f'<h1>Flood</h1><div id="js_content" style="visibility: hidden;">{paragraphs}</div>')
    clean = page(f"<article><h1>Flood</h1>{paragraphs}</article>")
    step = HybridExtractor(timeout=10)
    docs = [Document(text=html, id=name, metadata={"content_type": "text/html"})
            for name, html in (("hidden", hidden), ("clean", clean))]
    out = {d.id: d for d in step.run(iter(docs))}
    assert out["hidden"].metadata["extractor"] == "trafilatura"
    assert out["hidden"].metadata["extract_fallback"] in ("empty_main", "short_main")
    assert "Paragraph 4" in out["hidden"].text
    assert out["clean"].metadata["extractor"] == "resiliparse" and "extract_fallback" not in out["clean"].metadata
    assert "Paragraph 4" in out["clean"].text
    assert step.stats["fallback_empty_main"].total + step.stats["fallback_short_main"].total == 1


def test_hybrid_keeps_the_visible_text_when_both_extractors_find_nothing():
    # Only a footer: resiliparse's main content and trafilatura both drop it. The page's text goes
    # on, marked, for the rules to judge: an article both missed is not lost at extraction.
    step = HybridExtractor(timeout=10)
    footer = "<html><body><footer><p>Copyright 2020 Acme Ltd. All rights reserved.</p></footer></body></html>"
    assert step.extract_with_source(footer) == ("Copyright 2020 Acme Ltd. All rights reserved.",
                                                "resiliparse_visible", "visible_text")


def test_jsonl_with_a_byte_order_mark_keeps_its_first_document(configs, tmp_path):
    # Windows tools save "UTF-8 with BOM": the first line must not be lost as bad_json.
    src = tmp_path / "in" / "bom.jsonl"
    src.parent.mkdir()
    lines = [json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) for i, text in enumerate(TEXTS)]
    src.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8") + b"\n")
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(src),
                 "--output", str(tmp_path / "run")]) == 0
    docs = read_output(tmp_path / "run")
    assert sorted(d["id"] for d in docs) == ["d0", "d1", "d2"]
    assert sorted(d["text"] for d in docs) == sorted(TEXTS)


def test_trafilatura_text_of_a_page_does_not_depend_on_the_pages_before_it():
    # trafilatura's deduplicate cache is process-wide: without a reset, a paragraph seen on three
    # earlier pages would vanish from the fourth.
    shared = "This paragraph about the harbour appears on every page of the local news site today."
    def article(i):
        body = "".join(f"<p>Story {i}, paragraph {k}: the ferry timetable changes from Monday for the winter.</p>"
                       for k in range(6))
        return f"<html><body><article><h1>Story {i}</h1>{body}<p>{shared}</p></article></body></html>"
    step = TrafilaturaExtractor(timeout=10)
    alone = step.extract(article(9))
    for i in range(4):
        step.extract(article(i))
    assert shared in alone and step.extract(article(9)) == alone
