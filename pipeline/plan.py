"""What a run does, in order: every stage of the table (pipeline/stages.py), then the report.

Read when called, not at import: a stage a test adds to the table is part of every run after.
"""

from __future__ import annotations

from pipeline import stages
from pipeline.report import REPORT
from pipeline.stage import Stage


def run_stages() -> list[Stage]:
    return [*stages.TABLE, REPORT]


def names() -> list[str]:
    return [s.name for s in run_stages()]


def stage(name: str) -> Stage:
    return next(s for s in run_stages() if s.name == name)
