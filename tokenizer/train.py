"""Train a byte-level BPE tokenizer the DeepSeek way and save it for `tokenizers` and transformers.

Learned tokens come first (ids 0..vocab_size-1, the 256 byte symbols among them, so no byte is
ever unknown); special tokens follow; the embedding size is the total rounded up to
`pad_vocab_to_multiple_of` and recorded in `thresher_tokenizer.json`. The CLI command
`thresher tokenizer train` and the pipeline stage both go through `train_tokenizer`.

Special tokens are matched in input text by `tokenizers` (and transformers) unless told not to:
code that encodes crawled text must load the tokenizer with `plain_text_tokenizer`, so that a
page quoting "<｜end▁of▁sentence｜>" gets ordinary tokens, never the EOS id.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from tokenizer.config import TokenizerConfig
from tokenizer.files import BOS, EOS, META_FILE, PAD, SPECIAL_TOKENS, embedding_size, write_transformers_files
from tokenizer.pretokenize import TRAIN_MAX_CJK_RUN, deepseek_pre_tokenizer
from tokenizer.report import write_report
from tokenizer.sampling import Doc, run_folder_docs, sample_corpus
from tokenizer.sentencepiece_backend import save_sentencepiece, train_sentencepiece

BACKENDS = ("tokenizers", "sentencepiece")
PARALLELISM_ENV = "TOKENIZERS_PARALLELISM"


@contextmanager
def serial_tokenizers():
    """`tokenizers` without its thread pool for the duration, the caller's setting restored after.

    Its BPE trainer hands every merge to the pool, and most of the 100,000 merges touch a handful
    of words: waking the pool costs more than the merge, and its threads spin while they wait.
    On 4 MB of en+zh (2 cores, bench/tokenizer_train.py) the pool took 1.5-1.6x the CPU time for the
    same merges, and reading the input with it was no faster.
    """
    before = os.environ.get(PARALLELISM_ENV)
    os.environ[PARALLELISM_ENV] = "false"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PARALLELISM_ENV, None)
        else:
            os.environ[PARALLELISM_ENV] = before


def train_bpe(texts: Iterable[str], vocab_size: int, min_frequency: int = 2, show_progress: bool = False,
              max_cjk_run: int | None = TRAIN_MAX_CJK_RUN, timings: dict | None = None) -> Tokenizer:
    """A byte-level BPE on TEXTS, saved with DeepSeek's pre-tokenizer whatever MAX_CJK_RUN was.

    TIMINGS, when given, receives `read_seconds`: the time to read and pre-tokenize the input
    (the trainer counts words as it reads), the rest of `train_seconds` being the merges.
    """
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = deepseek_pre_tokenizer(max_cjk_run)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=show_progress,
    )
    start = time.perf_counter()

    def timed(items: Iterable[str]) -> Iterator[str]:
        yield from items
        if timings is not None:
            timings["read_seconds"] = round(time.perf_counter() - start, 2)

    with serial_tokenizers():
        tok.train_from_iterator(timed(texts), trainer=trainer)
    if timings is not None:
        timings["train_seconds"] = round(time.perf_counter() - start, 2)
    tok.pre_tokenizer = deepseek_pre_tokenizer()  # cutting CJK runs was for training only
    tok.add_special_tokens(SPECIAL_TOKENS)
    return tok


def save_tokenizer(tok: Tokenizer, out: Path, pad_to_multiple_of: int, model_max_length: int, extra: dict) -> dict:
    """tokenizer.json + tokenizer_config.json (for AutoTokenizer) + our own metadata."""
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer.model").unlink(missing_ok=True)  # left by a sentencepiece run into the same folder
    write_transformers_files(out, {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "add_bos_token": False,
        "add_eos_token": False,
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": False,
    })
    size = tok.get_vocab_size(with_added_tokens=True)
    meta = {
        "backend": "tokenizers",
        "vocab_size": size,
        "learned_tokens": size - len(SPECIAL_TOKENS),
        "special_tokens": len(SPECIAL_TOKENS),
        "embedding_size": embedding_size(size, pad_to_multiple_of),
        "bos_id": tok.token_to_id(BOS),
        "eos_id": tok.token_to_id(EOS),
        "pad_id": tok.token_to_id(PAD),
        **extra,
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def peak_rss_mb() -> float:
    """This process's resident-memory high-water mark, in MB.

    VmHWM where Linux has it: getrusage's ru_maxrss survives exec, so a process started from a
    big parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def train_tokenizer(open_docs: Callable[[], Iterable[Doc]], output: str | Path, settings: TokenizerConfig, *,
                    model_max_length: int, seed: int, log: Callable[[str], None] = print) -> dict:
    """Sample the corpus, train with the settings' backend, save into OUTPUT with a report;
    returns the metadata.

    OPEN_DOCS is called twice (sizes first, then the sample): documents are streamed, never held.
    """
    s = settings
    if s.backend not in BACKENDS:
        raise ValueError(f"unknown tokenizer backend {s.backend!r}; valid: {list(BACKENDS)}")
    out = Path(output)
    sample = sample_corpus(open_docs, s.language_shares, s.max_train_bytes, s.heldout_fraction, s.max_heldout_bytes, seed)
    log(f"training sample: {sample.describe()}")
    if not any(sample.budgets.values()):
        raise ValueError("no training text: the input has no documents in the configured languages")
    show = sys.stderr.isatty()
    start = time.perf_counter()
    timings: dict = {}
    if s.backend == "tokenizers":
        tok = train_bpe(sample.train_texts(), s.vocab_size, s.min_frequency, show_progress=show, timings=timings)
        seconds = time.perf_counter() - start
        saver = lambda extra: save_tokenizer(tok, out, s.pad_vocab_to_multiple_of, model_max_length, extra)  # noqa: E731
    else:
        model = train_sentencepiece(sample.train_texts(), s.vocab_size)
        seconds = time.perf_counter() - start
        saver = lambda extra: save_sentencepiece(model, out, s.pad_vocab_to_multiple_of, model_max_length, extra)  # noqa: E731
    meta = saver({
        "train_seconds": round(seconds, 2),
        **({"read_seconds": timings["read_seconds"]} if "read_seconds" in timings else {}),
        "peak_rss_mb": peak_rss_mb(),
        "train_documents": sample.stats["train_documents"],
        "train_bytes": sample.stats["train_bytes"],
        "train_bytes_per_language": sample.stats["train_bytes_per_language"],
        "heldout_bytes_per_language": {k: sum(len(t.encode()) for t in v) for k, v in sample.heldout.items()},
        "language_shares": s.language_shares,
        "seed": seed,
    })
    log(f"trained {meta['learned_tokens']} tokens in {seconds:.1f}s; saved to {out}/")
    report = write_report(out, sample.heldout, s.reference)
    log(f"report: {out}/tokenizer_report.md")
    meta["report"] = report
    return meta


class TrainTokenizer(PipelineStep):
    """The pipeline's tokenizer stage: one task, reading the final documents of every language."""

    type = "🔤 - TOKENIZER"
    name = "train_bpe"

    def __init__(self, input_folder: str, output_dir: str, settings: TokenizerConfig, model_max_length: int, seed: int):
        super().__init__()
        self.input_folder = input_folder
        self.output_dir = output_dir
        self.settings = settings
        self.model_max_length = model_max_length
        self.seed = seed

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from loguru import logger

        with self.track_time():
            meta = train_tokenizer(lambda: run_folder_docs(self.input_folder), self.output_dir, self.settings,
                                   model_max_length=self.model_max_length, seed=self.seed, log=logger.info)
        self.stat_update("train_documents", value=meta["train_documents"])
        self.stat_update("train_bytes", value=meta["train_bytes"])
        return
        yield
