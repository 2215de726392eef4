"""The run report as one self-contained HTML page: tables plus matplotlib plots embedded as PNGs.

People should look at this page rather than read logs, so it opens from a file anywhere (no
server, no scripts, no network): every plot is a `data:` URI. A plot whose numbers a run does
not have (a shard folder alone has no funnel) is left out, not drawn empty.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from shards.stage import summary_lines

COLORS = {"in": "#9db4d6", "out": "#2b5c9e", "bad": "#c0504d", "pad": "#e3b448", "ok": "#4f8f4f"}


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float = 7.0, height: float = 3.2, cols: int = 1):
    import matplotlib

    matplotlib.use("Agg")  # no display: the report is written by workers and CI too
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, cols, figsize=(width, height))
    return fig, axes


def _bars(ax, labels: list[str], series: dict[str, list[float]], title: str, log: bool = False) -> None:
    width = 0.8 / len(series)
    for i, (name, values) in enumerate(series.items()):
        xs = [x + i * width for x in range(len(labels))]
        ax.bar(xs, values, width, label=name, color=COLORS.get(name))
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))], labels, rotation=20, ha="right")
    ax.set_title(title, fontsize=10)
    if log:
        ax.set_yscale("symlog")
    if len(series) > 1:
        ax.legend(fontsize=8)


def plot_funnel(funnel: list[dict]) -> str | None:
    if not funnel:
        return None
    fig, (docs, chars) = _figure(10, 3.4, cols=2)
    labels = [f["stage"] for f in funnel]
    _bars(docs, labels, {"in": [f["documents_in"] for f in funnel], "out": [f["documents_out"] for f in funnel]}, "documents")
    _bars(chars, labels, {"in": [f.get("characters_in", 0) for f in funnel], "out": [f.get("characters_out", 0) for f in funnel]},
          "characters of text")
    return _png(fig)


def plot_removals(stages: dict) -> str | None:
    rows = [(f"{stage}: {reason}", n, s.get("removed_bytes", {}).get(reason, 0))
            for stage, s in stages.items() for reason, n in s.get("removed", {}).items() if n]
    if not rows:
        return None
    rows.sort(key=lambda r: r[1])
    fig, (docs, size) = _figure(10, 0.8 + 0.28 * len(rows), cols=2)
    labels = [r[0] for r in rows]
    docs.barh(labels, [r[1] for r in rows], color=COLORS["bad"])
    docs.set_title("documents removed, per rule", fontsize=10)
    size.barh(labels, [r[2] for r in rows], color=COLORS["bad"])
    size.set_title("bytes removed, per rule", fontsize=10)
    size.set_yticks(range(len(labels)), [""] * len(labels))
    return _png(fig)


def plot_recovery(recovery: dict) -> str | None:
    """Examined and re-admitted documents per mechanism (summary.json: stages.recovery.mechanisms)."""
    mechs = {m: v for m, v in recovery.get("mechanisms", {}).items() if v.get("examined")}
    if not mechs:
        return None
    fig, ax = _figure(6, 3)
    _bars(ax, list(mechs), {"in": [v["examined"] for v in mechs.values()], "ok": [v["readmitted"] for v in mechs.values()]},
          "recovery: examined (light) and re-admitted (green)")
    return _png(fig)


def plot_languages(stages: dict) -> str | None:
    shards = stages.get("shards") or {}
    langid = stages.get("langid", {}).get("documents_out_per_language", {})
    final = shards.get("documents", {})
    if not langid and not final:
        return None
    fig, (docs, tokens) = _figure(10, 3, cols=2)
    langs = sorted(set(langid) | set(final))
    series = {}
    if langid:
        series["in"] = [langid.get(lang, 0) for lang in langs]
    if final:
        series["out"] = [final.get(lang, 0) for lang in langs]
    _bars(docs, langs, series, "documents per language: after langid (light), in the shards (dark)")
    if shards.get("tokens"):
        _bars(tokens, langs, {"out": [shards["tokens"].get(lang, 0) for lang in langs]}, "tokens per language in the shards")
    return _png(fig)


def plot_shards(shards: dict) -> str | None:
    files = shards.get("files") or []
    if not files:
        return None
    fig, (per_file, rates) = _figure(10, 3, cols=2)
    names = [f["name"].removesuffix(".bin") for f in files]
    real = [f["tokens"] for f in files]
    per_file.bar(names, real, color=COLORS["out"], label="tokens")
    per_file.bar(names, [f["padding_tokens"] for f in files], bottom=real, color=COLORS["pad"], label="padding")
    per_file.set_title("tokens per shard file", fontsize=10)
    per_file.legend(fontsize=8)
    per_file.tick_params(axis="x", labelrotation=30)
    rates.bar(["padding tokens", "documents cut"], [100 * shards["padding_rate"], 100 * shards["split_document_rate"]],
              color=[COLORS["pad"], COLORS["bad"]])
    rates.set_ylabel("%")
    rates.set_title(f"padding and truncation ({shards['packing']} packing)", fontsize=10)
    return _png(fig)


def plot_lengths(shards: dict) -> str | None:
    hist = dict(shards.get("document_tokens_histogram") or {})
    starts = hist.pop("bin_start_tokens", None)
    if not hist or not starts:
        return None
    last = max(max((i for i, c in enumerate(counts) if c), default=0) for counts in hist.values()) + 1
    fig, ax = _figure(7, 3)
    _bars(ax, [f"{s:,}" for s in starts[:last]], {lang: counts[:last] for lang, counts in sorted(hist.items())},
          "documents by length in tokens (bin = from this many tokens to twice as many)")
    return _png(fig)


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(f'{v:,}' if isinstance(v, int) else str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render(summary: dict) -> str:
    stages = summary["stages"]
    shards = stages.get("shards") or {}
    sections = []
    if summary["funnel"]:
        rows = [[f["stage"], f["documents_in"], f["documents_out"], f.get("characters_in", 0), f.get("characters_out", 0)]
                for f in summary["funnel"]]
        sections.append(("Funnel", _table(["stage", "documents in", "out", "characters in", "out"], rows), plot_funnel(summary["funnel"])))
    removals = [[stage, reason, n, s.get("removed_bytes", {}).get(reason, "")]
                for stage, s in stages.items() for reason, n in s.get("removed", {}).items()]
    if removals:
        sections.append(("Removals per rule", _table(["stage", "rule", "documents", "bytes"], removals), plot_removals(stages)))
    if stages.get("recovery", {}).get("recovered") is not None:
        rows = [[mech, n] for mech, n in stages["recovery"]["recovered"].items()]
        sections.append(("Recoveries per mechanism", _table(["mechanism", "documents re-admitted"], rows), plot_recovery(stages["recovery"])))
    sections.append(("Languages", "", plot_languages(stages)))
    if shards:
        facts = "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in summary_lines(shards)) + "</ul>"
        sections.append(("Shards", facts, plot_shards(shards)))
        sections.append(("Document lengths", "", plot_lengths(shards)))
    body = "".join(
        f"<section><h2>{html.escape(title)}</h2>{text}" + (f'<img alt="{html.escape(title)}" src="{png}">' if png else "") + "</section>"
        for title, text, png in sections
        if text or png
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Thresher report: {html.escape(summary['run'])}</title><style>{CSS}</style></head>"
        f"<body><h1>Thresher report</h1><p class='run'>{html.escape(summary['run'])}</p>{body}</body></html>\n"
    )


CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
h1 { margin-bottom: 0; } .run { color: #666; font-family: monospace; }
section { margin-top: 2em; } img { max-width: 100%; display: block; margin-top: 0.8em; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
td:first-child, th:first-child, td:nth-child(2) { text-align: left; }
"""


def write_html(summary: dict, path: Path) -> None:
    path.write_text(render(summary), encoding="utf-8")
