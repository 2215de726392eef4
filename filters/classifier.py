"""The model-based quality classifier: a fastText model trained on the project's own examples.

Rules catch what can be counted (too short, too repetitive, spam terms); a classifier catches
what reads badly although every count is in range: SEO filler, boilerplate, machine-made
lists. DCLM (Li et al. 2024) found a bigram fastText classifier the strongest cheap filter.

fastText splits on spaces only, so `fasttext_text` makes one line that it can split well in
both languages: lowercase words and punctuation marks as separate tokens, every Han character
a token of its own (with `word_ngrams` of 2 or more the model also sees character bigrams),
runs of digits folded to one `0`, and line breaks kept as a `<nl>` token because line shape
(menus, lists) says a lot about quality.

`thresher quality train` builds a model (`train_classifier`); the `quality_classifier` step
scores every document with it.
"""

from __future__ import annotations

import ctypes
import random
import re
import tempfile
from contextlib import contextmanager
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from datatrove.data import Document

from extract.inputs import DOCUMENT_SUFFIXES, InputError, expand_paths, read_records
from pipeline import fasttext_model
from filters.base import Check, RuleFilter, at_least
from filters.quality_metrics import keep_metrics, roc_auc
from langid import scripts

_M_PERTURB = -6  # mallopt's parameter number, from glibc's malloc.h
KEEP = "__label__keep"
DROP = "__label__drop"
# Han characters and CJK and full-width punctuation are tokens alone: "长江。" -> "长 江 。".
_CJK_TOKEN = re.compile(f"([{scripts.HAN}{scripts.CJK_PUNCT}])")
_PUNCT = re.compile(r"([^\w\s])")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")
# fastText sees at most this many characters of a document: enough to judge a page, and a
# 1 MB dump does not cost a million tokens.
MAX_CHARS = 20000


def fasttext_text(text: str) -> str:
    """One line for fastText: "Hello, World 42!\\n长江很长。" -> "hello , world 0 ! <nl> 长 江 很 长 。"."""
    text = text[:MAX_CHARS].lower()
    text = _DIGITS.sub("0", text)
    text = _CJK_TOKEN.sub(r" \1 ", text)
    text = _PUNCT.sub(r" \1 ", text)
    text = _NEWLINES.sub(" <nl> ", text.strip())
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class TrainParams:
    """fastText's supervised settings. One thread, so that a seed gives the same model."""

    # epoch 20 at lr 0.5: the best ROC-AUC (0.80) of epoch {20, 50, 100} x lr {0.2, 0.5, 1.0}
    # by 5-fold cross-validation inside the tuning half of DCLM's labelled pages
    # (bench/quality_eval.py's split). At lr 0.2 a few hundred pages barely move the model:
    # every score sat in 0.495..0.511, so no threshold could separate anything.
    epoch: int = 20
    lr: float = 0.5
    word_ngrams: int = 2
    dim: int = 64
    min_count: int = 2
    # Hash buckets for word n-grams: fastText's 2,000,000 makes a 500 MB model at dim 64; a
    # quality model learns from thousands of documents, not millions of distinct bigrams.
    bucket: int = 200000
    seed: int = 0


# Chinese tokens are single characters: trigrams of them carry what word bigrams carry in English.
DEFAULT_PARAMS = {"en": TrainParams(), "zh": TrainParams(word_ngrams=3)}


class TrainingDataError(ValueError):
    """A training file that cannot be read: names the file and the line."""


def read_texts(path: str, text_key: str = "text") -> list[str]:
    """The `text_key` field of every record of the jsonl, parquet or text files PATH names (a
    file, a folder or a glob), read like the tokenizer's training text (extract/inputs.py)."""
    try:
        files = expand_paths([str(path)], DOCUMENT_SUFFIXES)
        # Examples are documents: a .txt file's lines would be fragments.
        wrong = [f for f in files if not f.lower().endswith(DOCUMENT_SUFFIXES)]
        if wrong:
            raise TrainingDataError(f"{wrong[0]}: give .jsonl(.gz, .zst) or .parquet files")
        return [record[text_key] for file in files for _, record in read_records(file, text_key) if record[text_key]]
    except InputError as e:
        raise TrainingDataError(str(e)) from None


