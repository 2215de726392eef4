"""What the dedup benchmarks share: the real documents, copies of them with a share of their
words replaced, our dedup stages run in this process, and the peers on the same documents
(stock datatrove's MinHash stages, datasketch's MinHashLSH). Not a benchmark itself."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from datatrove.data import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dedup.clusters import ClusterFilter, SurvivorCluster  # noqa: E402
from dedup.minhash import minhash_config  # noqa: E402
from dedup.shingles import shingle_hashes, shingle_set, TOKENIZERS  # noqa: E402
from dedup.signature import ExactSignature, FastMinhashSignature, exact_config  # noqa: E402
from dedup.survivor import UnionFind  # noqa: E402
from langid import scripts  # noqa: E402
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


# What passes the quality stage: gopher_quality's min_doc_words (configs/filters/en.yaml) and
# zh_length's min_cjk_chars (configs/filters/zh.yaml). Short pages are where copies are hardest
# to catch: one replaced word breaks n shingles of few.
MIN_TOKENS = {"en": 50, "zh": 100}
_CJK = scripts.HAN_CHAR


def replaceable(text: str, lang: str) -> list[tuple[int, int]]:
    """The spans a copy may replace: words (en), CJK characters (zh)."""
    spans = TOKENIZERS[lang](lang).span_tokenize(text)
    return spans if lang == "en" else [(a, b) for a, b in spans if _CJK.fullmatch(text[a:b])]


def hash_sets(texts: list[str], lang: str, n: int) -> list[np.ndarray]:
    """The distinct shingle hashes of each text, as MinHash sees them (dedup/shingles.py)."""
    return [np.unique(shingle_hashes(t, lang, n)) for t in texts]


def pairwise_jaccard(sets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, Jaccard) of every pair i < j that shares a shingle, by one sparse product."""
    from scipy import sparse

    values, columns = np.unique(np.concatenate(sets), return_inverse=True)
    rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=(len(sets), len(values)))
    inter = sparse.triu(m @ m.T, k=1).tocoo()
    sizes = np.array([len(s) for s in sets], dtype=np.float64)
    return inter.row, inter.col, inter.data / (sizes[inter.row] + sizes[inter.col] - inter.data)


def doc_id(text: str, lang: str) -> str:
    return f"{lang}-{hashlib.blake2b(text.encode('utf-8'), digest_size=6).hexdigest()}"


def split_of(doc_id_: str) -> str:
    """`a` or `b`, by a hash of the id: the same document is always on the same side."""
    return "ab"[hashlib.blake2b(doc_id_.encode("utf-8"), digest_size=1).digest()[0] & 1]


def originals(data: Path, lang: str, max_jaccard: float = 0.2) -> list[Document]:
    """What the dedup stage of LANG sees: the real documents that langid routes to LANG (the
    English sources hold pages of many languages) and long enough to pass the quality stage,
    none a near copy (5-gram Jaccard above MAX_JACCARD) of one taken before it."""
    from langid.config import LangidConfig
    from langid.lid import LanguageRouter

    router = LanguageRouter(LangidConfig())

    def routed_here(text: str) -> bool:
        label, score = router.identify(text)
        return label == lang and score >= router.min_score[lang]

    texts = english_texts(data) if lang == "en" else chinese_texts(data)
    texts = list(dict.fromkeys(t for t in texts if len(replaceable(t, lang)) >= MIN_TOKENS[lang] and routed_here(t)))
    rows, cols, sims = pairwise_jaccard(hash_sets(texts, lang, 5))
    dropped = set()
    for i, j in sorted(zip(rows[sims > max_jaccard].tolist(), cols[sims > max_jaccard].tolist())):
        if i not in dropped:
            dropped.add(j)  # j comes later than i, which stays
    return [Document(text=t, id=doc_id(t, lang), metadata={"language": lang})
            for i, t in enumerate(texts) if i not in dropped]


def replaced_copy(text: str, lang: str, share: float, rng: random.Random, pool: list[str]) -> str:
    """TEXT with SHARE of its words (en) or CJK characters (zh), at least one, replaced in
    place by others drawn from POOL; punctuation and layout stay."""
    spans = replaceable(text, lang)
    out, last = [], 0
    for i in sorted(rng.sample(range(len(spans)), max(1, round(share * len(spans))))):
        a, b = spans[i]
        word = rng.choice(pool)
        while word.lower() == text[a:b].lower():
            word = rng.choice(pool)
        out += [text[last:a], word]
        last = b
    return "".join(out + [text[last:]])


