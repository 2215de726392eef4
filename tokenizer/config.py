"""The tokenizer stage's settings: vocabulary, training budget, language shares, held-out text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipeline.layout import LANGUAGES


@dataclass
class TokenizerConfig:
    vocab_size: int = 100000
    min_frequency: int = 2
    # Byte budget of training text, sampled from the final documents (DeepSeek used ~24 GB).
    max_train_bytes: int = 2000000000
    # The embedding matrix is padded to a multiple of this: 100,000 learned + 16 special tokens
    # -> 102,400 rows, DeepSeek-V2's embedding size.
    pad_vocab_to_multiple_of: int = 4096
    backend: Literal["tokenizers", "sentencepiece"] = "tokenizers"
    # Share of the training bytes per language; kept exact (a scarce language scales the rest down).
    language_shares: dict[str, float] = field(default_factory=lambda: {"en": 0.5, "zh": 0.5})
    # Documents held out of training (by hash of their id) for the report's compression figures.
    heldout_fraction: float = 0.01
    max_heldout_bytes: int = 5000000  # per language
    reference: str | None = None  # a tokenizer.json / tokenizer.model to compare against in the report

    def check(self, need) -> None:
        # Byte-level BPE starts from the 256 byte symbols: a smaller vocabulary cannot exist.
        need(self.vocab_size > 256, "vocab_size", f"must exceed the 256-symbol byte alphabet, got {self.vocab_size}")
        need(self.pad_vocab_to_multiple_of >= 1, "pad_vocab_to_multiple_of", "must be at least 1")
        need(self.max_train_bytes >= 1, "max_train_bytes",
             f"a byte budget of training text must be at least 1, got {self.max_train_bytes}")
        # A pair seen fewer than once is never merged: below 1 the setting means nothing.
        need(self.min_frequency >= 1, "min_frequency", f"must be at least 1, got {self.min_frequency}")
        for lang, share in self.language_shares.items():
            need(lang in LANGUAGES and share >= 0, f"language_shares.{lang}",
                 f"a share of a supported language ({list(LANGUAGES)}) is at least 0, got {share}")
        need(sum(self.language_shares.values()) > 0, "language_shares", "give some language a share above 0")
        need(0.0 <= self.heldout_fraction < 1.0, "heldout_fraction", f"a fraction in [0, 1), got {self.heldout_fraction}")
        need(self.max_heldout_bytes >= 0, "max_heldout_bytes", f"a byte budget cannot be negative, got {self.max_heldout_bytes}")
