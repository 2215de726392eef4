"""Tokenize + pack throughput of the shards stage, per core, against the tokenizer alone and datatrove.

On the same English and Chinese text from shared/data, one core each (Rust threads off):

- ceiling: the trained tokenizer's raw `encode_batch` (nothing kept, nothing written);
- ours: `PackShards` (encode, EOS, pack into rows, write rows + segments), concat and best_fit;
- peer: datatrove's `DocumentTokenizer` (encode + write its token and index files, no shuffle).

Each runs in its own forked process, so the peak memory printed is that method's alone. The
target is ours >= 90% of the ceiling's tokens/s.

    .venv/bin/python bench/shards_throughput.py [--data ../shared/data/text] [--max-mb 8] [--repeat 2]
"""

from __future__ import annotations

import os

os.environ["TOKENIZERS_PARALLELISM"] = "false"  # one core: per-core figures, like one datatrove task
os.environ["RAYON_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from datatrove.data import Document  # noqa: E402

from shards.config import ShardsConfig  # noqa: E402
from shards.pack import BATCH_DOCS, PackShards  # noqa: E402
from tokenizer.files import EOS  # noqa: E402
from tokenizer.train import save_tokenizer, train_bpe  # noqa: E402


def load_texts(data: Path, max_bytes: int) -> list[tuple[str, str]]:
    """(language, text) from shared/data's English and Chinese documents, interleaved, up to MAX_BYTES."""
    def jsonl(path, key):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            return [json.loads(line)[key] for line in f if line.strip()]

    en = jsonl(data / "llama_factory" / "c4_demo.jsonl", "text")
    for path in sorted((data / "dolma").glob("*.jsonl.gz")):
        en += jsonl(path, "text")
    zh = jsonl(data / "chinesewebtext" / "cc-2021-43_cleared1.jsonl", "raw_content")
    zh += jsonl(data / "flagdata" / "quality_assessment_example_data.jsonl", "raw_content")  # long: cut across rows
    for name in ("cmrc2018_dev.squad.json", "cmrc2018_trial.squad.json"):
        squad = json.loads((data / "cmrc2018" / name).read_text())
        zh += [p["context"] for article in squad["data"] for p in article["paragraphs"]]
    texts, size = [], 0
    for i in range(max(len(en), len(zh))):
        for lang, pool in (("en", en), ("zh", zh)):
            if i < len(pool) and size < max_bytes:
                texts.append((lang, pool[i]))
                size += len(pool[i].encode("utf-8"))
    return texts


def in_child(fn):
    """Run FN in a forked process: (its result, its peak RSS in MiB)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        code = 0
        try:
            with os.fdopen(write, "wb") as f:
                pickle.dump(fn(), f)
        except BaseException:
            traceback.print_exc()
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        payload = f.read()
    _, status, usage = os.wait4(pid, 0)
    if status:
        raise RuntimeError(f"benchmark child failed with status {status} (its traceback is above)")
    return pickle.loads(payload), usage.ru_maxrss / 1024


def clock(since: tuple[float, float] | None = None) -> tuple[float, float]:
    """(CPU seconds of this process, all threads; wall seconds), or the time elapsed SINCE.

    tokens/s/core is tokens per CPU-second: it does not move when other work shares the machine.
    """
    now = (time.process_time(), time.perf_counter())
    return now if since is None else (now[0] - since[0], now[1] - since[1])


def raw_encode(tok_file: str, texts: list[str]) -> float:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(tok_file)
    start = clock()
    for at in range(0, len(texts), BATCH_DOCS):
        tok.encode_batch(texts[at : at + BATCH_DOCS], add_special_tokens=False)
    return clock(start)


def ours(tok_dir: str, docs: list[Document], packing: str) -> float:
    with tempfile.TemporaryDirectory() as out:
        step = PackShards(tok_dir, out, ShardsConfig(seq_len=4096, packing=packing))
        start = clock()
        list(step.run(iter(docs), rank=0))
        return clock(start)


def datatrove_tokenizer(tok_file: str, docs: list[Document]) -> float:
    from datatrove.pipeline.tokens import DocumentTokenizer

    with tempfile.TemporaryDirectory() as out:
        step = DocumentTokenizer(out, tok_file, eos_token=EOS, shuffle_documents=False, save_final_metadata=False)
        start = clock()
        step.run(iter(docs), rank=0)  # a plain method here, not a generator
        return clock(start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "text")
    parser.add_argument("--tokenizer", type=Path, help="a trained tokenizer folder (default: train one on the text)")
    parser.add_argument("--vocab-size", type=int, default=32000, help="when training one (default 32000)")
    parser.add_argument("--max-mb", type=float, default=8.0, help="text to tokenize, in MB (default 8)")
    parser.add_argument("--repeat", type=int, default=2, help="timing runs per method; the best is reported")
    args = parser.parse_args()

    texts = load_texts(args.data, int(args.max_mb * 1e6))
    print(f"{len(texts)} documents, {sum(len(t.encode()) for _, t in texts) / 1e6:.1f} MB "
          f"({sum(lang == 'zh' for lang, _ in texts)} Chinese), one core per method")
    work = Path(tempfile.mkdtemp(prefix="thresher-bench-"))
    tok_dir = args.tokenizer
    if tok_dir is None:
        tok_dir = work / "tok"
        start = time.perf_counter()
        save_tokenizer(train_bpe((t for _, t in texts), args.vocab_size), tok_dir, 128, 4096, {})
        print(f"trained a {args.vocab_size}-token BPE on it in {time.perf_counter() - start:.0f}s")
    tok_file = str(tok_dir / "tokenizer.json")
    plain = [t for _, t in texts]
    docs = [Document(text=t, id=str(i), metadata={"language": lang}) for i, (lang, t) in enumerate(texts)]

    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(tok_file)
    n_tokens = sum(len(e.ids) + 1 for e in tok.encode_batch(plain, add_special_tokens=False))
    methods = {
        "raw encode_batch (ceiling)": lambda: raw_encode(tok_file, plain),
        "ours: PackShards concat": lambda: ours(str(tok_dir), docs, "concat"),
        "ours: PackShards best_fit": lambda: ours(str(tok_dir), docs, "best_fit"),
        "datatrove DocumentTokenizer": lambda: datatrove_tokenizer(tok_file, docs),
    }
    runs = {name: [] for name in methods}
    for _ in range(args.repeat):  # interleaved, so a busy spell on the machine hits every method
        for name, fn in methods.items():
            runs[name].append(in_child(fn))
    # Best CPU time and best wall time over the repeats; the peak RSS is the largest seen.
    results = {name: (min(r[0][0] for r in rs), min(r[0][1] for r in rs), max(r[1] for r in rs)) for name, rs in runs.items()}
    ceiling = n_tokens / results["raw encode_batch (ceiling)"][0]
    peer = n_tokens / results["datatrove DocumentTokenizer"][0]
    print(f"\n{'method':<30} {'tokens/s/core':>14} {'vs ceiling':>11} {'vs datatrove':>13} {'wall tokens/s':>14} {'peak RSS':>10}")
    for name, (cpu, wall, rss) in results.items():
        rate = n_tokens / cpu
        print(f"{name:<30} {rate:>14,.0f} {rate / ceiling:>10.1%} {rate / peer:>12.2f}x {n_tokens / wall:>14,.0f} {rss:>6.0f} MiB")
    worst = min(n_tokens / results[k][0] for k in results if k.startswith("ours")) / ceiling
    print(f"\n{n_tokens:,} tokens. Target: ours >= 90% of the ceiling -> {'met' if worst >= 0.9 else 'NOT met'} ({worst:.1%})")


if __name__ == "__main__":
    main()
