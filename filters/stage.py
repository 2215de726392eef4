"""The quality stage: per language, line cleaning then the rules of its YAML rule file; every
removal goes to removed/<rule>/ with the rule's reason and measured value, every line cut to
cut/<lang>/."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from filters.config import QualityRules
from filters.lines import SITE_BUCKETS, LineCleaning, SiteBoilerplate, SiteLineCounter
from filters.registry import STEPS
from pipeline.layout import LANGUAGES, RunLayout
from pipeline.stage import Job, Stage
from pipeline.stage_io import StageReader, stage_writer
from pipeline.stats import StepStats, counts, document_line, job_stats, merge, run_settings, stat


def quality_steps(cfg, layout: RunLayout, lang: str, record: bool = True) -> list:
    """The language's quality steps as the quality stage runs them. `record`: removals go to
    removed/<rule>/ and line cuts to cut/<lang>/; off when recovery re-judges a document."""
    steps = []
    for r in cfg.quality.get(lang, []):
        removed = stage_writer(layout.removed("quality", r.use), f"{lang}_${{rank}}.jsonl.gz") if record else None
        step = STEPS[r.use](**r.params, exclusion_writer=removed)
        if isinstance(step, LineCleaning):
            if step.site_min_pages is not None:
                step.boilerplate_folder = str(site_lines_folder(layout, lang) / "boilerplate")
            if record:
                step.cut_writer = stage_writer(layout.root / "quality" / "cut" / lang)
        steps.append(step)
    return steps


def site_lines_folder(layout: RunLayout, lang: str) -> Path:
    return layout.work("quality") / "site_lines" / lang


def jobs(cfg, layout: RunLayout) -> list[Job]:
    found = []
    for lang in LANGUAGES:
        steps = quality_steps(cfg, layout, lang)
        kept = layout.output("langid", lang)
        site = [s for s in steps if isinstance(s, LineCleaning) and s.site_min_pages is not None]
        if site:
            # Lines a site repeats are counted over the whole run first (filters/lines.py).
            folder = site_lines_folder(layout, lang)
            counter = SiteLineCounter(str(folder / "counts"))
            boilerplate = SiteBoilerplate(str(folder / "counts"), str(folder / "boilerplate"), site[0].site_min_pages)
            found.append(Job("quality", f"site_lines/{lang}", [StageReader(kept), counter], cfg.run.tasks))
            found.append(Job("quality", f"site_boilerplate/{lang}", [boilerplate], min(SITE_BUCKETS, cfg.run.tasks)))
        found.append(Job("quality", lang, [StageReader(kept), *steps, stage_writer(layout.output("quality", lang))], cfg.run.tasks))
    return found


def reads(layout: RunLayout) -> list:
    return [(layout.output("langid"), "langid")]


def rule_files(cfg) -> list[tuple[str, str]]:
    """The files the rules read (blocklists, term lists, classifier models): (dotted key, path)."""
    return [(f"quality.{lang}.{i}.{name}", value)
            for lang, rules in cfg.quality.items() for i, rule in enumerate(rules)
            for name, value in rule.params.items() if name.endswith("_path") and isinstance(value, str)]


def named_files(cfg, stages: list[str]) -> list[tuple[str, str]]:
    return rule_files(cfg) if "quality" in stages else []


# What the line-cleaning step counts (filters/lines.py): documents it cut, lines and characters.
LINE_CUTS = ("docs_cut", "cut_repeated_lines", "cut_site_lines", "cut_interface_lines", "cut_chars",
             "site_cut_skipped_mostly_shared")


def line_cuts(steps: list[StepStats]) -> dict:
    """Line cleaning's totals over the job's steps; all zero when the rule set has no such step."""
    return {key: int(sum(stat(s, key) for s in steps if s.name.endswith(": line_cleaning"))) for key in LINE_CUTS}


def classifier_use(layout: RunLayout) -> dict[str, str | None]:
    """Per language, the quality classifier model the rules ran with, or None: rules only."""
    rules = run_settings(layout, "quality")
    return {lang: next((r.get("model_path") for r in rules.get(lang) or [] if r.get("use") == "quality_classifier"), None)
            for lang in LANGUAGES}


def summary(layout: RunLayout) -> dict:
    per_lang = {}
    for lang in LANGUAGES:
        steps = job_stats(layout.logs("quality", lang))
        per_lang[lang] = counts(steps)
        per_lang[lang]["cut"] = line_cuts(steps)
    merged = merge(list(per_lang.values()))
    merged["cut"] = dict(sum((Counter(c["cut"]) for c in per_lang.values()), Counter()))
    return {**merged, "classifier": classifier_use(layout), "per_language": per_lang}


def line(s: dict) -> str:
    """The documents line, and what line cleaning cut from the kept ones."""
    text = document_line(s)
    cut = s.get("cut") or {}
    if cut.get("docs_cut"):
        text += (f"; lines cut from {cut['docs_cut']} kept docs: {cut.get('cut_repeated_lines', 0)} repeated, "
                 f"{cut.get('cut_site_lines', 0)} site boilerplate, {cut.get('cut_interface_lines', 0)} interface "
                 f"({cut.get('cut_chars', 0):,} chars)")
    return text


def markdown(s: dict) -> list[str]:
    lines = ["", "## Quality classifier", ""]
    for lang, model in s.get("classifier", {}).items():
        lines.append(f"- {lang}: {model}" if model else
                     f"- {lang}: none: the rules alone decided (README \"The quality classifier\" trains and turns one on)")
    lines += ["", "## Lines cut before the rules", "",
              "| language | documents | repeated lines | site boilerplate lines | interface lines | characters |",
              "|---|---:|---:|---:|---:|---:|"]
    for lang, per in s.get("per_language", {}).items():
        c = per.get("cut") or {}
        lines.append(f"| {lang} | {c.get('docs_cut', 0)} | {c.get('cut_repeated_lines', 0)} | {c.get('cut_site_lines', 0)} "
                     f"| {c.get('cut_interface_lines', 0)} | {c.get('cut_chars', 0)} |")
    return lines + ["", "What was cut, page by page: RUN/quality/cut/<lang>/."]


def closing(s: dict) -> list[str]:
    without = [lang for lang, model in s.get("classifier", {}).items() if not model]
    return [f"quality: no classifier model for {', '.join(without)}: the rules alone decided"] if without else []


STAGE = Stage("quality", jobs, config=QualityRules, reads=reads, summary=summary, line=line, named_files=named_files,
              markdown=markdown, closing=closing)
