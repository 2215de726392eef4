"""The two packers on hand-made documents, where the right rows can be worked out by hand."""

import numpy as np
import pytest

from shards.packing import Batch, BestFitPacker, ConcatPacker

PAD = 99


def batch(lengths, first_doc=0):
    """Documents of the given lengths; document d's tokens are all d (its EOS included)."""
    flat = np.concatenate([np.full(n, first_doc + d, dtype="<u4") for d, n in enumerate(lengths)])
    return Batch(flat, np.array(lengths, dtype=np.int64), first_doc)


def run(packer, batches):
    outs = [packer.add(b) for b in batches] + [packer.finish()]
    tokens = np.concatenate([o.tokens for o in outs]).reshape(-1, packer.seq_len)
    segments = np.concatenate([o.segments for o in outs])
    counts = np.concatenate([o.counts for o in outs])
    rows = np.split(segments, np.cumsum(counts)[:-1])
    return tokens, rows, sum(o.padding for o in outs)


def test_docstring_example_concat():
    # [3, 4, 2] into rows of 5: [3, 4a] [4b, 2, pad]
    tokens, rows, padding = run(ConcatPacker(5, task=0, pad_id=PAD), [batch([3, 4, 2])])
    assert tokens.tolist() == [[0, 0, 0, 1, 1], [1, 1, 2, 2, PAD]]
    assert [r["end"].tolist() for r in rows] == [[3, 5], [2, 4]]
    assert [r["piece"].tolist() for r in rows] == [[0, 0], [1, 0]]
    assert padding == 1


def test_docstring_example_best_fit():
    # [3, 4, 2] into rows of 5: [4, pad] [3, 2]; nothing cut
    packer = BestFitPacker(5, task=3, pad_id=PAD, buffer_tokens=100)
    tokens, rows, padding = run(packer, [batch([3, 4, 2])])
    assert tokens.tolist() == [[1, 1, 1, 1, PAD], [0, 0, 0, 2, 2]]
    assert [r["doc"].tolist() for r in rows] == [[1], [0, 2]]
    assert {int(t) for r in rows for t in r["task"]} == {3}
    assert padding == 1 and packer.split_documents == 0


def test_best_fit_cuts_only_documents_longer_than_a_row():
    packer = BestFitPacker(4, task=0, pad_id=PAD, buffer_tokens=100)
    tokens, rows, _ = run(packer, [batch([4, 9, 1])])  # 4 fits exactly; 9 = 4 + 4 + 1
    assert packer.split_documents == 1
    pieces = sorted((int(s["doc"]), int(s["piece"])) for r in rows for s in r)
    assert pieces == [(0, 0), (1, 0), (1, 1), (1, 2), (2, 0)]
    assert (tokens == PAD).sum() == len(tokens) * 4 - 14


def test_best_fit_picks_the_tightest_row():
    # Sorted: 6, 5, 3, 2 into rows of 8 -> [6, 2] [5, 3]: the 2 goes where only 2 are free.
    tokens, rows, padding = run(BestFitPacker(8, 0, PAD, 100), [batch([5, 2, 6, 3])])
    assert sorted(sorted(r["doc"].tolist()) for r in rows) == [[0, 3], [1, 2]]
    assert padding == 0


def test_best_fit_packs_per_buffer():
    packer = BestFitPacker(8, 0, PAD, buffer_tokens=10)
    first = packer.add(batch([3, 3]))
    assert len(first.counts) == 0  # 6 tokens < buffer: nothing yet
    second = packer.add(batch([3, 3], first_doc=2))
    assert len(second.counts) == 2  # 12 tokens: packed
    assert len(packer.finish().counts) == 0


@pytest.mark.parametrize("seq_len", [1, 3, 7, 16])
def test_concat_keeps_the_stream_across_batches(seq_len):
    rng = np.random.default_rng(seq_len)
    lengths = rng.integers(1, 20, size=50).tolist()
    batches = [batch(lengths[:20]), batch(lengths[20:], first_doc=20)]
    tokens, rows, padding = run(ConcatPacker(seq_len, 0, PAD), batches)
    stream = tokens.ravel()
    assert stream[: sum(lengths)].tolist() == np.concatenate([b.flat for b in batches]).tolist()
    assert padding == len(stream) - sum(lengths) < seq_len
    # Per row: the pieces' lengths add up, and each document's pieces are numbered 0, 1, …
    seen = {}
    for r in rows:
        assert r["end"][-1] == (seq_len if r is not rows[-1] else seq_len - padding)
        for s in r:
            assert s["piece"] == seen.get(int(s["doc"]), -1) + 1
            seen[int(s["doc"])] = int(s["piece"])
    assert sorted(seen) == list(range(50))
