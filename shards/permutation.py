"""A seeded permutation of [0, n) that gives any slice of itself without building the whole.

The shuffle writes shard s from output positions [s * per_shard, (s + 1) * per_shard), so a
task only needs those positions' source rows. `numpy.random.permutation(n)` would make every
task hold 8 bytes per row of the whole run (2 GB per task at 6e7 rows, times every task).
A keyed Feistel network is a bijection on [0, 2^(2h)) that maps each position on its own;
cycle-walking (apply it again while the value is >= n) restricts it to a bijection of [0, n)
(Black and Rogaway 2002). The domain is under 4n, so a position walks fewer than 4 times on
average. A task's memory is then its own shard's positions only.

The round function is splitmix64's finaliser (a well-mixed 64-bit hash) of the right half
plus a round key from the seed; six rounds, where four already make a keyed Feistel network
pseudo-random (Luby and Rackoff 1988). Everything is uint64 arithmetic that wraps the same
way on every machine, so the same seed gives the same order everywhere.
"""

from __future__ import annotations

import numpy as np

ROUNDS = 6
_MUL1, _MUL2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on an array (numpy arrays wrap on overflow without a warning)."""
    x = (x + _GOLDEN) * _MUL1
    x = (x ^ (x >> np.uint64(30))) * _MUL2
    x = (x ^ (x >> np.uint64(27))) * _MUL1
    return x ^ (x >> np.uint64(31))


class RowPermutation:
    """`perm(positions)` -> the row at each output position: a bijection of [0, n) per seed."""

    def __init__(self, n: int, seed: int):
        if n < 0:
            raise ValueError(f"a permutation of {n} rows")
        self.n = n
        bits = max(2, (n - 1).bit_length())  # at least one bit per half
        self.half = (bits + 1) // 2
        self.mask = np.uint64((1 << self.half) - 1)
        self.keys = np.random.default_rng(seed).integers(0, 2**63, size=ROUNDS, dtype=np.uint64)

    def _feistel(self, x: np.ndarray) -> np.ndarray:
        h = np.uint64(self.half)
        left, right = x >> h, x & self.mask
        for key in self.keys:
            left, right = right, left ^ (_mix(right ^ key) & self.mask)
        return (left << h) | right

    def __call__(self, positions: np.ndarray) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.int64)
        if positions.size and (positions.min() < 0 or positions.max() >= self.n):
            raise IndexError(f"positions outside [0, {self.n})")
        out = self._feistel(positions.astype(np.uint64))
        outside = out >= np.uint64(self.n)
        while outside.any():  # cycle-walking: the next value on the cycle that lies inside [0, n)
            out[outside] = self._feistel(out[outside])
            outside = out >= np.uint64(self.n)
        return out.astype(np.int64)
