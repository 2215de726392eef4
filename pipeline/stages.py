"""The ordered table of stages: the one place that knows which stages a run has, and in what order.

Each stage reads the output folder of a stage before it and writes its own (pipeline/layout.py),
so a stage can run alone. Everything about a stage is in its package's `STAGE`
(pipeline/stage.py); the config loader, preflight, the report, status and the CLI walk this
table (through pipeline/plan.py, which adds the run's report at the end).
"""

from __future__ import annotations

from dedup.stage import STAGE as DEDUP
from extract.stage import STAGE as EXTRACT
from filters.stage import STAGE as QUALITY
from langid.stage import STAGE as LANGID
from pipeline.stage import Stage
from recovery.stage import STAGE as RECOVERY
from shards.stage import STAGE as SHARDS
from tokenizer.stage import STAGE as TOKENIZER


# Adding a stage: its package with a `STAGE`, and one entry here, in the order it runs.
TABLE: list[Stage] = [EXTRACT, LANGID, QUALITY, DEDUP, RECOVERY, TOKENIZER, SHARDS]

