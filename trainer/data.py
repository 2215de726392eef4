"""The trainer's one view of a shard folder: rows of tokens, the manifest's facts, the tokenizer.

This adapter is the only trainer module that knows the shard layout; it reads through
shards/dataset.py's `ShardDataset` (memmaps, checksums checked on opening), so a change of
format is met there and here, not across the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.layout import RunLayout
from pipeline.yaml_source import ConfigError
from shards.dataset import ShardDataset, ShardError, file_sha256
from tokenizer.files import tokenizer_file
from tokenizer.load import plain_text_tokenizer


@dataclass
class ShardInfo:
    seq_len: int
    vocab_size: int  # the tokenizer's tokens; every id in a shard must be below it
    embedding_size: int  # the embedding rows, vocab_size padded up
    eos_id: int
    pad_id: int
    documents: int  # one EOS ends each of them
    padding_tokens: int


class Shards:
    """Rows of SHARDS (a folder with manifest.json) by index, and whole files for scans."""

    def __init__(self, folder: str | Path, verify: bool = True):
        self.folder = Path(folder)
        try:
            self._dataset = ShardDataset(self.folder, verify=verify)
        except ShardError as e:
            raise ConfigError(str(e)) from e
        manifest = self._dataset.manifest
        self.info = ShardInfo(
            seq_len=manifest["seq_len"],
            vocab_size=manifest["vocab_size"],
            embedding_size=manifest["embedding_size"],
            eos_id=manifest["eos_id"],
            pad_id=manifest["pad_id"],
            documents=sum(manifest["documents"].values()),
            padding_tokens=manifest["padding_tokens"],
        )
        self.tokenizer_sha256 = manifest.get("tokenizer_sha256")
        if self.rows == 0:
            raise ConfigError(f"{self.folder}/manifest.json: the shards hold no rows")

    @property
    def rows(self) -> int:
        return len(self._dataset)

    def row(self, index: int) -> np.ndarray:
        return self._dataset[index]

    def chunks(self):
        """Every row, a file at a time: for whole-shard scans (id ranges, EOS counts)."""
        yield from self._dataset.parts()

    def tokenizer_dir(self) -> Path:
        """The tokenizer the shards were made with: RUN/tokenizer/ beside RUN/shards/, checked
        against the manifest's sha256 so that a retrained tokenizer cannot decode them wrongly."""
        folder = RunLayout(self.folder.parent).tokenizer
        try:
            path = tokenizer_file(folder)
        except FileNotFoundError as e:
            raise ConfigError(f"no tokenizer for {self.folder}: {e} (the run folder layout)") from e
        if self.tokenizer_sha256 and file_sha256(path) != self.tokenizer_sha256:
            raise ConfigError(f"{path}: sha256 differs from the one in {self.folder}/manifest.json: "
                              "the tokenizer was retrained after these shards were made")
        return folder

    def tokenizer(self):
        """The `tokenizers` tokenizer, reading special-token strings in text as plain text."""
        return plain_text_tokenizer(self.tokenizer_dir())
