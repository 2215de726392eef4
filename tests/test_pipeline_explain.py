"""`thresher explain`: every rule's value, threshold and verdict for one document, in text and JSON."""

from __future__ import annotations

import gzip
import io
import json

import pytest

from datatrove.data import Document

from filters.classifier import TrainParams, train_classifier
from pipeline.cli import main

PROSE = (
    "The river that runs through the old town was once the main road of the region. Boats carried grain, "
    "timber and wool down to the coast, and the merchants who owned them built the stone houses that still "
    "line the water. When the railway arrived in the middle of the nineteenth century, the trade moved away "
    "from the river, and many of the warehouses were left empty for decades. Today they have been restored "
    "as homes, workshops and a small museum that tells the story of the boatmen and their families. "
    "Visitors can walk along the towpath from the bridge to the mill, a distance of about three miles, and "
    "read the signs that explain how the locks worked. The museum is open every day except Monday, and "
    "entry is free for children and for anyone who lives in the town."
)
ZH = (
    "长江是中国第一大河，全长约六千三百公里，发源于青藏高原的唐古拉山脉。"
    "它自西向东流经青海、西藏、四川、云南、重庆、湖北、湖南、江西、安徽、江苏和上海，最后注入东海。"
    "长江流域气候温暖湿润，物产丰富，是中华文明的重要发源地之一。"
    "沿岸城市众多，航运历史悠久，三峡工程建成以后，发电与防洪能力都有明显提升。"
)


def run(args, capsys) -> str:
    assert main(["explain", *args]) == 0
    return capsys.readouterr().out


def test_text_output_lists_every_check(configs, tmp_path, capsys):
    (tmp_path / "doc.txt").write_text(PROSE)
    out = run([str(configs / "default.yaml"), str(tmp_path / "doc.txt")], capsys)
    assert "language  en  (lid.176 score" in out
    for rule in ("url_blocklist", "line_cleaning", "gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality"):
        assert rule in out
    row = next(line for line in out.splitlines() if "gopher_short_doc" in line)
    assert row.split()[-3:] == [">=", "50", "pass"]
    assert out.rstrip().endswith("verdict   KEPT: passes language ID and every rule")


def test_json_names_the_dropping_check(configs, tmp_path, capsys):
    short = " ".join(PROSE.split()[:40])  # English, but under Gopher's 50 words
    (tmp_path / "doc.txt").write_text(short)
    result = json.loads(run([str(configs / "filters" / "en.yaml"), str(tmp_path / "doc.txt"), "--json"], capsys))
    assert result["language"]["lang"] == "en" and result["language"]["passed"]
    assert [r["rule"] for r in result["rules"]][:4] == ["url_blocklist", "line_cleaning", "gopher_repetition", "gopher_quality"]
    check = next(c for r in result["rules"] for c in r["checks"] if c["reason"] == "gopher_short_doc")
    assert check == {"reason": "gopher_short_doc", "value": 40.0, "op": ">=", "threshold": 50.0, "passed": False}
    assert result["verdict"] == {"kept": False, "rule": "gopher_quality", "reason": "gopher_short_doc",
                                 "value": 40.0, "threshold": 50.0}
    assert result["quality_score"] is None


def test_jsonl_line_from_stdin_feeds_the_url_rule(configs, monkeypatch, capsys):
    line = json.dumps({"text": PROSE, "metadata": {"url": "https://www.pornhub.com/some/page"}})
    monkeypatch.setattr("sys.stdin", io.StringIO(line + "\n"))
    result = json.loads(run([str(configs / "filters" / "en.yaml"), "-", "--json"], capsys))
    assert result["document"]["source"] == "stdin"
    assert result["verdict"]["rule"] == "url_blocklist"
    assert result["verdict"]["reason"] == "url_blocklisted_domain"


def test_chinese_document_gets_chinese_rules(configs, tmp_path, capsys):
    (tmp_path / "zh.txt").write_text(ZH)
    out = run([str(configs / "default.yaml"), str(tmp_path / "zh.txt")], capsys)
    assert "language  zh" in out
    assert "zh_too_few_cjk_chars" in out and "gopher_quality" not in out
    assert "verdict   KEPT" in out
    (tmp_path / "short.txt").write_text(ZH[:40])  # 37 Han characters; the rule wants 100
    out = run([str(configs / "default.yaml"), str(tmp_path / "short.txt")], capsys)
    assert "DROPPED by zh_length: zh_too_few_cjk_chars = 37, threshold 100" in out


