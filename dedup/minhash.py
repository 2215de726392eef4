"""Near-duplicate removal with datatrove's four MinHash stages, one run per language.

signatures (N tasks) -> buckets (one task per bucket) -> clusters (1 task) -> filter (N tasks).
The filter keeps one document per cluster and writes the others, with their cluster id, to
`dedup/removed/minhash/`, where the recovery stage reads them.
"""

from __future__ import annotations

from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.writers import JsonlWriter

from dedup.shingles import TOKENIZERS
from pipeline.stage_io import StageReader


def minhash_config(n_grams: int, num_buckets: int, hashes_per_bucket: int, seed: int) -> MinhashConfig:
    return MinhashConfig(n_grams=n_grams, num_buckets=num_buckets, hashes_per_bucket=hashes_per_bucket, seed=seed)


def catch_threshold(num_buckets: int, hashes_per_bucket: int) -> float:
    """The Jaccard similarity at which a pair shares a bucket with probability 1/2.

    P(caught | s) = 1 - (1 - s^r)^b, so s = (1 - 0.5^(1/b))^(1/r); 14x8 -> 0.685.
    """
    return (1 - 0.5 ** (1 / num_buckets)) ** (1 / hashes_per_bucket)


def minhash_jobs(lang: str, cfg, layout, tasks: int):
    """The four (name, pipeline, tasks) jobs that deduplicate LANG from quality to dedup output."""
    config = minhash_config(cfg.dedup.n_grams[lang], cfg.dedup.num_buckets, cfg.dedup.hashes_per_bucket, cfg.run.seed + 1)
    work = layout.work("dedup") / lang
    source = str(layout.output("quality", lang))

    def reader():
        return StageReader(source)

    tokenizer = TOKENIZERS[lang](lang)
    return [
        (f"{lang}/signatures", [reader(), MinhashDedupSignature(str(work / "signatures"), config, language=tokenizer)], tasks),
        (
            f"{lang}/buckets",
            [MinhashDedupBuckets(str(work / "signatures"), str(work / "buckets"), config=config)],
            cfg.dedup.num_buckets,
        ),
        (
            f"{lang}/clusters",
            [
                MinhashDedupCluster(
                    str(work / "buckets"), str(work / "clusters"), config=config, save_cluster_id=True, save_cluster_size=True
                )
            ],
            1,
        ),
        (
            f"{lang}/filter",
            [
                reader(),
                MinhashDedupFilter(
                    str(work / "clusters"),
                    exclusion_writer=JsonlWriter(
                        str(layout.removed("dedup", "minhash")), output_filename=f"{lang}_${{rank}}.jsonl.gz"
                    ),
                    load_cluster_ids=True,
                    load_cluster_sizes=True,
                ),
                JsonlWriter(str(layout.output("dedup", lang)), output_filename="${rank}.jsonl.gz"),
            ],
            tasks,
        ),
    ]
