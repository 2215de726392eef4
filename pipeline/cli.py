"""`thresher`: the command line. Every command has --help; config errors exit with code 2."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from extract.inputs import InputError
from pipeline.config import Config, ConfigError, load_config
from pipeline.execution import stderr_to
from pipeline.layout import DamagedRunFolder, RunLayout
from pipeline.plan import names as stage_names
from shards.packing import MANIFEST

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "configs"
EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, InputError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_CONFIG
    except DamagedRunFolder as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Finished tasks keep their completion markers and the trainer its checkpoints.
        print("\ninterrupted: the same command goes on from the finished tasks (or the last checkpoint)", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thresher",
        description="Curate web crawl into training-ready token shards (English and Chinese).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="generate the embedded demo corpus and run the whole pipeline on it")
    demo.add_argument("--output", default="runs/demo", help="run folder (default: runs/demo)")
    demo.add_argument("--workers", type=int, help="tasks run at once (default: from configs/demo.yaml)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the generated corpus")
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="run the pipeline (or some stages of it) from a YAML config")
    run.add_argument("config", type=Path, help="pipeline config, e.g. configs/default.yaml")
    run.add_argument("--stages", help=f"comma-separated subset, in pipeline order: {','.join(stage_names())}")
    run.add_argument("--input", nargs="+", metavar="PATH", help="input files, folders, globs or fsspec URLs")
    run.add_argument("--output", help="run folder (overrides run.output)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                     help="override a config value, e.g. --set dedup.num_buckets=20 (repeatable)")
    run.add_argument("--executor", choices=["local", "slurm", "ray"], help="where tasks run (overrides run.executor)")
    run.add_argument("--tasks", type=int, help="tasks per parallel stage (overrides run.tasks)")
    run.add_argument("--workers", type=int, help="tasks at once on the local executor (overrides run.workers)")
    run.set_defaults(func=cmd_run)

    status = sub.add_parser("status", help="show each stage of a run and its tasks")
    status.add_argument("run", type=Path, help="run folder")
    status.set_defaults(func=cmd_status)

    stats = sub.add_parser("stats", help="(re)write RUN/report/ (summary.json, report.html) and print the summary")
    stats.add_argument("run", type=Path, help="run folder, or a shard folder alone (its report goes to FOLDER/report/)")
    stats.set_defaults(func=cmd_stats)

    explain = sub.add_parser("explain", help="show every quality check, the language and the classifier score of a document (or of each line of a jsonl file)")
    explain.add_argument("config", type=Path, help="pipeline config (configs/default.yaml) or a filter-rule file (configs/filters/en.yaml)")
    explain.add_argument("document", nargs="?", default="-", help="plain text, or jsonl (one document per line, with text/metadata); - or nothing: stdin")
    explain.add_argument("--lang", choices=["en", "zh"], help="apply this language's rules whatever language ID says")
    explain.add_argument("--json", action="store_true", help="print the explanation as JSON")
    explain.set_defaults(func=cmd_explain)

    quality = sub.add_parser("quality", help="the model-based quality classifier")
    quality_sub = quality.add_subparsers(dest="quality_command", required=True, metavar="COMMAND")
    qtrain = quality_sub.add_parser("train", help="train a fastText quality classifier from good and bad examples")
    qtrain.add_argument("--positive", nargs="+", required=True, metavar="PATH",
                        help="jsonl/parquet files, folders or globs of text to keep")
    qtrain.add_argument("--negative", nargs="+", required=True, metavar="PATH",
                        help="jsonl/parquet files, folders or globs of text to drop")
    qtrain.add_argument("--lang", choices=["en", "zh"], required=True, help="language of the examples (sets the n-gram default)")
    qtrain.add_argument("--output", required=True, type=Path, help="model file to write, e.g. models/quality_en.bin")
    qtrain.add_argument("--text-key", default="text", help="field holding the text (default: text)")
    qtrain.add_argument("--holdout-frac", type=float, default=0.1, help="share of each class held out for the metrics (default 0.1)")
    qtrain.add_argument("--seed", type=int, default=0, help="same seed and data -> same model")
    for name, kind in (("epoch", int), ("lr", float), ("word-ngrams", int), ("dim", int), ("min-count", int), ("bucket", int)):
        qtrain.add_argument(f"--{name}", type=kind, help="fastText setting (default: per language, see filters/classifier.py)")
    qtrain.set_defaults(func=cmd_quality_train)

    tokenizer = sub.add_parser("tokenizer", help="the byte-level BPE tokenizer")
    tokenizer_sub = tokenizer.add_subparsers(dest="tokenizer_command", required=True, metavar="COMMAND")
    ttrain = tokenizer_sub.add_parser("train", help="train a DeepSeek-style tokenizer on text files (same code as the stage)")
    ttrain.add_argument("--input", nargs="+", required=True, metavar="PATH",
                        help="jsonl(.gz)/parquet/txt files, folders or globs (a txt line is one document)")
    ttrain.add_argument("--output", required=True, type=Path, help="folder for tokenizer.json (or .model) and its report")
    ttrain.add_argument("--vocab-size", type=int, help="learned tokens, the byte alphabet included (default: from the config)")
    ttrain.add_argument("--backend", choices=["tokenizers", "sentencepiece"], help="trainer (default: from the config)")
    ttrain.add_argument("--reference", help="tokenizer.json / tokenizer.model (or its folder) the report compares against")
    ttrain.add_argument("--max-train-bytes", type=int, help="byte budget of the training sample (default: from the config)")
    ttrain.add_argument("--text-key", default="text", help="jsonl/parquet field holding the text (default: text)")
    ttrain.add_argument("--config", type=Path, default=CONFIGS / "default.yaml", help="config whose tokenizer: section gives the defaults")
    ttrain.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override a config value, e.g. --set tokenizer.language_shares.zh=0.3 (repeatable)")
    ttrain.set_defaults(func=cmd_tokenizer_train)

    sanity = sub.add_parser("sanity", help="train a tiny DeepSeek-V2 on shards and say whether the data is sane")
    sanity.add_argument("shards", type=Path, help="shard folder (RUN/shards, with manifest.json)")
    sanity.add_argument("--steps", type=int, help="training steps (overrides train.steps)")
    sanity.add_argument("--config", type=Path, default=CONFIGS / "sanity.yaml", help="model and training settings")
    sanity.add_argument("--compare", type=Path, metavar="RAW_SHARDS",
                        help="also train on shards made with the filters off and score both on held-out clean text")
    sanity.add_argument("--output", type=Path, help="folder for sanity.json, loss.png, checkpoints (default: SHARDS/../sanity)")
    sanity.add_argument("--restart", action="store_true", help="ignore checkpoints in OUTPUT and train from step 0")
    sanity.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override a setting, e.g. --set train.context=512 (repeatable)")
    sanity.set_defaults(func=cmd_sanity)
    return parser


def cmd_run(args) -> int:
    overrides = list(args.overrides)
    for key, value in (("run.output", args.output), ("run.executor", args.executor),
                       ("run.tasks", args.tasks), ("run.workers", args.workers)):
        if value is not None:
            overrides.append(f"{key}={value}")
    if args.input:
        overrides.append(f"input.paths={yaml.safe_dump(list(args.input), default_flow_style=True).strip()}")
    cfg = load_config(args.config, overrides)
    stages = _select_stages(args.stages)
    return run_pipeline(cfg, stages)


def cmd_demo(args) -> int:
    from demo.corpus import write_demo_corpus

    layout = RunLayout(Path(args.output))
    # The WARC files only: the folder also holds labels.json, which is for the tests.
    overrides = [f"run.output={args.output}", f"input.paths=['{layout.demo_input}/*.warc.gz']"]
    if args.workers is not None:
        overrides.append(f"run.workers={args.workers}")
    cfg = load_config(CONFIGS / "demo.yaml", overrides)
    print(f"Writing the demo corpus to {layout.demo_input}/")
    write_demo_corpus(layout.demo_input, seed=args.seed)
    return run_pipeline(cfg, stage_names())


def run_pipeline(cfg: Config, stages: list[str]) -> int:
    from pipeline.preflight import check_before_run, first_missing
    from pipeline.run_lock import run_lock

    # Slurm jobs and Ray workers run in their own working directory: give them absolute paths.
    root = Path(cfg.run.output)
    layout = RunLayout(root.resolve() if cfg.run.executor in ("slurm", "ray") else root)
    made = first_missing(layout.root)
    if cfg.run.executor == "slurm":
        check_before_run(cfg, layout, stages, made)  # refuses a path sbatch cannot take, first
    # One run at a time in a folder, held until this command exits (pipeline/run_lock.py); on
    # Slurm, while submitting.
    with run_lock(layout.root) as unfinished:
        if unfinished:
            print(f"note: the last run in this folder (pid {unfinished.get('pid')} on {unfinished.get('host')}, "
                  f"started {unfinished.get('started')}) did not finish: its completed tasks are kept, "
                  "the rest run again", flush=True)
        return _run_locked(cfg, layout, stages, made)


def _run_locked(cfg: Config, layout: RunLayout, stages: list[str], made: Path | None) -> int:
    from pipeline.execution import JobFailed, ray_cluster, redo_damaged, run_local, run_ray
    from pipeline.preflight import check_before_run
    from pipeline.plan import stage as stage_named

    check_before_run(cfg, layout, stages, made)
    jobs_by_stage = {stage: stage_named(stage).jobs(cfg, layout) for stage in stages}

    if cfg.run.executor == "slurm":
        redo_damaged(jobs_by_stage, layout)  # before submitting: the jobs skip what is marked done
        return submit_to_slurm(cfg, layout, stages, jobs_by_stage)

    where = "at once on Ray" if cfg.run.executor == "ray" else "workers"
    print(f"Run folder: {layout.root}/  ({cfg.run.tasks} tasks, {cfg.run.workers} {where})")
    redo_damaged(jobs_by_stage, layout)  # a task marked done whose files changed since is not done
    if cfg.run.executor == "ray":
        try:
            with ray_cluster(cfg, layout.root / "ray.log"):
                return _run_jobs(cfg, layout, stages, jobs_by_stage, lambda job: run_ray(job, layout, cfg))
        except JobFailed as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    return _run_jobs(cfg, layout, stages, jobs_by_stage, lambda job: run_local(job, layout, cfg.run.workers))


def _run_jobs(cfg: Config, layout: RunLayout, stages: list[str], jobs_by_stage: dict, run_job) -> int:
    """Every stage's jobs, one after another, through RUN_JOB; a line per stage."""
    from pipeline.execution import CLEAR_LINE, JobFailed, completed_tasks
    from pipeline.plan import stage as stage_named
    from pipeline.report import stage_line

    for i, stage in enumerate(stages, 1):
        print(f"[{i}/{len(stages)}] {stage}", flush=True)
        start = time.perf_counter()
        if stage_named(stage).always_runs:  # e.g. the report: it reflects the run as it is now
            shutil.rmtree(layout.logs(stage), ignore_errors=True)
        # Every task already finished in this folder: datatrove will skip them all. Say so, so
        # that a 0.0 s stage is not mistaken for a stage that had nothing to do.
        done = all(completed_tasks(layout.logs(job.stage, job.name)) >= job.tasks for job in jobs_by_stage[stage])
        for job in jobs_by_stage[stage]:
            try:
                run_job(job)
            except JobFailed as e:
                print(f"\nerror: {e}", file=sys.stderr)
                return 1
        clear = CLEAR_LINE if sys.stdout.isatty() else ""
        timing = "already done in this folder: skipped" if done else f"{time.perf_counter() - start:.1f}s"
        print(f"{clear}    {stage_line(layout, stage_named(stage))}  ({timing})", flush=True)
        for note in stage_named(stage).notes(cfg, layout):
            print(f"    note: {note}", flush=True)
    if ("shards" in stages or "report" in stages) and (layout.shards / MANIFEST).is_file():
        print(f"Shards: {layout.shards}/ (manifest.json)")
    if "report" in stages:
        print(f"Report: {layout.report}/summary.json")
    return 0


