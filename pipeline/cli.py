"""`thresher`: the command line. Every command has --help; config errors exit with code 2."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import yaml

from pipeline.config import STAGES, Config, ConfigError, load_config
from pipeline.inputs import InputError
from pipeline.layout import RunLayout

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
    run.add_argument("--stages", help=f"comma-separated subset, in pipeline order: {','.join(STAGES)}")
    run.add_argument("--input", nargs="+", metavar="PATH", help="input files, folders, globs or fsspec URLs")
    run.add_argument("--output", help="run folder (overrides run.output)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                     help="override a config value, e.g. --set dedup.num_buckets=20 (repeatable)")
    run.add_argument("--executor", choices=["local", "slurm"], help="where tasks run (overrides run.executor)")
    run.add_argument("--tasks", type=int, help="tasks per parallel stage (overrides run.tasks)")
    run.add_argument("--workers", type=int, help="tasks at once on the local executor (overrides run.workers)")
    run.set_defaults(func=cmd_run)

    status = sub.add_parser("status", help="show each stage of a run and its tasks")
    status.add_argument("run", type=Path, help="run folder")
    status.set_defaults(func=cmd_status)

    stats = sub.add_parser("stats", help="(re)write RUN/report/ from a finished run and print the summary")
    stats.add_argument("run", type=Path, help="run folder")
    stats.set_defaults(func=cmd_stats)
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
    from pipeline.demo_corpus import write_demo_corpus

    layout = RunLayout(Path(args.output))
    overrides = [f"run.output={args.output}", f"input.paths=[{layout.demo_input}]"]
    if args.workers is not None:
        overrides.append(f"run.workers={args.workers}")
    cfg = load_config(CONFIGS / "demo.yaml", overrides)
    print(f"Writing the demo corpus to {layout.demo_input}/")
    write_demo_corpus(layout.demo_input, seed=args.seed)
    return run_pipeline(cfg, list(STAGES))


def run_pipeline(cfg: Config, stages: list[str]) -> int:
    from pipeline.execution import CLEAR_LINE, JobFailed, run_local, slurm_executors
    from pipeline.preflight import check_before_run
    from pipeline.report import stage_line
    from pipeline.stages import BUILDERS

    layout = RunLayout(Path(cfg.run.output))
    check_before_run(cfg, layout, stages)
    jobs_by_stage = {stage: BUILDERS[stage](cfg, layout) for stage in stages}

    if cfg.run.executor == "slurm":
        if "report" in stages:
            shutil.rmtree(layout.logs("report"), ignore_errors=True)
        last = None
        for stage in stages:
            last = slurm_executors(jobs_by_stage[stage], cfg, layout, depends=last)
        last.run()
        print(f"Submitted {len(stages)} stages to Slurm. Watch them with: thresher status {layout.root}")
        return 0

    print(f"Run folder: {layout.root}/  ({cfg.run.tasks} tasks, {cfg.run.workers} workers)")
    for i, stage in enumerate(stages, 1):
        print(f"[{i}/{len(stages)}] {stage}", flush=True)
        start = time.perf_counter()
        if stage == "report":
            # The report always reflects the run as it is now: never skipped as "completed".
            shutil.rmtree(layout.logs("report"), ignore_errors=True)
        for job in jobs_by_stage[stage]:
            try:
                run_local(job, layout, cfg.run.workers)
            except JobFailed as e:
                print(f"\nerror: {e}", file=sys.stderr)
                return 1
        clear = CLEAR_LINE if sys.stdout.isatty() else ""
        print(f"{clear}    {stage_line(layout, stage)}  ({time.perf_counter() - start:.1f}s)", flush=True)
    if "shards" in stages or "report" in stages:
        print(f"Shards: {layout.shards}/ (manifest.json)")
        print(f"Report: {layout.report}/summary.json")
    return 0


def cmd_status(args) -> int:
    from pipeline.status import print_status

    return print_status(RunLayout(args.run))


def cmd_stats(args) -> int:
    from pipeline.report import print_summary, write_report

    layout = RunLayout(args.run)
    if not layout.config.is_file():
        print(f"error: {args.run} is not a run folder (no config.yaml)", file=sys.stderr)
        return EXIT_CONFIG
    summary = write_report(layout)
    print_summary(summary)
    print(f"Report: {layout.report}/summary.json")
    return 0


def _select_stages(text: str | None) -> list[str]:
    if not text:
        return list(STAGES)
    wanted = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in STAGES]
    if unknown:
        raise ConfigError(f"--stages: unknown stage(s) {unknown}; valid: {list(STAGES)}")
    return [s for s in STAGES if s in wanted]


if __name__ == "__main__":
    sys.exit(main())
