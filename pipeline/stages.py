"""Each stage as the datatrove jobs that make it: (name, pipeline steps, number of tasks).

A stage reads the output folder of the stage before it and writes its own (see layout.py),
so a stage can run alone. The executor module turns jobs into Local or Slurm executors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dedup.minhash import dedup_partitions
from dedup.minhash import describe as describe_dedup
from filters.lines import SITE_BUCKETS, LineCleaning, SiteBoilerplate, SiteLineCounter
from pipeline.config import LANGUAGES, Config
from extract.extraction import make_extractor
from extract.inputs import resolve_inputs
from pipeline.layout import RunLayout
from langid.lid import LanguageRouter
from filters.registry import STEPS
from extract.readers import InputJsonlReader, InputParquetReader, InputWarcReader
from pipeline.stage_io import StageReader, stage_writer
from recovery.false_duplicates import FalseDuplicateRecovery
from recovery.false_language import FalseLanguageRecovery
from recovery.false_rejections import FalseRejectionRecovery
from recovery.readmit_dedup import ReadmitDedup
from recovery.reextraction import RemovedPages, RouteBySource
from shards.pack import PackShards, ShuffleShards, WriteManifest
from tokenizer.train import TrainTokenizer


SKIPPED_INPUTS = "skipped_input_files.txt"


@dataclass
class Job:
    stage: str
    name: str  # e.g. "en/signatures"; its logs go to RUN/<stage>/logs/<name>
    pipeline: list
    tasks: int


def extract_jobs(cfg: Config, layout: RunLayout) -> list[Job]:
    resolved = resolve_inputs(cfg.input.paths, cfg.input.format)
    paths_file = layout.input_files
    paths_file.parent.mkdir(parents=True, exist_ok=True)
    paths_file.write_text(json.dumps(resolved.files, ensure_ascii=False))
    # Files of a folder that no reader takes, for the note after the stage (pipeline/cli.py).
    (paths_file.parent / SKIPPED_INPUTS).write_text("".join(f + "\n" for f in resolved.skipped))
    common = dict(files_json=str(paths_file), text_key=cfg.input.text_key, id_key=cfg.input.id_key)
    # The input readers count and name a bad record or file instead of failing (stage_io.py).
    e = cfg.extract
    if resolved.format == "warc":
        steps = [
            InputWarcReader(resolved.folder, max_record_bytes=e.max_record_bytes, max_html_bytes=e.max_html_bytes,
                            max_inflate_ratio=e.max_inflate_ratio, **common),
            make_extractor(e.extractor, e.favour_precision, e.timeout_s, e.fallback_below, e.fallback_fast),
        ]
    elif resolved.format == "jsonl":  # already text: passed through
        steps = [InputJsonlReader(resolved.folder, max_document_bytes=e.max_document_bytes, **common)]
    else:
        steps = [InputParquetReader(resolved.folder, max_document_bytes=e.max_document_bytes, **common)]
    tasks = min(cfg.run.tasks, len(resolved.files))
    return [Job("extract", "extract", [*steps, stage_writer(layout.output("extract"))], tasks)]


def langid_jobs(cfg: Config, layout: RunLayout) -> list[Job]:
    router = LanguageRouter.from_config(cfg.langid, exclusion_writer=stage_writer(layout.removed("langid", "lid")))
    # The `language` metadata the router sets picks the output folder: output/en, output/zh.
    writer = stage_writer(layout.output("langid"), "${language}/${rank}.jsonl.gz")
    return [Job("langid", "langid", [StageReader(layout.output("extract")), router, writer], cfg.run.tasks)]


def quality_steps(cfg: Config, layout: RunLayout, lang: str, record: bool = True) -> list:
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


def site_lines_folder(layout: RunLayout, lang: str):
    return layout.work("quality") / "site_lines" / lang


def quality_jobs(cfg: Config, layout: RunLayout) -> list[Job]:
    jobs = []
    for lang in LANGUAGES:
        steps = quality_steps(cfg, layout, lang)
        kept = layout.output("langid", lang)
        site = [s for s in steps if isinstance(s, LineCleaning) and s.site_min_pages is not None]
        if site:
            # Lines a site repeats are counted over the whole run first (filters/lines.py).
            folder = site_lines_folder(layout, lang)
            counter = SiteLineCounter(str(folder / "counts"))
            merge = SiteBoilerplate(str(folder / "counts"), str(folder / "boilerplate"), site[0].site_min_pages)
            jobs.append(Job("quality", f"site_lines/{lang}", [StageReader(kept), counter], cfg.run.tasks))
            jobs.append(Job("quality", f"site_boilerplate/{lang}", [merge], min(SITE_BUCKETS, cfg.run.tasks)))
        jobs.append(Job("quality", lang, [StageReader(kept), *steps, stage_writer(layout.output("quality", lang))], cfg.run.tasks))
    return jobs


def dedup_jobs(cfg: Config, layout: RunLayout) -> list[Job]:
    print(describe_dedup(cfg), flush=True)  # the similarity MinHash catches half the time
    return [Job("dedup", name, pipeline, tasks) for name, pipeline, tasks in dedup_partitions(cfg, layout)]


def recovery_jobs(cfg: Config, layout: RunLayout) -> list[Job]:
    jobs = []
    for lang in LANGUAGES:
        out = layout.output("recovery", lang)
        jobs.append(Job("recovery", f"{lang}/passthrough", [StageReader(layout.output("dedup", lang)), stage_writer(out)], cfg.run.tasks))
        fd = cfg.recovery.false_duplicates
        if fd.enabled:
            step = FalseDuplicateRecovery(
                lang,
                kept_folder=str(layout.output("dedup", lang)),
                removed_folder=str(layout.removed("dedup", "minhash")),
                output_folder=str(out),
                n_grams=cfg.dedup.n_grams[lang],
                min_jaccard=fd.min_jaccard,
            )
            jobs.append(Job("recovery", f"{lang}/false_duplicates", [step], 1))
    return jobs + _readmission_jobs(cfg, layout)


def _readmission_jobs(cfg: Config, layout: RunLayout) -> list[Job]:
    """Re-extraction and mechanisms 2 and 3 write candidates to the recovery stage's work folder (candidates/<lang>); the language
    ones pass the quality rules of their language first; then readmit_dedup keeps the candidates
    that copy nothing kept (recovery/readmit_dedup.py)."""
    rec, work, jobs = cfg.recovery, layout.work("recovery"), []
    routed = work / "routed"
    if rec.false_language.enabled:
        fl = rec.false_language
        step = FalseLanguageRecovery(fl.min_share, fl.min_paragraph_score, fl.min_prose_bytes)
        reader = StageReader(layout.removed("langid", "lid"))
        jobs.append(Job("recovery", "false_language", [reader, step, stage_writer(routed, "${language}/${rank}.jsonl.gz")], 1))
    for lang in LANGUAGES:
        candidates = work / "candidates" / lang
        if rec.reextraction.enabled:
            # Rule removals extracted again from their WARC records, then judged by every rule.
            e, by_source = cfg.extract, work / "reextraction" / lang
            removed = StageReader(layout.removed("quality"), glob_pattern=f"*/{lang}_*.jsonl.gz")
            route = [removed, RouteBySource(cfg.run.tasks, rec.reextraction.extractor), stage_writer(by_source, "${source_bucket}/${rank}.jsonl.gz")]
            jobs.append(Job("recovery", f"{lang}/reextraction_route", route, cfg.run.tasks))
            pages = RemovedPages(str(by_source), cfg.run.tasks, e.max_record_bytes, e.max_html_bytes, e.max_inflate_ratio)
            extractor = make_extractor(rec.reextraction.extractor, favour_precision=True, timeout_s=e.timeout_s)
            judged = [pages, extractor, *quality_steps(cfg, layout, lang, record=False),
                      stage_writer(candidates, "reextraction_${rank}.jsonl.gz")]
            jobs.append(Job("recovery", f"{lang}/reextraction", judged, cfg.run.tasks))
        model = rec.false_rejections.model_path.get(lang)
        if rec.false_rejections.enabled and model:
            step = FalseRejectionRecovery(lang, str(layout.removed("quality")), str(candidates), model, rec.false_rejections.min_score)
            jobs.append(Job("recovery", f"{lang}/false_rejections", [step], 1))
        if rec.false_language.enabled:
            # Re-admitted is not exempt: the language's quality rules, without exclusion writers.
            rules = quality_steps(cfg, layout, lang, record=False)
            pipeline = [StageReader(routed / lang), *rules, stage_writer(candidates, "language_${rank}.jsonl.gz")]
            jobs.append(Job("recovery", f"{lang}/false_language_quality", pipeline, 1))
        if rec.reextraction.enabled or rec.false_language.enabled or (rec.false_rejections.enabled and model):
            step = ReadmitDedup(lang, str(candidates), str(layout.output("recovery", lang)), str(layout.output("recovery", lang)),
                                cfg.dedup.n_grams[lang], rec.max_jaccard_to_kept)
            jobs.append(Job("recovery", f"{lang}/readmit_dedup", [step], 1))
    return jobs


def tokenizer_jobs(cfg: Config, layout: RunLayout) -> list[Job]:
    t = cfg.tokenizer
    step = TrainTokenizer(
        str(layout.output("recovery")),
        str(layout.tokenizer),
        t.vocab_size,
        t.min_frequency,
        t.max_train_bytes,
        t.pad_vocab_to_multiple_of,
        cfg.shards.seq_len,
        backend=t.backend,
        language_shares=t.language_shares,
        heldout_fraction=t.heldout_fraction,
        max_heldout_bytes=t.max_heldout_bytes,
        seed=cfg.run.seed,
        reference=t.reference,
    )
    return [Job("tokenizer", "train", [step], 1)]


def shards_jobs(cfg: Config, layout: RunLayout) -> list[Job]:
    # Pack per task, then shuffle rows across shards with run.seed (see shards/pack.py).
    s, seed = cfg.shards, cfg.run.seed
    reader = StageReader(layout.output("recovery"), glob_pattern="*/*.jsonl.gz")
    pack = PackShards(str(layout.tokenizer), str(layout.shards), s.seq_len, s.packing, s.best_fit_buffer_tokens)
    shuffle = ShuffleShards(str(layout.shards), s.seq_len, s.max_shard_tokens, seed)
    manifest = WriteManifest(str(layout.tokenizer), str(layout.shards), s.seq_len, s.packing, seed)
    return [
        Job("shards", "pack", [reader, pack], cfg.run.tasks),
        Job("shards", "shuffle", [shuffle], cfg.run.tasks),
        Job("shards", "manifest", [manifest], 1),
    ]


def report_jobs(cfg: Config, layout: RunLayout) -> list[Job]:
    from pipeline.report import WriteReport

    return [Job("report", "report", [WriteReport(str(layout.root))], 1)]


BUILDERS = {
    "extract": extract_jobs,
    "langid": langid_jobs,
    "quality": quality_jobs,
    "dedup": dedup_jobs,
    "recovery": recovery_jobs,
    "tokenizer": tokenizer_jobs,
    "shards": shards_jobs,
    "report": report_jobs,
}
