"""The contract every stage package implements once, and the job it hands to the executors.

A stage is whatever its package says in one `Stage(...)`: the config section it owns, the
datatrove jobs that make its output, what it reads from the run folder, which config keys make
its output stale, and how its outcome is summed up. The orchestration (pipeline/stages.py,
preflight, report, status, the CLI) walks the ordered table of these and knows no stage by
name, so adding a stage is its own package plus one line of that table.

This module imports nothing of any stage: the stage packages import it, not the other way.
"""

from __future__ import annotations

from collections.abc import Callable
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.layout import RunLayout


@dataclass
class Job:
    stage: str
    name: str  # e.g. "en/signatures"; its logs go to RUN/<stage>/logs/<name>
    pipeline: list
    tasks: int


class StaleOutput(Exception):
    """Raised by a stage's preflight: what this folder holds of the stage was made from other
    inputs than this run's. The orchestration adds which folders to delete (this stage's and
    every later one's) and refuses the run."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.key = key


def _nothing(*_args) -> list:
    return []


def _no_summary(_layout: RunLayout) -> dict:
    return {}


def _no_damage(_layout: RunLayout) -> str | None:
    return None


@dataclass(frozen=True)
class Stage:
    name: str
    # (cfg, layout) -> the stage's jobs in the order they run. cfg is the whole run config
    # (pipeline/config.py): a stage may read another's section, e.g. recovery uses dedup's n-grams.
    jobs: Callable[[Any, RunLayout], list[Job]]
    # The type of the config section named after the stage (a dataclass, or e.g. a dict of rule
    # lists), None for a stage with no settings. Its default is the type called with nothing.
    config: Any = None
    # layout -> [(path the stage reads, the stage that writes it)], checked before a run starts.
    reads: Callable[[RunLayout], list[tuple[Path, str]]] = _nothing
    # Config keys, besides the stage's own section, whose change makes this stage's output (and
    # every later stage's) stale: `run.seed` decides dedup's MinHash seeds, not extraction.
    invalidated_by: tuple[str, ...] = ()
    # layout -> the stage's part of RUN/report/summary.json; a stage that passes documents on
    # gives documents_in/out and characters_in/out, and the report's funnel shows it.
    summary: Callable[[RunLayout], dict] = _no_summary
    # summary -> the one line the terminal shows after the stage; None: documents in and out.
    line: Callable[[dict], str] | None = None
    # (cfg, stages run) -> [(dotted config key, path)]: files the config names that the stage
    # opens, checked to exist before any work.
    named_files: Callable[[Any, list[str]], list[tuple[str, str]]] = _nothing
    # (cfg, layout) -> checks that need the file system, made before any work (raise ConfigError).
    preflight: Callable[[Any, RunLayout], None] | None = None
    # (cfg, layout) -> notes for the user after the stage ran (input files left out, ...).
    notes: Callable[[Any, RunLayout], list[str]] = _nothing
    # layout -> what is wrong with a finished output that no recorded writer made (a tokenizer
    # file, shards), or None; a damaged one makes the stage run again.
    damaged: Callable[[RunLayout], str | None] = _no_damage
    # summary -> the stage's sections of report.md (a heading and its lines), and the lines the
    # terminal shows about it when the run ends.
    markdown: Callable[[dict], list[str]] = _nothing
    closing: Callable[[dict], list[str]] = _nothing
    # Run every time, never skipped as complete (the report reflects the run as it is now).
    always_runs: bool = False

    def config_default(self) -> Any:
        return (typing.get_origin(self.config) or self.config)()
