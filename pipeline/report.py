"""The run summary: documents in and out of every stage and why each removed one went.

Everything comes from datatrove's per-task stats files (`RUN/<stage>/logs/<job>/stats/*.json`),
which exist the same way for local and Slurm runs, plus the tokenizer's and shards' own
metadata. Written as `RUN/report/summary.json`, a readable `RUN/report/report.md` and the page
people look at, `RUN/report/report.html` (plots, see report_html.py). Text sizes in the funnel
are characters (datatrove's `doc_len`); removed sizes are UTF-8 bytes (our filters count them).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from pipeline.config import LANGUAGES, STAGES
from pipeline.layout import RunLayout, read_run_json
from pipeline.run_lock import OWNER_CHECK

DROPPED = "dropped_"
DROPPED_BYTES = "dropped_bytes_"


@dataclass
class StepStats:
    name: str
    totals: Counter  # stat name -> total over all tasks


def job_stats(logging_dir: Path) -> list[StepStats]:
    """The per-step stat totals over every task of one job, or [] if it has not run.

    datatrove saves a counter as a number, or as a dict with its "total" once it has a unit or
    more than one update; either way we add up the totals.
    """
    steps: list[StepStats] = []
    for f in sorted((logging_dir / "stats").glob("*.json")):
        # A Slurm job's first step checks that its run owns the folder (pipeline/run_lock.py):
        # not part of what the job did to documents.
        for i, step in enumerate(s for s in read_run_json(f) if not s["name"].endswith(OWNER_CHECK)):
            if i == len(steps):
                steps.append(StepStats(step["name"], Counter()))
            for key, value in step.get("stats", {}).items():
                steps[i].totals[key] += value["total"] if isinstance(value, dict) else value
    return steps


def _value(step: StepStats | None, key: str) -> float:
    return step.totals.get(key, 0) if step is not None else 0


def _counts(steps: list, reader: bool = True) -> dict:
    """documents in (the reader), out (the last writer), and removals by reason and bytes."""
    out: dict = {"documents_in": 0, "documents_out": 0, "removed": Counter(), "removed_bytes": Counter(),
                 "characters_in": 0, "characters_out": 0}
    if not steps:
        return out
    if reader:
        # What the reader skipped (non-HTML records, …) came in too; empty or unreadable files
        # (`*_file`, pipeline/stage_io.py) are counted as files, not documents.
        skipped = sum(v for k, v in steps[0].totals.items()
                      if k.startswith(DROPPED) and not k.startswith(DROPPED_BYTES) and not k.endswith("_file"))
        out["documents_in"] = int(_value(steps[0], "documents") + skipped)
        out["characters_in"] = int(_value(steps[0], "doc_len"))  # datatrove counts text length in characters
    writers = [s for s in steps if "WRITER" in s.name]
    if writers:
        out["documents_out"] = int(_value(writers[-1], "total"))
        out["characters_out"] = int(_value(writers[-1], "doc_len"))
    for step in steps:
        for key, total in step.totals.items():
            if key.startswith(DROPPED_BYTES):
                out["removed_bytes"][key[len(DROPPED_BYTES):]] += int(total)
            elif key.startswith(DROPPED):
                out["removed"][key[len(DROPPED):]] += int(total)
            elif "EXTRAC" in step.name and key in ("dropped", "timeout", "broken_process", "clean_error"):
                # datatrove's extractor: "dropped" is a page with no main text left.
                name = "extract_no_main_text" if key == "dropped" else f"extract_{key}"
                out["removed"][name] += int(total)
    return out


# What the line-cleaning step counts (filters/lines.py): documents it cut, lines and characters.
LINE_CUTS = ("docs_cut", "cut_repeated_lines", "cut_site_lines", "cut_interface_lines", "cut_chars",
             "site_cut_skipped_mostly_shared")


def line_cuts(steps: list[StepStats]) -> dict:
    """Line cleaning's totals over the job's steps; all zero when the rule set has no such step."""
    return {key: int(sum(_value(s, key) for s in steps if s.name.endswith(": line_cleaning"))) for key in LINE_CUTS}


def classifier_use(layout: RunLayout) -> dict[str, str | None]:
    """Per language, the quality classifier model the rules ran with, or None: rules only."""
    import yaml

    cfg = (yaml.safe_load(layout.config.read_text()) or {}) if layout.config.is_file() else {}
    rules = cfg.get("quality") or {}
    return {lang: next((r.get("model_path") for r in rules.get(lang) or [] if r.get("use") == "quality_classifier"), None)
            for lang in LANGUAGES}


def _merge(parts: list[dict]) -> dict:
    merged = {"documents_in": 0, "documents_out": 0, "removed": Counter(), "removed_bytes": Counter(),
              "characters_in": 0, "characters_out": 0}
    for part in parts:
        for key in ("documents_in", "documents_out", "characters_in", "characters_out"):
            merged[key] += part.get(key, 0)
        merged["removed"] += part["removed"]
        merged["removed_bytes"] += part["removed_bytes"]
    return merged


def stage_summary(layout: RunLayout, stage: str) -> dict:
    logs = lambda job: job_stats(layout.logs(stage, job))  # noqa: E731
    if stage in ("extract", "langid"):
        summary = _counts(logs(stage))
        if stage == "langid":
            writer = [s for s in logs(stage) if "WRITER" in s.name]
            summary["documents_out_per_language"] = {
                lang: int(sum(v for k, v in writer[-1].totals.items() if k.startswith(f"{lang}/")))
                for lang in LANGUAGES
            } if writer else {}
        return summary
    if stage == "quality":
        per_lang = {}
        for lang in LANGUAGES:
            steps = logs(lang)
            per_lang[lang] = _counts(steps)
            per_lang[lang]["cut"] = line_cuts(steps)
        merged = _merge(list(per_lang.values()))
        merged["cut"] = dict(sum((Counter(c["cut"]) for c in per_lang.values()), Counter()))
        return {**merged, "classifier": classifier_use(layout), "per_language": per_lang}
    if stage == "dedup":
        # A partition (dedup/scope.py: a language, or `all`) runs an exact pass, then MinHash
        # (`filter`, or `lsh` in memory); each filter counts dropped_<method>_duplicate itself.
        per_partition, per_group = {}, Counter()
        for part in (*LANGUAGES, "all"):
            passes = [logs(f"{part}/{job}") for job in ("exact_filter", "filter", "lsh")]
            passes = [p for p in passes if p]
            if not passes:
                continue
            counts = _merge([_counts(p) for p in passes])
            first, last = _counts(passes[0]), _counts(passes[-1])
            # The passes read one after another: what came in is the first's, what left the last's.
            counts["documents_in"], counts["documents_out"] = first["documents_in"], last["documents_out"]
            counts["characters_in"], counts["characters_out"] = first["characters_in"], last["characters_out"]
            # The MinHash cluster job's check (dedup/verify.py): banding candidates it turned down.
            clusters = logs(f"{part}/clusters")
            if clusters:
                counts["candidates_below_threshold"] = int(sum(s.totals.get("candidates_below_threshold", 0) for s in clusters))
            per_partition[part] = counts
            for steps in passes:
                for step in steps:
                    per_group.update({k.split("/", 1)[1]: int(v) for k, v in step.totals.items() if k.startswith("removed_in_group/")})
        merged = _merge(list(per_partition.values()))
        merged["candidates_below_threshold"] = sum(c.get("candidates_below_threshold", 0) for c in per_partition.values())
        d = {}
        if layout.config.is_file():
            import yaml

            d = (yaml.safe_load(layout.config.read_text()) or {}).get("dedup") or {}
        if "num_buckets" in d:
            from dedup.minhash import catch_threshold

            merged["catch_threshold"] = round(catch_threshold(d["num_buckets"], d["hashes_per_bucket"]), 4)
            merged["threshold"] = d.get("threshold", 0.0)
        merged["scope"] = d.get("scope", "per_language")
        if per_group:
            merged["removed_per_group"] = dict(sorted(per_group.items()))
        key = "per_partition" if "all" in per_partition else "per_language"
        return {**merged, key: per_partition}
    if stage == "recovery":
        from recovery.summary import readmitted, recovery_mechanisms

        found, chars = readmitted(layout)
        mechanisms = recovery_mechanisms(layout, job_stats, found)  # per mechanism and rule, with samples
        per_lang = {}
        for lang in LANGUAGES:
            counts = _counts(logs(f"{lang}/passthrough"))
            counts["recovered"] = {m: v["per_language"][lang] for m, v in mechanisms.items() if v["per_language"].get(lang)}
            counts["documents_out"] += sum(counts["recovered"].values())
            counts["characters_out"] += chars.get(lang, 0)
            per_lang[lang] = counts
        merged = _merge(list(per_lang.values()))
        recovered = {m: v["readmitted"] for m, v in mechanisms.items() if v["readmitted"]}
        return {**merged, "recovered": recovered, "mechanisms": mechanisms, "per_language": per_lang}
    if stage == "tokenizer":
        meta = layout.tokenizer / "thresher_tokenizer.json"
        return read_run_json(meta) if meta.is_file() else {}
    if stage == "shards":
        return shards_summary(layout.shards)
    return {}


def shards_summary(folder: Path) -> dict:
    """The manifest's counts, with each file's tokens instead of its checksums; {} before the stage."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return {}
    m = read_run_json(manifest)
    summary = {k: v for k, v in m.items() if k not in ("files", "tokenizer_sha256", "bos_policy")}
    summary["files"] = [{k: f[k] for k in ("name", "rows", "tokens", "padding_tokens")} for f in m["files"]]
    return summary


