"""bench/scale.py's generated corpus has the kinds it says in the shares it says, its
documents are distinct where they should be, and its growth exponent is a log-log slope."""

import gzip
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import scale  # noqa: E402


def test_corpus_kinds_shares_and_distinct_texts(shared_data, tmp_path):
    pools = scale.sentence_pools(shared_data)
    made = scale.make_corpus(pools, 2000, tmp_path / "c", seed=1)
    assert sum(made.values()) == 2000
    for kind, share in scale.SHARES.items():
        assert abs(made[kind] / 2000 - share) < 0.03, (kind, made)
    docs = [json.loads(line) for f in sorted((tmp_path / "c").glob("*.jsonl.gz")) for line in gzip.open(f, "rt")]
    assert len(docs) == 2000 and len({d["id"] for d in docs}) == 2000
    texts = [d["text"] for d in docs]
    # Exact copies (and junk, which repeats by design) aside, the texts are all different.
    assert len(set(texts)) >= 2000 - made["exact"] - made["junk"]
    assert scale.make_corpus(pools, 50, tmp_path / "again", seed=1) == scale.make_corpus(pools, 50, tmp_path / "again2", seed=1)


def test_slope_is_the_growth_exponent():
    sizes = [5000, 20000, 40000]
    assert abs(scale.slope(sizes, [3 * n for n in sizes]) - 1.0) < 1e-9
    assert abs(scale.slope(sizes, [7.0 for _ in sizes])) < 1e-9
    assert abs(scale.slope(sizes, [n**0.5 for n in sizes]) - 0.5) < 1e-9
