"""Do our English rules decide like datatrove's stock filters, and how much faster are they?

Runs both chains (Gopher quality -> Gopher repetition -> C4 -> FineWeb) over the real English
documents in shared/data/text and prints the decision agreement, every disagreement with each
side's reason, and documents per second for each chain.

    .venv/bin/python bench/quality_rules_agreement.py [--data ../shared/data/text] [--repeat 3]

datatrove's chain needs spaCy (`pip install spacy`; `spacy.blank("en")` needs no download).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from filters import english  # noqa: E402


def read_jsonl(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def load_english(data: Path) -> list[tuple[str, str]]:
    """(id, text) of every English document the benchmark uses."""
    files = [
        data / "dclm_human_quality" / "dclm_human_quality_shared.jsonl",
        data / "llama_factory" / "c4_demo.jsonl",
        *sorted((data / "dolma").glob("*.jsonl.gz")),
    ]
    docs = []
    for path in files:
        docs += [(f"{path.name}:{i}", text) for i, text in enumerate(read_jsonl(path))]
    return docs


def run_chain(chain, docs: list[tuple[str, str]]) -> tuple[list[str | None], float]:
    """Each document's first drop reason (None = kept) and the seconds the chain took."""
    outcomes = []
    start = time.perf_counter()
    for doc_id, text in docs:
        doc = Document(text=text, id=doc_id)
        reason = None
        for step in chain:
            verdict = step.filter(doc)
            if verdict is not True:
                reason = verdict[1] if isinstance(verdict, tuple) else "dropped"
                break
        outcomes.append(reason)
    return outcomes, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(__file__).resolve().parents[2] / "shared" / "data" / "text"
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per chain; the best is reported")
    args = parser.parse_args()

    docs = load_english(args.data)
    # stock_compatible: our rules measuring words as datatrove does (configs/filters/en_fineweb.yaml)
    ours = [
        english.GopherQualityFilter(stock_compatible=True),
        english.GopherRepetitionFilter(stock_compatible=True),
        english.C4QualityFilter(),
        english.FineWebQualityFilter(stock_compatible=True, max_dup_line_chars_frac=0.01),
    ]
    theirs = [
        GopherQualityFilter(),
        GopherRepetitionFilter(),
        C4QualityFilter(filter_no_terminal_punct=False),
        FineWebQualityFilter(),
    ]
    run_chain(theirs, docs[:20])  # load spaCy outside the timing

    timings = {}
    for label, chain in (("ours", ours), ("datatrove", theirs)):
        best = float("inf")
        for _ in range(args.repeat):
            outcomes, seconds = run_chain(chain, docs)
            best = min(best, seconds)
        timings[label] = (outcomes, best)

    ours_out, ours_s = timings["ours"]
    theirs_out, theirs_s = timings["datatrove"]
    same = sum((a is None) == (b is None) for a, b in zip(ours_out, theirs_out))
    print(f"docs: {len(docs)}  kept by ours: {ours_out.count(None)}  kept by datatrove: {theirs_out.count(None)}")
    print(f"decision agreement: {same}/{len(docs)} = {100 * same / len(docs):.2f} %")
    print("disagreements (doc: ours vs datatrove):")
    for (doc_id, _), a, b in zip(docs, ours_out, theirs_out):
        if (a is None) != (b is None):
            print(f"  {doc_id}: {a or 'kept'} vs {b or 'kept'}")
    # our C4 and FineWeb reasons carry a "c4_" / "fineweb_" prefix on datatrove's names
    plain = [a.removeprefix("c4_").removeprefix("fineweb_") if a else a for a in ours_out]
    reason_diffs = sum(a is not None and b is not None and a != b for a, b in zip(plain, theirs_out))
    print(f"both dropped, different first reason: {reason_diffs}")
    print(f"docs/s  ours: {len(docs) / ours_s:,.0f}  datatrove: {len(docs) / theirs_s:,.0f}")
    print(f"speed ratio (ours / datatrove): {theirs_s / ours_s:.1f}x")


if __name__ == "__main__":
    main()
