"""The shuffle's permutation: a bijection per seed, any slice computed alone equals the whole."""

import numpy as np
import pytest

from shards.permutation import RowPermutation


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1000, 4097])
def test_a_bijection_of_every_size(n):
    assert sorted(RowPermutation(n, seed=5)(np.arange(n))) == list(range(n))


def test_a_slice_is_the_whole_permutations_slice():
    # What lets each shuffle task evaluate only its own shard's positions.
    perm = RowPermutation(100_003, seed=1)
    whole = perm(np.arange(100_003))
    assert np.array_equal(perm(np.arange(40_000, 50_000)), whole[40_000:50_000])
    assert np.array_equal(RowPermutation(100_003, seed=1)(np.arange(10)), whole[:10])  # same seed, same order


def test_seeds_give_other_orders_that_look_shuffled():
    n = 100_000
    a, b = RowPermutation(n, seed=0)(np.arange(n)), RowPermutation(n, seed=1)(np.arange(n))
    assert np.count_nonzero(a == b) < 10  # a uniform pair of permutations shares ~1 fixed point
    # Neighbouring positions land about n/3 apart, as for a uniform random order.
    assert abs(np.abs(np.diff(a)).mean() / n - 1 / 3) < 0.01
    assert abs(np.corrcoef(np.arange(n), a)[0, 1]) < 0.01


def test_positions_outside_are_refused():
    with pytest.raises(IndexError):
        RowPermutation(10, seed=0)(np.array([10]))
