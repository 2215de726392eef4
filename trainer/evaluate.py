"""Held-out clean text, and a model's loss on it in bits per byte.

The curated and the raw shards come with their own tokenizers, so a loss per token would
compare different units; bits per UTF-8 byte of the same text does not depend on the
tokenizer. The held-out text is the curated shards' last `eval_rows` rows, which neither
model trains on: training windows that share a passage with it are dropped from both runs
(the raw corpus holds the same documents, so it would otherwise have seen the test).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from pipeline.yaml_source import ConfigError
from trainer.batches import eval_row_range
from trainer.data import Shards

PASSAGE_CHARS = 50  # a window that shares this many consecutive characters with the test is dropped


def held_out_texts(shards: Shards, eval_rows: int, tokenizer) -> list[str]:
    """The documents (and document ends) in the held-out rows, decoded; PAD dropped."""
    info = shards.info
    stream = np.concatenate([np.asarray(shards.row(r)) for r in eval_row_range(shards, eval_rows)])
    stream = stream[stream != info.pad_id]
    cuts = np.flatnonzero(stream == info.eos_id)
    pieces = np.split(stream, cuts + 1)
    texts = [tokenizer.decode([int(t) for t in p if t != info.eos_id]) for p in pieces]
    return [t for t in texts if t.strip()]


def passages(texts: list[str]) -> set[str]:
    """Every PASSAGE_CHARS-long substring of the held-out texts."""
    return {t[i : i + PASSAGE_CHARS] for t in texts for i in range(len(t) - PASSAGE_CHARS + 1)}


def shares_passage(text: str, held_out: set[str]) -> bool:
    """True if TEXT contains 2*PASSAGE_CHARS characters of a held-out text (probing every
    PASSAGE_CHARS-th position finds any such overlap; shorter ones may slip through)."""
    return any(text[i : i + PASSAGE_CHARS] in held_out for i in range(0, len(text) - PASSAGE_CHARS + 1, PASSAGE_CHARS))


def clean_windows(shards: Shards, windows: list[tuple[int, int]], context: int, tokenizer, held_out: set[str]):
    """WINDOWS minus those that overlap the held-out text; returns (kept, dropped count)."""
    kept = []
    for row, offset in windows:
        tokens = [int(t) for t in shards.row(row)[offset : offset + context]]
        if not shares_passage(tokenizer.decode(tokens), held_out):
            kept.append((row, offset))
    return kept, len(windows) - len(kept)


@torch.no_grad()
def bits_per_byte(model, tokenizer, texts: list[str], eos_id: int, context: int, device: str, batch_size: int = 8) -> dict:
    """Mean loss of MODEL on TEXTS (joined with EOS, cut into CONTEXT windows)."""
    ids: list[int] = []
    for enc in tokenizer.encode_batch(texts, add_special_tokens=False):
        ids.extend(enc.ids)
        ids.append(eos_id)
    n = len(ids) // context
    if n == 0:
        raise ConfigError(f"the held-out text is {len(ids)} tokens, shorter than one {context}-token window: "
                          "raise train.eval_rows")
    windows = torch.tensor(ids[: n * context], dtype=torch.long).view(n, context)
    model.eval()
    nats, targets = 0.0, 0
    for start in range(0, n, batch_size):
        batch = windows[start : start + batch_size].to(device)
        logits = model(input_ids=batch).logits.float()
        loss = torch.nn.functional.cross_entropy(
            logits[:, :-1].reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1), reduction="sum"
        )
        nats += loss.item()
        targets += batch[:, 1:].numel()
    model.train()
    # The bytes the scored tokens stand for: the text's bytes times the share of tokens scored
    # (the first token of each window and the tail past the last full window are not scored).
    text_bytes = sum(len(t.encode("utf-8")) for t in texts)
    scored_bytes = text_bytes * targets / len(ids)
    return {
        "loss_per_token": nats / targets,
        "bits_per_byte": nats / math.log(2) / scored_bytes,
        "tokens": targets,
        "bytes": text_bytes,
    }
