"""The dedup stage as datatrove jobs: exact copies first, then MinHash near copies.

For each partition of dedup/scope.py (a language, or `all`), two passes of the same four
datatrove stages:

    exact:   signatures (N tasks) -> buckets (1) -> clusters (1) -> filter (N) -> work/<p>/exact_kept/
    minhash: signatures (N tasks) -> buckets (one per bucket) -> clusters (1) -> filter (N) -> output/<lang>/

Exact copies are cheap to find and certain, so MinHash only sees one copy of each. Each pass
writes its removed documents to `dedup/removed/<exact|minhash>/<lang>_<rank>.jsonl.gz` with
their cluster id and `duplicate_of` (the survivor's id), which the recovery stage reads.
With `dedup.engine: datasketch` the MinHash pass is one in-memory job (dedup/inmemory.py).
"""

from __future__ import annotations

import math

import numpy as np
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets
from datatrove.pipeline.writers import JsonlWriter

from dedup.clusters import ClusterFilter, SurvivorCluster
from dedup.scope import dedup_reader, partitions
from dedup.signature import ExactSignature, FastMinhashSignature, exact_config
from pipeline.layout import LANGUAGES
from pipeline.stage_io import stage_writer


def minhash_config(n_grams: int, num_buckets: int, hashes_per_bucket: int, seed: int) -> MinhashConfig:
    return MinhashConfig(n_grams=n_grams, num_buckets=num_buckets, hashes_per_bucket=hashes_per_bucket, seed=seed)


def catch_threshold(num_buckets: int, hashes_per_bucket: int) -> float:
    """The Jaccard similarity at which a pair shares a bucket with probability 1/2.

    P(caught | s) = 1 - (1 - s^r)^b, so s = (1 - 0.5^(1/b))^(1/r); 14x8 -> 0.685.
    """
    return (1 - 0.5 ** (1 / num_buckets)) ** (1 / hashes_per_bucket)


def catch_probability(similarity: float, num_buckets: int, hashes_per_bucket: int) -> float:
    """P(a pair at Jaccard SIMILARITY shares at least one bucket): the LSH S-curve."""
    return 1 - (1 - similarity**hashes_per_bucket) ** num_buckets


def removal_probability(similarity, num_buckets: int, hashes_per_bucket: int, threshold) -> np.ndarray:
    """P(a pair at Jaccard SIMILARITY is merged): it shares a bucket, and at least THRESHOLD of
    all num_buckets x hashes_per_bucket hashes agree (dedup/verify.py; no check at 0).

    Each hash agrees with probability s, independently (the MinHash model), so the count of
    agreeing hashes in a bucket is Binomial(r, s). Merged = (total >= T) minus (total >= T with
    no bucket all equal); both totals are sums of b independent bucket counts, computed at once
    for every s by raising the bucket's count distribution to the b-th power in Fourier space.
    One value per similarity, or a (similarities x thresholds) array for a list of THRESHOLD.
    32 x 6 at threshold 0.7: s = 0.7 -> 0.50, s = 0.8 -> 0.9994.
    """
    s = np.atleast_1d(np.asarray(similarity, dtype=float))
    thresholds = np.atleast_1d(np.asarray(threshold, dtype=float))
    b, r = num_buckets, hashes_per_bucket
    k = np.arange(r + 1)
    band = np.array([math.comb(r, int(i)) for i in k]) * s[:, None] ** k * (1 - s[:, None]) ** (r - k)
    not_full = band.copy()
    not_full[:, r] = 0
    length = b * r + 1
    size = 1 << (length - 1).bit_length()

    def upper_tails(pmf: np.ndarray) -> np.ndarray:  # [:, c] = P(total agreeing >= c)
        total = np.fft.irfft(np.fft.rfft(pmf, size, axis=1) ** b, size, axis=1)[:, :length]
        return np.cumsum(total[:, ::-1], axis=1)[:, ::-1]

    full_tail, no_band_tail = upper_tails(band), upper_tails(not_full)
    out = np.empty((len(s), len(thresholds)))
    for col, t in enumerate(thresholds):
        if t <= 0:  # plain banding: any bucket all equal
            out[:, col] = 1 - (1 - s**r) ** b
        else:
            need = math.ceil(t * b * r - 1e-9)  # the estimate (agreeing / (b * r)) reaches t
            out[:, col] = full_tail[:, need] - no_band_tail[:, need]
    out = np.clip(out, 0.0, 1.0)
    return out if np.ndim(threshold) else out[:, 0]


