"""The extract stage: input files (WARC, jsonl, parquet; any fsspec URL) -> documents with main text.

WARC records go through the extractor (extract/extraction.py); jsonl and parquet records are
text already and pass through. The input readers count and name a bad record or file instead
of failing (extract/readers.py).
"""

from __future__ import annotations

import json

from extract.config import ExtractConfig
from extract.extraction import make_extractor
from extract.inputs import InputError, resolve_inputs
from extract.readers import InputJsonlReader, InputParquetReader, InputWarcReader
from pipeline.layout import RunLayout, read_run_json
from pipeline.stage import Job, Stage, StaleOutput
from pipeline.stage_io import stage_writer
from pipeline.stats import counts, job_stats
from pipeline.yaml_source import ConfigError

SKIPPED_INPUTS = "skipped_input_files.txt"  # files of a folder that no reader takes, for notes()


def jobs(cfg, layout: RunLayout) -> list[Job]:
    resolved = resolve_inputs(cfg.input.paths, cfg.input.format)
    paths_file = layout.input_files
    paths_file.parent.mkdir(parents=True, exist_ok=True)
    paths_file.write_text(json.dumps(resolved.files, ensure_ascii=False))
    (paths_file.parent / SKIPPED_INPUTS).write_text("".join(f + "\n" for f in resolved.skipped))
    common = dict(files_json=str(paths_file), text_key=cfg.input.text_key, id_key=cfg.input.id_key)
    e = cfg.extract
    if resolved.format == "warc":
        steps = [
            InputWarcReader(resolved.folder, max_record_bytes=e.max_record_bytes, max_html_bytes=e.max_html_bytes,
                            max_inflate_ratio=e.max_inflate_ratio, **common),
            make_extractor(e),
        ]
    elif resolved.format == "jsonl":  # already text: passed through
        steps = [InputJsonlReader(resolved.folder, max_document_bytes=e.max_document_bytes, **common)]
    else:
        steps = [InputParquetReader(resolved.folder, max_document_bytes=e.max_document_bytes, **common)]
    tasks = min(cfg.run.tasks, len(resolved.files))
    return [Job("extract", "extract", [*steps, stage_writer(layout.output("extract"))], tasks)]


def summary(layout: RunLayout) -> dict:
    return counts(job_stats(layout.logs("extract", "extract")))


def preflight(cfg, layout: RunLayout) -> None:
    try:
        resolved = resolve_inputs(cfg.input.paths, cfg.input.format)
    except InputError as e:
        raise ConfigError(f"{e}. Fix: point input.paths (or --input) at existing WARC, jsonl or parquet files",
                          key="input.paths") from e
    if not layout.input_files.is_file():  # the extract stage has not started in this folder
        return
    # The extract tasks that finished are skipped on a rerun, so a file added since would be
    # silently left out (and a removed one silently kept).
    added, removed = file_changes(read_run_json(layout.input_files), resolved.files)
    if added or removed:
        changes = [f"{len(names)} file(s) {verb}: {', '.join(names[:3])}{', …' if len(names) > 3 else ''}"
                   for names, verb in ((added, "added"), (removed, "removed")) if names]
        raise StaleOutput(f"the inputs are not the files {layout.root} was made from ({'; '.join(changes)}), and the "
                          "extract tasks that finished would be skipped", key="input.paths")


def file_changes(recorded: list[str], now: list[str]) -> tuple[list[str], list[str]]:
    """Files added and removed; the names are relative to the inputs' common folder.

    A file added outside the old common folder moves that folder up (`x.warc` becomes
    `a/x.warc`), so the old names are first given the prefix that lines them up with the new.
    """
    now_set = set(now)
    prefixes = {""}
    if recorded:
        first = recorded[0]
        prefixes |= {name[: -len(first)] for name in now if name.endswith("/" + first)}
    prefix = max(sorted(prefixes), key=lambda p: sum(p + r in now_set for r in recorded))
    before = {prefix + r for r in recorded}
    return sorted(now_set - before), sorted(before - now_set)


def notes(cfg, layout: RunLayout) -> list[str]:
    """What a user should know after extract: input files left out, text found under no key."""
    found = []
    recorded = layout.root / "extract" / SKIPPED_INPUTS
    skipped = recorded.read_text().splitlines() if recorded.is_file() else []
    if skipped:
        found.append(f"{len(skipped)} file(s) in the input folders are of no format read here and were left out: "
                     f"{', '.join(skipped[:3])}{', …' if len(skipped) > 3 else ''}")
    s = summary(layout)
    no_text = s.get("removed", {}).get("extract_no_text", 0)
    if s.get("documents_out") == 0 and no_text:
        found.append(f"no document had text under input.text_key {cfg.input.text_key!r} ({no_text} dropped as "
                     "extract_no_text): set input.text_key to your records' text field (--set input.text_key=...)")
    return found


STAGE = Stage("extract", jobs, config=ExtractConfig, invalidated_by=("input",), summary=summary,
              preflight=preflight, notes=notes)
