"""Do the quality decisions agree with human labels better than stock datatrove's FineWeb chain?

Labels. English: DCLM's 347 human-labelled Common Crawl pages (shared/data/text/dclm_human_quality;
label 1 = keep; `all_annotators_agreed` marks the all-agree subset). Chinese: ChineseWebText's 10
clean + 10 dirty examples (quality_clean/quality_dirty.jsonl; quality_fasttext_*.txt hold the same
20 documents jieba-segmented with stop words removed, which no rule can read, so they are unused).

Splits. Each document goes to the tuning or the held-apart half by a hash of its DCLM line id (the
text, for Chinese), and to one of --folds cross-validation folds by another hash: the same
documents every run. Anything fitted (a classifier, the `tuned` min_scores) is fitted on the
tuning half only, or, for the cv rows, on the other folds; rule thresholds come from the configs. The
rule configs were written by people who had read these same documents, so even the held-apart half
is not unseen by them; the issue's headline figure is `held·agree`, the all-agree documents of the
held-apart half.

Variants, each a document's keep/remove decision:

  stock      datatrove's own filters at FineWeb's settings, in FineWeb's order:
             GopherRepetitionFilter -> GopherQualityFilter -> C4QualityFilter(filter_no_terminal_punct=False)
             -> FineWebQualityFilter, as datatrove's executor runs them (C4 rewrites the text the
             next filter sees). Chinese gets the same chain: what a user who applies the stock
             chain to Chinese gets. datatrove 0.10 has no FineWeb-2 rule set: its filters take a
             `language` (Chinese words then need spaCy + jieba) but ship English thresholds;
             FineWeb-2's per-language thresholds live in its own repository.
  rules      the quality stage exactly as `thresher run` builds it from --config (configs/default.yaml
             -> quality.en / quality.zh rule files): pipeline/stages.py quality_jobs, site-line
             counting jobs included, every step run in order by its own datatrove `run` (text
             rewrites by line_cleaning and c4_quality carried forward), removals read back from
             RUN/quality/removed/<rule>/.
  keep all   no filter at all: the F1 of "keep" a chain earns by removing nothing (most labels are 1).
  +clf       rules, then a `quality_classifier` step (where the rule file has one, in its place)
             with a model trained by `thresher quality train`'s function (filters/classifier.py
             train_classifier, DEFAULT_PARAMS, all given examples used for training), dropping
             under --min-score (0.5, the score `thresher quality train` reports at; the step's
             own default, null, only scores).
  +recovery  rules, then recovery's false_rejections step (recovery/false_rejections.py) on the
             rules' RUN/quality/removed/: a removal comes back when the same model scores it >=
             recovery.false_rejections.min_score of the config and the kind check agrees. (Its
             readmit_dedup near-copy gate is left out: the labelled pages are distinct.) Recovery
             by re-extraction cannot run here: the labelled pages have no HTML.
  , tuned    the same two with min_score chosen for F1 on the model's own training documents,
             from scores of inner cross-validation models (--inner-folds), never on the rows
             that report it.

Rows: `tune` and `held` use the tuning-half model (on `tune` it is in-sample, and says so);
`all (cv)` and `agree (cv)` take each document's decision from the model of the other folds
(for the variants without a model they are simply all documents).

Language ID is not run: each set is judged by its language's rules.

    .venv/bin/python bench/quality_eval.py [--config configs/default.yaml] [--folds 5]
        [--min-score 0.5] [--recovery-min-score 0.8] [--show-disagreements] [--langs en,zh]

stock needs spaCy (`pip install spacy`; spacy.blank("en") downloads nothing). Without it, stock
is configs/filters/en_fineweb.yaml (our stock_compatible copy, compared with datatrove's in
bench/quality_rules_agreement.py) and the table says so.

Prints per language: precision, recall and F1 of "keep" against the label for each variant and
split, with the F1 difference to stock on the same documents and its 95% paired-bootstrap
interval; the tuning-half model's ROC-AUC, score range and tuned thresholds; removals per
reason on the held-apart half; with --show-disagreements, every held-apart document on which
`rules` and the label disagree. ~1 min on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import importlib.util
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
from loguru import logger

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from filters.classifier import DEFAULT_PARAMS, fit, keep_scores, train_classifier  # noqa: E402
from filters.quality_metrics import keep_metrics, roc_auc  # noqa: E402
from filters.config import RuleSpec  # noqa: E402
from pipeline.config import Config, load_config  # noqa: E402
from pipeline.explain import load_explain_config  # noqa: E402
from pipeline.layout import RunLayout  # noqa: E402
from pipeline.stage_io import StageReader, stage_writer  # noqa: E402
from filters.stage import jobs as quality_jobs  # noqa: E402
from recovery.false_rejections import FalseRejectionRecovery  # noqa: E402
from recovery.kinds import kind_of  # noqa: E402

CLASSIFIER = "quality_classifier"
BOOTSTRAP = 2000


# --- the labelled documents and their splits ---------------------------------------------------


@dataclass(frozen=True)
class Sample:
    id: str
    text: str
    good: bool  # the human label: keep
    agreed: bool | None  # all annotators agreed (DCLM only)
    key: str  # what the split hashes: the DCLM line id, or the text
    url: str | None = None


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def samples(data: Path, lang: str) -> list[Sample]:
    if lang == "en":
        rows = read_jsonl(data / "dclm_human_quality" / "dclm_human_quality_shared.jsonl")
        return [Sample(f"dclm:{r['line_in_majority_data']}", r["text"], r["label"] == 1, bool(r["all_annotators_agreed"]),
                       f"dclm:{r['line_in_majority_data']}") for r in rows]
    out = []
    for name, good in (("quality_clean.jsonl", True), ("quality_dirty.jsonl", False)):
        for i, r in enumerate(read_jsonl(data / "chinesewebtext" / name)):
            url = (r.get("info") or {}).get("url")  # dirty pages carry their URL, as crawl pages do
            out.append(Sample(f"{'clean' if good else 'dirty'}:{i}", r["text"], good, None, r["text"], url))
    return out


def bucket(key: str, salt: str, n: int) -> int:
    """A stable bucket in [0, n) for KEY: the same on every machine and run."""
    return int.from_bytes(hashlib.sha256(f"{salt}:{key}".encode()).digest()[:8], "big") % n


def is_held(s: Sample) -> bool:
    return bucket(s.key, "half", 2) == 1


# --- running steps as the pipeline runs them -----------------------------------------------------


@dataclass
class Outcome:
    kept: bool
    rule: str = ""
    reason: str = ""
    value: float | None = None
    threshold: float | None = None
    text: str = ""  # as the pipeline left it: the kept text, or the text when it was removed


def run_task(pipeline: list) -> None:
    """One task (rank 0 of 1) of a datatrove pipeline, piped step to step in this process, as
    datatrove's executor does it (executor/base.py `_run_for_rank`), without its log files."""
    data = None
    for step in pipeline:
        data = step(data, 0, 1)
    if data:
        deque(data, maxlen=0)


