"""What the dedup benchmarks share: the real documents, planted near copies at known Jaccard
similarities, our dedup stages run in this process, datasketch's MinHashLSH as the peer, and
pair-level precision/recall/F1. Not a benchmark itself."""

from __future__ import annotations

import gzip
import itertools
import json
import random
import sys
import tempfile
from pathlib import Path

from datatrove.data import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dedup.clusters import ClusterFilter, SurvivorCluster  # noqa: E402
from dedup.minhash import minhash_config  # noqa: E402
from dedup.shingles import jaccard, shingle_set, TOKENIZERS  # noqa: E402
from dedup.signature import ExactSignature, FastMinhashSignature, exact_config  # noqa: E402
from dedup.survivor import UnionFind  # noqa: E402
from datatrove.pipeline.dedup.minhash import MinhashDedupBuckets  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _jsonl(path: Path, key: str) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line)[key] for line in f if line.strip()]


def english_texts(data: Path) -> list[str]:
    text = data / "text"
    docs = _jsonl(text / "llama_factory" / "c4_demo.jsonl", "text")
    docs += _jsonl(text / "dclm_human_quality" / "dclm_human_quality_shared.jsonl", "text")
    docs += _jsonl(text / "dolma" / "cc-main-2019-30_00140.dolma.jsonl.gz", "text")
    return docs


def chinese_texts(data: Path) -> list[str]:
    text = data / "text"
    docs = _jsonl(text / "chinesewebtext" / "cc-2021-43_cleared1.jsonl", "raw_content")
    for name in ("cmrc2018_dev.squad.json", "cmrc2018_trial.squad.json"):
        squad = json.loads((text / "cmrc2018" / name).read_text(encoding="utf-8"))
        docs += [p["context"] for a in squad["data"] for p in a["paragraphs"]]
    return docs


def distinct(texts: list[str], lang: str, n: int, min_tokens: int, max_jaccard: float = 0.2) -> list[str]:
    """N texts of at least MIN_TOKENS tokens, none a near copy of another already taken."""
    tokenizer = TOKENIZERS[lang](lang)
    taken, sets = [], []
    for t in texts:
        if len(tokenizer.word_tokenize(t)) < min_tokens:
            continue
        s = shingle_set(t, lang, 5)
        if any(jaccard(s, o) > max_jaccard for o in sets):
            continue
        taken.append(t)
        sets.append(s)
        if len(taken) == n:
            break
    return taken


def edit_to(text: str, lang: str, target: float, rng: random.Random, pool: list[str], n: int = 5) -> tuple[str, float]:
    """TEXT with tokens replaced (from POOL) until its n-gram Jaccard to TEXT is about TARGET.

    Binary search over how many tokens of a fixed random order are replaced; returns the copy
    and its measured similarity, which is the label (not the target).
    """
    tokens = TOKENIZERS[lang](lang).word_tokenize(text)
    order = list(range(len(tokens)))
    rng.shuffle(order)
    fills = [rng.choice(pool) for _ in tokens]
    base = shingle_set(text, lang, n)
    join = " ".join if lang == "en" else "".join

    def copy(k: int) -> str:
        changed = set(order[:k])
        return join(fills[i] if i in changed else t for i, t in enumerate(tokens))

    lo, hi = 0, len(tokens)
    while lo < hi:  # the smallest k whose similarity is <= target
        mid = (lo + hi) // 2
        if jaccard(base, shingle_set(copy(mid), lang, n)) <= target:
            hi = mid
        else:
            lo = mid + 1
    best = min((lo, max(lo - 1, 0)), key=lambda k: abs(jaccard(base, shingle_set(copy(k), lang, n)) - target))
    out = copy(best)
    return out, jaccard(base, shingle_set(out, lang, n))


