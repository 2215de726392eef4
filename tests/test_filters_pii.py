"""The `pii` step: email and IP addresses replaced exactly as datatrove's PIIFormatter (FineWeb)
replaces them, and counted in the stats and in each document."""

import pytest
from datatrove.data import Document
from datatrove.pipeline.formatters import PIIFormatter

from filters.pii import PiiFilter, replace_pii
from pipeline.config import load_config
from pipeline.layout import RunLayout
from filters.stage import quality_steps

# (text, text after the step, emails replaced, IPs replaced). The stand-ins are datatrove's,
# used in turn: each case starts from a fresh formatter, so the first one of each kind appears.
CASES = [
    ("write to jane.doe@example-mail.com today", "write to email@example.com today", 1, 0),
    ("the server at 8.8.8.8 is down", "the server at 22.214.171.124 is down", 0, 1),
    # Private, loopback and reserved addresses are not personal: they stay.
    ("router 192.168.1.1, host 127.0.0.1, net 10.0.0.1", "router 192.168.1.1, host 127.0.0.1, net 10.0.0.1", 0, 0),
    # A four-part version number that reads as a public address is replaced, as datatrove does
    # (its pattern has no word boundaries and 1.2.3.4 is a global address)...
    ("version 1.2.3.4 released", "version 22.214.171.124 released", 0, 1),
    # ...even inside a longer number: "1.2.3.400" matches as 1.2.3.40 and keeps its last "0".
    ("build 1.2.3.400", "build 22.214.171.1240", 0, 1),
    # One that falls in a reserved block, and a three-part one, stay.
    ("version 0.9.1.2 and 1.2.3", "version 0.9.1.2 and 1.2.3", 0, 0),
    # An email with an IP literal is one email: emails go first, the IP goes with it.
    ("user@[8.8.4.4] wrote", "email@example.com wrote", 1, 0),
]


@pytest.mark.parametrize("text,expected,emails,ips", CASES)
def test_replaced_as_datatrove_replaces_and_counted(text, expected, emails, ips):
    assert replace_pii(PIIFormatter(), text) == (expected, emails, ips)
    assert PIIFormatter().format(text) == expected  # the same text as datatrove's own step gives


def test_step_counts_in_stats_and_metadata():
    docs = [
        Document(text="Mail a@b.org or c@d.net, from 8.8.8.8.", id="both"),
        Document(text="Nothing here but 192.168.0.1 and v1.2.3.", id="none"),
        Document(text="Version 1.2.3.4 is out.", id="version"),
    ]
    step = PiiFilter()
    out = {d.id: d for d in step.run(iter(docs))}
    assert set(out) == {"both", "none", "version"}  # nothing is dropped
    assert out["both"].text == "Mail email@example.com or firstname.lastname@example.org, from 22.214.171.124."
    assert out["both"].metadata["pii_replaced"] == 3
    assert out["version"].metadata["pii_replaced"] == 1
    assert "pii_replaced" not in out["none"].metadata and out["none"].text == docs[1].text
    stats = step.stats
    assert (stats["pii_emails"].total, stats["pii_ips"].total, stats["pii_docs"].total) == (2, 2, 2)


def test_switches_and_public_only():
    text = "a@b.org 8.8.8.8 10.1.2.3"
    assert replace_pii(PiiFilter(remove_emails=False).formatter, text) == ("a@b.org 22.214.171.124 10.1.2.3", 0, 1)
    assert replace_pii(PiiFilter(remove_ips=False).formatter, text) == ("email@example.com 8.8.8.8 10.1.2.3", 1, 0)
    everything = PiiFilter(only_remove_public_ips=False).formatter
    assert replace_pii(everything, text) == ("email@example.com 22.214.171.124 126.96.36.199", 1, 2)


def test_a_config_names_it_and_the_quality_stage_builds_it(tmp_path):
    (tmp_path / "en.yaml").write_text("rules:\n  - use: pii\n    only_remove_public_ips: true\n")
    (tmp_path / "run.yaml").write_text(f"run: {{output: {tmp_path / 'run'}}}\nquality: {{en: en.yaml}}\n")
    cfg = load_config(tmp_path / "run.yaml")
    (step,) = quality_steps(cfg, RunLayout(tmp_path / "run"), "en", record=False)
    assert isinstance(step, PiiFilter) and step.rewrites_text and step.all_checks(Document(text="x", id="x")) == []
