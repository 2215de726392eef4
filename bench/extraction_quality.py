"""Extraction quality and speed: our extractors against datatrove's stock Trafilatura step.

Labelled pages from ../shared/data/html: the Readability test pages (reference = the text of
Readability's expected main-content HTML), the magic-html forum benchmark (reference = its
ground-truth main text) and the GNE Chinese news pages that GNE's own output covers (reference
= GNE's title and content: a machine output, so a weak reference, but the only one for 163,
sina, toutiao, guancha and the like). For each extractor it prints token-level precision,
recall and F1 against the reference (mean over pages; a page with no output scores 0) and the
pages left with no output, for English and Chinese pages (reference mostly Han characters)
separately, on each half of a fixed split (crc32 of the page id: even = "tuning", odd =
"held"): the hybrid's `fallback_below` was chosen on the tuning half (`--sweep` prints that
choice again), so the held half is the honest figure. Then pages/s per core of the step as the
pipeline runs it (one task, one page at a time, wall clock: trafilatura runs in datatrove's
timeout sandbox, a child process, so its process CPU time would undercount), the ratio to stock
`Trafilatura(favour_precision=True)`, how many pages the hybrid sent to trafilatura, and peak
memory. One more row scores the hybrid's text after the quality stage's interface-line cut
(filters/interface.py), where the pipeline removes widget text such as "Reply" and "分享到".
The 39 GNE pages GNE's output does not cover and the 5 DCLM Wikipedia pages have no reference
text: for them only the articles an extractor returns empty are counted.

Tokens: each Han/kana character is a token, so are runs of other letters/digits (lower-cased);
precision and recall are over token multisets.

    python bench/extraction_quality.py [--data ../shared/data] [--repeat 2] [--sweep]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import statistics
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import lxml.html  # noqa: E402
from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.extractors import Trafilatura  # noqa: E402

from filters.interface import is_interface_line  # noqa: E402
from extract.config import ExtractConfig  # noqa: E402
from extract.extraction import HybridExtractor, ResiliparseExtractor, TrafilaturaExtractor  # noqa: E402
from extract.warc import decode_html  # noqa: E402
from langid import scripts  # noqa: E402

_TOKEN = re.compile(f"[{scripts.KANA}{scripts.HAN}]|[^\\W_]+")
_HAN = scripts.HAN_CHAR


def tokens(text: str) -> Counter:
    """"Hello, 世界 world" -> Counter({'hello': 1, '世': 1, '界': 1, 'world': 1})."""
    return Counter(_TOKEN.findall((text or "").lower()))


def token_prf(predicted: str, reference: str) -> tuple[float, float, float]:
    pred, ref = tokens(predicted), tokens(reference)
    overlap = sum((pred & ref).values())
    p = overlap / sum(pred.values()) if pred else 0.0
    r = overlap / sum(ref.values()) if ref else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def is_chinese(reference: str) -> bool:
    letters = sum(1 for c in reference if c.isalpha())
    return bool(letters) and len(_HAN.findall(reference)) / letters > 0.5


def load_pages(data: Path) -> list[dict]:
    pages = []
    for folder in sorted((data / "html" / "readability").iterdir()):
        html = gzip.open(folder / "source.html.gz").read()
        expected = gzip.open(folder / "expected.html.gz").read().decode("utf-8")
        pages.append(dict(id=f"readability/{folder.name}", html=html,
                          reference=lxml.html.fromstring(expected).text_content()))
    forum = data / "html" / "magic_html_benchmark" / "forum"
    truth = json.loads((forum / "groundtruth.json").read_text(encoding="utf-8"))
    for sha, entry in sorted(truth.items()):
        html = gzip.open(forum / "htmls" / f"{sha}.html.gz").read()
        pages.append(dict(id=f"magic_html/{sha[:12]}", html=html, reference=entry["content"]))
    gne = data / "html" / "gne_zh_news"
    for path, reference in sorted(gne_references(gne / "gne_extractor_output.txt").items()):
        pages.append(dict(id=f"gne/{path}", html=gzip.open(gne / f"{path}.gz").read(), reference=reference))
    for page in pages:
        decoded = decode_html(page["html"])
        page["html"] = decoded[0] if decoded else page["html"].decode("utf-8", "replace")
        page["zh"] = is_chinese(page["reference"])
    return pages


def unreferenced_articles(data: Path, referenced: set[str]) -> list[dict]:
    """The GNE news pages without a GNE output and the DCLM Wikipedia pages: articles with no
    reference text, so only whether an extractor returns nothing for them is counted."""
    pages = []
    gne = data / "html" / "gne_zh_news"
    for path in sorted(gne.glob("*/*.html.gz")):
        page_id = f"gne/{path.relative_to(gne).as_posix().removesuffix('.gz')}"
        if page_id not in referenced:
            pages.append(dict(id=page_id, html=path.read_bytes()))
    for path in sorted((data / "html" / "dclm_test_pages").glob("wikipedia_*.html.gz")):
        pages.append(dict(id=f"dclm/{path.name}", html=path.read_bytes()))
    for page in pages:
        raw = gzip.decompress(page["html"])
        decoded = decode_html(raw)
        page["html"] = decoded[0] if decoded else raw.decode("utf-8", "replace")
    return pages


def gne_references(path: Path) -> dict[str, str]:
    """{"163/1.html": title + content} from GNE's result file: JSON objects between
    ">>>…tests/<path>>>>…" and "<<<…" lines."""
    references = {}
    for match in re.finditer(r">{5,}tests/(\S+?)>{5,}\n(.*?)\n<{5,}", path.read_text(encoding="utf-8"), re.S):
        entry = json.loads(match.group(2))
        references[match.group(1)] = f"{entry['title']}\n{entry['content']}"
    return references


def half(page_id: str) -> str:
    return "tuning" if zlib.crc32(page_id.encode("utf-8")) % 2 == 0 else "held"


def run_step(step, pages: list[dict], repeat: int) -> tuple[dict[str, str], float]:
    """Output text per page id, and the best wall time of `repeat` passes."""
    best, outputs = float("inf"), {}
    for _ in range(repeat):
        docs = [Document(text=p["html"], id=p["id"], metadata={"content_type": "text/html"}) for p in pages]
        start = time.perf_counter()
        outputs = {doc.id: doc.text for doc in step.run(iter(docs))}
        best = min(best, time.perf_counter() - start)
    return outputs, best


def mean_scores(scores: dict, outputs: dict, pages: list[dict]) -> str:
    if not pages:
        return "n=0"
    p, r, f = (statistics.mean(scores[page["id"]][i] for page in pages) for i in range(3))
    empty = sum(1 for page in pages if not (outputs.get(page["id"]) or "").strip())
    return f"n={len(pages):3d} P={p:.3f} R={r:.3f} F1={f:.3f} empty={empty}"


def sweep(pages: list[dict], stock_speed: float, repeat: int) -> None:
    """The hybrid at several `fallback_below` on the tuning half: the figures the default came from."""
    tuning = [p for p in pages if half(p["id"]) == "tuning"]
    print("fallback_below on the tuning half (choose: the best mean of en and zh F1 at >= 5x stock pages/s):")
    for below in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4):
        step = HybridExtractor(fallback_below=below, timeout=5)
        outputs, seconds = run_step(step, tuning, repeat)
        f1 = {lang: statistics.mean(token_prf(outputs.get(p["id"], ""), p["reference"])[2]
                                    for p in tuning if p["zh"] == (lang == "zh")) for lang in ("en", "zh")}
        fallbacks = step.stats["fallback_empty_main"].total + step.stats["fallback_short_main"].total
        print(f"  {below:.2f}: en F1={f1['en']:.3f} zh F1={f1['zh']:.3f} mean={(f1['en'] + f1['zh']) / 2:.3f} "
              f"fallbacks={fallbacks / repeat:.0f}/{len(tuning)} speed={len(tuning) / seconds / stock_speed:.1f}x stock")
    print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=2, help="passes per extractor; the fastest counts")
    parser.add_argument("--sweep", action="store_true", help="also print the hybrid's fallback_below on the tuning half")
    args = parser.parse_args(argv)
    if not (args.data / "html").is_dir():
        print(f"no labelled pages at {args.data / 'html'}", file=sys.stderr)
        return 2
    pages = load_pages(args.data)
    n_zh = sum(p["zh"] for p in pages)
    print(f"{len(pages)} labelled pages ({n_zh} Chinese); split: "
          + ", ".join(f"{part} {sum(half(p['id']) == part for p in pages)}" for part in ("tuning", "held")) + "\n")
    articles = unreferenced_articles(args.data, {p["id"] for p in pages})
    defaults = ExtractConfig()
    stock_name = "stock datatrove Trafilatura(favour_precision=True)"
    steps = {
        f"hybrid (ours, default: fallback_below={defaults.fallback_below}, fallback_fast={defaults.fallback_fast})":
            HybridExtractor(defaults.fallback_below, defaults.fallback_fast, timeout=5),
        "resiliparse (ours)": ResiliparseExtractor(),
        "trafilatura (ours, FineWeb settings)": TrafilaturaExtractor(favour_precision=True, timeout=5),
        stock_name: Trafilatura(favour_precision=True, timeout=5),
    }
    results, unreferenced = {}, {}
    for name, step in steps.items():
        outputs, seconds = run_step(step, pages, args.repeat)
        scores = {p["id"]: token_prf(outputs.get(p["id"], ""), p["reference"]) for p in pages}
        results[name] = (outputs, scores, len(pages) / seconds, step)
        unreferenced[name] = run_step(step, articles, 1)[0]
    stock_speed = results[stock_name][2]
    # The quality stage's line cleaning then cuts interface lines ("Reply", "分享到", cookie
    # notices: filters/interface.py), the one place the pipeline removes them: shown on the
    # default's output, at the default's speed (the cut itself is part of the quality stage).
    hybrid_name = next(iter(results))
    outputs, _, speed, step = results[hybrid_name]
    cut = {k: "\n".join(line for line in v.split("\n") if not is_interface_line(line)) for k, v in outputs.items()}
    results["hybrid, then the quality stage's interface-line cut"] = (
        cut, {p["id"]: token_prf(cut.get(p["id"], ""), p["reference"]) for p in pages}, speed, None)
    if args.sweep:
        sweep(pages, stock_speed, args.repeat)
    stock_f1 = {lang: statistics.mean(results[stock_name][1][p["id"]][2] for p in pages
                                      if half(p["id"]) == "held" and p["zh"] == (lang == "zh")) for lang in ("en", "zh")}
    for name, (outputs, scores, speed, step) in results.items():
        print(name)
        for part in ("tuning", "held"):
            for lang in ("en", "zh"):
                chosen = [p for p in pages if half(p["id"]) == part and p["zh"] == (lang == "zh")]
                print(f"  {part:6s} {lang}  {mean_scores(scores, outputs, chosen)}")
        for source in ("readability", "magic_html", "gne"):
            chosen = [p for p in pages if p["id"].startswith(source + "/")]
            print(f"  all {source:11s} {mean_scores(scores, outputs, chosen)}")
        held = {lang: statistics.mean(scores[p["id"]][2] for p in pages
                                      if half(p["id"]) == "held" and p["zh"] == (lang == "zh")) for lang in ("en", "zh")}
        print(f"  held F1 vs stock: en {100 * (held['en'] - stock_f1['en']):+.1f} points, "
              f"zh {100 * (held['zh'] - stock_f1['zh']):+.1f} points")
        if name in unreferenced:
            empty = [a["id"] for a in articles if not unreferenced[name].get(a["id"], "").strip()]
            print(f"  unreferenced articles ({len(articles)}: GNE pages without GNE output, DCLM Wikipedia): "
                  f"empty {len(empty)} {empty if empty else ''}")
        line = f"  speed as a pipeline step {speed:.1f} pages/s/core = {speed / stock_speed:.2f}x stock"
        if isinstance(step, HybridExtractor):
            fallbacks = {k.removeprefix("fallback_"): v.total // args.repeat for k, v in step.stats.stats.items()
                         if k.startswith("fallback_")}
            line += f"; fallbacks to trafilatura {fallbacks} of {len(pages)} pages"
        print(line + "\n")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