def test_other_language_is_dropped_at_lid(configs, tmp_path, capsys):
    (tmp_path / "de.txt").write_text("Der Fluss, der durch die Altstadt fließt, war einst die wichtigste Straße der Region. " * 3)
    out = run([str(configs / "default.yaml"), str(tmp_path / "de.txt")], capsys)
    assert "language  de" in out
    assert "rules     none" in out
    assert "DROPPED at language ID (lid_other_language)" in out
    forced = json.loads(run([str(configs / "default.yaml"), str(tmp_path / "de.txt"), "--lang", "en", "--json"], capsys))
    assert forced["rules_language"] == "en" and forced["rules"]


def test_classifier_score_is_shown(tmp_path, capsys):
    good = [PROSE.replace("river", word) for word in ("river", "canal", "stream", "brook", "road", "lane")] * 4
    bad = ["BUY CHEAP PILLS NOW!!! click here\nHome | Login | Register", "casino bonus free spins >>> click"] * 12
    train_classifier(good, bad, tmp_path / "models" / "q.bin", "en", holdout_frac=0.0,
                     params=TrainParams(dim=16, bucket=10000, min_count=1))
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - use: quality_classifier\n    model_path: models/q.bin\n    min_score: 0.5\n")
    (tmp_path / "doc.txt").write_text(PROSE)
    out = run([str(rules), str(tmp_path / "doc.txt")], capsys)
    assert "quality_score  0." in out
    assert "classifier_low_score" in out
    result = json.loads(run([str(rules), str(tmp_path / "doc.txt"), "--json"], capsys))
    assert result["quality_score"] > 0.5 and result["verdict"]["kept"]


def test_bad_input_exits_2(configs, tmp_path, capsys):
    (tmp_path / "bad.jsonl").write_text('{"title": "no text here"}\n')
    assert main(["explain", str(configs / "default.yaml"), str(tmp_path / "bad.jsonl")]) == 2
    assert "needs a string field 'text'" in capsys.readouterr().err
    assert main(["explain", str(configs / "default.yaml"), str(tmp_path / "missing.txt")]) == 2


