"""The shards stage's settings: row length, packing, shard size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass
class ShardsConfig:
    seq_len: int = 4096
    # best_fit: best-fit-decreasing packing, a document is cut only when longer than a row, the
    # rest of a row is padded (Ding et al. 2024, "Fewer Truncations Improve Language Modeling").
    # concat: one stream cut into rows, no padding, but about one document cut per row.
    packing: Literal["concat", "best_fit"] = "best_fit"
    # Documents packed together by best_fit: the more, the less padding (16M tokens = 4096 rows).
    best_fit_buffer_tokens: int = 16777216
    max_shard_tokens: int = 268435456  # 1 GiB of uint32 per shard file

    def check(self, need) -> None:
        need(self.seq_len >= 1, "seq_len", f"must be a positive number of tokens, got {self.seq_len}")
        need(self.max_shard_tokens >= self.seq_len, "max_shard_tokens",
             f"a shard holds at least one row of {self.seq_len} tokens, got {self.max_shard_tokens}")
        need(self.best_fit_buffer_tokens >= 1, "best_fit_buffer_tokens", "must be at least 1")
