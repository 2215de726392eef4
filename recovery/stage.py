"""The recovery stage: dedup's kept documents pass through, and documents wrongly removed by an
earlier stage are re-admitted (DeepSeek-V2 "recovered a large amount of mistakenly deleted data").

Re-extraction and mechanisms 2 and 3 write candidates to the stage's work folder
(candidates/<lang>); the language ones pass the quality rules of their language first; then
readmit_dedup keeps the candidates that copy nothing kept (recovery/readmit_dedup.py).
"""

from __future__ import annotations

import dataclasses

from dedup.minhash import group_key, pass_config, pass_input, pass_signatures
from dedup.scope import dedup_reader, partitions
from dedup.signature import FastMinhashSignature
from extract.extraction import make_extractor
from filters.stage import quality_steps, rule_files
from pipeline.layout import LANGUAGES, RunLayout
from pipeline.stage import Job, Stage
from pipeline.stage_io import StageReader, stage_writer
from pipeline.stats import counts, document_line, job_stats, merge
from recovery.config import RecoveryConfig
from recovery.false_duplicates import FalseDuplicateRecovery, MergeReadmitted
from recovery.false_language import FalseLanguageRecovery
from recovery.false_rejections import FalseRejectionRecovery
from recovery.readmit_bands import BandCollisions, CandidateReader, DecideReadmissions, VerifyCollisions
from recovery.readmit_dedup import ReadmitDedup
from recovery.reextraction import RemovedPages, RouteBySource
from recovery.summary import markdown_lines, readmitted, recovery_mechanisms


def jobs(cfg, layout: RunLayout) -> list[Job]:
    found = []
    for lang in LANGUAGES:
        out = layout.output("recovery", lang)
        found.append(Job("recovery", f"{lang}/passthrough", [StageReader(layout.output("dedup", lang)), stage_writer(out)], cfg.run.tasks))
        fd = cfg.recovery.false_duplicates
        if fd.enabled:
            parts = layout.work("recovery") / "false_duplicates" / lang
            step = FalseDuplicateRecovery(
                lang,
                kept_folder=str(layout.output("dedup", lang)),
                removed_folder=str(layout.removed("dedup", "minhash")),
                output_folder=str(parts),
                n_grams=cfg.dedup.n_grams[lang],
                min_jaccard=fd.min_jaccard,
            )
            # Shared out by cluster id; the merge puts the re-admissions in one file in cluster order.
            found.append(Job("recovery", f"{lang}/false_duplicates", [step], cfg.run.tasks))
            found.append(Job("recovery", f"{lang}/false_duplicates_merge", [MergeReadmitted(str(parts), str(out))], 1))
    return found + _readmission_jobs(cfg, layout)


def _readmission_jobs(cfg, layout: RunLayout) -> list[Job]:
    rec, work, found = cfg.recovery, layout.work("recovery"), []
    signed: set = set()  # partitions whose kept set a gate job signs (datasketch engine only)
    routed = work / "routed"
    if rec.false_language.enabled:
        step = FalseLanguageRecovery(rec.false_language)
        reader = StageReader(layout.removed("langid", "lid"))
        # A per-document pass: spread over run.tasks tasks like the stages before it (each task
        # takes whole files of removed/lid/, so the documents keep their order file by file).
        found.append(Job("recovery", "false_language", [reader, step, stage_writer(routed, "${language}/${rank}.jsonl.gz")],
                         cfg.run.tasks))
    for lang in LANGUAGES:
        candidates = work / "candidates" / lang
        if rec.reextraction.enabled:
            # Rule removals extracted again from their WARC records, then judged by every rule.
            e, by_source = cfg.extract, work / "reextraction" / lang
            removed = StageReader(layout.removed("quality"), glob_pattern=f"*/{lang}_*.jsonl.gz")
            route = [removed, RouteBySource(cfg.run.tasks, rec.reextraction.extractor), stage_writer(by_source, "${source_bucket}/${rank}.jsonl.gz")]
            found.append(Job("recovery", f"{lang}/reextraction_route", route, cfg.run.tasks))
            pages = RemovedPages(str(by_source), cfg.run.tasks, e.max_record_bytes, e.max_html_bytes, e.max_inflate_ratio)
            # The precise extractor FineWeb uses, whatever the first extraction was.
            extractor = make_extractor(dataclasses.replace(e, extractor=rec.reextraction.extractor, favour_precision=True))
            judged = [pages, extractor, *quality_steps(cfg, layout, lang, record=False),
                      stage_writer(candidates, "reextraction_${rank}.jsonl.gz")]
            found.append(Job("recovery", f"{lang}/reextraction", judged, cfg.run.tasks))
        model = rec.false_rejections.model_path.get(lang)
        if rec.false_rejections.enabled and model:
            step = FalseRejectionRecovery(lang, str(layout.removed("quality")), str(candidates), model, rec.false_rejections.min_score)
            found.append(Job("recovery", f"{lang}/false_rejections", [step], 1))
        if rec.false_language.enabled:
            # Re-admitted is not exempt: the language's quality rules, without exclusion writers.
            rules = quality_steps(cfg, layout, lang, record=False)
            pipeline = [StageReader(routed / lang), *rules, stage_writer(candidates, "language_${rank}.jsonl.gz")]
            found.append(Job("recovery", f"{lang}/false_language_quality", pipeline, cfg.run.tasks))
        if rec.reextraction.enabled or rec.false_language.enabled or (rec.false_rejections.enabled and model):
            found += _gate_jobs(cfg, layout, lang, candidates, signed)
    return found