def write_input(layout: RunLayout, lang: str, docs: list[Sample]) -> None:
    """The documents as the langid stage leaves them for quality: RUN/langid/output/<lang>/."""
    with stage_writer(layout.output("langid", lang)) as writer:
        for s in docs:
            writer.write(Document(text=s.text, id=s.id, metadata={"url": s.url} if s.url else {}), 0)


def read_outcomes(layout: RunLayout, lang: str, docs: list[Sample]) -> dict[str, Outcome]:
    """Each document's fate, read back from RUN/quality/output/<lang>/ and removed/<rule>/."""
    out = {d.id: Outcome(True, text=d.text) for d in StageReader(layout.output("quality", lang)).run()}
    removed = layout.removed("quality")
    for folder in sorted(p for p in removed.iterdir() if p.is_dir()) if removed.is_dir() else []:
        for d in StageReader(folder, glob_pattern=f"{lang}_*.jsonl.gz").run():
            m = d.metadata
            out[d.id] = Outcome(False, m.get("filter_rule", folder.name), m.get("filter_reason", ""),
                                m.get("filter_value"), m.get("filter_threshold"), d.text)
    missing = {s.id for s in docs} - set(out)
    if missing:
        raise RuntimeError(f"{len(missing)} documents neither kept nor removed, e.g. {sorted(missing)[:3]}")
    return out


def ours(cfg: Config, lang: str, docs: list[Sample], root: Path) -> dict[str, Outcome]:
    """The quality stage's jobs for LANG from the pipeline's own builder, one task each."""
    cfg = dataclasses.replace(cfg, run=dataclasses.replace(cfg.run, tasks=1))
    layout = RunLayout(root)
    write_input(layout, lang, docs)
    names = {lang, f"site_lines/{lang}", f"site_boilerplate/{lang}"}
    for job in quality_jobs(cfg, layout):
        if job.name in names:
            run_task(job.pipeline)
    return read_outcomes(layout, lang, docs)