@contextmanager
def _zeroed_allocations():
    """While training, have glibc hand out zeroed memory.

    fastText's single-thread init fills only the first tenth of the input matrix with random
    values (DenseMatrix::uniform initialises one block per thread, ten blocks in all) and leaves
    the rest as the allocator returns it. Fresh pages are zeros, but a recycled heap block is
    garbage: training then differs run to run and often stops with "Encountered NaN." glibc's
    M_PERTURB fills each allocation with (byte ^ 0xff), so byte 0xff gives zeros: the n-gram
    rows start at 0, deterministically. Switched off afterwards (it also fills freed memory).
    Without glibc there is nothing to set, and large blocks come fresh from the OS.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        yield
        return
    libc.mallopt(_M_PERTURB, 0xFF)
    try:
        yield
    finally:
        libc.mallopt(_M_PERTURB, 0)


def fit(examples: list[tuple[str, bool]], params: TrainParams):
    """A fastText model trained on (text, keep) pairs, in an order shuffled by the seed."""
    import fasttext

    lines = [f"{KEEP if keep else DROP} {fasttext_text(text)}\n" for text, keep in examples]
    random.Random(params.seed).shuffle(lines)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=True) as f:
        f.writelines(lines)
        f.flush()
        with _zeroed_allocations():
            return fasttext.train_supervised(
                input=f.name, epoch=params.epoch, lr=params.lr, wordNgrams=params.word_ngrams, dim=params.dim,
                minCount=params.min_count, bucket=params.bucket, seed=params.seed, thread=1, verbose=0,
            )


def keep_scores(model, texts: list[str]) -> list[float]:
    """P(keep) of each text under the model."""
    labels, probs = model.predict([fasttext_text(t) for t in texts], k=2)
    scores = []
    for labs, ps in zip(labels, probs):
        by_label = dict(zip(labs, ps))
        scores.append(float(min(max(by_label.get(KEEP, 1.0 - by_label.get(DROP, 1.0)), 0.0), 1.0)))
    return scores


def holdout_split(n: int, frac: float, seed: int) -> list[bool]:
    """Which of n examples are held out: round(n*frac) of them, chosen by the seed."""
    held = set(random.Random(seed).sample(range(n), round(n * frac))) if n else set()
    return [i in held for i in range(n)]


def train_classifier(
    positives: list[str], negatives: list[str], output: Path, lang: str = "en",
    holdout_frac: float = 0.1, params: TrainParams | None = None,
) -> dict:
    """Train on all but a held-out share of each class, save the model, return held-out metrics."""
    if lang not in DEFAULT_PARAMS:
        raise ValueError(f"unsupported language {lang!r}; valid: {sorted(DEFAULT_PARAMS)}")
    if not positives or not negatives:
        raise TrainingDataError("training needs positive and negative examples")
    params = params or DEFAULT_PARAMS[lang]
    train, test = [], []
    for texts, keep, salt in ((positives, True, 1), (negatives, False, 2)):
        # Stratified: each class keeps its share in the held-out set, chosen by the seed.
        for text, held in zip(texts, holdout_split(len(texts), holdout_frac, params.seed * 1000 + salt)):
            (test if held else train).append((text, keep))
    model = fit(train, params)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save_model(str(output))
    metrics = {"lang": lang, "train": len(train), "held_out": len(test), "params": asdict(params)}
    if test and len({keep for _, keep in test}) == 2:
        labels = [keep for _, keep in test]
        scores = keep_scores(model, [text for text, _ in test])
        metrics["roc_auc"] = roc_auc(labels, scores)
        metrics.update(keep_metrics(labels, [s >= 0.5 for s in scores]))
    return metrics


class QualityClassifier(RuleFilter):
    """Score every document with a trained model (`quality_score`); drop it under `min_score`.

    With `min_score: null` the step only scores, so a run can be inspected before a threshold
    is chosen (and the score can be used downstream, e.g. for mixing).
    """

    name = "quality_classifier"

    def __init__(self, model_path: str, min_score: float | None = None, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.model_path = model_path
        self.min_score = min_score
        # A missing model is a broken run, not a bad document: it raises, so the task is not
        # marked complete.
        self._model = fasttext_model.LazyModel(model_path, missing=f"quality_classifier: model {model_path} does not "
                                               "exist (train one with `thresher quality train`)")

    @property
    def model(self):
        return self._model.get()

    def score(self, text: str) -> float:
        return keep_scores(self.model, [text])[0]

    def checks(self, doc: Document) -> Iterator[Check | None]:
        score = self.score(doc.text)
        doc.metadata["quality_score"] = round(score, 4)
        yield at_least("classifier_low_score", score, self.min_score)
