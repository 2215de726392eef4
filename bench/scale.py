"""How every job of the pipeline grows with the corpus: the whole pipeline at three sizes.

The input is generated from ../shared/data so that every stage sees data that grows with N:
the sentences of the real English (those fastText calls English) and Chinese web texts
recombined into distinct documents
(8-24 sentences drawn at random from the pool, in paragraphs of 2-5, each document on one of
N/20 sites), plus near copies of earlier documents (2% of their words or characters
replaced), exact copies, junk (menus, link lists, spam lines) and pages in other languages
(Lingua's sentences). Shares: en 45%, zh 25%, near copies 8%, exact copies 5%, junk 10%, other
languages 7%. What passes dedup also grows, so recovery, the tokenizer's sampling and the
shards do too.

Each job runs in a process forked for it (the run's own `run_local`, `run.tasks` tasks,
`run.workers` at once), which reports getrusage of itself and its reaped workers: CPU is
user + system seconds of the job and every worker; RSS is the largest peak RSS of the job's
process or any one worker. The exponent k of a job is the least-squares slope of log(CPU) or
log(RSS) against log(documents in the input), over the three sizes. Targets (issue 20): CPU
k <= 1.05 and RSS k <= 0.1 for every job; no job that runs as one task above 5% of the run's
CPU at the largest size.

    .venv/bin/python bench/scale.py [--data ../shared/data] [--sizes 5000,20000,40000] [--tasks 4] [--workers 2] [--work DIR]

The tokenizer trains on a fixed sample (`--train-bytes`, default 20 MB) at every size: its
cost is bounded by that budget, not by N (issue 21 is about training on gigabytes).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from dedup_common import DEFAULT_DATA, chinese_texts, english_texts  # noqa: E402

SHARES = {"en": 0.45, "zh": 0.25, "near": 0.08, "exact": 0.05, "junk": 0.10, "other": 0.07}
OTHER_LANGUAGES = ("de", "fr", "es", "it", "nl", "pt", "ru", "pl")
DOCS_PER_FILE = 1000
_EN_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_ZH_SENTENCE = re.compile(r"(?<=[。！？])")
CPU_K, RSS_K, ONE_TASK_SHARE = 1.05, 0.1, 0.05


def english_only(sentences: list[str]) -> list[str]:
    """The sentences fastText's lid.176 calls English at 0.8 or more: the English sets hold
    Common Crawl pages with other languages in them, and a document mixed from those would be
    a langid test, not a scale one."""
    from langid.lid import lid176_path
    from pipeline.fasttext_model import load

    model = load(lid176_path())
    labels, scores = model.predict([s.replace("\n", " ") for s in sentences])
    return [s for s, label, score in zip(sentences, labels, scores) if label[0] == "__label__en" and score[0] >= 0.8]


def sentence_pools(data: Path) -> dict[str, list[str]]:
    en = english_only([s.strip() for t in english_texts(data) for s in _EN_SENTENCE.split(t) if 40 <= len(s.strip()) <= 300])
    zh = [s.strip() for t in chinese_texts(data) for s in _ZH_SENTENCE.split(t) if 15 <= len(s.strip()) <= 150]
    other = []
    for lang in OTHER_LANGUAGES:
        with gzip.open(data / "langid" / "lingua" / "sentences" / f"{lang}.txt.gz", "rt", encoding="utf-8") as f:
            other += [line.strip() for line in f if len(line.strip()) > 30]
    return {"en": sorted(set(en)), "zh": sorted(set(zh)), "other": other}


def compose(rng: random.Random, pool: list[str], joiner: str) -> str:
    sentences = rng.sample(pool, rng.randint(8, 24))
    paragraphs, at = [], 0
    while at < len(sentences):
        k = rng.randint(2, 5)
        paragraphs.append(joiner.join(sentences[at : at + k]))
        at += k
    return "\n".join(paragraphs)


def near_copy(rng: random.Random, text: str, pool_words: list[str]) -> str:
    """TEXT with 2% of its words (or CJK characters) replaced."""
    if re.search(r"[\u4e00-\u9fff]", text):
        chars = list(text)
        spots = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
        for i in rng.sample(spots, max(1, len(spots) // 50)):
            chars[i] = rng.choice("的一是在不了有和人这中大为上个国我以要他时来用们")
        return "".join(chars)
    words = text.split(" ")
    for i in rng.sample(range(len(words)), max(1, len(words) // 50)):
        words[i] = rng.choice(pool_words)
    return " ".join(words)


def junk(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:  # a site menu
        return "\n".join(rng.choice(["Home", "About us", "Contact", "Login", "Products", "News", "Help", "Search"]) for _ in range(30))
    if kind == 1:  # a link list
        return "\n".join(f"Item {rng.randint(1, 99999)} | price ${rng.randint(1, 999)} | buy now" for _ in range(40))
    return " ".join(["best cheap casino bonus free spins win now"] * rng.randint(20, 60))


def make_corpus(pools: dict[str, list[str]], n: int, folder: Path, seed: int = 0) -> dict[str, int]:
    rng = random.Random(seed)
    words = [w for s in pools["en"][:2000] for w in s.split()]
    kinds, weights = list(SHARES), list(SHARES.values())
    made: dict[str, int] = {k: 0 for k in kinds}
    originals: list[str] = []
    folder.mkdir(parents=True)
    out = None
    for i in range(n):
        if i % DOCS_PER_FILE == 0:
            if out:
                out.close()
            out = gzip.open(folder / f"part_{i // DOCS_PER_FILE:05d}.jsonl.gz", "wt", encoding="utf-8", compresslevel=1)
        kind = rng.choices(kinds, weights)[0]
        if kind in ("near", "exact") and not originals:
            kind = "en"
        if kind == "en":
            text = compose(rng, pools["en"], " ")
            originals.append(text)
        elif kind == "zh":
            text = compose(rng, pools["zh"], "")
            originals.append(text)
        elif kind == "near":
            text = near_copy(rng, rng.choice(originals), words)
        elif kind == "exact":
            text = rng.choice(originals)
        elif kind == "junk":
            text = junk(rng)
        else:
            text = compose(rng, pools["other"], " ")
        made[kind] += 1
        site = rng.randrange(max(1, n // 20))
        out.write(json.dumps({"text": text, "id": f"d{i}", "url": f"https://site{site}.example/page/{i}"}, ensure_ascii=False) + "\n")
    out.close()
    return made


def in_child(work):
    """WORK() run in a forked process, its JSON result returned: what it allocates (the
    generated corpus) never swells this process, whose RSS every forked job starts from."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, json.dumps(work()).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        result = json.loads(f.read())
    os.waitpid(pid, 0)
    return result


