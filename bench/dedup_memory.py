"""Peak memory of each dedup stage at two input sizes: it must not grow with the input beyond
what the duplicate clusters need.

Each stage runs alone in a fresh process (one task, as on a worker) over a corpus made from
the real English documents of shared/data/text: every document reshuffled into a distinct one,
with one exact and one near copy planted per ten. The first number is the process's peak RSS
after importing datatrove and before reading anything (the floor), the second its peak.

    .venv/bin/python bench/dedup_memory.py [--data ../shared/data] [--sizes 2000 8000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import tempfile
from pathlib import Path


def make_corpus(data: Path, n: int, folder: Path) -> None:
    from datatrove.data import Document
    from datatrove.pipeline.writers import JsonlWriter
    from dedup_common import english_texts

    texts = english_texts(data)
    rng = random.Random(0)
    with JsonlWriter(str(folder), output_filename="00000.jsonl.gz") as w:
        last = ""
        for i in range(n):
            if i % 10 == 5:
                text = last  # exact copy
            elif i % 10 == 6:
                words = last.split()
                text = " ".join("x" if j % 50 == 0 else t for j, t in enumerate(words))  # near copy
            else:
                words = texts[i % len(texts)].split()
                rng.shuffle(words)
                text = " ".join(words)
            last = text
            w.write(Document(text=text, id=f"d{i:07d}", metadata={"language": "en"}), 0)


def _stage(name: str, work: str, source: str, queue) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from datatrove.pipeline.dedup.minhash import MinhashDedupBuckets
    from dedup.clusters import ClusterFilter, SurvivorCluster
    from dedup.minhash import minhash_config
    from dedup.scope import DedupReader
    from dedup.signature import ExactSignature, FastMinhashSignature, exact_config
    from dedup.config import DedupConfig

    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    method, _, step = name.partition("/")
    d = DedupConfig()
    config = exact_config(1) if method == "exact" else minhash_config(5, d.num_buckets, d.hashes_per_bucket, 1)
    w = Path(work) / method
    sigs, buckets, clusters = str(w / "signatures"), str(w / "buckets"), str(w / "clusters")
    reader = DedupReader(source, language="en")
    if step == "signatures":
        sig = ExactSignature if method == "exact" else FastMinhashSignature
        sig(sigs, config).run(reader.run(), 0, 1)
    elif step == "buckets":
        for b in range(config.num_buckets):  # one task per bucket: the peak is one task's
            MinhashDedupBuckets(sigs, buckets, config=config).run(None, b, config.num_buckets)
    elif step == "clusters":
        SurvivorCluster(buckets, clusters, sigs, config, 0.0 if method == "exact" else d.threshold).run(None, 0, 1)
    else:
        for _ in ClusterFilter(clusters, method).run(reader.run(), 0, 1):
            pass
    queue.put((floor, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def main() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from dedup_common import DEFAULT_DATA

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", type=int, nargs=2, default=[2000, 8000])
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    stages = [f"{m}/{s}" for m in ("exact", "minhash") for s in ("signatures", "buckets", "clusters", "filter")]
    results = {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            make_corpus(args.data, n, Path(tmp) / "input")
            for stage in stages:
                queue = ctx.Queue()
                p = ctx.Process(target=_stage, args=(stage, tmp, str(Path(tmp) / "input"), queue))
                p.start()
                results[(stage, n)] = queue.get()
                p.join()
                if p.exitcode:
                    raise SystemExit(f"{stage} failed at {n} documents")
            print(f"{n} documents done", flush=True)
    small, large = args.sizes
    print(f"{'stage':<20} {'floor MiB':>9} {f'peak @{small}':>11} {f'peak @{large}':>11} {'growth':>8}")
    for stage in stages:
        (floor, a), (_, b) = results[(stage, small)], results[(stage, large)]
        print(f"{stage:<20} {floor / 1024:9.0f} {a / 1024:11.0f} {b / 1024:11.0f} {(b - a) / 1024:+7.0f}M")


if __name__ == "__main__":
    main()
