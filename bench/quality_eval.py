"""How well do the quality filters agree with human labels, against stock datatrove's FineWeb chain?

English: the 347 human-labelled Common Crawl documents of DCLM (shared/data/text/dclm_human_quality,
label 1 = good). Chinese: ChineseWebText's 10 clean + 10 dirty examples (its quality labels).
For each document, "keep" from:

  (a) stock datatrove: GopherRepetition -> GopherQuality -> C4QualityFilter(filter_no_terminal_punct=False)
      -> FineWebQualityFilter, untouched;
  (b) our rules (configs/filters/<lang>.yaml);
  (c) our fastText classifier, score >= --min-score, scored out of fold (stratified k-fold
      cross-validation: the labelled sets are too small to hold out a fixed test set);
  (d) rules then classifier: kept by (b) and by (c), as a rule file with both would run.

Besides the labelled documents of its training folds, the classifier may learn from extra,
material no human labelled (--no-extra turns it off): for English, Wikipedia articles and
cc_net's "head" bucket as good; for Chinese, ChineseWebText crawl pages that our rules drop as
bad and as many cmrc2018 Wikipedia paragraphs as good. Extra material is never scored.

    .venv/bin/python bench/quality_eval.py [--data ../shared/data/text] [--folds 5] [--min-score 0.5]

Prints ROC-AUC (for a 0/1 decision: the mean of its recall on each class), precision, recall
and F1 of keep against the label, and the share kept, per method and language; then (d)'s F1
against (a)'s, and peak memory.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import sys
import time
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from filters.classifier import DEFAULT_PARAMS, fit, keep_scores  # noqa: E402
from filters.quality_metrics import keep_metrics, roc_auc  # noqa: E402
from pipeline.explain import load_explain_config  # noqa: E402
from pipeline.registry import STEPS  # noqa: E402


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def labelled(data: Path, lang: str) -> tuple[list[str], list[bool]]:
    if lang == "en":
        rows = read_jsonl(data / "dclm_human_quality" / "dclm_human_quality_shared.jsonl")
        return [r["text"] for r in rows], [r["label"] == 1 for r in rows]
    clean = [r["text"] for r in read_jsonl(data / "chinesewebtext" / "quality_clean.jsonl")]
    dirty = [r["text"] for r in read_jsonl(data / "chinesewebtext" / "quality_dirty.jsonl")]
    return clean + dirty, [True] * len(clean) + [False] * len(dirty)


def extra_material(data: Path, lang: str, rules: list) -> list[tuple[str, bool]]:
    """(text, keep) examples with no human label, used only for training."""
    if lang == "en":
        wiki = [line for line in (data / "llama_factory" / "wiki_demo.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
        head = [r["text"] for p in sorted((data / "dolma").glob("cc_en_head-*.jsonl.gz")) for r in read_jsonl(p)]
        return [(t, True) for t in wiki + head]
    # Bad: the crawl pages (already through CASIA's rule filter) that our Chinese rules still
    # drop; good: as many cmrc2018 Wikipedia paragraphs. Balanced, because a surplus of one
    # class teaches fastText a prior, not quality.
    crawl = [r["raw_content"] for r in read_jsonl(data / "chinesewebtext" / "cc-2021-43_cleared1.jsonl")]
    bad = [t for t in crawl if not chain_keeps(rules, [t])[0]]
    paragraphs = []
    for name in ("cmrc2018_dev.squad.json", "cmrc2018_trial.squad.json"):
        squad = json.loads((data / "cmrc2018" / name).read_text(encoding="utf-8"))
        paragraphs += [p["context"] for article in squad["data"] for p in article["paragraphs"]]
    good = random.Random(0).sample(paragraphs, len(bad))
    return [(t, True) for t in good] + [(t, False) for t in bad]


def chain_keeps(chain, texts: list[str]) -> list[bool]:
    keeps = []
    for i, text in enumerate(texts):
        doc = Document(text=text, id=str(i))
        keeps.append(all(step.filter(doc) is True for step in chain))  # all() stops at the first drop
    return keeps


def stratified_folds(labels: list[bool], k: int, seed: int) -> list[int]:
    """The fold of each document; each class is dealt round-robin after a seeded shuffle."""
    fold = [0] * len(labels)
    for cls in (True, False):
        idx = [i for i, y in enumerate(labels) if y == cls]
        random.Random(seed).shuffle(idx)
        for j, i in enumerate(idx):
            fold[i] = j % k
    return fold


def cross_val_scores(texts, labels, extra, lang: str, k: int, seed: int) -> list[float]:
    """Each document's score from a model trained on the other folds (+ extra material)."""
    fold = stratified_folds(labels, k, seed)
    scores = [0.0] * len(texts)
    params = DEFAULT_PARAMS[lang]
    for f in range(k):
        train = [(t, y) for t, y, g in zip(texts, labels, fold) if g != f] + extra
        test = [i for i, g in enumerate(fold) if g == f]
        model = fit(train, params)
        for i, s in zip(test, keep_scores(model, [texts[i] for i in test])):
            scores[i] = s
    return scores


