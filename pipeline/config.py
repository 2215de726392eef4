"""The one config loader: YAML in, typed dataclasses out, loud errors before any work.

`yaml.safe_load` gives plain data; `build_typed` (pipeline/typed_yaml.py) turns it into the
dataclasses, checking every key and type against the dataclass fields. The run's own sections
(`run`, `input`, `slurm`, `ray`) are defined here; every stage's section is its package's config
dataclass, named in the stage table (pipeline/stages.py). Filter-rule files referenced from
`quality:` are inlined, so the resolved config written to `RUN/config.yaml` says everything
about the run. Every error names the file, the dotted key, the line and the valid choices
(exit code 2).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline import stages
from pipeline.plan import names as stage_names
from pipeline.typed_yaml import apply_override, build_typed
from pipeline.yaml_source import ConfigError, YamlSource, load_yaml


@dataclass
class RunConfig:
    output: str = "runs/thresher"  # the run folder
    seed: int = 0
    tasks: int = 2  # datatrove tasks per parallel stage (input files are shared out among them)
    workers: int = 2  # tasks run at the same time on the local and Ray executors
    executor: Literal["local", "slurm", "ray"] = "local"


@dataclass
class InputConfig:
    paths: list[str] = field(default_factory=list)  # files, folders, globs or fsspec URLs
    format: Literal["auto", "warc", "jsonl", "parquet"] = "auto"
    text_key: str = "text"  # for jsonl/parquet: the field that holds the text
    id_key: str = "id"


@dataclass
class SlurmResources:
    """What one job's array asks for; None: the `slurm:` section's value."""

    cpus_per_task: int | None = None
    mem_per_cpu_gb: int | None = None
    time: str | None = None


# The jobs whose memory grows with the corpus (union-find and signatures of every clustered
# document, every re-admission candidate's shingles, a task's share of the removed near copies
# with their survivors, the tokenizer's word counts): more memory and time than the jobs whose
# tasks each stream a share of the files. 8 GB fits a 24 GB test node; on a
# cluster, raise it with the corpus (README "Running on Slurm" gives bytes per document).
HEAVY_JOBS = {
    "dedup/*/clusters": SlurmResources(mem_per_cpu_gb=8, time="24:00:00"),
    "recovery/*/readmit_verify": SlurmResources(mem_per_cpu_gb=8, time="24:00:00"),
    "recovery/*/false_duplicates": SlurmResources(mem_per_cpu_gb=8, time="24:00:00"),
    "tokenizer/train": SlurmResources(mem_per_cpu_gb=8, time="24:00:00"),
}


@dataclass
class SlurmConfig:
    partition: str | None = None
    # Every job's array asks for these, unless `jobs` says otherwise for it.
    time: str = "04:00:00"
    cpus_per_task: int = 1
    mem_per_cpu_gb: int = 2
    qos: str | None = None
    sbatch_args: dict[str, str] = field(default_factory=dict)
    env_command: str | None = None  # e.g. "source .venv/bin/activate"
    # Per job: a pattern over "stage/job" names (shell-style, e.g. "dedup/*/clusters",
    # "recovery/*") -> what its array asks for instead. These come after HEAVY_JOBS, and a later
    # pattern wins over an earlier one, so `dedup/*/clusters: {mem_per_cpu_gb: 64}` raises it.
    jobs: dict[str, SlurmResources] = field(default_factory=dict)

    def resources(self, job_name: str) -> tuple[int, int, str]:
        """(cpus per task, memory per CPU in GB, time limit) for the job named `stage/job`."""
        cpus, mem, time = self.cpus_per_task, self.mem_per_cpu_gb, self.time
        for pattern, r in [*HEAVY_JOBS.items(), *self.jobs.items()]:
            if fnmatch.fnmatchcase(job_name, pattern):
                cpus, mem, time = r.cpus_per_task or cpus, r.mem_per_cpu_gb or mem, r.time or time
        return cpus, mem, time


@dataclass
class RayConfig:
    # null: the cluster named by RAY_ADDRESS when it is set, else a Ray started on this machine
    # for the run's length; "auto": the cluster `ray start --head` started here; or
    # "ray://head:10001" for a remote one (the run folder must be on storage all nodes share).
    address: str | None = None
    # What each task asks Ray's scheduler for (datatrove's RayPipelineExecutor).
    cpus_per_task: int = 1
    mem_per_cpu_gb: float = 2.0


class _ConfigBase:
    # Where each key came from, for errors found after loading (a missing file in preflight).
    # Set by load_config, never by the YAML (build_typed skips fields with init=False).
    source: YamlSource | None

    def to_dict(self) -> dict:
        data = {}
        for f in dataclasses.fields(self):
            if f.name == "source":
                continue
            value = getattr(self, f.name)
            # A section may say how it is written (the quality rules: `{use: ..., <keys>}`).
            data[f.name] = value.to_yaml() if hasattr(value, "to_yaml") else dataclasses.asdict(value) \
                if dataclasses.is_dataclass(value) else value
        return data


_CLASSES: dict[tuple, type] = {}


def config_class() -> type:
    """The run config's dataclass: run and input, one section per stage of the table that has
    settings, then slurm and ray. Built from the table so that a new stage's section is its own."""
    sections = tuple(s for s in stages.TABLE if s.config is not None)
    if sections not in _CLASSES:
        fields = [("run", RunConfig, field(default_factory=RunConfig)),
                  ("input", InputConfig, field(default_factory=InputConfig)),
                  *[(s.name, s.config, field(default_factory=s.config_default)) for s in sections],
                  ("slurm", SlurmConfig, field(default_factory=SlurmConfig)),
                  ("ray", RayConfig, field(default_factory=RayConfig)),
                  ("source", YamlSource | None, field(default=None, init=False, repr=False, compare=False))]
        # Named as this module's `Config`, so that the default table's config pickles by reference.
        _CLASSES[sections] = dataclasses.make_dataclass("Config", fields, bases=(_ConfigBase,),
                                                       namespace={"__module__": __name__})
    return _CLASSES[sections]