def submit_to_slurm(cfg: Config, layout: RunLayout, stages: list[str], jobs_by_stage: dict) -> int:
    """Submit every stage as Slurm arrays chained by dependencies, and return at once."""
    from pipeline.execution import slurm_executors
    from pipeline.run_lock import record_run_id
    from pipeline.slurm import record_submission

    from pipeline.plan import stage as stage_named

    for stage in stages:
        if stage_named(stage).always_runs:
            shutil.rmtree(layout.logs(stage), ignore_errors=True)
    run_id = record_run_id(layout.root)  # jobs of an earlier submission into this folder now stop
    executors, last = {}, None
    for stage in stages:
        stage_executors = slurm_executors(jobs_by_stage[stage], cfg, layout, depends=last, run_id=run_id)
        executors.update(stage_executors)
        last = list(stage_executors.values())[-1]
    print("Each job's arrays ask for (slurm: and slurm.jobs in the config):")
    for name, ex in executors.items():
        print(f"  {name:<32} {ex.tasks:>4} task(s) x {ex.cpus_per_task} CPU, {ex.mem_per_cpu_gb * ex.cpus_per_task} GB, {ex.time}")
    log = layout.root / "slurm_submit.log"
    try:
        with stderr_to(log):
            last.run()  # launches every job it depends on first, then itself
    except subprocess.CalledProcessError as e:
        print(f"error: sbatch refused a job ({e}); sbatch's message is in {log}", file=sys.stderr)
        return 1
    finally:
        record_submission(layout.root, executors)
    submitted = sum(1 for e in executors.values() if e.submitted)
    print(f"Submitted {submitted} of {len(executors)} jobs to Slurm (the rest were complete).")
    print(f"Watch them with: thresher status {layout.root}")
    return 0