def row(name: str, labels: list[bool], keeps: list[bool], scores: list[float]) -> dict:
    m = keep_metrics(labels, keeps)
    m["roc_auc"] = roc_auc(labels, scores)
    print(f"  {name:<34} {m['roc_auc']:7.3f} {m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:7.3f} {m['kept_frac']:7.1%}")
    return m


def evaluate(data: Path, lang: str, args) -> dict:
    texts, labels = labelled(data, lang)
    cfg = load_explain_config(REPO / "configs" / "filters" / f"{lang}.yaml")
    rules = [STEPS[r.use](**r.params) for r in cfg.quality[lang]]
    stock = [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter()]
    print(f"\n{lang}: {len(texts)} labelled documents ({sum(labels)} good, {len(labels) - sum(labels)} bad), "
          f"{args.folds}-fold cross-validation, classifier keeps at score >= {args.min_score}", flush=True)
    start = time.perf_counter()
    a = chain_keeps(stock, texts)
    b = chain_keeps(rules, texts)
    extra = extra_material(data, lang, rules) if args.extra else []
    if extra:
        print(f"  extra training material: {sum(y for _, y in extra)} good, {sum(not y for _, y in extra)} bad", flush=True)
    c_scores = cross_val_scores(texts, labels, extra, lang, args.folds, args.seed)
    c = [s >= args.min_score for s in c_scores]
    d = [x and y for x, y in zip(b, c)]
    # (d) as a score: the classifier's, with every rule-dropped document ranked below all kept ones.
    d_scores = [s if keep else s - 1.0 for s, keep in zip(c_scores, b)]
    print(f"  {'method':<34} {'ROC-AUC':>7} {'precision':>9} {'recall':>7} {'F1':>7} {'kept':>7}")
    results = {
        "a": row("(a) datatrove FineWeb chain", labels, a, [float(k) for k in a]),
        "b": row("(b) our rules", labels, b, [float(k) for k in b]),
        "c": row("(c) our classifier (out of fold)", labels, c, c_scores),
        "d": row("(d) our rules + classifier", labels, d, d_scores),
    }
    print(f"  ({time.perf_counter() - start:.1f}s)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "text")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-score", type=float, default=0.5, help="the classifier's keep threshold")
    parser.add_argument("--no-extra", dest="extra", action="store_false", help="train on the labelled folds only")
    parser.add_argument("--langs", default="en,zh")
    args = parser.parse_args()
    summary = {lang: evaluate(args.data, lang, args) for lang in args.langs.split(",")}
    print()
    for lang, r in summary.items():
        a, d = r["a"]["f1"], r["d"]["f1"]
        verdict = "met" if d > a else "NOT met"
        print(f"{lang}: F1 of keep, (d) rules + classifier {d:.3f} vs (a) datatrove {a:.3f}: target (d) > (a) {verdict}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
