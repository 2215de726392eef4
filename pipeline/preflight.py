"""Checks that need the file system, made before any stage starts, then `RUN/config.yaml`."""

from __future__ import annotations

import shutil

import yaml

from pipeline.config import Config, ConfigError
from pipeline.inputs import InputError, resolve_inputs
from pipeline.layout import RunLayout


def needed_inputs(layout: RunLayout) -> dict[str, list[tuple]]:
    """What each stage reads: (path, the stage that writes it)."""
    return {
        "langid": [(layout.output("extract"), "extract")],
        "quality": [(layout.output("langid"), "langid")],
        "dedup": [(layout.output("quality"), "quality")],
        "recovery": [(layout.output("dedup"), "dedup")],
        "tokenizer": [(layout.output("recovery"), "recovery")],
        "shards": [(layout.output("recovery"), "recovery"), (layout.tokenizer / "tokenizer.json", "tokenizer")],
    }


def check_before_run(cfg: Config, layout: RunLayout, stages: list[str]) -> None:
    _check_writable(layout)
    if "extract" in stages:
        try:
            resolve_inputs(cfg.input.paths, cfg.input.format)
        except InputError as e:
            raise ConfigError(f"{e}. Fix: point input.paths (or --input) at existing WARC, jsonl or parquet files",
                              key="input.paths") from e
    for stage in stages:
        for path, producer in needed_inputs(layout).get(stage, []):
            # Written earlier in this run (stages run in pipeline order), or already there.
            if producer in stages or path.exists():
                continue
            raise ConfigError(f"stage {stage!r} reads {path}, which does not exist: run stage {producer!r} first")
    if cfg.run.executor == "slurm" and shutil.which("sbatch") is None:
        raise ConfigError("run.executor is slurm but no `sbatch` is on PATH: run on a Slurm login node, or use --executor local")
    _write_config(cfg, layout)


def _check_writable(layout: RunLayout) -> None:
    try:
        layout.root.mkdir(parents=True, exist_ok=True)
        probe = layout.root / ".write_test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise ConfigError(f"cannot write to {layout.root}: {e.strerror}. Fix: give a writable folder in run.output "
                          f"or --output", key="run.output") from e


def _write_config(cfg: Config, layout: RunLayout) -> None:
    """Write the resolved config; refuse to mix two different configs in one run folder.

    datatrove skips tasks whose completion marker exists, so a changed config in the same
    folder would silently keep outputs made with the old settings.
    """
    resolved = cfg.to_dict()
    if layout.config.is_file():
        previous = yaml.safe_load(layout.config.read_text())
        # Where and how many at once tasks run does not change the output; the task count does.
        changed = sorted(
            key
            for key in _diff(previous, resolved)
            if key.split(".")[0] != "slurm" and key not in ("run.executor", "run.workers")
        )
        if changed:
            raise ConfigError(
                f"{layout.root} was made with a different config (changed: {', '.join(changed[:8])}). "
                f"Use a new --output, or delete the folders of the stages these settings affect."
            )
    layout.config.write_text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True))


def _diff(a, b, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b), key=str)
        return [k for key in keys for k in _diff(a.get(key), b.get(key), f"{prefix}{key}.")]
    return [] if a == b else [prefix.rstrip(".")]