def cmd_status(args) -> int:
    from pipeline.status import print_status

    return print_status(RunLayout(args.run))


def cmd_stats(args) -> int:
    from pipeline.report import print_summary, write_report, write_shards_report

    layout = RunLayout(args.run)
    if (args.run / MANIFEST).is_file():
        summary, report = write_shards_report(args.run), args.run / "report"
    elif layout.config.is_file():
        summary, report = write_report(layout), layout.report
    else:
        print(f"error: {args.run} is neither a run folder (no config.yaml) nor a shard folder (no manifest.json)", file=sys.stderr)
        return EXIT_CONFIG
    print_summary(summary)
    print(f"Report: {report}/summary.json and {report}/report.html")
    return 0


def cmd_explain(args) -> int:
    from pipeline.explain import explain_all, load_explain_config

    print(explain_all(load_explain_config(args.config), args.document, lang=args.lang, as_json=args.json))
    return 0


def cmd_quality_train(args) -> int:
    import dataclasses

    from filters.classifier import DEFAULT_PARAMS, TrainingDataError, read_texts, train_classifier

    if not 0.0 <= args.holdout_frac < 1.0:
        print(f"error: --holdout-frac must be in [0, 1), got {args.holdout_frac}", file=sys.stderr)
        return EXIT_CONFIG
    chosen = {k: getattr(args, k) for k in ("epoch", "lr", "word_ngrams", "dim", "min_count", "bucket", "seed")}
    params = dataclasses.replace(DEFAULT_PARAMS[args.lang], **{k: v for k, v in chosen.items() if v is not None})
    try:
        positives = [t for p in args.positive for t in read_texts(p, args.text_key)]
        negatives = [t for p in args.negative for t in read_texts(p, args.text_key)]
        print(f"Training a {args.lang} quality classifier on {len(positives):,} positive and "
              f"{len(negatives):,} negative examples ({args.holdout_frac:.0%} held out)...", flush=True)
        m = train_classifier(positives, negatives, args.output, args.lang, args.holdout_frac, params)
    except TrainingDataError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"Model: {args.output}  (trained on {m['train']:,} examples)")
    if "roc_auc" in m:
        print(f"Held out ({m['held_out']:,} examples): ROC-AUC {m['roc_auc']:.3f}  at score >= 0.5: "
              f"precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}  kept {m['kept_frac']:.1%}")
    else:
        print("Held out: no metrics (no held-out examples of both classes; raise --holdout-frac)")
    return 0


