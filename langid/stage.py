"""The langid stage: lid.176 (with paragraph evidence on mixed pages) keeps en and zh, each
routed to its own folder; every other page goes to removed/lid/ with its label and score."""

from __future__ import annotations

from langid.config import LangidConfig
from langid.lid import LanguageRouter
from pipeline.layout import LANGUAGES, RunLayout
from pipeline.stage import Job, Stage
from pipeline.stage_io import StageReader, stage_writer
from pipeline.stats import counts, job_stats


def jobs(cfg, layout: RunLayout) -> list[Job]:
    router = LanguageRouter.from_config(cfg.langid, exclusion_writer=stage_writer(layout.removed("langid", "lid")))
    # The `language` metadata the router sets picks the output folder: output/en, output/zh.
    writer = stage_writer(layout.output("langid"), "${language}/${rank}.jsonl.gz")
    return [Job("langid", "langid", [StageReader(layout.output("extract")), router, writer], cfg.run.tasks)]


def reads(layout: RunLayout) -> list:
    return [(layout.output("extract"), "extract")]


def summary(layout: RunLayout) -> dict:
    steps = job_stats(layout.logs("langid", "langid"))
    found = counts(steps)
    writer = [s for s in steps if "WRITER" in s.name]
    found["documents_out_per_language"] = {
        lang: int(sum(v for k, v in writer[-1].totals.items() if k.startswith(f"{lang}/"))) for lang in LANGUAGES
    } if writer else {}
    return found


STAGE = Stage("langid", jobs, config=LangidConfig, reads=reads, summary=summary)
