"""Line cleaning: repeats within a page, and a site's boilerplate counted over a run by the
quality stage's own jobs (the real datatrove executor), cut and recorded."""

import gzip
import json

import pytest
import yaml
from datatrove.data import Document
from datatrove.pipeline.writers import JsonlWriter

from filters.interface import is_interface_line
from filters.lines import LineCleaning, clean_lines, normalise_line, page_keys, site_of
from pipeline.config import load_config
from pipeline.execution import run_local
from pipeline.layout import RunLayout
from pipeline.report import stage_summary
from filters.stage import jobs as quality_jobs

STORY = ("The council voted on Tuesday to rebuild the old footbridge over the river before winter. "
         "Engineers said the new design would carry cyclists as well as walkers, and that work "
         "could begin in September if the funding arrives on time.")


def test_normalised_lines_and_sites():
    assert normalise_line("  © 2021   ACME Ltd ") == normalise_line("© 2023 acme ltd") == "© 0000 acme ltd"
    assert site_of("https://www.bbc.co.uk/news/1") == "bbc.co.uk" and site_of(None) is None
    assert len(page_keys("Menu\nMenu\n42\n", "a.org")) == 1  # distinct lines with a letter only


def test_repeated_captions_are_cut_after_the_first():
    text = f"Photo: Reuters\n{STORY}\nADVERTISEMENT\nPhoto: Reuters\nMore text follows here.\nADVERTISEMENT\n2024\n2024"
    cleaned = clean_lines(text, None, None, cut_interface=False)  # "ADVERTISEMENT" is also interface: see below
    assert cleaned.repeated == ["Photo: Reuters", "ADVERTISEMENT"]
    assert cleaned.text == f"Photo: Reuters\n{STORY}\nADVERTISEMENT\nMore text follows here.\n2024\n2024"  # numbers stay
    assert clean_lines(text, None, None, cut_repeats=False, cut_interface=False).text == text


def test_a_thread_quoting_its_posts_is_cut_to_the_thread_and_code_repeats_stay():
    post = "It is commonly stated that a bound electron only absorbs a photon of matching energy."
    thread = f"{post}\nOn 5/3/2024 avicenna said:\n{post}\nIt is observed to be true.\nOn 5/3/2024 avicenna said:\n{post}"
    cleaned = clean_lines(thread, None, None)  # repeats are 60% of the page: cut all the same
    assert cleaned.text == f"{post}\nOn 5/3/2024 avicenna said:\nIt is observed to be true."
    code = "if x:\n    return a;\nelse:\n    return a;\nSELECT id\n  FROM t;\nSELECT id\n  FROM t;\nelse:"
    assert clean_lines(code, None, None).repeated == []  # code lines: the program
    assert clean_lines(f"Photo: AP\n{code}\nPhoto: AP", None, None).repeated == ["Photo: AP"]
    rule = LineCleaning()
    doc = Document(text="Photo: AP\nPhoto: AP\nPhoto: AP", id="s", metadata={})
    assert rule.filter(doc) is True and doc.text == "Photo: AP" and doc.metadata["cut_repeated_lines"] == 2
    assert rule.filter(Document(text="\n \n", id="e", metadata={})) == (False, "line_cleaning_nothing_left")


def _run_quality(tmp_path, pages):
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"rules": [{"use": "line_cleaning", "site_min_pages": 3}]}))
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text(yaml.safe_dump({"run": {"output": str(tmp_path / "run"), "tasks": 2, "workers": 1},
                                        "quality": {"en": str(rules)}}))
    cfg = load_config(cfg_file)
    layout = RunLayout(tmp_path / "run")
    for rank, part in enumerate((pages[::2], pages[1::2])):  # two input files: counts cross tasks
        with JsonlWriter(str(layout.output("langid", "en")), output_filename=f"{rank}.jsonl.gz") as w:
            for doc in part:
                w.write(doc)
    for job in quality_jobs(cfg, layout):
        run_local(job, layout, 1)
    return layout