def measure_job(job, layout, workers: int) -> dict:
    """Run JOB in a forked process; its wall time, CPU seconds and peak RSS (self or any worker)."""
    from pipeline.execution import run_local

    read, write = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        error = None
        try:
            with open(os.devnull, "w") as quiet:
                run_local(job, layout, workers, out=quiet)
        except Exception as e:  # reported by the parent
            error = str(e)
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        report = {"cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                  "rss_mb": max(me.ru_maxrss, kids.ru_maxrss) / 1024, "error": error}
        os.write(write, json.dumps(report).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        report = json.loads(f.read())
    os.waitpid(pid, 0)
    if report["error"]:
        raise RuntimeError(f"{job.stage}/{job.name}: {report['error']}")
    report["wall"] = time.perf_counter() - start
    return report


def run_size(n: int, pools, work: Path, args) -> dict:
    from pipeline.config import load_config
    from pipeline.layout import RunLayout
    from pipeline.plan import names, stage
    from pipeline.preflight import check_before_run
    from pipeline.stats import counts, job_stats

    corpus, root = work / f"input_{n}", work / f"run_{n}"
    made = in_child(lambda: make_corpus(pools, n, corpus))
    overrides = [f"run.output={root}", f"run.tasks={args.tasks}", f"run.workers={args.workers}",
                 f"input.paths=['{corpus}/*.jsonl.gz']", f"tokenizer.max_train_bytes={args.train_bytes}"]
    cfg = load_config(REPO / "configs" / "default.yaml", overrides)
    layout = RunLayout(root)
    stages = [s for s in names() if s != "report"]
    check_before_run(cfg, layout, stages, None)
    jobs = {}
    for name in stages:
        for job in stage(name).jobs(cfg, layout):
            r = measure_job(job, layout, args.workers)
            c = counts(job_stats(layout.logs(job.stage, job.name)))
            r.update(tasks=job.tasks, docs_in=c["documents_in"], docs_out=c["documents_out"])
            jobs[f"{job.stage}/{job.name}"] = r
            print(f"  {n:>7} {job.stage}/{job.name:<32} {job.tasks:>3} tasks {r['wall']:7.1f}s wall {r['cpu']:8.1f}s CPU "
                  f"{r['rss_mb']:7.0f} MB", flush=True)
    return {"documents": n, "made": made, "jobs": jobs}


def slope(xs: list[float], ys: list[float]) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-6)) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def report(results: list[dict]) -> list[str]:
    sizes = [r["documents"] for r in results]
    top = results[-1]
    total_cpu = sum(j["cpu"] for j in top["jobs"].values())
    lines = [f"{'job':<40} {'tasks':>5} " + " ".join(f"{'CPU@' + str(n):>10}" for n in sizes) + " "
             + " ".join(f"{'RSS@' + str(n):>10}" for n in sizes) + f" {'k_cpu':>6} {'k_rss':>6} {'share':>6} docs in->out @top"]
    failures = []
    for name, job in top["jobs"].items():
        cpu = [r["jobs"][name]["cpu"] for r in results]
        rss = [r["jobs"][name]["rss_mb"] for r in results]
        k_cpu, k_rss = slope(sizes, cpu), slope(sizes, rss)
        share = job["cpu"] / total_cpu
        lines.append(f"{name:<40} {job['tasks']:>5} " + " ".join(f"{c:>9.1f}s" for c in cpu) + " "
                     + " ".join(f"{m:>8.0f}MB" for m in rss) + f" {k_cpu:>6.2f} {k_rss:>6.2f} {share:>6.1%} "
                     f"{job['docs_in']}->{job['docs_out']}")
        if k_cpu > CPU_K:
            failures.append(f"{name}: CPU k {k_cpu:.2f} > {CPU_K}")
        if k_rss > RSS_K:
            failures.append(f"{name}: RSS k {k_rss:.2f} > {RSS_K}")
        if job["tasks"] == 1 and share > ONE_TASK_SHARE:
            failures.append(f"{name}: one task, {share:.1%} of the run's CPU > {ONE_TASK_SHARE:.0%}")
    run_cpu = [sum(j["cpu"] for j in r["jobs"].values()) for r in results]
    lines.append(f"whole run CPU: " + ", ".join(f"{c:.0f}s at {n}" for c, n in zip(run_cpu, sizes))
                 + f"; k {slope(sizes, run_cpu):.2f}")
    lines.append("targets met" if not failures else "targets missed:\n  " + "\n  ".join(failures))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", default="5000,20000,40000")
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--train-bytes", type=int, default=20_000_000)
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one, removed after)")
    args = parser.parse_args()
    if not (args.data / "MANIFEST.md").is_file():
        sys.exit(f"error: no shared data at {args.data} (MANIFEST.md missing); pass --data")
    work = args.work or Path(tempfile.mkdtemp(prefix="thresher-scale-"))
    if args.work and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    pools = sentence_pools(args.data)
    print(f"sentence pools: en {len(pools['en'])}, zh {len(pools['zh'])}, other {len(pools['other'])}; work folder {work}")
    results = []
    try:
        for n in sorted(int(s) for s in args.sizes.split(",")):
            results.append(run_size(n, pools, work, args))
        (work / "scale.json").write_text(json.dumps(results, indent=2))
        print("\n".join(report(results)))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
