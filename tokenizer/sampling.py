"""The tokenizer's training sample: streamed documents, a byte budget, a fixed language mix.

Two passes over the input, nothing held but the held-out set. The first pass measures how many
bytes each language offers; `plan_budgets` turns that, the byte budget and the configured
shares into a budget per language that keeps the shares exact (a language with less text than
its share scales the others down, rather than letting one language take over the vocabulary).
The second pass keeps the documents of lowest hash up to each language's budget: the first pass
files every document's bytes under its hash in a fixed histogram (constant memory), which gives
the hash threshold that fills the budget. That is a uniform sample that still lands on the
budget even when a few long documents hold most of the bytes. Whether a document is kept or held
out depends only on its key and the seed, so the same input and seed give the same sample, and
held-out text is never trained on.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from extract.inputs import expand_paths, read_records
from langid import scripts
from pipeline.stage_io import StageReader

HASH_BUCKETS = 4096


@dataclass(frozen=True)
class Doc:
    text: str
    language: str
    key: str  # stable identity for sampling: the document id, else file:line


def script_language(text: str, min_cjk_share: float = 0.3) -> str:
    """'zh' when CJK ideographs make up MIN_CJK_SHARE of the non-space characters, else 'en'.

    Only for input without a language label; Chinese prose is far above 0.3 even with some
    Latin in it, English with a quoted Chinese name far below.
    """
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return "en"
    return "zh" if sum(map(scripts.is_han, chars)) / len(chars) >= min_cjk_share else "en"


def unit_hash(key: str, seed: int, salt: str) -> float:
    """A number in [0, 1) fixed by (key, seed, salt): reproducible sampling without state."""
    digest = hashlib.blake2b(f"{seed}\x00{salt}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def plan_budgets(available: dict[str, int], shares: dict[str, float], max_bytes: int) -> dict[str, int]:
    """Bytes to take per language: shares kept exact, total at most MAX_BYTES and what exists.

    Languages with no text drop out and the remaining shares are renormalised.
    """
    present = {lang: share for lang, share in shares.items() if share > 0 and available.get(lang, 0) > 0}
    if not present:
        return {lang: 0 for lang in shares}
    norm = sum(present.values())
    total = min([max_bytes] + [available[lang] / (share / norm) for lang, share in present.items()])
    return {lang: int(total * present[lang] / norm) if lang in present else 0 for lang in shares}


@dataclass
class Sample:
    open_docs: Callable[[], Iterable[Doc]]
    budgets: dict[str, int]
    available: dict[str, int]
    heldout_fraction: float
    seed: int
    histogram: dict[str, list[int]] = field(default_factory=dict)  # bytes per hash bucket
    heldout: dict[str, list[str]] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)

    def is_heldout(self, doc: Doc) -> bool:
        return unit_hash(doc.key, self.seed, "heldout") < self.heldout_fraction

    def threshold(self, lang: str) -> float:
        """The hash below which a document of LANG is taken: the budget's bucket, included."""
        filled = 0
        for bucket, size in enumerate(self.histogram.get(lang, [])):
            filled += size
            if filled >= self.budgets[lang]:
                return (bucket + 1) / HASH_BUCKETS
        return 1.0

    def train_texts(self) -> Iterator[str]:
        """Second pass: the training documents, streamed; fills `stats` as it goes."""
        keep = {lang: self.threshold(lang) for lang in self.budgets}
        taken: Counter = Counter()
        docs = 0
        for doc in self.open_docs():
            budget = self.budgets.get(doc.language, 0)
            if not budget or taken[doc.language] >= budget or self.is_heldout(doc):
                continue
            if unit_hash(doc.key, self.seed, "train") >= keep[doc.language]:
                continue
            taken[doc.language] += len(doc.text.encode("utf-8"))
            docs += 1
            yield doc.text
        self.stats.update(train_documents=docs, train_bytes=sum(taken.values()),
                          train_bytes_per_language=dict(sorted(taken.items())))

    def describe(self) -> str:
        parts = [f"{lang} {self.budgets[lang] / 1e6:.1f} of {self.available.get(lang, 0) / 1e6:.1f} MB" for lang in self.budgets]
        held = sum(len(t) for texts in self.heldout.values() for t in texts)
        return ", ".join(parts) + f"; {held / 1e6:.2f} M characters held out"


def sample_corpus(open_docs: Callable[[], Iterable[Doc]], shares: dict[str, float], max_bytes: int,
                  heldout_fraction: float, max_heldout_bytes: int, seed: int) -> Sample:
    """First pass: sizes per language and the held-out documents (at most MAX_HELDOUT_BYTES each)."""
    sample = Sample(open_docs, {}, {}, heldout_fraction, seed, heldout={lang: [] for lang in shares})
    available: Counter = Counter()
    held: Counter = Counter()
    for doc in open_docs():
        if doc.language not in shares:
            continue
        size = len(doc.text.encode("utf-8"))
        if sample.is_heldout(doc):
            if held[doc.language] + size <= max_heldout_bytes:
                held[doc.language] += size
                sample.heldout[doc.language].append(doc.text)
            continue
        available[doc.language] += size
        hist = sample.histogram.setdefault(doc.language, [0] * HASH_BUCKETS)
        hist[int(unit_hash(doc.key, seed, "train") * HASH_BUCKETS)] += size
    sample.available = dict(available)
    sample.budgets = plan_budgets(sample.available, shares, max_bytes)
    return sample


def run_folder_docs(folder: str) -> Iterator[Doc]:
    """A run's final documents (RUN/recovery/output/<lang>/), read with datatrove's reader."""
    for doc in StageReader(folder, glob_pattern="*/*.jsonl.gz").run():
        lang = doc.metadata.get("language") or script_language(doc.text)
        yield Doc(doc.text, lang, str(doc.id))


def file_docs(path: str, text_key: str = "text") -> Iterator[Doc]:
    """Documents of one file: jsonl (TEXT_KEY field), parquet (TEXT_KEY column) or text (one per line)."""
    for where, record in read_records(path, text_key):
        text = record[text_key]
        if not text or not text.strip():
            continue
        meta = record.get("metadata") or {}
        lang = record.get("language") or (meta.get("language") if isinstance(meta, dict) else None)
        yield Doc(text, lang or script_language(text), str(record.get("id") or where))


def input_docs(paths: list[str], text_key: str = "text") -> Iterator[Doc]:
    for path in expand_paths(paths):
        yield from file_docs(path, text_key)