def _gate_jobs(cfg, layout: RunLayout, lang: str, candidates, signed: set) -> list[Job]:
    """The readmit gate (recovery/readmit_dedup.py): sign the candidates as dedup signed the kept
    set, find the pairs sharing an LSH band, measure them, and admit what copies nothing."""
    d, tasks = cfg.dedup, cfg.run.tasks
    partition = partitions(d.scope, (lang,))[0]  # `all` in the global scope: every language is kept set
    config, groups = pass_config(cfg, partition), group_key(cfg)
    gate = layout.work("recovery") / "readmit" / lang
    kept, found = pass_signatures(layout, partition), []
    if d.engine == "datasketch":
        # dedup kept its signatures in memory: sign what its MinHash pass read, once per partition.
        kept = layout.work("recovery") / "readmit" / f"kept_{partition}"
        if partition not in signed:
            signed.add(partition)
            sign = [dedup_reader(pass_input(cfg, layout, partition), partition), FastMinhashSignature(str(kept), config, groups)]
            found.append(Job("recovery", f"{partition}/readmit_kept_signatures", sign, tasks))
    sigs, pairs, verdicts, decisions = (str(gate / name) for name in ("signatures", "pairs", "verdicts", "decisions"))
    gate_at = cfg.recovery.max_jaccard_to_kept
    return found + [
        Job("recovery", f"{lang}/readmit_signatures", [CandidateReader(str(candidates), lang), FastMinhashSignature(sigs, config, groups)], tasks),
        # The bands shared out over run.tasks tasks: a task each would cost its start-up 24 times.
        Job("recovery", f"{lang}/readmit_collisions", [BandCollisions(sigs, str(kept), pairs, config)], min(tasks, d.num_buckets)),
        Job("recovery", f"{lang}/readmit_verify", [VerifyCollisions(pairs, sigs, str(kept), verdicts, config, gate_at)], tasks),
        Job("recovery", f"{lang}/readmit_decide", [DecideReadmissions(verdicts, decisions, gate_at)], 1),
        Job("recovery", f"{lang}/readmit_dedup", [ReadmitDedup(str(candidates), decisions, str(layout.output("recovery", lang)))], tasks),
    ]


def reads(layout: RunLayout) -> list:
    return [(layout.output("dedup"), "dedup")]


def named_files(cfg, stages: list[str]) -> list[tuple[str, str]]:
    if "recovery" not in stages:
        return []
    rec = cfg.recovery
    # Re-extracted and language-recovered pages are judged again by the quality rules.
    files = rule_files(cfg) if rec.reextraction.enabled or rec.false_language.enabled else []
    if rec.false_rejections.enabled:
        files += [(f"recovery.false_rejections.model_path.{lang}", path)
                  for lang, path in rec.false_rejections.model_path.items() if path]
    return files


def summary(layout: RunLayout) -> dict:
    found, chars = readmitted(layout)
    mechanisms = recovery_mechanisms(layout, found)  # per mechanism and rule, with samples
    per_lang = {}
    for lang in LANGUAGES:
        c = counts(job_stats(layout.logs("recovery", f"{lang}/passthrough")))
        c["recovered"] = {m: v["per_language"][lang] for m, v in mechanisms.items() if v["per_language"].get(lang)}
        c["documents_out"] += sum(c["recovered"].values())
        c["characters_out"] += chars.get(lang, 0)
        per_lang[lang] = c
    merged = merge(list(per_lang.values()))
    recovered = {m: v["readmitted"] for m, v in mechanisms.items() if v["readmitted"]}
    return {**merged, "recovered": recovered, "mechanisms": mechanisms, "per_language": per_lang}


def line(s: dict) -> str:
    text = document_line(s)
    if s.get("recovered"):
        text += "; re-admitted: " + ", ".join(f"{k} {v}" for k, v in s["recovered"].items())
    return text


def markdown(s: dict) -> list[str]:
    return ["", "## Recovery", ""] + markdown_lines(s.get("mechanisms", {}))


def closing(s: dict) -> list[str]:
    return [f"recovery: {line.lstrip('- ')}" if line.startswith("-") else line for line in markdown_lines(s.get("mechanisms", {}))]


STAGE = Stage("recovery", jobs, config=RecoveryConfig, reads=reads, summary=summary, line=line, named_files=named_files,
              markdown=markdown, closing=closing)