def stock(lang: str, docs: list[Sample], root: Path, fallback: Config | None) -> dict[str, Outcome]:
    """datatrove's FineWeb chain (or, without spaCy, FALLBACK's rules) on the same input."""
    if fallback is not None:
        return ours(fallback, lang, docs, root)
    layout = RunLayout(root)
    write_input(layout, lang, docs)
    steps = [GopherRepetitionFilter, GopherQualityFilter, C4QualityFilter, FineWebQualityFilter]
    names = ["gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality"]
    chain = []
    for step, name in zip(steps, names):
        writer = stage_writer(layout.removed("quality", name), f"{lang}_${{rank}}.jsonl.gz")
        kwargs = {"filter_no_terminal_punct": False} if step is C4QualityFilter else {}  # FineWeb's setting
        chain.append(step(exclusion_writer=writer, **kwargs))
    run_task([StageReader(layout.output("langid", lang)), *chain, stage_writer(layout.output("quality", lang))])
    return read_outcomes(layout, lang, docs)


def without_classifier(cfg: Config, lang: str) -> Config:
    return dataclasses.replace(cfg, quality={**cfg.quality, lang: [r for r in cfg.quality[lang] if r.use != CLASSIFIER]})


def with_classifier(cfg: Config, lang: str, model: Path, min_score: float) -> Config:
    """The rule list with a quality_classifier step using MODEL: in the rule file's place for
    one, else last (where the rule files' commented-out step sits)."""
    spec = RuleSpec(CLASSIFIER, {"model_path": str(model), "min_score": min_score})
    rules = list(cfg.quality[lang])
    at = next((i for i, r in enumerate(rules) if r.use == CLASSIFIER), None)
    if at is None:
        rules.append(spec)
    else:
        rules[at] = spec
    return dataclasses.replace(cfg, quality={**cfg.quality, lang: rules})


def train(docs: list[Sample], lang: str, path: Path) -> Path:
    """A model from `thresher quality train`'s function, every example used for training."""
    train_classifier([s.text for s in docs if s.good], [s.text for s in docs if not s.good], path, lang,
                     holdout_frac=0.0, params=DEFAULT_PARAMS[lang])
    return path


def readmitted(lang: str, rules_root: Path, model: Path, min_score: float, out: Path) -> set[str]:
    """The ids recovery's false_rejections step re-admits from the rules run's removals."""
    layout = RunLayout(rules_root)
    run_task([FalseRejectionRecovery(lang, str(layout.removed("quality")), str(out), str(model), min_score)])
    return {d.id for d in StageReader(out).run()} if out.is_dir() else set()


# --- one language ---------------------------------------------------------------------------------


@dataclass
class Variant:
    name: str
    keeps: dict[str, bool]  # the decision, with the tuning-half model where there is one
    cv: dict[str, bool] | None = None  # out of fold: each document's decision by a model of the other folds
    fitted: frozenset[str] = frozenset()  # ids the tuning-half model was trained on


def load_model(path: Path):
    import fasttext

    return fasttext.load_model(str(path))


def inner_scores(train_docs: list[Sample], lang: str, rules_out: dict[str, Outcome], k: int, tmp: Path) -> dict[str, float]:
    """Each training document's score by a model of the other inner folds (of TRAIN_DOCS only),
    on its text as the rules left it: what the classifier step or recovery would score."""
    inner = {s.id: bucket(s.key, "inner", k) for s in train_docs}
    scores = {}
    for f in range(k):
        model = load_model(train([s for s in train_docs if inner[s.id] != f], lang, tmp / f"inner{f}.bin"))
        ids = [i for i, g in inner.items() if g == f]
        scores.update(zip(ids, keep_scores(model, [rules_out[i].text for i in ids])))
    return scores


def tuned_thresholds(train_docs, lang, rules_out, k, tmp) -> tuple[float, float]:
    """min_score for +clf and for +recovery, each chosen for F1 on TRAIN_DOCS from inner
    out-of-fold scores, so no document judges a threshold its own model helped to set."""
    scores = inner_scores(train_docs, lang, rules_out, k, tmp)
    candidates = sorted(set(scores.values())) + [float("inf")]
    excusable = {s.id: kind_of(rules_out[s.id].text, rules_out[s.id].rule, rules_out[s.id].reason) is not None
                 for s in train_docs if not rules_out[s.id].kept}
    labels = [s.good for s in train_docs]

    def f1(keeps):
        return keep_metrics(labels, keeps)["f1"]

    clf = max(candidates, key=lambda t: (f1([rules_out[s.id].kept and scores[s.id] >= t for s in train_docs]), -t))
    rec = max(candidates, key=lambda t: (f1([rules_out[s.id].kept or (excusable[s.id] and scores[s.id] >= t)
                                             for s in train_docs]), t))
    return clf, rec