Config = config_class()  # the default table's; for annotations and for tests that build one


def load_config(path: str | Path, overrides: list[str] = ()):
    """Load CONFIG, inline its filter-rule files, apply `--set key=value` overrides, validate."""
    source = load_yaml(Path(path))
    if not isinstance(source.data, dict):
        raise ConfigError("the top level must be a mapping of sections", source)
    _inline_rule_files(source)
    for override in overrides:
        apply_override(source, override)
    cfg = build_typed(config_class(), source.data, source, "")
    _check_values(cfg, source)
    cfg.source = source
    return cfg


# What may reach a line of the Slurm batch script. A newline would add a line of its own (and
# run it); quotes, `$`, backticks or spaces would be read by the shell or by sbatch.
SLURM_NAME = re.compile(r"[A-Za-z0-9_.+-]+(?:,[A-Za-z0-9_.+-]+)*")  # a partition, qos or account list
# Slurm's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours[:minutes[:seconds]].
SLURM_TIME = re.compile(r"(?:\d+-)?\d+(?::\d{1,2}){0,2}|UNLIMITED|INFINITE", re.I)
SBATCH_KEY = re.compile(r"[a-z][a-z0-9-]*")
SBATCH_VALUE = re.compile(r"[A-Za-z0-9_.,:=@/+%-]*")


