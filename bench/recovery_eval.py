"""How well does recovery re-admit what cleaning removed by mistake, and only that?

(2) False rule rejections, on human labels: DCLM's 347 labelled English pages (label 1 good) and
    ChineseWebText's clean/dirty examples. Our rules (configs/filters/<lang>.yaml) run on each; of
    the removed ones, the classifier (trained out of fold: stratified k-fold, never scoring a page
    it learned from, extra unlabelled material as in bench/quality_eval.py) and the kind check
    decide (recovery/false_rejections.py: decide). Printed, for each classifier seed: of the good
    pages the rules removed, the share recovered; of the bad ones, the share wrongly re-admitted;
    the precision of re-admission -- at the configured --min-score, and with min_score chosen by
    cross-validation over the removed pages (chosen on k-1 folds as the lowest score that re-admits
    at --target-precision, applied to the held-out fold). Peer: the classifier alone (re-admit on
    score, no kind check), on the same pages in the same run. Then how well each piece of evidence
    separates good removed pages from bad ones (ROC-AUC), and the removals per rule and reason.
(1) False duplicates: planted LSH chains from real C4 pages. A survivor A, a near copy A' (2% of
    words changed: must stay removed) and a chain A~B~C where B takes half of A and half of
    another page and C half of B and half of a third (not near copies of A: must come back), all
    in A's cluster as transitive clustering would put them.
(3) False language rejections: pages built from real lingua sentences — English or Chinese prose
    with a code block, mixed zh+en — and negatives of German/French/Spanish prose with a little
    English and code. The langid router runs first; what it drops goes to mechanism 3.

    .venv/bin/python bench/recovery_eval.py [--data ../shared/data] [--folds 5] [--min-score 0.8] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.writers import JsonlWriter

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]
from quality_eval import cross_val_scores, extra_material, labelled, stratified_folds  # noqa: E402

from filters.quality_metrics import roc_auc  # noqa: E402
from filters.words import content_words, count_alpha_words, split_words  # noqa: E402
from pipeline.explain import load_explain_config  # noqa: E402
from langid.config import LangidConfig  # noqa: E402
from langid.lid import LanguageRouter  # noqa: E402
from filters.registry import STEPS  # noqa: E402
from recovery.false_duplicates import FalseDuplicateRecovery  # noqa: E402
from recovery.config import FalseLanguageConfig  # noqa: E402
from recovery.false_language import FalseLanguageRecovery  # noqa: E402
from recovery.false_rejections import decide  # noqa: E402


def first_failed_check(rules, text: str) -> tuple[str, str, float] | None:
    """(rule, reason, relative miss) of the first check the chain fails, as the quality stage
    records it; the miss is |value - threshold| / |threshold| (1.0 for a yes/no check)."""
    doc = Document(text=text, id="x")
    for step in rules:
        verdict = step.filter(doc)
        if verdict is not True:
            value, threshold = doc.metadata.get("filter_value"), doc.metadata.get("filter_threshold")
            miss = abs(value - threshold) / abs(threshold) if value is not None and threshold else 1.0
            return step.name, verdict[1] if isinstance(verdict, tuple) else "dropped", miss
    return None


def failed_checks(rules, text: str) -> int:
    """How many checks of all rules the page fails (each rule measured on the page as it came)."""
    return sum(not c.passed for step in rules if hasattr(step, "all_checks") for c in step.all_checks(Document(text=text, id="x")))


def share(n: int, d: int) -> str:
    return f"{n}/{d} = {n / d:.1%}" if d else f"{n}/0 = n/a"


def counts(rows, readmit) -> tuple[int, int]:
    """(good re-admitted, bad re-admitted) over rows of (text, good, rule, reason, score)."""
    tp = sum(1 for row, a in zip(rows, readmit) if a and row[1])
    return tp, sum(1 for a in readmit if a) - tp


def ours(rows, min_score: float) -> list[bool]:
    return [decide(t, rule, s, min_score, reason) is not None for t, _, rule, reason, s in rows]


# min_score candidates for the cross-validated choice: the classifier's useful range.
GRID = [round(0.5 + 0.01 * i, 2) for i in range(46)]


def choose_min_score(rows, target: float, min_readmitted: int) -> float:
    """The lowest min_score at which `rows` re-admit at `target` precision (>= min_readmitted
    documents, so that one lucky page does not set it); 1.01 (nothing) when none does."""
    for t in GRID:
        tp, fp = counts(rows, ours(rows, t))
        if tp + fp >= min_readmitted and tp / (tp + fp) >= target:
            return t
    return 1.01


def cross_validated(rows, k: int, seed: int, target: float, min_readmitted: int) -> tuple[int, int, list[float]]:
    """min_score chosen on k-1 folds of the removed pages, applied to the held-out fold; summed."""
    fold = stratified_folds([row[1] for row in rows], k, seed + 1)  # not the classifier's folds
    tp = fp = 0
    chosen = []
    for f in range(k):
        t = choose_min_score([r for r, g in zip(rows, fold) if g != f], target, min_readmitted)
        test = [r for r, g in zip(rows, fold) if g == f]
        a, b = counts(test, ours(test, t))
        tp, fp, chosen = tp + a, fp + b, chosen + [t]
    return tp, fp, chosen


def unanimous(data: Path, lang: str, n: int) -> list[bool] | None:
    """Per labelled page, whether every annotator gave its label (DCLM only; None for zh)."""
    if lang != "en":
        return None
    flags = [r["all_annotators_agreed"] for r in read_jsonl(data / "dclm_human_quality" / "dclm_human_quality_shared.jsonl")]
    assert len(flags) == n, "labelled() and the agreement flags must read the same file"
    return flags


def false_rejections(data: Path, lang: str, args) -> dict:
    texts, labels = labelled(data / "text", lang)
    agreed_all = unanimous(data / "text", lang, len(texts))
    cfg = load_explain_config(REPO / "configs" / "filters" / f"{lang}.yaml")
    rules = [STEPS[r.use](**r.params) for r in cfg.quality[lang]]
    removed_by = [first_failed_check(rules, t) for t in texts]
    extra = extra_material(data / "text", lang, rules) if args.extra else []
    kept = [i for i, r in enumerate(removed_by) if r]
    good = sum(labels[i] for i in kept)
    print(f"\n(2) false rule rejections, {lang}: {len(texts)} labelled, rules removed {len(kept)} ({good} good, "
          f"{len(kept) - good} bad); classifier out of {args.folds} folds; min_score {args.min_score} (config) and "
          f"chosen by {args.folds}-fold cross-validation over the removed pages (precision >= {args.target_precision})", flush=True)
    runs = []
    for seed in args.seeds:
        scores = cross_val_scores(texts, labels, extra, lang, args.folds, seed)
        rows = [(texts[i], labels[i], removed_by[i][0], removed_by[i][1], scores[i]) for i in kept]
        fixed = counts(rows, ours(rows, args.min_score))
        peer = counts(rows, [s >= args.min_score for *_, s in rows])
        cv = cross_validated(rows, args.folds, seed, args.target_precision, args.min_readmitted) if good else (0, 0, [])
        runs.append({"seed": seed, "rows": rows, "fixed": fixed, "peer": peer, "cv": cv[:2], "chosen": cv[2]})
        print(f"  seed {seed}: ours@{args.min_score} {fixed[0]}+/{fixed[1]}-, peer (score alone)@{args.min_score} "
              f"{peer[0]}+/{peer[1]}-, ours cross-validated {cv[0]}+/{cv[1]}- (min_score per fold {cv[2]})", flush=True)
    for name, key in ((f"ours: score + kind @{args.min_score}", "fixed"), (f"peer: score alone @{args.min_score}", "peer"),
                      ("ours: min_score by cross-val", "cv")):
        tp, fp = (sum(r[key][i] for r in runs) for i in (0, 1))
        lo, hi = min(r[key][0] for r in runs), max(r[key][0] for r in runs)
        print(f"  {name:<32} over {len(runs)} seeds: good recovered {share(tp, good * len(runs)):>18} (per seed {lo}..{hi})"
              f"   bad re-admitted {share(fp, (len(kept) - good) * len(runs)):>16}   precision {share(tp, tp + fp)}")
    if agreed_all is not None:
        # DCLM's label is a majority vote; on the removed pages the annotators split often. How do
        # we do on the pages whose label nobody disputed? (The classifier still learns from all.)
        agreed = [agreed_all[i] for i in kept]
        a_good = sum(1 for row, a in zip(runs[0]["rows"], agreed) if a and row[1])
        a_bad = sum(agreed) - a_good
        tp = fp = 0
        for r in runs:
            sub = [row for row, a in zip(r["rows"], agreed) if a]
            x, y = counts(sub, ours(sub, args.min_score))
            tp, fp = tp + x, fp + y
        y_all = [row[1] for row in runs[0]["rows"]]
        s_all = [row[4] for row in runs[0]["rows"]]
        auc_agreed = roc_auc([v for v, a in zip(y_all, agreed) if a], [v for v, a in zip(s_all, agreed) if a])
        auc_split = roc_auc([v for v, a in zip(y_all, agreed) if not a], [v for v, a in zip(s_all, agreed) if not a])
        print(f"  unanimous labels only ({sum(agreed)} of the {len(kept)} removed: {a_good} good, {a_bad} bad), ours @{args.min_score} over "
              f"{len(runs)} seeds: good recovered {share(tp, a_good * len(runs))}, bad re-admitted {share(fp, a_bad * len(runs))}, "
              f"precision {share(tp, tp + fp)}; classifier ROC-AUC seed {args.seeds[0]}: unanimous {auc_agreed:.3f}, "
              f"split vote {auc_split:.3f}")
    chosen = sorted(t for r in runs for t in r["chosen"])
    if chosen:
        print(f"  min_score chosen per fold over all seeds: median {chosen[len(chosen) // 2]}, range {chosen[0]}..{chosen[-1]}")
    rows = runs[0]["rows"]
    if good and len(kept) > good:
        # Which evidence separates the good removed pages from the bad ones at all? 0.5 = none.
        y = [r[1] for r in rows]
        near = [-removed_by[i][2] for i in kept]  # nearer the threshold ranks higher
        fewer = [-failed_checks(rules, texts[i]) for i in kept]  # fewer failed checks ranks higher
        print(f"  ROC-AUC good vs bad among the removed, seed {args.seeds[0]}: classifier score "
              f"{roc_auc(y, [r[4] for r in rows]):.3f}, near miss (relative distance to the threshold) "
              f"{roc_auc(y, near):.3f}, fewer failed checks {roc_auc(y, fewer):.3f}")
    sweep = []
    for t in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9):
        a, b = counts(rows, ours(rows, t))
        c, d = counts(rows, [s >= t for *_, s in rows])
        sweep.append(f"@{t} ours {a}+/{b}- peer {c}+/{d}-")
    print(f"  seed {args.seeds[0]}, other min_score (good + / bad - re-admitted): " + ", ".join(sweep))
    per_reason: dict[str, list[int]] = {}
    for row, a in zip(rows, ours(rows, args.min_score)):
        c = per_reason.setdefault(f"{row[2]}/{row[3]}", [0, 0, 0, 0])
        c[0 if row[1] else 1] += 1
        c[2 if row[1] else 3] += a
    print(f"  per rule/reason (removed good+bad; re-admitted @{args.min_score} good+bad) - a rule that removes "
          "many good pages is a rule to retune:")
    for reason, (g, b, rg, rb) in sorted(per_reason.items(), key=lambda kv: -kv[1][0] - kv[1][1]):
        print(f"    {reason:<50} removed {g:>3}+ {b:>3}-   re-admitted {rg:>3}+ {rb:>3}-")
    alpha = [row[0] for row in rows if row[3] == "gopher_below_alpha_threshold"]
    if alpha:  # Gopher's intent is "80% of words hold a letter"; the count also takes punctuation marks as words
        intent = sum(count_alpha_words(w) >= 0.8 * len(w) for w in (content_words(split_words(t)) for t in alpha))
        print(f"    of the gopher_below_alpha_threshold removals, {intent}/{len(alpha)} have >= 80% alphabetic words "
              "when punctuation marks are not counted as words")
    first = runs[0]
    return {"fixed": first["fixed"], "cv": (sum(r["cv"][0] for r in runs), sum(r["cv"][1] for r in runs)),
            "good_removed": good, "seeds": len(runs)}


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _write(folder: Path, docs: list[Document]) -> None:
    with JsonlWriter(str(folder), output_filename="en_00000.jsonl.gz" if "removed" in folder.name else "00000.jsonl.gz") as w:
        for d in docs:
            w.write(d, 0)


def false_duplicates(data: Path, args) -> dict:
    pages = [r["text"] for r in read_jsonl(data / "text" / "llama_factory" / "c4_demo.jsonl") if len(r["text"].split()) >= 200]
    rng = random.Random(args.seed)
    kept, removed, truth = [], [], {}
    for c in range(min(args.chains, len(pages) // 4)):
        a, x, y, z = (pages[4 * c + i].split() for i in range(4))
        half = len(a) // 2
        near = [("zz" + w) if rng.random() < 0.02 else w for w in a]
        b = a[:half] + x[: len(a) - half]
        cc = b[len(b) // 2:] + y[: len(b) // 2]
        kept.append(Document(text=" ".join(a), id=f"A{c}", metadata={"minhash_cluster_id": c}))
        for id_, words, distinct in ((f"N{c}", near, False), (f"B{c}", b, True), (f"C{c}", cc, True)):
            removed.append(Document(text=" ".join(words), id=id_, metadata={"minhash_cluster_id": c, "duplicate_of": f"A{c}"}))
            truth[id_] = distinct
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _write(tmp / "kept", kept)
        _write(tmp / "removed", removed)
        step = FalseDuplicateRecovery("en", str(tmp / "kept"), str(tmp / "removed"), str(tmp / "out"), 5, 0.7)
        list(step.run())
        from datatrove.pipeline.readers import JsonlReader

        back = {d.id for d in JsonlReader(str(tmp / "out")).run()} if (tmp / "out").exists() else set()
    tp = sum(1 for i in back if truth[i])
    distinct = sum(truth.values())
    print(f"\n(1) false duplicates: {len(kept)} planted chains A~B~C + a near copy A' (real C4 pages)")
    print(f"  chained documents recovered {share(tp, distinct)}   near copies re-admitted {share(len(back) - tp, len(truth) - distinct)}"
          f"   precision {share(tp, len(back))}")
    return {"tp": tp, "fp": len(back) - tp, "positives": distinct}


def lingua(data: Path, lang: str) -> list[str]:
    base = data / "langid" / "lingua" / "sentences"
    path = base / f"{lang}.txt" if (base / f"{lang}.txt").exists() else base / f"{lang}.txt.gz"
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def code_block(rng: random.Random, n: int) -> str:
    names = ["value", "count", "result", "items", "config", "buffer", "index", "total"]
    lines = []
    for _ in range(n):
        a, b = rng.sample(names, 2)
        lines.append(rng.choice([f"{a} = {b}[{rng.randint(0, 9)}] + {rng.randint(1, 99)};", f"if ({a} != {b}) {{",
                                 f"    return {a}({b}, {rng.randint(0, 9)});", "}", f"for {a} in range({b}):", f"    {b}.append({a} * 2)"]))
    return "\n".join(lines)


def false_language(data: Path, args) -> dict:
    rng = random.Random(args.seed)
    en, zh = lingua(data, "en"), lingua(data, "zh")
    others = {lang: lingua(data, lang) for lang in ("de", "fr", "es")}
    pages = []  # (text, expected language or None)
    for i in range(args.pages):
        kind = i % 4
        code = code_block(rng, rng.randint(15, 40))
        if kind == 0:
            pages.append(("\n".join(rng.sample(en, rng.randint(3, 6))) + "\n" + code, "en"))
        elif kind == 1:
            pages.append(("\n".join(rng.sample(zh, rng.randint(4, 8))) + "\n" + code, "zh"))
        elif kind == 2:
            mix = rng.sample(zh, 6) + rng.sample(en, 2) + [code]
            rng.shuffle(mix)
            pages.append(("\n".join(mix), "zh"))
        else:
            other = others[rng.choice(sorted(others))]
            pages.append(("\n".join(rng.sample(other, 6) + rng.sample(en, 1)) + "\n" + code, None))
    router = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}))
    step = FalseLanguageRecovery(FalseLanguageConfig(min_share=args.lang_min_share))
    dropped = tp = fp = pos_dropped = neg_dropped = 0
    for i, (text, expected) in enumerate(pages):
        doc = Document(text=text, id=str(i))
        if router.filter(doc) is True:
            continue
        dropped += 1
        pos_dropped += expected is not None
        neg_dropped += expected is None
        if step.filter(doc):
            ok = doc.metadata["language"] == expected
            tp += ok
            fp += not ok
    print(f"\n(3) false language rejections: {len(pages)} built pages (code-heavy en, code-heavy zh, mixed zh+en, "
          f"negatives de/fr/es), langid dropped {dropped} ({pos_dropped} en/zh, {neg_dropped} other)")
    print(f"  en/zh pages recovered to the right language {share(tp, pos_dropped)}   wrongly re-admitted {share(fp, dropped)}"
          f"   precision {share(tp, tp + fp)}")
    return {"tp": tp, "fp": fp, "positives": pos_dropped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="for the planted chains and built pages")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="classifier cross-validation seeds for (2)")
    parser.add_argument("--target-precision", type=float, default=0.9, help="what the cross-validated min_score aims at")
    parser.add_argument("--min-readmitted", type=int, default=5, help="fewest re-admissions a chosen min_score rests on")
    parser.add_argument("--min-score", type=float, default=0.8, help="recovery.false_rejections.min_score")
    parser.add_argument("--no-extra", dest="extra", action="store_false", help="train on the labelled folds only")
    parser.add_argument("--chains", type=int, default=40)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--lang-min-share", type=float, default=0.6)
    args = parser.parse_args()
    start = time.perf_counter()
    results = {lang: false_rejections(args.data, lang, args) for lang in ("en", "zh")}
    fd = false_duplicates(args.data, args)
    fl = false_language(args.data, args)
    print("\ntargets per mechanism (precision >= 0.9, >= 50% of the wrongly removed good recovered):")
    mechs = {}
    for lang, r in results.items():
        mechs[f"(2) false_rejections {lang} @{args.min_score}"] = {"tp": r["fixed"][0], "fp": r["fixed"][1], "positives": r["good_removed"]}
        mechs[f"(2) false_rejections {lang} cross-val"] = {"tp": r["cv"][0], "fp": r["cv"][1], "positives": r["good_removed"] * r["seeds"]}
    mechs.update({"(1) false_duplicates (planted)": fd, "(3) false_language (built pages)": fl})
    for name, m in mechs.items():
        tp, fp, pos = m["tp"], m["fp"], m["positives"]
        precision = "met" if tp + fp and tp / (tp + fp) >= 0.9 else ("n/a (nothing re-admitted)" if not tp + fp else "NOT met")
        recall = "met" if pos and tp / pos >= 0.5 else ("n/a (no good page removed)" if not pos else "NOT met")
        print(f"  {name:<38} precision {share(tp, tp + fp):>18} {precision:<26} recovered {share(tp, pos):>16} {recall}")
    print(f"time {time.perf_counter() - start:.1f}s, peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
