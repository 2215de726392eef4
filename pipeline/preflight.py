"""Checks that need the file system, made before any stage starts, then `RUN/config.yaml`.

A run folder may be run into again: datatrove skips every task whose completion marker
exists. That is only right while the outputs kept were made from the same input files and
the same settings, so both are compared here with what the folder records.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from pathlib import Path

import yaml

from extract.inputs import InputError, ResolvedInput, resolve_inputs
from pipeline import fasttext_model
from pipeline.config import Config, ConfigError
from pipeline.layout import RunLayout
from pipeline.plan import names as plan_names
from pipeline.plan import run_stages
from pipeline.stage import StaleOutput

# Where and how many at once tasks run does not change the output; the folder is the folder.
IGNORED_KEYS = ("run.executor", "run.workers", "run.output")
IGNORED_SECTIONS = ("slurm",)
SHOWN_CHANGES = 3  # old -> new values in the message; the other keys by name only


def needed_inputs(layout: RunLayout) -> dict[str, list[tuple]]:
    """What each stage reads: (path, the stage that writes it)."""
    return {stage.name: stage.reads(layout) for stage in run_stages()}


def first_missing(path: Path) -> Path | None:
    """The outermost folder of PATH that does not exist yet: what making PATH would create."""
    missing = None
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing = folder
    return missing


def check_before_run(cfg: Config, layout: RunLayout, stages: list[str], made: Path | None = None) -> None:
    """MADE: the outermost folder this run created for its run folder (the run lock creates it
    before the checks); None: the run folder is checked for that here."""
    made = first_missing(layout.root) if made is None else made
    try:
        _checks(cfg, layout, stages)
    except ConfigError:
        if made is not None:  # made only to test that it can be written: a refused run leaves nothing
            shutil.rmtree(made, ignore_errors=True)
        raise


# A run folder every line of a Slurm batch script can name as it is: sbatch splits #SBATCH values
# at spaces, and the shell would read $, backticks and quotes in the srun line.
SLURM_SAFE_PATH = re.compile(r"[A-Za-z0-9_./@+:,=~-]+")


def _checks(cfg: Config, layout: RunLayout, stages: list[str]) -> None:
    if cfg.run.executor == "slurm" and not SLURM_SAFE_PATH.fullmatch(str(layout.root.resolve())):
        raise ConfigError(f"run folder {str(layout.root.resolve())!r} cannot go into a Slurm batch script: "
                          "use letters, digits and _ . / @ + : , = ~ - only (no spaces or shell characters)",
                          key="run.output")
    _check_writable(layout)
    _check_named_files(cfg, stages)
    for stage in run_stages():
        if stage.name in stages and stage.preflight:
            try:
                stage.preflight(cfg, layout)
            except StaleOutput as e:
                raise ConfigError(f"{e}. Fix: {_fix(_stale_folders(layout, stage.name))}", key=e.key) from None
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
        raise unwritable(layout.root, e) from e


def unwritable(root: Path, error: OSError) -> ConfigError:
    return ConfigError(f"cannot write to {root}: {error.strerror}. Fix: give a writable folder in run.output "
                       f"or --output", key="run.output")


def named_files(cfg, stages: list[str]) -> list[tuple[str, str]]:
    """The files the config names that these stages will open: (dotted key, path), each once."""
    files = [f for stage in run_stages() for f in stage.named_files(cfg, stages)]
    return list(dict.fromkeys(files))


def _check_named_files(cfg: Config, stages: list[str]) -> None:
    """A missing blocklist or model would otherwise fail its stage, hours into the run."""
    for key, path in named_files(cfg, stages):
        if not Path(path).exists():
            base = "the YAML file that names it" if key.startswith("quality.") else "the working directory"
            raise ConfigError(f"{path} does not exist. Fix: correct the path (a relative path is from {base})",
                              cfg.source, key)
        if "model_path" in key.split(".") and Path(path).is_file():  # a fastText model
            wrong = fasttext_model.problem(path)
            if wrong:
                raise ConfigError(f"{path} {wrong}. Fix: point it at a model `thresher quality train` wrote",
                                  cfg.source, key)


def _write_config(cfg: Config, layout: RunLayout) -> None:
    """Write the resolved config; refuse a change that outputs kept from the old settings would hide.

    datatrove skips tasks whose completion marker exists, so a changed setting is accepted only
    when no folder of the first stage it affects, or of any later stage, is left.
    """
    resolved = cfg.to_dict()
    if layout.config.is_file():
        previous = yaml.safe_load(layout.config.read_text()) or {}
        if not resolved["input"]["paths"]:
            # No input given: this run starts after extract (README: `--stages quality,dedup`), and
            # the run's inputs are still the ones its extract stage read.
            resolved["input"]["paths"] = (previous.get("input") or {}).get("paths") or []
        changes = _diff(_comparable(previous), _comparable(resolved))
        old_paths = (previous.get("input") or {}).get("paths") or []
        if any(key.startswith("input.paths") for key, _, _ in changes) and _same_files(old_paths, resolved["input"]):
            # A folder and a glob (or a list) that name the same files are the same input.
            changes = [c for c in changes if not c[0].startswith("input.paths")]
        if changes:
            order = plan_names()
            first = min((_first_stage(key) for key, _, _ in changes), key=order.index)
            stale = _stale_folders(layout, first)
            if stale:
                keys = [key for key, _, _ in changes]
                shown = "; ".join(f"{key}: {_short(a)} -> {_short(b)}" for key, a, b in changes[:SHOWN_CHANGES])
                raise ConfigError(
                    f"{layout.root} was made with a different config (changed: {', '.join(keys[:8])}"
                    f"{', …' if len(keys) > 8 else ''}). {shown}. These settings change the output of stage "
                    f"{first!r} and of every stage after it. Fix: {_fix(stale)}")
    layout.config.write_text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True))


def _same_files(old_paths: list[str], new_input: dict) -> bool:
    """Whether both spellings of the inputs resolve to the same files (absolute paths)."""
    try:
        old = resolve_inputs(old_paths, new_input.get("format", "auto"))
        new = resolve_inputs(new_input["paths"], new_input.get("format", "auto"))
    except InputError:
        return False

    def absolute(r: ResolvedInput) -> set[str]:
        return {_normal_path(posixpath.join(r.folder, f)) for f in r.files}

    return absolute(old) == absolute(new)


def _first_stage(key: str) -> str:
    """The first stage whose output a change of KEY makes stale: the stage whose section it is,
    or one that names it in `invalidated_by`. Any other key (run.tasks decides what every task
    of every stage reads) counts as the whole run."""
    for stage in run_stages():
        for owned in (stage.name, *stage.invalidated_by):
            if key == owned or key.startswith(owned + "."):
                return stage.name
    return run_stages()[0].name


def _stale_folders(layout: RunLayout, first: str) -> list[Path]:
    """The folders of stage FIRST and every later stage that exist: all made from older settings."""
    order = plan_names()
    return [layout.root / stage for stage in order[order.index(first):] if (layout.root / stage).exists()]


def _fix(folders: list[Path]) -> str:
    return f"delete {', '.join(str(f) for f in folders)}, or use a new --output"


def _comparable(config: dict) -> dict:
    """The settings that decide what a run makes; input paths in one spelling, in any order.

    The paths are compared as well as the files they resolve to: two folders can hold files
    of the same names (`part-00000.jsonl`), and the recorded file names are relative.
    """
    data = {section: value for section, value in config.items() if section not in IGNORED_SECTIONS}
    data["run"] = {k: v for k, v in (data.get("run") or {}).items() if f"run.{k}" not in IGNORED_KEYS}
    inputs = dict(data.get("input") or {})
    inputs["paths"] = sorted({_normal_path(p) for p in inputs.get("paths") or []})
    data["input"] = inputs
    return data


def _normal_path(path: str) -> str:
    """`runs/x/`, `./runs/x` and the absolute spelling are one path; a URL loses a trailing slash."""
    if "://" in path:
        return path.rstrip("/")
    return os.path.abspath(os.path.expanduser(path))


def _diff(a, b, prefix: str = "") -> list[tuple[str, object, object]]:
    """(dotted key, old value, new value) for every value that differs; lists of rules item by item."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b), key=str)
        return [change for key in keys for change in _diff(a.get(key), b.get(key), f"{prefix}{key}.")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [change for i, (x, y) in enumerate(zip(a, b)) for change in _diff(x, y, f"{prefix}{i}.")]
    return [] if a == b else [(prefix.rstrip("."), a, b)]


def _short(value: object) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False).strip().removesuffix("\n...").strip()
    return text if len(text) <= 60 else text[:57] + "..."