def cmd_tokenizer_train(args) -> int:
    from functools import partial

    from extract.inputs import expand_paths
    from tokenizer.sampling import input_docs
    from tokenizer.train import train_tokenizer

    overrides = list(args.overrides)
    for key, value in (("vocab_size", args.vocab_size), ("backend", args.backend),
                       ("max_train_bytes", args.max_train_bytes), ("reference", args.reference)):
        if value is not None:
            overrides.append(f"tokenizer.{key}={value}")
    cfg = load_config(args.config, overrides)
    t = cfg.tokenizer
    try:
        files = expand_paths(args.input)
        print(f"Training a {t.vocab_size:,}-token {t.backend} tokenizer on {len(files)} file(s)", flush=True)
        train_tokenizer(partial(input_docs, files, args.text_key), args.output, t,
                        model_max_length=cfg.shards.seq_len, seed=cfg.run.seed)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def cmd_sanity(args) -> int:
    from trainer.config import load_sanity_config
    from trainer.sanity import run_sanity

    overrides = list(args.overrides) + ([f"train.steps={args.steps}"] if args.steps is not None else [])
    cfg = load_sanity_config(args.config, overrides)
    output = args.output or args.shards.resolve().parent / "sanity"
    report = run_sanity(args.shards, cfg, output, compare=args.compare, restart=args.restart)
    return 0 if report["sane"] else 1


def _select_stages(text: str | None) -> list[str]:
    if not text:
        return stage_names()
    wanted = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in stage_names()]
    if unknown:
        raise ConfigError(f"--stages: unknown stage(s) {unknown}; valid: {stage_names()}")
    return [s for s in stage_names() if s in wanted]


if __name__ == "__main__":
    sys.exit(main())
