"""Train a byte-level BPE tokenizer the DeepSeek way and save it for `tokenizers` and transformers.

Learned tokens come first (ids 0..vocab_size-1, the 256 byte symbols among them, so no byte is
ever unknown); special tokens follow; the embedding size is the total rounded up to
`pad_vocab_to_multiple_of` and recorded in `thresher_tokenizer.json`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from pipeline.stage_io import StageReader
from tokenizer.pretokenize import deepseek_pre_tokenizer

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
PAD = "<｜pad▁of▁sentence｜>"
RESERVED = [f"<｜reserved_{i}｜>" for i in range(13)]
SPECIAL_TOKENS = [BOS, EOS, PAD, *RESERVED]
META_FILE = "thresher_tokenizer.json"


def budgeted(texts: Iterable[str], max_bytes: int) -> Iterator[str]:
    """Yield texts until MAX_BYTES of UTF-8 have gone by (the last one is cut to fit)."""
    seen = 0
    for text in texts:
        size = len(text.encode("utf-8"))
        if seen + size > max_bytes:
            yield text.encode("utf-8")[: max_bytes - seen].decode("utf-8", errors="ignore")
            return
        seen += size
        yield text


def train_bpe(texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = deepseek_pre_tokenizer()
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    tok.add_special_tokens(SPECIAL_TOKENS)
    return tok


def save_tokenizer(tok: Tokenizer, out: Path, pad_to_multiple_of: int, model_max_length: int, extra: dict) -> dict:
    """tokenizer.json + tokenizer_config.json (for AutoTokenizer) + our own metadata."""
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": BOS,
        "eos_token": EOS,
        "pad_token": PAD,
        "add_bos_token": False,
        "add_eos_token": False,
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": False,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    (out / "special_tokens_map.json").write_text(
        json.dumps({"bos_token": BOS, "eos_token": EOS, "pad_token": PAD}, indent=2, ensure_ascii=False) + "\n"
    )
    size = tok.get_vocab_size(with_added_tokens=True)
    meta = {
        "vocab_size": size,
        "learned_tokens": size - len(SPECIAL_TOKENS),
        "embedding_size": math.ceil(size / pad_to_multiple_of) * pad_to_multiple_of,
        "bos_id": tok.token_to_id(BOS),
        "eos_id": tok.token_to_id(EOS),
        "pad_id": tok.token_to_id(PAD),
        **extra,
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return meta


class TrainTokenizer(PipelineStep):
    """The pipeline's tokenizer stage: one task, reading the final documents of every language."""

    type = "🔤 - TOKENIZER"
    name = "train_bpe"

    def __init__(self, input_folder: str, output_dir: str, vocab_size: int, min_frequency: int,
                 max_train_bytes: int, pad_vocab_to_multiple_of: int, model_max_length: int):
        super().__init__()
        self.input_folder = input_folder
        self.output_dir = output_dir
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency
        self.max_train_bytes = max_train_bytes
        self.pad_vocab_to_multiple_of = pad_vocab_to_multiple_of
        self.model_max_length = model_max_length

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        docs = StageReader(self.input_folder, glob_pattern="*/*.jsonl.gz").run()
        counted = {"documents": 0, "bytes": 0}

        def texts():
            for text in budgeted((d.text for d in docs), self.max_train_bytes):
                counted["documents"] += 1
                counted["bytes"] += len(text.encode("utf-8"))
                yield text

        start = time.perf_counter()
        with self.track_time():
            tok = train_bpe(texts(), self.vocab_size, self.min_frequency)
        self.stat_update("train_documents", value=counted["documents"])
        self.stat_update("train_bytes", value=counted["bytes"])
        save_tokenizer(
            tok,
            Path(self.output_dir),
            self.pad_vocab_to_multiple_of,
            self.model_max_length,
            {"train_documents": counted["documents"], "train_bytes": counted["bytes"],
             "train_seconds": round(time.perf_counter() - start, 2)},
        )
        return
        yield
