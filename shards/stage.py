"""The shards stage: the final documents tokenized and packed into rows of `seq_len` tokens per
task, the rows shuffled across shard files with run.seed, and a manifest that says what is where."""

from __future__ import annotations

from pathlib import Path

from pipeline.layout import RunLayout, read_run_json
from pipeline.stage import Job, Stage
from pipeline.stage_io import StageReader
from shards.config import ShardsConfig
from shards.pack import PackShards, ShuffleShards, WriteManifest, damaged_shards
from shards.packing import MANIFEST
from tokenizer.files import META_FILE


def jobs(cfg, layout: RunLayout) -> list[Job]:
    s, seed = cfg.shards, cfg.run.seed
    reader = StageReader(layout.output("recovery"), glob_pattern="*/*.jsonl.gz")
    return [
        Job("shards", "pack", [reader, PackShards(str(layout.tokenizer), str(layout.shards), s)], cfg.run.tasks),
        Job("shards", "shuffle", [ShuffleShards(str(layout.shards), s, seed)], cfg.run.tasks),
        Job("shards", "manifest", [WriteManifest(str(layout.tokenizer), str(layout.shards), s, seed)], 1),
    ]


def reads(layout: RunLayout) -> list:
    # Both tokenizer backends write META_FILE beside their tokenizer.json or tokenizer.model.
    return [(layout.output("recovery"), "recovery"), (layout.tokenizer / META_FILE, "tokenizer")]


def folder_summary(folder: Path) -> dict:
    """The manifest's counts, with each file's tokens instead of its checksums; {} before the stage."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return {}
    m = read_run_json(manifest)
    found = {k: v for k, v in m.items() if k not in ("files", "tokenizer_sha256", "bos_policy")}
    found["files"] = [{k: f[k] for k in ("name", "rows", "tokens", "padding_tokens")} for f in m["files"]]
    return found


def line(s: dict) -> str:
    tokens = sum(s.get("tokens", {}).values())
    return (f"{s.get('rows', 0)} rows of {s.get('seq_len')} tokens ({s.get('packing')}), {tokens:,} tokens, "
            f"padding {s.get('padding_rate', 0):.2%}, documents cut {s.get('split_document_rate', 0):.2%}")


def summary_lines(s: dict) -> list[str]:
    """The shards' summary in a few lines, for the report and the terminal."""
    return [
        f"{s['rows']:,} rows of {s['seq_len']} tokens in {len(s['files'])} files, {s['packing']} packing",
        "tokens per language: " + ", ".join(f"{k} {v:,}" for k, v in s["tokens"].items()),
        f"padding: {s['padding_tokens']:,} tokens ({s['padding_rate']:.2%} of the rows)",
        f"documents cut across rows: {s['split_documents']:,} of {sum(s['documents'].values()):,} ({s['split_document_rate']:.2%})",
    ]


def markdown(s: dict) -> list[str]:
    return ["", "## Shards", ""] + [f"- {text}" for text in summary_lines(s)] if s else []


STAGE = Stage("shards", jobs, config=ShardsConfig, reads=reads, summary=lambda layout: folder_summary(layout.shards),
              line=line, damaged=lambda layout: damaged_shards(layout.shards, layout.tokenizer),
              markdown=markdown, closing=lambda s: summary_lines(s) if s else [])