def with_copies(docs: list[Document], shares: tuple[float, ...], pool: list[str], seed: int = 0) -> list[Document]:
    """DOCS, each followed by one copy per share replaced (metadata `copy_of`, `replaced`)."""
    out = []
    for d in docs:
        out.append(d)
        for share in shares:
            rng = random.Random(f"{seed}/{d.id}/{share}")
            text = replaced_copy(d.text, d.metadata["language"], share, rng, pool)
            out.append(Document(text=text, id=f"{d.id}~{share:g}",
                                metadata={**d.metadata, "copy_of": d.id, "replaced": share}))
    return out


def replacement_pool(docs: list[Document], lang: str) -> list[str]:
    return [d.text[a:b] for d in docs for a, b in replaceable(d.text, lang)]


def cluster_pairs(clusters: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for c in clusters for p in itertools.combinations(c, 2)}


def _four_stages(docs, folder: Path, config, signature, method, min_similarity=0.0) -> tuple[list[Document], list[Document]]:
    sigs, buckets, clusters = folder / "signatures", folder / "buckets", folder / "clusters"
    signature(str(sigs), config).run(iter(docs), 0, 1)
    for b in range(config.num_buckets):
        MinhashDedupBuckets(str(sigs), str(buckets), config=config).run(None, b, config.num_buckets)
    SurvivorCluster(str(buckets), str(clusters), str(sigs), config, min_similarity).run(None, 0, 1)
    kept = list(ClusterFilter(str(clusters), method).run(iter(docs), 0, 1))
    kept_ids = {d.id for d in kept}
    return kept, [d for d in docs if d.id not in kept_ids]


def run_ours(docs: list[Document], n_grams: int | dict[str, int] = 5, num_buckets=14, hashes_per_bucket=8, exact=True,
             seed=1, threshold=0.0) -> list[list[str]]:
    """Our dedup stage (exact, then MinHash with candidates checked against THRESHOLD) in this
    process: the clusters it formed, by id. N_GRAMS per language runs each language alone, as
    the pipeline's per_language scope does."""
    if isinstance(n_grams, dict):
        by_lang = {}
        for d in docs:
            by_lang.setdefault(d.metadata["language"], []).append(d)
        return [c for lang, part in sorted(by_lang.items())
                for c in run_ours(part, n_grams[lang], num_buckets, hashes_per_bucket, exact, seed, threshold)]
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


def run_stock_datatrove(docs: list[Document], n_grams=5, num_buckets=14, hashes_per_bucket=8, seed=1) -> list[list[str]]:
    """Stock datatrove (defaults = FineWeb's 5-grams, 14 x 8): its own signature, bucket and
    cluster stages, one language at a time. The word tokenizer is ours (dedup/shingles.py):
    datatrove's own would load spaCy, which is not installed."""
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupCluster, MinhashDedupSignature
    from datatrove.utils.binaryio import read_tuples_from_file

    clusters = []
    for lang in sorted({d.metadata["language"] for d in docs}):
        part = [d for d in docs if d.metadata["language"] == lang]
        config = MinhashConfig(n_grams=n_grams, num_buckets=num_buckets, hashes_per_bucket=hashes_per_bucket, seed=seed)
        with tempfile.TemporaryDirectory() as tmp:
            sigs, buckets, out = (str(Path(tmp) / x) for x in ("signatures", "buckets", "clusters"))
            MinhashDedupSignature(sigs, config, language=TOKENIZERS[lang](lang)).run(iter(part), 0, 1)
            for b in range(num_buckets):
                MinhashDedupBuckets(sigs, buckets, config=config).run(None, b, num_buckets)
            MinhashDedupCluster(buckets, out, config=config, save_cluster_id=True).run(None, 0, 1)
            groups: dict[int, list[str]] = {}
            path = Path(out) / "000000.clusters"
            if path.exists():
                with open(path, "rb") as f:
                    for index, cluster in read_tuples_from_file(f, "2I"):
                        groups.setdefault(cluster, []).append(part[index].id)
        clusters += list(groups.values())
    return clusters


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