def describe(cfg) -> str:
    """The line the run prints when it builds the dedup stage."""
    d = cfg.dedup
    scope = f"per_group on `{d.group_key}`" if d.scope == "per_group" else d.scope
    grams = ", ".join(f"{lang} {n}-grams" for lang, n in sorted(d.n_grams.items()))
    line = (f"dedup: scope {scope}; exact copies {'on' if d.exact else 'off'}; MinHash ({d.engine}) "
            f"{d.num_buckets} buckets x {d.hashes_per_bucket} hashes on {grams}: a pair at Jaccard "
            f"{catch_threshold(d.num_buckets, d.hashes_per_bucket):.3f} is caught half the time")
    if d.threshold > 0:
        line += (f", one at the threshold {d.threshold:g} {catch_probability(d.threshold, d.num_buckets, d.hashes_per_bucket):.1%}"
                 f" of the time; candidates below Jaccard {d.threshold:g} are kept")
    return line


def _n_grams(cfg, partition: str) -> int:
    # One MinHash config per job set: the global scope hashes every language's shingles alike.
    if partition != "all":
        return cfg.dedup.n_grams[partition]
    sizes = set(cfg.dedup.n_grams.values())
    if len(sizes) != 1:
        raise ValueError(f"dedup.scope global needs one n-gram size for all languages, got {cfg.dedup.n_grams}")
    return sizes.pop()


def _removed_writer(layout, method: str) -> JsonlWriter:
    return stage_writer(layout.removed("dedup", method), "${language}_${rank}.jsonl.gz")


def _kept_writer(folder, partition: str) -> JsonlWriter:
    name = "${language}/${rank}.jsonl.gz" if partition == "all" else "${rank}.jsonl.gz"
    return stage_writer(folder, name)


def pass_config(cfg, partition: str) -> MinhashConfig:
    """The MinHash pass's config for one partition (recovery's readmit gate signs with it too)."""
    d = cfg.dedup
    return minhash_config(_n_grams(cfg, partition), d.num_buckets, d.hashes_per_bucket, cfg.run.seed + 1)


def group_key(cfg) -> str | None:
    """The metadata field whose value salts every hash (dedup/scope.py), or None."""
    return cfg.dedup.group_key if cfg.dedup.scope == "per_group" else None


def pass_input(cfg, layout, partition: str):
    """What the MinHash pass reads: the exact pass's survivors, or the quality output."""
    if cfg.dedup.exact:
        return layout.work("dedup") / partition / "exact_kept"
    return layout.output("quality", partition if partition != "all" else None)


def pass_signatures(layout, partition: str):
    """The MinHash pass's signature folder (bucket_BBB/<rank>.minhash.sig and docinfo/)."""
    return layout.work("dedup") / partition / "signatures"


def partition_jobs(partition: str, cfg, layout, tasks: int) -> list[tuple[str, list, int]]:
    """The (name, pipeline, tasks) jobs that deduplicate one partition, quality -> dedup output."""
    d = cfg.dedup
    groups = group_key(cfg)
    work = layout.work("dedup") / partition
    source = layout.output("quality", partition if partition != "all" else None)
    final = layout.output("dedup", partition if partition != "all" else None)
    jobs = []
    if d.exact:
        jobs += four_stages(f"{partition}/exact_", "exact", source, pass_input(cfg, layout, partition), partition,
                            exact_config(cfg.run.seed), ExactSignature, work / "exact", groups, layout, tasks, min_similarity=0.0)
    source = pass_input(cfg, layout, partition)
    config = pass_config(cfg, partition)
    if d.engine == "datasketch":
        from dedup.inmemory import InMemoryLSHDedup

        step = InMemoryLSHDedup(config, groups, d.threshold, exclusion_writer=_removed_writer(layout, "minhash"))
        jobs.append((f"{partition}/lsh", [dedup_reader(source, partition), step, _kept_writer(final, partition)], 1))
        return jobs
    jobs += four_stages(f"{partition}/", "minhash", source, final, partition, config,
                        FastMinhashSignature, work, groups, layout, tasks, min_similarity=d.threshold)
    return jobs


def four_stages(prefix, method, source, kept, partition, config, signature, work, group_key, layout, tasks, min_similarity):
    """signatures -> buckets -> clusters -> filter, reading SOURCE and writing KEPT."""
    sigs, buckets, clusters = work / "signatures", work / "buckets", work / "clusters"
    return [
        (f"{prefix}signatures", [dedup_reader(source, partition), signature(str(sigs), config, group_key)], tasks),
        (f"{prefix}buckets", [MinhashDedupBuckets(str(sigs), str(buckets), config=config)], config.num_buckets),
        (f"{prefix}clusters", [SurvivorCluster(str(buckets), str(clusters), str(sigs), config, min_similarity)], 1),
        (
            f"{prefix}filter",
            [
                dedup_reader(source, partition),
                ClusterFilter(str(clusters), method, exclusion_writer=_removed_writer(layout, method), group_key=group_key,
                              threshold=min_similarity if min_similarity > 0 else None),
                _kept_writer(kept, partition),
            ],
            tasks,
        ),
    ]


def dedup_partitions(cfg, layout) -> list[tuple[str, list, int]]:
    return [job for p in partitions(cfg.dedup.scope, LANGUAGES) for job in partition_jobs(p, cfg, layout, cfg.run.tasks)]
