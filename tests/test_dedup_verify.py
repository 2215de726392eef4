"""The threshold check on LSH candidates (dedup/verify.py): signatures read back from the
bucket files, the Jaccard estimate, and both engines turning down pairs below the threshold."""

from pathlib import Path

import numpy as np
import pytest
from datatrove.data import Document
from datatrove.io import get_datafolder

from dedup.inmemory import lsh_clusters, true_jaccard
from dedup.minhash import minhash_config
from dedup.shingles import jaccard, shingle_hashes, shingle_set
from dedup.signature import FastMinhashSignature
from dedup.clusters import SurvivorCluster
from dedup.verify import agreements, estimated_jaccard, load_signatures, node_key, signature_matrix
from tests.test_dedup import english, near, read, run_dedup

CONFIG = minhash_config(5, 32, 6, seed=1)


def pairs(every: int, seeds: range) -> list[Document]:
    """An original and a copy with one word in EVERY changed, per seed."""
    docs = []
    for seed in seeds:
        text = english(seed)
        docs += [Document(text=text, id=f"{seed}", metadata={"language": "en"}),
                 Document(text=near(text, every, "en"), id=f"{seed}-copy", metadata={"language": "en"})]
    return docs


def test_estimate_follows_the_true_jaccard():
    step = FastMinhashSignature("unused", CONFIG)
    for every in (10, 20, 40, 100):
        a, b = pairs(every, range(1))
        truth = jaccard(shingle_set(a.text, "en", 5), shingle_set(b.text, "en", 5))
        estimate = estimated_jaccard(step.signature(a), step.signature(b))
        # 192 hashes: one standard deviation is at most 0.036; four of them is a real error.
        assert abs(estimate - truth) < 0.15, (every, truth, estimate)


def test_signatures_come_back_from_the_bucket_files(tmp_path):
    docs = pairs(20, range(4))
    step = FastMinhashSignature(str(tmp_path), CONFIG)
    expected = {i: step.signature(d) for i, d in enumerate(docs)}
    step.run(iter(docs), 0, 1)  # writes and sorts bucket_XXX/00000.minhash.sig
    got = load_signatures(get_datafolder(str(tmp_path)), CONFIG, {0: {1, 4, 6}})
    assert set(got) == {(0, 1), (0, 4), (0, 6)}  # only what was asked for
    for (_, index), sig in got.items():
        assert np.array_equal(sig, expected[index])


def test_the_cluster_stage_keeps_16_bits_of_the_asked_for_signatures(tmp_path):
    docs = pairs(20, range(4))
    step = FastMinhashSignature(str(tmp_path), CONFIG)
    expected = {i: step.signature(d) for i, d in enumerate(docs)}
    step.run(iter(docs), 0, 1)
    keys = node_key([0, 0, 0], [1, 4, 6])
    got = signature_matrix(get_datafolder(str(tmp_path)), CONFIG, keys)
    for row, index in enumerate([1, 4, 6]):
        assert np.array_equal(got[row], expected[index].astype(np.uint16))
    assert agreements(got, np.array([0]), np.array([0]))[0] == 1.0
    with pytest.raises(ValueError, match="no signature for document 99 of task 0"):
        signature_matrix(get_datafolder(str(tmp_path)), CONFIG, node_key([0], [99]))


def test_components_of_a_long_chain_and_their_order():
    # A chain of 2,000 (0-1, 1-2, ...) given backwards, and a pair (2005, 2001) named last:
    # one component each, numbered by their first document.
    a = np.array([*range(1998, -1, -1), 2005])
    b = np.array([*range(1999, 0, -1), 2001])
    clustered, labels = SurvivorCluster._components(2010, a, b)
    assert clustered.tolist() == [*range(2000), 2001, 2005]
    assert labels.tolist() == [0] * 2000 + [1, 1]


def test_in_memory_engine_checks_the_true_jaccard():
    docs = pairs(20, range(6)) + pairs(100, range(10, 13))
    sets = [shingle_hashes(d.text, "en", 5) for d in docs]
    plain = lsh_clusters(sets, 32, 6, seed=1)
    checked = lsh_clusters(sets, 32, 6, seed=1, threshold=0.7)
    ids = lambda clusters: {tuple(docs[i].id for i in c) for c in clusters}  # noqa: E731
    # The near copies (Jaccard ~0.9) are clustered either way...
    assert {(f"{s}", f"{s}-copy") for s in range(10, 13)} <= ids(checked)
    # ...the ~0.6 copies only by plain banding, which catches most of them at 32 x 6.
    assert ids(checked) == {(f"{s}", f"{s}-copy") for s in range(10, 13)}
    assert len(ids(plain) - ids(checked)) >= 2
    a, b = np.unique(sets[0]), np.unique(sets[1])
    assert true_jaccard(a, b) == pytest.approx(jaccard(shingle_set(docs[0].text, "en", 5),
                                                       shingle_set(docs[1].text, "en", 5)), abs=1e-9)