@pytest.mark.parametrize("args", [["explain"], ["quality", "train"]])
def test_help(args, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--help"])
    assert exit_.value.code == 0
    assert "usage: thresher" in capsys.readouterr().out


@pytest.mark.parametrize("text, check, at_lid", [
    ("Regional Transport Authority bulletin (1988)", "rescued", False),  # passes language ID (a rule drops it later)
    ("Ek was daar in 1990.", "refused", True),  # Afrikaans
])
def test_english_second_opinion_is_shown(configs, tmp_path, capsys, text, check, at_lid):
    (tmp_path / "doc.txt").write_text(text)
    out = run([str(configs / "default.yaml"), str(tmp_path / "doc.txt")], capsys)
    assert f"English second opinion: {check}" in out
    assert ("DROPPED at language ID (lid_english_refused)" in out) == at_lid
    assert ("DROPPED at language ID" in out) == at_lid


def test_mixed_page_kept_on_paragraphs_is_explained(configs):
    from pipeline.config import load_config
    from pipeline.explain import explain
    from tests.test_langid_lid import ZH_WITH_CODE

    # A strict zh threshold fails the whole page (score ~0.8); its Chinese paragraphs keep it.
    cfg = load_config(configs / "default.yaml", ["langid.min_score.zh=0.9"])
    result = explain(cfg, Document(text=ZH_WITH_CODE, id="m")).to_dict()
    assert result["language"]["passed"] and result["language"]["shares"]["zh"] > 0.5
    assert result["rules_language"] == "zh"
    cfg = load_config(configs / "default.yaml", ["langid.min_score.zh=0.9", "langid.min_en_zh_share=0.95"])
    result = explain(cfg, Document(text=ZH_WITH_CODE, id="m")).to_dict()
    assert result["verdict"] == {"kept": False, "rule": "lid", "reason": "lid_low_score"}


def jsonl_docs() -> list[dict]:
    return [
        {"id": "a", "text": PROSE},
        {"id": "b", "text": " ".join(PROSE.split()[:40])},  # under Gopher's 50 words
        {"text": "Der Fluss, der durch die Altstadt fließt, war einst die wichtigste Straße der Region. " * 3},
    ]


@pytest.mark.parametrize("name", ["docs.jsonl", "docs.jsonl.gz"])
def test_jsonl_file_is_explained_line_by_line(configs, tmp_path, name):
    from pipeline.config import load_config
    from pipeline.explain import explain_all

    lines = "".join(json.dumps(d) + "\n" for d in jsonl_docs()).encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(lines) if name.endswith(".gz") else lines)
    cfg = load_config(configs / "default.yaml")
    out = explain_all(cfg, str(path))
    headers = [line for line in out.splitlines() if line.startswith("document  ")]
    assert headers == [f"document  {path}:1 (id a) ({len(PROSE):,} characters)",
                       f"document  {path}:2 (id b) ({len(jsonl_docs()[1]['text']):,} characters)",
                       f"document  {path}:3 ({len(jsonl_docs()[2]['text']):,} characters)"]
    assert out.endswith("3 documents: 1 kept, 2 dropped (gopher_short_doc 1, lid_other_language 1)")
    results = json.loads(explain_all(cfg, str(path), as_json=True))
    assert [r["document"]["source"] for r in results] == [f"{path}:1 (id a)", f"{path}:2 (id b)", f"{path}:3"]
    assert [r["verdict"].get("reason") for r in results] == [None, "gopher_short_doc", "lid_other_language"]


def test_one_line_and_plain_text_read_as_before(tmp_path):
    from pipeline.explain import read_documents

    (tmp_path / "one.jsonl").write_text(json.dumps({"id": "x", "text": PROSE}) + "\n\n")
    [(doc, name)] = read_documents(str(tmp_path / "one.jsonl"))
    assert (doc.id, doc.text, name) == ("x", PROSE, str(tmp_path / "one.jsonl"))
    braces = '{"a": 1}\nnot json, so this is a plain-text document\n'
    (tmp_path / "doc.txt").write_text(braces)
    [(doc, _)] = read_documents(str(tmp_path / "doc.txt"))
    assert doc.text == braces


def test_bad_jsonl_line_is_named(configs, tmp_path, capsys):
    (tmp_path / "docs.jsonl").write_text(json.dumps({"text": PROSE}) + "\nnot json\n")
    assert main(["explain", str(configs / "default.yaml"), str(tmp_path / "docs.jsonl")]) == 2
    assert f"{tmp_path / 'docs.jsonl'}:2: not a JSON object" in capsys.readouterr().err


def test_command_explains_each_line_of_a_jsonl_file(configs, tmp_path, capsys):
    # Never the whole file as one plain-text document: each line, then a tally.
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in jsonl_docs()))
    assert main(["explain", str(configs / "default.yaml"), str(tmp_path / "docs.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "docs.jsonl:1" in out and "docs.jsonl:3" in out and "3 documents:" in out


def test_rules_judge_the_text_after_line_cleaning(configs, tmp_path, capsys):
    # The caption repeated three times is cut first; the rules after see it once.
    caption = "Photo: a view of the harbour at dawn, taken from the old lighthouse by our reporter"
    (tmp_path / "doc.txt").write_text(f"{caption}\n{PROSE}\n{caption}\n{caption}")
    result = json.loads(run([str(configs / "default.yaml"), str(tmp_path / "doc.txt"), "--json"], capsys))
    assert result["cut_lines"] == {"repeated": [caption, caption], "site": [], "interface": []}
    dup = next(c for r in result["rules"] for c in r["checks"] if c["reason"] == "dup_line_frac")
    assert dup["value"] == 0
    out = run([str(configs / "default.yaml"), str(tmp_path / "doc.txt")], capsys)
    assert f"cut       (repeated) {caption}" in out and "cut       (site) not measured" in out
