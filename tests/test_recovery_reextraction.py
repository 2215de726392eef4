"""Re-extraction recovery: a page removed for the boilerplate its first extraction carried comes
back after trafilatura and line cleaning; a spam page removed by a rule stays out."""

import gzip
import json

import yaml
from datatrove.data import Document
from datatrove.pipeline.writers import JsonlWriter

from dedup.minhash import pass_config, pass_signatures
from pipeline.config import load_config
from pipeline.execution import run_local
from pipeline.layout import RunLayout
from pipeline.report import stage_summary
from filters.stage import jobs as quality_jobs
from recovery.stage import jobs as recovery_jobs
from tests.test_extract_warc import warc_record
from tests.test_recovery_mechanisms import sign

ARTICLE = [
    "The town council voted on Tuesday to rebuild the old footbridge over the river before the winter floods arrive.",
    "Engineers said that the new design would carry cyclists as well as walkers, and that the work could begin in September.",
    "The bridge was closed last spring after inspectors found cracks in two of its stone piers and rust in the railings.",
    "Shop owners on both banks said that the closure had cost them customers, because the detour adds twenty minutes on foot.",
    "The council will pay for most of the work from its own reserves, with the rest coming from a regional transport grant.",
    "A public meeting to show the plans to residents will be held in the library hall on the first Monday of next month.",
]
MENU = "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(40))
GOOD_HTML = (f"<html><head><title>Footbridge to be rebuilt</title></head><body><nav><ul>{MENU}</ul></nav>"
             "<article><h1>Footbridge to be rebuilt before winter</h1>"
             + "".join(f"<p>{p}</p>" for p in ARTICLE)
             + f"</article><footer><ul>{MENU}</ul></footer></body></html>")
SPAM_HTML = ("<html><head><title>best casino</title></head><body><div>"
             + "".join("<p>best online casino bonus free spins slots jackpot win now</p>" for _ in range(40))
             + "</div></body></html>")


def _removed(doc_id, url, record, warc, text):
    return Document(text=text, id=doc_id, metadata={
        "url": url, "record_id": record, "file_path": str(warc), "content_type": "text/html", "extractor": "resiliparse",
        "filter_rule": "fineweb_quality", "filter_reason": "fineweb_short_line_ratio", "filter_value": 0.9, "filter_threshold": 0.67})


def test_a_page_removed_for_boilerplate_comes_back_and_spam_does_not(tmp_path, configs):
    warc = tmp_path / "crawl.warc"
    warc.write_bytes(warc_record("https://town.example/news/bridge", GOOD_HTML.encode(), n=1)
                     + warc_record("https://casino.example/", SPAM_HTML.encode(), n=2))
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text(yaml.safe_dump({
        "run": {"output": str(tmp_path / "run"), "tasks": 2, "workers": 1},
        "quality": {"en": str(configs / "filters" / "en.yaml")},
        "recovery": {"false_language": {"enabled": False}, "false_duplicates": {"enabled": False}}}))
    cfg = load_config(cfg_file)
    layout = RunLayout(tmp_path / "run")
    layout.root.mkdir()
    layout.config.write_text(cfg_file.read_text())
    for job in quality_jobs(cfg, layout):  # the site counts line cleaning reads (no pages: empty)
        if job.name.startswith("site_"):
            run_local(job, layout, 1)
    # What the first extraction kept of each page: menus around the story, keywords.
    menu_text = "\n".join(f"Section {i}" for i in range(40))
    with JsonlWriter(str(layout.removed("quality", "fineweb_quality")), output_filename="en_00000.jsonl.gz") as w:
        w.write(_removed("good", "https://town.example/news/bridge", "<urn:uuid:00000000-0000-0000-0000-000000000001>",
                         warc, menu_text + "\n" + "\n".join(ARTICLE) + "\n" + menu_text))
        w.write(_removed("spam", "https://casino.example/", "<urn:uuid:00000000-0000-0000-0000-000000000002>",
                         warc, "best online casino bonus free spins slots jackpot win now\n" * 40))
    sign([], pass_signatures(layout, "en"), pass_config(cfg, "en"))  # dedup's kept set: empty here
    for job in recovery_jobs(cfg, layout):
        run_local(job, layout, 1)

    back = [json.loads(line) for f in layout.output("recovery", "en").glob("readmitted_*.jsonl.gz") for line in gzip.open(f, "rt")]
    assert [d["id"] for d in back] == ["good"]
    good = back[0]
    assert "Section 3" not in good["text"] and ARTICLE[2] in good["text"]
    assert good["metadata"]["recovered_by"] == "reextraction" and good["metadata"]["extractor"] == "trafilatura"
    evidence = good["metadata"]["recovery_evidence"]
    assert evidence["rule"] == "fineweb_quality" and evidence["first_extractor"] == "resiliparse"
    assert "filter_rule" not in good["metadata"]
    mech = stage_summary(layout, "recovery")["mechanisms"]["reextraction"]
    assert mech["examined"] == 2 and mech["readmitted"] == 1 and mech["status"] == "on"


def test_a_page_trafilatura_already_extracted_is_not_extracted_again():
    # The hybrid extractor's fallback made it with trafilatura: re-extraction could only repeat it.
    from recovery.reextraction import RouteBySource

    first = _removed("a", "https://a.example/1", "<urn:uuid:1>", "/crawl/a.warc.gz", "menu text")
    second = _removed("b", "https://a.example/2", "<urn:uuid:2>", "/crawl/a.warc.gz", "menu text")
    second.metadata["extractor"] = "trafilatura"
    step = RouteBySource(4, "trafilatura")
    assert [d.id for d in step.run(iter([first, second]))] == ["a"]
    assert step.stats["already_trafilatura"].total == 1
