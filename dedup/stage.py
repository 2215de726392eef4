"""The dedup stage: exact copies, then MinHash near copies, within each partition (dedup/scope.py).
The jobs are built in dedup/minhash.py; every removed copy goes to removed/<method>/ naming
the survivor it copies."""

from __future__ import annotations

from dedup.config import DedupConfig
from dedup.minhash import catch_threshold, dedup_partitions, describe
from pipeline.layout import LANGUAGES, RunLayout
from pipeline.stage import Job, Stage
from pipeline.stats import counts, job_stats, merge, run_settings


def jobs(cfg, layout: RunLayout) -> list[Job]:
    print(describe(cfg), flush=True)  # the similarity MinHash catches half the time
    return [Job("dedup", name, pipeline, tasks) for name, pipeline, tasks in dedup_partitions(cfg, layout)]


def reads(layout: RunLayout) -> list:
    return [(layout.output("quality"), "quality")]


def summary(layout: RunLayout) -> dict:
    # A partition (dedup/scope.py: a language, or `all`) runs an exact pass, then MinHash
    # (`filter`, or `lsh` in memory); each filter counts dropped_<method>_duplicate itself.
    logs = lambda job: job_stats(layout.logs("dedup", job))  # noqa: E731
    per_partition, per_group = {}, {}
    for part in (*LANGUAGES, "all"):
        passes = [p for p in (logs(f"{part}/{job}") for job in ("exact_filter", "filter", "lsh")) if p]
        if not passes:
            continue
        found = merge([counts(p) for p in passes])
        first, last = counts(passes[0]), counts(passes[-1])
        # The passes read one after another: what came in is the first's, what left the last's.
        found["documents_in"], found["documents_out"] = first["documents_in"], last["documents_out"]
        found["characters_in"], found["characters_out"] = first["characters_in"], last["characters_out"]
        # The MinHash cluster job's check (dedup/verify.py): banding candidates it turned down.
        clusters = logs(f"{part}/clusters")
        if clusters:
            found["candidates_below_threshold"] = int(sum(s.totals.get("candidates_below_threshold", 0) for s in clusters))
        per_partition[part] = found
        for steps in passes:
            for step in steps:
                for k, v in step.totals.items():
                    if k.startswith("removed_in_group/"):
                        group = k.split("/", 1)[1]
                        per_group[group] = per_group.get(group, 0) + int(v)
    merged = merge(list(per_partition.values()))
    merged["candidates_below_threshold"] = sum(c.get("candidates_below_threshold", 0) for c in per_partition.values())
    d = run_settings(layout, "dedup")
    if "num_buckets" in d:
        merged["catch_threshold"] = round(catch_threshold(d["num_buckets"], d["hashes_per_bucket"]), 4)
        merged["threshold"] = d.get("threshold", 0.0)
    merged["scope"] = d.get("scope", "per_language")
    if per_group:
        merged["removed_per_group"] = dict(sorted(per_group.items()))
    key = "per_partition" if "all" in per_partition else "per_language"
    return {**merged, key: per_partition}


def closing(s: dict) -> list[str]:
    if "threshold" not in s:
        return []
    removed = s.get("removed", {})
    return [f"dedup: {removed.get('exact_duplicate', 0)} exact and {removed.get('minhash_duplicate', 0)} near copies "
            f"removed ({s['scope']}); {s.get('candidates_below_threshold', 0)} banding candidates under "
            f"Jaccard {s['threshold']:g} kept"]


# MinHash's hash functions are seeded with run.seed: a new seed makes other clusters.
STAGE = Stage("dedup", jobs, config=DedupConfig, reads=reads, invalidated_by=("run.seed",), summary=summary,
              closing=closing)
