"""Thresher's pipeline: config, stages, execution and reporting."""

from pipeline import loguru_setup  # noqa: F401  (cheap loguru handlers in every process that runs tasks)
