"""The tokenizer stage: a byte-level BPE with DeepSeek's pre-tokenizer, trained on a sample of
the final documents of every language (one task)."""

from __future__ import annotations

from pipeline.layout import RunLayout, read_run_json
from pipeline.stage import Job, Stage
from tokenizer.config import TokenizerConfig
from tokenizer.files import META_FILE, damaged_tokenizer
from tokenizer.train import TrainTokenizer


def jobs(cfg, layout: RunLayout) -> list[Job]:
    step = TrainTokenizer(str(layout.output("recovery")), str(layout.tokenizer), cfg.tokenizer,
                          model_max_length=cfg.shards.seq_len, seed=cfg.run.seed)
    return [Job("tokenizer", "train", [step], 1)]


def reads(layout: RunLayout) -> list:
    return [(layout.output("recovery"), "recovery")]


def named_files(cfg, stages: list[str]) -> list[tuple[str, str]]:
    reference = cfg.tokenizer.reference  # a file, or a folder holding one
    return [("tokenizer.reference", reference)] if "tokenizer" in stages and reference else []


def summary(layout: RunLayout) -> dict:
    meta = layout.tokenizer / META_FILE
    return read_run_json(meta) if meta.is_file() else {}


def line(s: dict) -> str:
    return f"vocab {s.get('vocab_size')} (embedding {s.get('embedding_size')}), trained on {s.get('train_bytes', 0):,} bytes"


# The tokenizer's model_max_length is the shards' row length.
STAGE = Stage("tokenizer", jobs, config=TokenizerConfig, reads=reads, invalidated_by=("shards.seq_len",),
              summary=summary, line=line, named_files=named_files, damaged=lambda layout: damaged_tokenizer(layout.tokenizer))