def build_summary(layout: RunLayout) -> dict:
    stages = {stage: stage_summary(layout, stage) for stage in STAGES if stage != "report"}
    for summary in stages.values():
        for key in ("removed", "removed_bytes"):
            if key in summary:
                summary[key] = dict(sorted(summary[key].items()))
    funnel = [
        {"stage": s, **{k: stages[s].get(k, 0) for k in ("documents_in", "documents_out", "characters_in", "characters_out")},
         "removed_bytes": sum(stages[s].get("removed_bytes", {}).values())}
        for s in ("extract", "langid", "quality", "dedup", "recovery")
    ]
    return {"run": str(layout.root), "funnel": funnel, "stages": stages}


def write_shards_report(folder: Path) -> dict:
    """The report of a shard folder alone (no run around it): FOLDER/report/."""
    summary = {"run": str(folder), "funnel": [], "stages": {"shards": shards_summary(folder)}}
    _write(summary, folder / "report")
    return summary


def stage_line(layout: RunLayout, stage: str) -> str:
    """One line for the terminal after a stage: what came in, what went on, why the rest left."""
    s = stage_summary(layout, stage)
    if stage == "tokenizer":
        return f"vocab {s.get('vocab_size')} (embedding {s.get('embedding_size')}), trained on {s.get('train_bytes', 0):,} bytes"
    if stage == "shards":
        tokens = sum(s.get("tokens", {}).values())
        return (f"{s.get('rows', 0)} rows of {s.get('seq_len')} tokens ({s.get('packing')}), {tokens:,} tokens, "
                f"padding {s.get('padding_rate', 0):.2%}, documents cut {s.get('split_document_rate', 0):.2%}")
    if stage == "report":
        return "summary written"
    line = f"{s['documents_in']} docs in, {s['documents_out']} out"
    if s.get("removed"):
        line += "; removed: " + ", ".join(f"{k} {v}" for k, v in sorted(s["removed"].items(), key=lambda kv: -kv[1]))
    cut = s.get("cut") or {}
    if cut.get("docs_cut"):
        line += (f"; lines cut from {cut['docs_cut']} kept docs: {cut.get('cut_repeated_lines', 0)} repeated, "
                 f"{cut.get('cut_site_lines', 0)} site boilerplate, {cut.get('cut_interface_lines', 0)} interface "
                 f"({cut.get('cut_chars', 0):,} chars)")
    if s.get("recovered"):
        line += "; re-admitted: " + ", ".join(f"{k} {v}" for k, v in s["recovered"].items())
    return line


