"""Extraction quality and speed: our extractors against datatrove's stock Trafilatura step.

Labelled pages from ../shared/data/html: the Readability test pages (reference = the text of
Readability's expected main-content HTML) and the magic-html forum benchmark (reference = its
ground-truth main text). For each extractor it prints token-level precision, recall and F1
against the reference (mean over pages; a page with no output scores 0), overall, per source
and for the Chinese pages (reference text mostly Han characters), then pages/s per core of the
step as the pipeline runs it (one task, one page at a time, wall clock: trafilatura runs in
datatrove's timeout sandbox, a child process, so its process CPU time would undercount), the
ratio to stock `Trafilatura(favour_precision=True)`, the same for the bare extract() call
(process CPU time, no sandbox), and peak memory.

Tokens: each Han/kana character is a token, so are runs of other letters/digits (lower-cased);
precision and recall are over token multisets.

    python bench/extraction_quality.py [--data ../shared/data] [--repeat 2]
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
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import lxml.html  # noqa: E402
from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.extractors import Trafilatura  # noqa: E402

from pipeline.extraction import ResiliparseExtractor, TrafilaturaExtractor  # noqa: E402
from pipeline.warc import decode_html  # noqa: E402

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


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
    for page in pages:
        decoded = decode_html(page["html"])
        page["html"] = decoded[0] if decoded else page["html"].decode("utf-8", "replace")
        page["zh"] = is_chinese(page["reference"])
    return pages


def run_step(step, pages: list[dict], repeat: int) -> tuple[dict[str, str], float]:
    """Output text per page id, and the best wall time of `repeat` passes."""
    best, outputs = float("inf"), {}
    for _ in range(repeat):
        docs = [Document(text=p["html"], id=p["id"], metadata={"content_type": "text/html"}) for p in pages]
        start = time.perf_counter()
        outputs = {doc.id: doc.text for doc in step.run(iter(docs))}
        best = min(best, time.perf_counter() - start)
    return outputs, best


def direct_speed(step, pages: list[dict]) -> float:
    """Pages/s of the bare extract() call in this process (CPU time): the extractor alone."""
    start = time.process_time()
    for page in pages:
        step.extract(page["html"])
    return len(pages) / (time.process_time() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=2, help="passes per extractor; the fastest counts")
    args = parser.parse_args(argv)
    if not (args.data / "html").is_dir():
        print(f"no labelled pages at {args.data / 'html'}", file=sys.stderr)
        return 2
    pages = load_pages(args.data)
    n_zh = sum(p["zh"] for p in pages)
    print(f"{len(pages)} labelled pages ({n_zh} Chinese)\n")
    steps = {
        "resiliparse (ours, default)": ResiliparseExtractor(),
        "trafilatura (ours, FineWeb settings)": TrafilaturaExtractor(favour_precision=True, timeout=5),
        "stock datatrove Trafilatura(favour_precision=True)": Trafilatura(favour_precision=True, timeout=5),
    }
    results = {}
    for name, step in steps.items():
        outputs, seconds = run_step(step, pages, args.repeat)
        scores = {p["id"]: token_prf(outputs.get(p["id"], ""), p["reference"]) for p in pages}
        results[name] = (scores, len(pages) / seconds, direct_speed(step, pages))
    stock_speed = results["stock datatrove Trafilatura(favour_precision=True)"][1]
    stock_f1 = statistics.mean(s[2] for s in results["stock datatrove Trafilatura(favour_precision=True)"][0].values())
    groups = {"all": lambda p: True, "readability": lambda p: p["id"].startswith("readability/"),
              "magic_html forum": lambda p: p["id"].startswith("magic_html/"), "Chinese": lambda p: p["zh"]}
    stock_direct = results["stock datatrove Trafilatura(favour_precision=True)"][2]
    for name, (scores, speed, direct) in results.items():
        print(name)
        for group, member in groups.items():
            chosen = [scores[p["id"]] for p in pages if member(p)]
            p, r, f = (statistics.mean(s[i] for s in chosen) for i in range(3))
            print(f"  {group:17s} n={len(chosen):3d}  P={p:.4f} R={r:.4f} F1={f:.4f}")
        f1 = statistics.mean(s[2] for s in scores.values())
        print(f"  speed as a pipeline step {speed:.1f} pages/s/core = {speed / stock_speed:.2f}x stock; "
              f"extract() alone {direct:.1f} pages/s/core = {direct / stock_direct:.2f}x stock")
        print(f"  F1 {100 * (f1 - stock_f1):+.2f} points vs stock\n")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
