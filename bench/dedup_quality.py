"""How well does dedup find duplicate pairs? Precision/recall/F1 against labels.

1. license_texts: 40 real LICENSE files with family labels (shared/data/dedup). A true pair is
   two files of the same licence family (families "other" excepted: three unrelated texts).
2. planted: real English and Chinese documents from shared/data/text, each with a copy edited
   to a known n-gram Jaccard (levels 0.30..1.00 by 0.05), over several seeds (each seed draws
   other edits). A true pair has a Jaccard of at least the configured `dedup.threshold`.

Ours is the dedup stage as configured (configs/default.yaml unless overridden): exact copies,
then MinHash banding whose candidates are kept when their estimated Jaccard reaches the
threshold (dedup/verify.py). Also shown, on the same documents: ours without that check (plain
banding, as stock datatrove does), datasketch's MinHashLSH with the same bands, and datasketch
with each predicted pair checked against the true Jaccard of its shingles.

    .venv/bin/python bench/dedup_quality.py [--data ../shared/data] [--per-lang 300] [--seeds 3]
        [--buckets 32 --hashes 6 --threshold 0.7]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from datatrove.data import Document

from dedup_common import (DEFAULT_DATA, cluster_pairs, planted, prf, run_datasketch, run_ours, true_pairs)
from dedup.minhash import catch_probability, catch_threshold
from dedup.shingles import jaccard, shingle_set
from pipeline.config import DedupConfig


def verify(pairs: set, docs: list[Document], threshold: float) -> set:
    sets = {d.id: shingle_set(d.text, d.metadata["language"], 5) for d in docs}
    return {p for p in pairs if jaccard(sets[p[0]], sets[p[1]]) >= threshold}


def engines(threshold: float):
    """(label, run) of each engine the bench compares; run(docs, buckets, hashes) -> pairs."""
    def ours(docs, b, r):
        return cluster_pairs(run_ours(docs, num_buckets=b, hashes_per_bucket=r, threshold=threshold))

    def plain(docs, b, r):
        return cluster_pairs(run_ours(docs, num_buckets=b, hashes_per_bucket=r, threshold=0.0))

    def sketch(docs, b, r):
        return cluster_pairs(run_datasketch(docs, num_buckets=b, hashes_per_bucket=r))

    def sketch_verified(docs, b, r):
        return verify(sketch(docs, b, r), docs, threshold)

    return [("ours", ours), ("ours, no check", plain), ("datasketch", sketch), ("datasketch+true J", sketch_verified)]


class Tally:
    """Pair counts summed over seeds: precision/recall/F1 of the pooled counts."""

    def __init__(self):
        self.tp = self.fp = self.fn = 0
        self.per_seed: list[float] = []

    def add(self, predicted: set, truth: set) -> None:
        self.tp += len(predicted & truth)
        self.fp += len(predicted - truth)
        self.fn += len(truth - predicted)
        self.per_seed.append(prf(predicted, truth)[2])

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def license_texts(data: Path, buckets: int, hashes: int, threshold: float) -> None:
    folder = data / "dedup" / "license_texts"
    labels = json.loads((data / "dedup" / "license_texts_labels.json").read_text())
    docs = [Document(text=(folder / item["file"]).read_text(encoding="utf-8", errors="replace"), id=item["file"],
                     metadata={"language": "en", "family": item["family"]}) for item in labels]
    truth = {tuple(sorted((a.id, b.id))) for a in docs for b in docs
             if a.id < b.id and a.metadata["family"] == b.metadata["family"] and a.metadata["family"] != "other"}
    print(f"license_texts: {len(docs)} files, {len(truth)} same-family pairs")
    for label, run in engines(threshold):
        p, r, f = prf(run(docs, buckets, hashes), truth)
        print(f"  license_texts {label:<18} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    # The family label is not a similarity: show how similar the same-family pairs really are.
    sets = {d.id: shingle_set(d.text, "en", 5) for d in docs}
    sims = sorted(jaccard(sets[a], sets[b]) for a, b in truth)
    below = sum(s < threshold for s in sims)
    print(f"  same-family pairs below Jaccard {threshold:g}: {below} of {len(sims)} (no setting at this threshold "
          "should merge them)")


def planted_set(data: Path, per_lang: int, seeds: int, buckets: int, hashes: int, threshold: float) -> None:
    levels = [round(0.30 + 0.05 * i, 2) for i in range(15)]
    tallies = {label: Tally() for label, _ in engines(threshold)}
    seconds = defaultdict(float)
    by_level = defaultdict(list)
    for seed in range(seeds):
        docs = planted(data, per_lang, levels, seed=seed)
        truth = true_pairs(docs, threshold)
        print(f"planted, seed {seed}: {len(docs)} documents (en + zh), {len(truth)} pairs at Jaccard >= {threshold:g}",
              flush=True)
        for label, run in engines(threshold):
            start = time.perf_counter()
            predicted = run(docs, buckets, hashes)
            seconds[label] += time.perf_counter() - start
            tallies[label].add(predicted, truth)
            if label == "ours":
                for d in docs:  # catch rate per planted level, for the S-curve below
                    if "planted_jaccard" in d.metadata:
                        level = round(round(d.metadata["planted_jaccard"] / 0.05) * 0.05, 2)
                        by_level[level].append(tuple(sorted((d.id.removesuffix("-copy"), d.id))) in predicted)
    print(f"planted, {seeds} seeds pooled:")
    for label, tally in tallies.items():
        p, r, f = tally.prf()
        spread = ", ".join(f"{x:.3f}" for x in tally.per_seed)
        print(f"  {label:<18} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  (per seed {spread}; {seconds[label]:.1f}s)")
    print("  level  pairs  ours kept  banding alone (theory)")
    for level in sorted(by_level):
        hits = by_level[level]
        print(f"  {level:.2f}   {len(hits):>4}   {sum(hits) / len(hits):.2f}       {catch_probability(level, buckets, hashes):.2f}")
    f1 = tallies["ours"].prf()[2]
    print(f"TARGET F1 >= 0.95 on the planted set at the configured threshold {threshold:g}: ours {f1:.3f} "
          f"({'met' if f1 >= 0.95 else 'NOT met'}); worst seed {min(tallies['ours'].per_seed):.3f}")


def main() -> None:
    defaults = DedupConfig()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--per-lang", type=int, default=300, help="real documents per language in the planted set")
    parser.add_argument("--seeds", type=int, default=3, help="planted sets, each with other random edits")
    parser.add_argument("--buckets", type=int, default=defaults.num_buckets)
    parser.add_argument("--hashes", type=int, default=defaults.hashes_per_bucket)
    parser.add_argument("--threshold", type=float, default=defaults.threshold)
    args = parser.parse_args()
    print(f"{args.buckets} buckets x {args.hashes} hashes, 5-grams, threshold {args.threshold:g}: banding catches a pair "
          f"at Jaccard {catch_threshold(args.buckets, args.hashes):.3f} half the time, one at {args.threshold:g} "
          f"{catch_probability(args.threshold, args.buckets, args.hashes):.1%} of the time")
    license_texts(args.data, args.buckets, args.hashes, args.threshold)
    planted_set(args.data, args.per_lang, args.seeds, args.buckets, args.hashes, args.threshold)


if __name__ == "__main__":
    main()