@pytest.mark.parametrize("engine", ["datatrove", "datasketch"])
def test_pairs_below_the_threshold_stay(tmp_path, configs, engine):
    far = pairs(12, range(30, 42))  # 3-gram Jaccard ~0.6: below the threshold, a banding candidate a third of the time
    close = pairs(100, range(10, 13))  # ~0.9: duplicates
    exact = [Document(text=english(20), id="20", metadata={"language": "en"}),
             Document(text=english(20), id="20-exact", metadata={"language": "en"})]
    removed, records = {}, {}
    for threshold in (0.0, 0.7):
        run = run_dedup(tmp_path / str(threshold), configs, {"en": far + close + exact, "zh": []},
                        f"dedup.threshold={threshold}", f"dedup.engine={engine}")
        records[threshold] = read(run / "dedup" / "removed")
        removed[threshold] = set(records[threshold]) - {"20-exact"}
    assert removed[0.7] == {f"{s}-copy" for s in range(10, 13)}
    # Each removal carries its rule, reason and measured value like every stage's: the
    # similarity to the survivor (the engine's estimate or true Jaccard) against the threshold.
    for id_ in removed[0.7]:
        meta = records[0.7][id_]["metadata"]
        assert (meta["filter_rule"], meta["filter_reason"], meta["filter_threshold"]) == ("minhash_dedup", "minhash_duplicate", 0.7)
        assert 0.7 <= meta["filter_value"] <= 1.0 and meta["duplicate_of"] == id_.removesuffix("-copy")
    exact_meta = records[0.7]["20-exact"]["metadata"]
    assert (exact_meta["filter_reason"], exact_meta["filter_value"], exact_meta["filter_threshold"]) == ("exact_duplicate", 1.0, 1.0)
    assert len(removed[0.0] - removed[0.7]) >= 2  # plain banding took some of the ~0.6 copies
    if engine == "datatrove":
        from pipeline.layout import RunLayout
        from pipeline.report import stage_summary

        summary = stage_summary(RunLayout(tmp_path / "0.7" / "run"), "dedup")
        assert summary["candidates_below_threshold"] == len(removed[0.0] - removed[0.7])


def test_threshold_outside_0_1_is_a_config_error(tmp_path):
    from pipeline.config import ConfigError, load_config
    from tests.test_dedup import write_config

    with pytest.raises(ConfigError, match="dedup.threshold"):
        load_config(write_config(Path(tmp_path)), ["dedup.threshold=1.5"])


def test_removal_probability_is_banding_then_check():
    from dedup.minhash import catch_probability, removal_probability

    # No check: the banding S-curve alone.
    assert removal_probability([0.5, 0.8], 24, 8, 0.0) == pytest.approx([catch_probability(s, 24, 8) for s in (0.5, 0.8)])
    # With the check, against a simulation of the MinHash model: each hash agrees with probability s.
    rng = np.random.default_rng(0)
    for s in (0.65, 0.72, 0.8):
        agree = rng.random((20000, 24 * 8)) < s
        simulated = (agree.reshape(-1, 24, 8).all(axis=2).any(axis=1) & (agree.mean(axis=1) >= 0.725)).mean()
        assert removal_probability(s, 24, 8, 0.725)[0] == pytest.approx(simulated, abs=0.015)
    # One row per similarity, one column per threshold; a higher threshold never removes more.
    table = removal_probability([0.6, 0.9], 24, 8, [0.0, 0.6, 0.725])
    assert table.shape == (2, 3) and (np.diff(table, axis=1) <= 1e-12).all()


def test_survivor_is_best_quality_then_longest_then_smallest_id():
    inf = float("inf")  # no quality score: -quality sorts last
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    neg_quality = np.array([inf, -0.9, inf, inf, inf, -0.5, -0.5, -0.5])
    neg_chars = np.array([-900, -100, -1000, -500, -500, -70, -70, -80])
    ids = ["a", "b", "c", "y", "x", "q", "p", "r"]
    best = SurvivorCluster._survivors(labels, neg_quality, neg_chars, ids)
    # 0: the scored one, though shorter; 1: a tie on length, "x" first; 2: the longest of equal quality.
    assert [ids[i] for i in best] == ["b", "x", "r"]
