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
import math
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

from tokenizer.pretokenize import TRAIN_MAX_CJK_RUN, deepseek_pre_tokenizer
from tokenizer.sampling import Doc, sample_corpus

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
PAD = "<｜pad▁of▁sentence｜>"
RESERVED = [f"<｜reserved_{i}｜>" for i in range(13)]
SPECIAL_TOKENS = [BOS, EOS, PAD, *RESERVED]
META_FILE = "thresher_tokenizer.json"
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


def damaged_tokenizer(tokenizer_dir: str | Path) -> str | None:
    """What is wrong with a trained tokenizer folder, or None: its record and its tokenizer.json
    must be whole JSON (a crash or a full disk mid-write leaves them cut short)."""
    folder = Path(tokenizer_dir)
    try:
        json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        path = tokenizer_file(folder)
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        return f"{e.filename or folder} is missing"
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return f"a file in {folder} is damaged ({type(e).__name__})"
    return None


def tokenizer_file(tokenizer_dir: str | Path) -> Path:
    """The tokenizer a folder holds: tokenizer.json (tokenizers backend) or tokenizer.model
    (sentencepiece backend; that backend removes any tokenizer.json)."""
    folder = Path(tokenizer_dir)
    for name in ("tokenizer.json", "tokenizer.model"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder}: no tokenizer.json or tokenizer.model (train one with the tokenizer stage)")


def plain_text_tokenizer(tokenizer_dir: str | Path):
    """The saved tokenizer, set to read special-token strings in the input as plain text.

    `encode_special_tokens` is not stored in tokenizer.json, so every loader of crawled text must
    set it (transformers: `tokenizer(text, split_special_tokens=True)`). A sentencepiece model
    comes behind the same two calls (`encode_batch`, `decode`); it never makes control ids from text.
    """
    path = tokenizer_file(tokenizer_dir)
    if path.suffix == ".model":
        from tokenizer.sentencepiece_backend import PlainTextSentencePiece

        return PlainTextSentencePiece(path)
    tok = Tokenizer.from_file(str(path))
    tok.encode_special_tokens = True
    return tok


def embedding_size(vocab_size: int, multiple: int) -> int:
    return math.ceil(vocab_size / multiple) * multiple


def write_transformers_files(out: Path, config: dict) -> None:
    base = {"bos_token": BOS, "eos_token": EOS, "pad_token": PAD}
    full = {**config, **base, "additional_special_tokens": RESERVED}
    (out / "tokenizer_config.json").write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n")
    (out / "special_tokens_map.json").write_text(json.dumps(base, indent=2, ensure_ascii=False) + "\n")


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


def train_tokenizer(open_docs: Callable[[], Iterable[Doc]], output: str | Path, *, backend: str, vocab_size: int,
                    min_frequency: int, max_train_bytes: int, language_shares: dict[str, float],
                    heldout_fraction: float, max_heldout_bytes: int, pad_vocab_to_multiple_of: int,
                    model_max_length: int, seed: int, reference: str | None = None,
                    log: Callable[[str], None] = print) -> dict:
    """Sample the corpus, train with BACKEND, save into OUTPUT with a report; returns the metadata.

    OPEN_DOCS is called twice (sizes first, then the sample): documents are streamed, never held.
    """
    from tokenizer.report import write_report

    if backend not in BACKENDS:
        raise ValueError(f"unknown tokenizer backend {backend!r}; valid: {list(BACKENDS)}")
    out = Path(output)
    sample = sample_corpus(open_docs, language_shares, max_train_bytes, heldout_fraction, max_heldout_bytes, seed)
    log(f"training sample: {sample.describe()}")
    if not any(sample.budgets.values()):
        raise ValueError("no training text: the input has no documents in the configured languages")
    show = sys.stderr.isatty()
    start = time.perf_counter()
    timings: dict = {}
    if backend == "tokenizers":
        tok = train_bpe(sample.train_texts(), vocab_size, min_frequency, show_progress=show, timings=timings)
        seconds = time.perf_counter() - start
        saver = lambda extra: save_tokenizer(tok, out, pad_vocab_to_multiple_of, model_max_length, extra)  # noqa: E731
    else:
        from tokenizer.sentencepiece_backend import save_sentencepiece, train_sentencepiece

        model = train_sentencepiece(sample.train_texts(), vocab_size)
        seconds = time.perf_counter() - start
        saver = lambda extra: save_sentencepiece(model, out, pad_vocab_to_multiple_of, model_max_length, extra)  # noqa: E731
    meta = saver({
        "train_seconds": round(seconds, 2),
        **({"read_seconds": timings["read_seconds"]} if "read_seconds" in timings else {}),
        "peak_rss_mb": peak_rss_mb(),
        "train_documents": sample.stats["train_documents"],
        "train_bytes": sample.stats["train_bytes"],
        "train_bytes_per_language": sample.stats["train_bytes_per_language"],
        "heldout_bytes_per_language": {k: sum(len(t.encode()) for t in v) for k, v in sample.heldout.items()},
        "language_shares": language_shares,
        "seed": seed,
    })
    log(f"trained {meta['learned_tokens']} tokens in {seconds:.1f}s; saved to {out}/")
    report = write_report(out, sample.heldout, reference)
    log(f"report: {out}/tokenizer_report.md")
    meta["report"] = report
    return meta


class TrainTokenizer(PipelineStep):
    """The pipeline's tokenizer stage: one task, reading the final documents of every language."""

    type = "🔤 - TOKENIZER"
    name = "train_bpe"

    def __init__(self, input_folder: str, output_dir: str, vocab_size: int, min_frequency: int,
                 max_train_bytes: int, pad_vocab_to_multiple_of: int, model_max_length: int,
                 backend: str = "tokenizers", language_shares: dict[str, float] | None = None,
                 heldout_fraction: float = 0.01, max_heldout_bytes: int = 5_000_000, seed: int = 0,
                 reference: str | None = None):
        super().__init__()
        self.input_folder = input_folder
        self.output_dir = output_dir
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency
        self.max_train_bytes = max_train_bytes
        self.pad_vocab_to_multiple_of = pad_vocab_to_multiple_of
        self.model_max_length = model_max_length
        self.backend = backend
        self.language_shares = language_shares or {"en": 0.5, "zh": 0.5}
        self.heldout_fraction = heldout_fraction
        self.max_heldout_bytes = max_heldout_bytes
        self.seed = seed
        self.reference = reference

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from loguru import logger

        from tokenizer.sampling import run_folder_docs

        with self.track_time():
            meta = train_tokenizer(
                lambda: run_folder_docs(self.input_folder), self.output_dir, backend=self.backend,
                vocab_size=self.vocab_size, min_frequency=self.min_frequency,
                max_train_bytes=self.max_train_bytes, language_shares=self.language_shares,
                heldout_fraction=self.heldout_fraction, max_heldout_bytes=self.max_heldout_bytes,
                pad_vocab_to_multiple_of=self.pad_vocab_to_multiple_of,
                model_max_length=self.model_max_length, seed=self.seed, reference=self.reference,
                log=logger.info,
            )
        self.stat_update("train_documents", value=meta["train_documents"])
        self.stat_update("train_bytes", value=meta["train_bytes"])
        return
        yield