def classifier_variants(cfg, lang, docs, rules_root, tmp: Path, args) -> tuple[list[Variant], dict]:
    """+clf and +recovery, at the fixed thresholds and at thresholds tuned on the training
    documents; each from the tuning-half model and, out of fold, from the fold models. Also the
    tuning-half model's score of every document and its thresholds."""
    tune = [s for s in docs if not is_held(s)]
    folds = {s.id: bucket(s.key, "fold", args.folds) for s in docs}
    runs = [("tune", tune, {s.id for s in docs})]
    runs += [(f"fold{f}", [s for s in docs if folds[s.id] != f], {i for i, g in folds.items() if g == f})
             for f in range(args.folds)]
    rec_min = args.recovery_min_score if args.recovery_min_score is not None else cfg.recovery.false_rejections.min_score
    rules_out = read_outcomes(RunLayout(rules_root), lang, docs)
    names = [f"rules +clf >= {args.min_score:g}", f"rules +recovery >= {rec_min:g}", "rules +clf, tuned", "rules +recovery, tuned"]
    decisions = {(n, w): {} for n in names for w in ("tune", "cv")}
    info = {}
    for run, train_docs, scored in runs:
        model = train(train_docs, lang, tmp / f"model_{run}.bin")
        t_clf, t_rec = tuned_thresholds(train_docs, lang, rules_out, args.inner_folds, tmp / run)
        clf_fixed = ours(with_classifier(cfg, lang, model, args.min_score), lang, docs, tmp / f"clf_{run}")
        rec_fixed = readmitted(lang, rules_root, model, rec_min, tmp / f"recovered_{run}")
        clf_tuned = ours(with_classifier(cfg, lang, model, t_clf), lang, docs, tmp / f"clf_tuned_{run}")
        rec_tuned = readmitted(lang, rules_root, model, t_rec, tmp / f"recovered_tuned_{run}")
        which = "tune" if run == "tune" else "cv"
        for i in scored:
            kept = rules_out[i].kept
            row = (clf_fixed[i].kept, kept or i in rec_fixed, clf_tuned[i].kept, kept or i in rec_tuned)
            for name, keep in zip(names, row):
                decisions[(name, which)][i] = keep
        if run == "tune":
            info["scores"] = dict(zip([s.id for s in docs], keep_scores(load_model(model), [rules_out[s.id].text for s in docs])))
            info["thresholds"] = (t_clf, t_rec)
        else:
            info.setdefault("cv_thresholds", []).append((t_clf, t_rec))
    fitted = frozenset(s.id for s in tune)
    return [Variant(n, decisions[(n, "tune")], decisions[(n, "cv")], fitted) for n in names], info


