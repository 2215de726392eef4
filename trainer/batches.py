"""Which windows of the shard rows each training step sees: a pure function of the step.

A window is `context` tokens of one row (rows are seq_len tokens; a CPU trains on slices).
Step s takes the next batch_size windows of a seeded permutation, a new permutation per
epoch. Because the batch depends on nothing but (seed, step), a resumed run sees exactly the
batches the uninterrupted run would have, with no loader state to save.
"""

from __future__ import annotations

import numpy as np
import torch

from pipeline.yaml_source import ConfigError
from trainer.data import Shards

IGNORE_INDEX = -100  # transformers' loss skips these labels


def train_windows(shards: Shards, context: int, eval_rows: int) -> list[tuple[int, int]]:
    """(row, offset) of every training window; the last EVAL_ROWS rows are held out."""
    train_rows = shards.rows - eval_rows
    if train_rows < 1:
        raise ConfigError(f"{shards.folder}: {shards.rows} rows, {eval_rows} held out (train.eval_rows): "
                          "none left to train on")
    per_row = shards.info.seq_len // context
    return [(row, w * context) for row in range(train_rows) for w in range(per_row)]


def eval_row_range(shards: Shards, eval_rows: int) -> range:
    return range(shards.rows - eval_rows, shards.rows)


def batch_indices(step: int, batch_size: int, n_windows: int, seed: int) -> np.ndarray:
    """Window indices for STEP: positions step*B .. step*B+B-1 of the epoch permutations."""
    positions = np.arange(step * batch_size, (step + 1) * batch_size)
    out = np.empty(batch_size, dtype=np.int64)
    for epoch in np.unique(positions // n_windows):
        perm = np.random.default_rng([seed, int(epoch)]).permutation(n_windows)
        mask = positions // n_windows == epoch
        out[mask] = perm[positions[mask] % n_windows]
    return out


def make_batch(shards: Shards, windows: list[tuple[int, int]], indices, context: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(input_ids, labels) for the windows at INDICES; padding is not a target."""
    rows = [np.asarray(shards.row(windows[i][0])[windows[i][1] : windows[i][1] + context], dtype=np.int64) for i in indices]
    input_ids = torch.from_numpy(np.stack(rows))
    labels = input_ids.clone()
    labels[labels == shards.info.pad_id] = IGNORE_INDEX
    return input_ids, labels