def _check_slurm(slurm: SlurmConfig, need) -> None:
    why = "; letters, digits and _ . + - , only (it is written into the Slurm batch script)"
    for key in ("partition", "qos"):
        value = getattr(slurm, key)
        need(value is None or bool(SLURM_NAME.fullmatch(str(value))), f"slurm.{key}", f"not a Slurm name: {value!r}{why}")
    need(bool(SLURM_TIME.fullmatch(str(slurm.time))), "slurm.time",
         f"not a Slurm time limit: {slurm.time!r}; e.g. 04:00:00, 90, 1-12:00:00")
    need(slurm.cpus_per_task >= 1, "slurm.cpus_per_task", f"must be at least 1, got {slurm.cpus_per_task}")
    need(slurm.mem_per_cpu_gb >= 1, "slurm.mem_per_cpu_gb", f"must be at least 1, got {slurm.mem_per_cpu_gb}")
    for key, value in slurm.sbatch_args.items():
        need(bool(SBATCH_KEY.fullmatch(str(key))), f"slurm.sbatch_args.{key}",
             "not an sbatch option name: lower-case letters, digits and - (e.g. account, constraint)")
        need(bool(SBATCH_VALUE.fullmatch(str(value))), f"slurm.sbatch_args.{key}",
             f"value {str(value)!r} cannot go into a batch script line: letters, digits and _ . , : = @ / + % - only")
    need(slurm.env_command is None or not any(c in slurm.env_command for c in "\r\n"), "slurm.env_command",
         "one command line: a newline would start a second command in the batch script")
    for pattern, r in slurm.jobs.items():
        key = f"slurm.jobs.{pattern}"
        need(pattern.split("/")[0] in (*stage_names(), "*"), key,
             f"names no job: a pattern starts with a stage ({', '.join(stage_names())}) or *, e.g. dedup/*/clusters")
        need(r.cpus_per_task is None or r.cpus_per_task >= 1, f"{key}.cpus_per_task", f"must be at least 1, got {r.cpus_per_task}")
        need(r.mem_per_cpu_gb is None or r.mem_per_cpu_gb >= 1, f"{key}.mem_per_cpu_gb", f"must be at least 1, got {r.mem_per_cpu_gb}")
        need(r.time is None or bool(SLURM_TIME.fullmatch(str(r.time))), f"{key}.time",
             f"not a Slurm time limit: {r.time!r}; e.g. 04:00:00, 90, 1-12:00:00")


def _check_values(cfg, source: YamlSource) -> None:
    """Values of the right type that still cannot work: caught now, not an hour into the run.
    The run's own sections here; each stage's section checks itself (its `check`)."""

    def need(ok: bool, key: str, message: str) -> None:
        if not ok:
            raise ConfigError(message, source, key)

    need(cfg.run.tasks >= 1, "run.tasks", f"must be at least 1, got {cfg.run.tasks}")
    need(cfg.run.workers >= 1, "run.workers", f"must be at least 1, got {cfg.run.workers}")
    _check_slurm(cfg.slurm, need)
    need(cfg.ray.cpus_per_task >= 1, "ray.cpus_per_task", f"must be at least 1, got {cfg.ray.cpus_per_task}")
    need(cfg.ray.mem_per_cpu_gb > 0, "ray.mem_per_cpu_gb", f"must be more than 0, got {cfg.ray.mem_per_cpu_gb}")
    for stage in stages.TABLE:
        section = getattr(cfg, stage.name, None)
        if hasattr(section, "check"):
            section.check(lambda ok, key, message, name=stage.name: need(ok, f"{name}.{key}", message))


def _inline_rule_files(source: YamlSource) -> None:
    """`quality: {en: filters/en.yaml}` -> the file's `rules:` list, with its lines kept."""
    quality = source.data.get("quality") or {}
    if not isinstance(quality, dict):
        return
    for lang, value in quality.items():
        if isinstance(value, str):
            rule_path = source.path.parent / value
            if not rule_path.is_file():
                raise ConfigError(f"filter-rule file {rule_path} does not exist", source, f"quality.{lang}")
            rules_source = load_yaml(rule_path)
            if not isinstance(rules_source.data, dict) or "rules" not in rules_source.data:
                raise ConfigError("a filter-rule file holds a `rules:` list", rules_source, "rules")
            unknown = set(rules_source.data) - {"rules"}
            if unknown:
                raise ConfigError(f"unknown key(s) {sorted(unknown)}; valid: ['rules']", rules_source)
            source.graft(("quality", lang), rules_source, ("rules",))
