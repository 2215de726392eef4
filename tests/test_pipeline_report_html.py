"""The report: summary.json + report.html from a run or a shard folder, and the page renders."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from pipeline.cli import main
from pipeline.report_html import render
from test_shards import build_shards

# The shape build_summary gives a run (counts made up, keys real).
RUN_SUMMARY = {
    "run": "runs/example",
    "funnel": [
        {"stage": s, "documents_in": n, "documents_out": n - 10, "characters_in": 1000 * n, "characters_out": 900 * n, "removed_bytes": 50}
        for s, n in (("extract", 300), ("langid", 290), ("quality", 280), ("dedup", 270), ("recovery", 260))
    ],
    "stages": {
        "extract": {"removed": {"extract_no_main_text": 10}, "removed_bytes": {}},
        "langid": {"removed": {"lid_other_language": 10}, "removed_bytes": {"lid_other_language": 5000},
                   "documents_out_per_language": {"en": 150, "zh": 130}},
        "quality": {"removed": {"gopher_short_doc": 6, "zh_spam_terms": 4}, "removed_bytes": {"gopher_short_doc": 900, "zh_spam_terms": 4000}},
        "dedup": {"removed": {"minhash_duplicate": 10}, "removed_bytes": {}},
        # The shape pipeline/report.py writes: per-language counts are ints, the mechanisms hold rows.
        "recovery": {"recovered": {"false_duplicates": 3},
                     "mechanisms": {"false_duplicates": {"examined": 9, "readmitted": 3},
                                    "false_rejections": {"examined": 0, "readmitted": 0}},
                     "per_language": {"en": {"recovered": {"false_duplicates": 2}}, "zh": {"recovered": {"false_duplicates": 1}}}},
    },
}


@pytest.fixture(scope="module")
def shard_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    build_shards(root, "best_fit")
    assert main(["stats", str(root / "shards")]) == 0
    return root / "shards" / "report"


def test_stats_on_a_shard_folder(shard_report, capsys):
    summary = json.loads((shard_report / "summary.json").read_text())
    shards = summary["stages"]["shards"]
    manifest = json.loads((shard_report.parent / "manifest.json").read_text())
    assert shards["padding_rate"] == manifest["padding_rate"] and shards["packing"] == "best_fit"
    assert [f["tokens"] for f in shards["files"]] == [f["tokens"] for f in manifest["files"]]
    page = (shard_report / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3  # languages, shards, lengths
    assert "documents cut across rows" in (shard_report / "report.md").read_text()


def test_stats_terminal_summary(tmp_path, capsys):
    build_shards(tmp_path, "concat")
    assert main(["stats", str(tmp_path / "shards")]) == 0
    out = capsys.readouterr().out
    assert "concat packing" in out and "padding:" in out and "report.html" in out
    assert main(["stats", str(tmp_path)]) == 2  # neither a run nor a shard folder
    assert "neither a run folder" in capsys.readouterr().err


def test_run_page_has_every_section():
    page = render({**RUN_SUMMARY, "stages": {**RUN_SUMMARY["stages"], "shards": {}}})
    for title in ("Funnel", "Removals per rule", "Recoveries per mechanism", "Languages"):
        assert f"<h2>{title}</h2>" in page
    assert page.count('src="data:image/png;base64,') == 4
    assert "zh_spam_terms" in page and "<script" not in page and "http" not in page


def screenshot(html_path, png_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium installed (apt-get install chromium; CI has it): report.html not rendered")
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--window-size=1000,2400", f"--screenshot={png_path}", html_path.resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    import matplotlib.image

    return matplotlib.image.imread(png_path)  # (height, width, channels) floats in [0, 1]


def test_renders_in_a_headless_browser(shard_report, tmp_path):
    """One page with every section (a run's, and the shards' from a real shard folder), screenshotted."""
    shards = json.loads((shard_report / "summary.json").read_text())["stages"]["shards"]
    page = tmp_path / "report.html"
    page.write_text(render({**RUN_SUMMARY, "stages": {**RUN_SUMMARY["stages"], "shards": shards}}))
    pixels = screenshot(page, tmp_path / "report.png")
    assert pixels.shape[:2] == (2400, 1000)
    # A blank or broken page is white; this one has tables, text and seven plots.
    inked = (pixels[..., :3] < 0.9).any(axis=-1).mean()
    colors = len(np.unique((pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert inked > 0.05 and colors > 50, (inked, colors)
    # The plots' bar colours made it to the screen, not only the text.
    bars = np.abs(pixels[..., :3] - np.array([0x2B, 0x5C, 0x9E]) / 255).sum(axis=-1) < 0.05
    assert bars.mean() > 0.005, bars.mean()