def test_a_sites_notice_is_cut_across_tasks_and_recorded(tmp_path):
    # Not a cookie notice: those are interface lines, cut on any page (test_interface_lines).
    cookie = "The Town Gazette is published by Example Media Group for the residents of the valley."
    menu = "Home | News | Sport | Weather | Contact us"
    bodies = [STORY.replace("Tuesday", day) + f" The meeting on {day} lasted {n} hours and ended with a vote of {n} to {n + 3}. "
              "Residents who attended asked about parking, lighting and the cost of the works, and the chair "
              "promised written answers within two weeks. A second public meeting will follow in spring."
              for n, day in enumerate(["Monday", "Tuesday", "Friday", "Sunday"], 2)]
    pages = [Document(text=f"{menu}\n{body}\n{cookie}", id=f"p{i}", metadata={"url": f"https://www.town.example/news/{i}"})
             for i, body in enumerate(bodies)]
    # Another site with the same notice on two pages only: under site_min_pages, not cut.
    pages += [Document(text=f"{body}\n{cookie}", id=f"o{i}", metadata={"url": f"https://other.example/{i}"})
              for i, body in enumerate(bodies[:2])]
    layout = _run_quality(tmp_path, pages)

    kept = {}
    for f in layout.output("quality", "en").glob("*.jsonl.gz"):
        for line in gzip.open(f, "rt"):
            d = json.loads(line)
            kept[d["id"]] = d
    assert {f"p{i}" for i in range(4)} <= set(kept)
    for i in range(4):
        assert cookie not in kept[f"p{i}"]["text"] and menu not in kept[f"p{i}"]["text"]
        assert kept[f"p{i}"]["metadata"]["cut_site_lines"] == 2
    assert all(cookie in kept[f"o{i}"]["text"] for i in range(2) if f"o{i}" in kept)

    cut = [json.loads(line) for f in (layout.root / "quality" / "cut" / "en").glob("*.jsonl.gz") for line in gzip.open(f, "rt")]
    assert sorted(c["id"] for c in cut) == ["p0", "p1", "p2", "p3"]
    assert all(cookie in c["text"] and c["metadata"]["site_lines"] == 2 for c in cut)
    summary = stage_summary(layout, "quality")["per_language"]["en"]
    assert summary["cut"]["cut_site_lines"] == 8 and summary["cut"]["docs_cut"] == 4


@pytest.mark.parametrize("line", [
    "Reply", "• Share", "Comments (12)", "Read more »", "5小时前", "3 days ago", "667 跟贴667", "348,888 Views",
    "Posts: 16,487", "分享到：", "[责任编辑：肖春芳]", "© 2019 Phoenix New Media Limited All Rights Reserved.",
    "We use cookies to give you the best experience on our website. By continuing you agree to our use of cookies.",
    "本网站使用Cookie以改善您的浏览体验，继续浏览即表示您同意我们使用Cookie。",
])
def test_interface_lines(line):
    assert is_interface_line(line)


@pytest.mark.parametrize("line", [
    "We share our findings with the council every spring.", "The related work is summarised below.",
    "It can be argued that these tools use cookies more than they need to.", "Reply to the consultation by Friday.",
    "他在回复中说，分享经验比批评更有用。", "Next year the bridge will reopen.", "",
])
def test_prose_that_mentions_interface_words_is_not_interface(line):
    assert not is_interface_line(line)


def test_line_cleaning_cuts_interface_lines_and_can_leave_them():
    text = "The council met on Tuesday.\nReply\nShare\nThe bridge will be rebuilt.\n5小时前"
    cleaned = clean_lines(text, None, None)
    assert cleaned.text == "The council met on Tuesday.\nThe bridge will be rebuilt."
    assert cleaned.interface == ["Reply", "Share", "5小时前"] and cleaned.cut_chars == len("ReplyShare5小时前")
    assert clean_lines(text, None, None, cut_interface=False).text == text
