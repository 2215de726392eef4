"""The hashed shingles, the MinHash estimate and the survivor order, each on its own."""

import random

import numpy as np
import pytest

from dedup.shingles import jaccard, shingle_hashes, shingle_set
from dedup.signature import FastMinhashSignature, exact_hash
from dedup.minhash import minhash_config
from dedup.survivor import survivor_key

TEXT = "The quick brown fox jumps over the lazy dog, and then the fox sleeps."


@pytest.mark.parametrize("lang,text", [("en", TEXT), ("zh", "数据清洗是预训练的第一步，去重是其中最重要的一环。")])
def test_one_hash_per_distinct_shingle(lang, text):
    assert len(np.unique(shingle_hashes(text, lang, 5))) == len(shingle_set(text, lang, 5))


def test_hashes_ignore_case_and_punctuation_and_depend_on_salt():
    assert (shingle_hashes(TEXT, "en", 5) == shingle_hashes(TEXT.upper().replace(",", ""), "en", 5)).all()
    assert not set(shingle_hashes(TEXT, "en", 5)) & set(shingle_hashes(TEXT, "en", 5, salt="CC-MAIN-2024-22"))
    assert len(shingle_hashes("two words", "en", 5)) == 1 and len(shingle_hashes("", "en", 5)) == 0


def test_minhash_agreement_estimates_jaccard(tmp_path):
    rng = random.Random(0)
    words = [f"w{rng.randint(0, 5000)}" for _ in range(600)]
    other = [("zz" if i % 12 == 0 else w) for i, w in enumerate(words)]
    a, b = " ".join(words), " ".join(other)
    true = jaccard(shingle_set(a, "en", 5), shingle_set(b, "en", 5))
    step = FastMinhashSignature(str(tmp_path), minhash_config(5, 32, 16, seed=1))
    sa, sb = step.min_hashes(shingle_hashes(a, "en", 5)), step.min_hashes(shingle_hashes(b, "en", 5))
    assert abs((sa == sb).mean() - true) < 0.08  # 512 hashes: standard error ~0.02
    assert (sa < (1 << 61) - 1).all()  # datatrove's sig reader stops at the Mersenne prime


def test_exact_hash_normalises_spacing_and_case_only():
    assert exact_hash("Hello   World\n") == exact_hash("hello world")
    assert exact_hash("hello world") != exact_hash("hello world!") != exact_hash("hello world", salt="g")


def test_survivor_order():
    ranked = sorted([survivor_key(None, 900, "b"), survivor_key(0.8, 100, "z"), survivor_key(None, 900, "a"),
                     survivor_key(None, 1000, "c")])
    assert ranked == [survivor_key(0.8, 100, "z"), survivor_key(None, 1000, "c"), survivor_key(None, 900, "a"),
                      survivor_key(None, 900, "b")]