def planted(data: Path, per_lang: int, levels: list[float], seed: int = 0) -> list[Document]:
    """Real documents (both languages) and a near copy of each at one of LEVELS, in turn."""
    rng = random.Random(seed)
    docs = []
    for lang, texts, min_tokens in (("en", english_texts(data), 150), ("zh", chinese_texts(data), 400)):
        bases = distinct(texts, lang, per_lang, min_tokens)
        pool = [t for b in bases for t in TOKENIZERS[lang](lang).word_tokenize(b)]
        for i, base in enumerate(bases):
            level = levels[i % len(levels)]
            copy, sim = edit_to(base, lang, level, rng, pool)
            docs.append(Document(text=base, id=f"{lang}-{i:03d}", metadata={"language": lang}))
            docs.append(Document(text=copy, id=f"{lang}-{i:03d}-copy", metadata={"language": lang, "planted_jaccard": sim}))
    return docs


def true_pairs(docs: list[Document], threshold: float, n: int = 5) -> set[tuple[str, str]]:
    """Every pair of the same language whose true n-gram Jaccard is at least THRESHOLD."""
    sets = {d.id: shingle_set(d.text, d.metadata["language"], n) for d in docs}
    pairs = set()
    for a, b in itertools.combinations(docs, 2):
        if a.metadata["language"] == b.metadata["language"] and jaccard(sets[a.id], sets[b.id]) >= threshold:
            pairs.add(tuple(sorted((a.id, b.id))))
    return pairs


def cluster_pairs(clusters: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for c in clusters for p in itertools.combinations(c, 2)}


def prf(predicted: set, truth: set) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _four_stages(docs, folder: Path, config, signature, method, min_similarity=0.0) -> tuple[list[Document], list[Document]]:
    sigs, buckets, clusters = folder / "signatures", folder / "buckets", folder / "clusters"
    signature(str(sigs), config).run(iter(docs), 0, 1)
    for b in range(config.num_buckets):
        MinhashDedupBuckets(str(sigs), str(buckets), config=config).run(None, b, config.num_buckets)
    SurvivorCluster(str(buckets), str(clusters), str(sigs), config, min_similarity).run(None, 0, 1)
    kept = list(ClusterFilter(str(clusters), method).run(iter(docs), 0, 1))
    kept_ids = {d.id for d in kept}
    return kept, [d for d in docs if d.id not in kept_ids]


def run_ours(docs: list[Document], n_grams=5, num_buckets=14, hashes_per_bucket=8, exact=True, seed=1,
             threshold=0.0) -> list[list[str]]:
    """Our dedup stage (exact, then MinHash with candidates checked against THRESHOLD) in this
    process: the clusters it formed, by id."""
    docs = [Document(text=d.text, id=d.id, metadata=dict(d.metadata)) for d in docs]
    uf = UnionFind()
    with tempfile.TemporaryDirectory() as tmp:
        if exact:
            docs, removed = _four_stages(docs, Path(tmp) / "exact", exact_config(seed), ExactSignature, "exact")
            for d in removed:
                uf.union(d.metadata["duplicate_of"], d.id)
        config = minhash_config(n_grams, num_buckets, hashes_per_bucket, seed)
        _, removed = _four_stages(docs, Path(tmp) / "minhash", config, FastMinhashSignature, "minhash", threshold)
        for d in removed:
            uf.union(d.metadata["duplicate_of"], d.id)
    return list(uf.clusters().values())


def run_datasketch(docs: list[Document], n_grams=5, num_buckets=14, hashes_per_bucket=8, seed=1) -> list[list[str]]:
    """The peer: datasketch MinHash (its own SHA-1 hashing of each shingle) + MinHashLSH."""
    from datasketch import MinHash, MinHashLSH

    num_perm = num_buckets * hashes_per_bucket
    lsh = MinHashLSH(num_perm=num_perm, params=(num_buckets, hashes_per_bucket))
    uf = UnionFind()
    for d in docs:
        m = MinHash(num_perm=num_perm, seed=seed)
        m.update_batch([" ".join(s).encode("utf-8") for s in shingle_set(d.text, d.metadata["language"], n_grams)])
        for other in lsh.query(m):
            uf.union(other, d.id)
        lsh.insert(d.id, m)
    return list(uf.clusters().values())