def f1_deltas(y: np.ndarray, a: np.ndarray, b: np.ndarray, seed: int) -> tuple[float, float]:
    """95% interval of F1(a) - F1(b) over paired bootstrap resamples of the documents."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), size=(BOOTSTRAP, len(y)))
    yy = y[idx]

    def f1(k):
        kk = k[idx]
        tp = (yy & kk).sum(1)
        return np.where(tp > 0, 2 * tp / np.maximum(yy.sum(1) + kk.sum(1), 1), 0.0)

    d = np.sort(f1(a) - f1(b))
    return float(d[int(0.025 * BOOTSTRAP)]), float(d[int(0.975 * BOOTSTRAP) - 1])


def splits(docs: list[Sample]) -> list[tuple[str, list[Sample]]]:
    out = [("tune", [s for s in docs if not is_held(s)]), ("held", [s for s in docs if is_held(s)])]
    if any(s.agreed is not None for s in docs):
        out.append(("held·agree", [s for s in docs if is_held(s) and s.agreed]))
    out.append(("all (cv)", docs))
    if any(s.agreed is not None for s in docs):
        out.append(("agree (cv)", [s for s in docs if s.agreed]))
    return out


def table(docs: list[Sample], variants: list[Variant], stock_name: str, seed: int) -> dict:
    """Print one row per split and variant; return {(variant, split): metrics}. The first
    variant is stock, the one every difference is taken to."""
    print(f"  {'variant':<30} {'split':<11} {'n':>4} {'prec':>6} {'recall':>6} {'F1':>6}  ΔF1 vs stock [95% CI]")
    results = {}
    base = variants[0]
    for split, part in splits(docs):
        y = np.array([s.good for s in part])
        ids = {s.id for s in part}
        stock_k = np.array([base.keeps[s.id] for s in part])
        for v in variants:
            out_of_fold = split.endswith("(cv)") and v.cv is not None
            decisions = v.cv if out_of_fold else v.keeps
            k = np.array([decisions[s.id] for s in part])
            m = keep_metrics(list(y), list(k))
            results[(v.name, split)] = m
            delta = ""
            if v is not base:
                lo, hi = f1_deltas(y, k, stock_k, seed)
                m["delta_ci"] = (lo, hi)
                delta = f"{m['f1'] - results[(base.name, split)]['f1']:+.3f} [{lo:+.3f}, {hi:+.3f}]"
            note = "  (in-sample: the model was trained on these)" if not out_of_fold and v.fitted & ids else ""
            name = stock_name if v is base else v.name
            print(f"  {name:<30} {split:<11} {len(part):>4} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f}  {delta}{note}")
        print()
    return results


def describe(o: Outcome) -> str:
    if o.kept:
        return "kept"
    value = "" if o.value is None else f"={o.value:.3g}"
    threshold = "" if o.threshold is None else f" (thr {o.threshold:g})"
    return f"{o.reason or o.rule}{value}{threshold}"


def reason_tally(docs: list[Sample], outcomes: dict[str, Outcome], title: str) -> None:
    good = Counter(outcomes[s.id].reason or outcomes[s.id].rule for s in docs if s.good and not outcomes[s.id].kept)
    bad = Counter(outcomes[s.id].reason or outcomes[s.id].rule for s in docs if not s.good and not outcomes[s.id].kept)
    cells = [f"{r} {good[r]}/{bad[r]}" for r in sorted(set(good) | set(bad), key=lambda r: -(good[r] + bad[r]))]
    print(f"  {title} removals by reason (label 1 / label 0): " + (", ".join(cells) or "none"))


def disagreements(docs, rules_out, stock_out, scores, recovered: dict[str, bool]) -> None:
    """One line per held-apart document that `rules` and its label disagree on."""
    held = [s for s in docs if is_held(s) and rules_out[s.id].kept != s.good]
    held.sort(key=lambda s: (s.good is False, rules_out[s.id].reason, s.id))
    print(f"  held-apart documents where `rules` and the label disagree ({len(held)}): "
          "id, label (* all annotators agreed), ours, stock, tuning-half classifier score, re-admitted by +recovery, tuned")
    for s in held:
        star = "*" if s.agreed else " "
        text = " ".join(s.text[:100].split())
        back = " re-admitted" if recovered.get(s.id) and not rules_out[s.id].kept else ""
        print(f"  {s.id:<10} {int(s.good)}{star} ours {describe(rules_out[s.id]):<42} stock {describe(stock_out[s.id]):<30} "
              f"score {scores.get(s.id, float('nan')):.2f}{back}  | {text}")
    print()


def evaluate(data: Path, cfg: Config, lang: str, args, fallback: Config | None) -> dict:
    docs = samples(data, lang)
    held = [s for s in docs if is_held(s)]
    n_agree = sum(bool(s.agreed) for s in docs)
    agree = f", {n_agree} all-agree ({sum(bool(s.agreed) for s in held)} held)" if n_agree else ""
    print(f"\n{lang}: {len(docs)} labelled documents ({sum(s.good for s in docs)} label 1, "
          f"{sum(not s.good for s in docs)} label 0){agree}; split by hash: tune {len(docs) - len(held)} "
          f"({sum(s.good for s in docs if not is_held(s))} label 1), held {len(held)} ({sum(s.good for s in held)} label 1); "
          f"cv: {args.folds} folds by hash", flush=True)
    if any(r.use == CLASSIFIER for r in cfg.quality[lang]):
        print(f"  (the config's {CLASSIFIER} step is left out of `rules` and given the bench's model in +clf)")
    start = time.perf_counter()
    rules_cfg = without_classifier(cfg, lang)
    with tempfile.TemporaryDirectory(prefix="quality_eval_") as tmp:
        tmp = Path(tmp)
        stock_out = stock(lang, docs, tmp / "stock", fallback)
        rules_out = ours(rules_cfg, lang, docs, tmp / "rules")
        extra, info = classifier_variants(rules_cfg, lang, docs, tmp / "rules", tmp, args)
    stock_name = "stock datatrove FineWeb chain" if fallback is None else "stock* en_fineweb.yaml"
    # keep all: what F1 of "keep" gives a chain that removes nothing, since most labels are 1.
    variants = [Variant("stock", {i: o.kept for i, o in stock_out.items()}), Variant("keep all (no filter)", {s.id: True for s in docs}),
                Variant("rules", {i: o.kept for i, o in rules_out.items()}), *extra]
    results = table(docs, variants, stock_name, args.seed)
    held_scores = [info["scores"][s.id] for s in held]
    if len({s.good for s in held}) == 2:
        auc = f"ROC-AUC on held {roc_auc([s.good for s in held], held_scores):.3f}, "
    else:
        auc = ""
    folds = ", ".join(f"{c:.3f}/{r:.3f}" for c, r in info["cv_thresholds"])
    print(f"  classifier (tuning-half model, DEFAULT_PARAMS[{lang!r}]): {auc}scores on held {min(held_scores):.3f}..{max(held_scores):.3f}; "
          f"tuned min_score +clf/+recovery {info['thresholds'][0]:.3f}/{info['thresholds'][1]:.3f} (fold models: {folds})")
    reason_tally(held, stock_out, "held, stock:")
    reason_tally(held, rules_out, "held, rules:")
    if args.show_disagreements:
        print()
        disagreements(docs, rules_out, stock_out, info["scores"], extra[3].keeps)
    print(f"  ({time.perf_counter() - start:.1f}s)")
    return results


# --- used by bench/recovery_eval.py --------------------------------------------------------------


def labelled(data: Path, lang: str) -> tuple[list[str], list[bool]]:
    docs = samples(data, lang)
    return [s.text for s in docs], [s.good for s in docs]


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
        train_set = [(t, y) for t, y, g in zip(texts, labels, fold) if g != f] + extra
        test = [i for i, g in enumerate(fold) if g == f]
        model = fit(train_set, params)
        for i, s in zip(test, keep_scores(model, [texts[i] for i in test])):
            scores[i] = s
    return scores


# --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "text")
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "default.yaml",
                        help="pipeline config whose quality rules are `rules` (default: configs/default.yaml)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--min-score", type=float, default=0.5, help="+clf: the classifier step's min_score")
    parser.add_argument("--recovery-min-score", type=float, default=None,
                        help="+recovery: re-admit at this score (default: the config's recovery.false_rejections.min_score)")
    parser.add_argument("--inner-folds", type=int, default=5, help="folds inside the training documents for the tuned thresholds")
    parser.add_argument("--show-disagreements", action="store_true", help="list held-apart documents where rules and label disagree")
    parser.add_argument("--langs", default="en,zh")
    args = parser.parse_args()
    logger.remove()
    logger.add(sys.stderr, level="ERROR")  # datatrove's readers and writers talk at INFO
    cfg = load_config(args.config)
    fallback = None
    if importlib.util.find_spec("spacy") is None:
        fallback = load_explain_config(REPO / "configs" / "filters" / "en_fineweb.yaml")
        print("NOTE: spaCy is not installed, so datatrove's stock filters cannot count words: stock* is "
              "configs/filters/en_fineweb.yaml instead (pip install spacy for datatrove's own).")
    print(f"rules: {args.config} (quality: {', '.join(f'{lang} {len(r)} steps' for lang, r in cfg.quality.items())})")
    summary = {lang: evaluate(args.data, cfg, lang, args, fallback) for lang in args.langs.split(",")}
    print()
    for lang, results in summary.items():
        split = "held·agree" if any(s == "held·agree" for _, s in results) else "held"
        base = results[("stock", split)]["f1"]
        for (name, s), m in results.items():
            if s == split and name not in ("stock", "keep all (no filter)"):
                verdict = "met" if m["f1"] >= base + 0.05 else "NOT met"
                lo, hi = m["delta_ci"]
                print(f"{lang} {split}: {name:<26} F1 {m['f1']:.3f} vs stock {base:.3f}: {m['f1'] - base:+.3f} "
                      f"[{lo:+.3f}, {hi:+.3f}]; target >= +0.05 {verdict}{' (point estimate only)' if verdict == 'met' and lo < 0.05 else ''}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