def write_report(layout: RunLayout) -> dict:
    summary = build_summary(layout)
    _write(summary, layout.report)
    return summary


def _write(summary: dict, folder: Path) -> None:
    from pipeline.report_html import write_html

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    (folder / "report.md").write_text(_markdown(summary))
    write_html(summary, folder / "report.html")


def _markdown(summary: dict) -> str:
    lines = [f"# Thresher run report: {summary['run']}", "", "## Funnel", "",
             "| stage | documents in | documents out |", "|---|---:|---:|"]
    lines += [f"| {f['stage']} | {f['documents_in']} | {f['documents_out']} |" for f in summary["funnel"]]
    lines += ["", "## Removals by reason", "", "| stage | reason | documents | bytes |", "|---|---|---:|---:|"]
    for stage, s in summary["stages"].items():
        for reason, count in s.get("removed", {}).items():
            lines.append(f"| {stage} | {reason} | {count} | {s.get('removed_bytes', {}).get(reason, '')} |")
    lines += ["", "## Quality classifier", ""]
    for lang, model in summary["stages"].get("quality", {}).get("classifier", {}).items():
        lines.append(f"- {lang}: {model}" if model else
                     f"- {lang}: none: the rules alone decided (README \"The quality classifier\" trains and turns one on)")
    lines += ["", "## Lines cut before the rules", "", "| language | documents | repeated lines | site boilerplate lines | interface lines | characters |",
              "|---|---:|---:|---:|---:|---:|"]
    for lang, s in summary["stages"].get("quality", {}).get("per_language", {}).items():
        c = s.get("cut") or {}
        lines.append(f"| {lang} | {c.get('docs_cut', 0)} | {c.get('cut_repeated_lines', 0)} | {c.get('cut_site_lines', 0)} | {c.get('cut_interface_lines', 0)} | {c.get('cut_chars', 0)} |")
    lines += ["", "What was cut, page by page: RUN/quality/cut/<lang>/."]
    from recovery.summary import markdown_lines

    lines += ["", "## Recovery", ""] + markdown_lines(summary["stages"].get("recovery", {}).get("mechanisms", {}))
    shards = summary["stages"].get("shards")
    if shards:
        lines += ["", "## Shards", ""] + [f"- {line}" for line in shards_lines(shards)]
    return "\n".join(lines) + "\n"


def shards_lines(s: dict) -> list[str]:
    return [
        f"{s['rows']:,} rows of {s['seq_len']} tokens in {len(s['files'])} files, {s['packing']} packing",
        "tokens per language: " + ", ".join(f"{k} {v:,}" for k, v in s["tokens"].items()),
        f"padding: {s['padding_tokens']:,} tokens ({s['padding_rate']:.2%} of the rows)",
        f"documents cut across rows: {s['split_documents']:,} of {sum(s['documents'].values()):,} ({s['split_document_rate']:.2%})",
    ]


def print_summary(summary: dict) -> None:
    for f in summary["funnel"]:
        print(f"  {f['stage']:<10} {f['documents_in']:>8} in  {f['documents_out']:>8} out")
    without = [lang for lang, model in summary["stages"].get("quality", {}).get("classifier", {}).items() if not model]
    if without:
        print(f"  quality: no classifier model for {', '.join(without)}: the rules alone decided")
    dedup = summary["stages"].get("dedup")
    if dedup and "threshold" in dedup:
        removed = dedup.get("removed", {})
        print(f"  dedup: {removed.get('exact_duplicate', 0)} exact and {removed.get('minhash_duplicate', 0)} near copies "
              f"removed ({dedup['scope']}); {dedup.get('candidates_below_threshold', 0)} banding candidates under "
              f"Jaccard {dedup['threshold']:g} kept")
    from recovery.summary import markdown_lines

    for line in markdown_lines(summary["stages"].get("recovery", {}).get("mechanisms", {})):
        print(f"  recovery: {line.lstrip('- ')}" if line.startswith("-") else f"  {line}")
    if summary["stages"].get("shards"):
        for line in shards_lines(summary["stages"]["shards"]):
            print(f"  {line}")


class WriteReport(PipelineStep):
    """The report stage as a one-task job, so it runs after the others on Slurm too."""

    type = "📊 - REPORT"
    name = "report"

    def __init__(self, run_root: str):
        super().__init__()
        self.run_root = run_root

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        write_report(RunLayout(Path(self.run_root)))
        return
        yield
