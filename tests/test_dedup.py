"""The dedup stage end to end on datatrove's executor: exact and near copies, both languages,
survivor choice, the removed records, the scope knob and the in-memory engine."""

import gzip
import json
import random
import re
from pathlib import Path

import pytest
from datatrove.data import Document
from datatrove.pipeline.writers import JsonlWriter

from dedup.minhash import catch_threshold
from pipeline.cli import run_pipeline
from dedup.config import DedupConfig
from pipeline.config import load_config

WORDS = ("river stone light market garden window teacher engine story bridge winter paper orchard lantern "
         "harbor meadow signal copper violin canyon pepper marble saddle").split()
HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"


def english(seed: int, n: int = 200) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + str(rng.randint(0, 9)) for _ in range(n)) + "."


def chinese(seed: int, n: int = 400) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(HANZI) for _ in range(n)) + "。"


def near(text: str, every: int, lang: str) -> str:
    """Change one token in EVERY: a near copy (Jaccard of 5-grams ~0.9 at every=100)."""
    if lang == "en":
        return " ".join("x" if i % every == 0 else w for i, w in enumerate(text.split()))  # shorter: not the survivor
    return "".join("变" if i % every == 0 else c for i, c in enumerate(text))


def corpus(lang: str) -> list[Document]:
    make = english if lang == "en" else chinese
    a, b = make(1), make(2)
    return [
        Document(text=a, id=f"{lang}-a", metadata={"dump": "d1"}),
        # an exact copy after normalisation (the same length: the original wins on its id)
        Document(text=a.upper() if lang == "en" else a, id=f"{lang}-a-exact", metadata={"dump": "d2"}),
        Document(text=near(a, 100, lang), id=f"{lang}-a-near", metadata={"dump": "d1"}),
        Document(text=b, id=f"{lang}-b", metadata={"dump": "d1"}),
        Document(text=make(3), id=f"{lang}-c", metadata={"dump": "d2"}),
    ]


def write_config(folder: Path) -> Path:
    """One task, the default dedup settings (DedupConfig): the other stages do not run here."""
    path = folder / "dedup.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text("run: {tasks: 1, workers: 1}\n")
    return path


def run_dedup(tmp_path: Path, configs: Path, docs: dict[str, list[Document]], *overrides: str) -> Path:
    run = tmp_path / "run"
    for lang, items in docs.items():
        with JsonlWriter(str(run / "quality" / "output" / lang), output_filename="00000.jsonl.gz") as w:
            for d in items:
                w.write(d, 0)
    cfg = load_config(write_config(tmp_path), [f"run.output={run}", *overrides])
    assert run_pipeline(cfg, ["dedup"]) == 0
    return run


def read(folder: Path) -> dict[str, dict]:
    out = {}
    for path in sorted(folder.glob("**/*.jsonl.gz")):
        with gzip.open(path, "rt") as f:
            for line in f:
                d = json.loads(line)
                out[d["id"]] = d
    return out


@pytest.fixture(scope="module")
def default_run(tmp_path_factory, configs):
    return run_dedup(tmp_path_factory.mktemp("dedup"), configs, {"en": corpus("en"), "zh": corpus("zh")})


def test_exact_and_near_copies_are_removed_in_both_languages(default_run, capsys):
    kept = read(default_run / "dedup" / "output")
    exact = read(default_run / "dedup" / "removed" / "exact")
    near_ = read(default_run / "dedup" / "removed" / "minhash")
    for lang in ("en", "zh"):
        assert {f"{lang}-a", f"{lang}-b", f"{lang}-c"} <= set(kept)  # distinct documents stay
        assert f"{lang}-a-exact" in exact and f"{lang}-a-near" in near_
    assert len(kept) == 6 and len(exact) == 2 and len(near_) == 2


def test_removed_records_carry_cluster_and_survivor(default_run):
    kept = read(default_run / "dedup" / "output")
    for record in read(default_run / "dedup" / "removed" / "exact").values():
        meta = record["metadata"]
        assert meta["exact_cluster_id"] >= 0 and meta["exact_cluster_size"] == 2
        assert meta["duplicate_of"] in kept
    for record in read(default_run / "dedup" / "removed" / "minhash").values():
        meta = record["metadata"]
        assert meta["minhash_cluster_id"] >= 0 and meta["minhash_cluster_size"] == 2
        survivor = kept[meta["duplicate_of"]]
        # The survivor carries the same cluster and its size.
        assert survivor["metadata"]["minhash_cluster_id"] == meta["minhash_cluster_id"]
        assert survivor["metadata"]["minhash_cluster_size"] == 2
    assert kept["en-b"]["metadata"]["minhash_cluster_id"] == -1


def test_report_counts_each_kind_of_removal(default_run):
    from pipeline.report import stage_summary
    from pipeline.layout import RunLayout

    s = stage_summary(RunLayout(default_run), "dedup")
    assert s["removed"] == {"exact_duplicate": 2, "minhash_duplicate": 2}
    assert (s["documents_in"], s["documents_out"]) == (10, 6)
    d = DedupConfig()
    assert s["scope"] == "per_language"
    assert s["catch_threshold"] == pytest.approx(catch_threshold(d.num_buckets, d.hashes_per_bucket), abs=1e-4)
    assert s["threshold"] == d.threshold
    assert s["per_language"]["zh"]["removed"] == {"exact_duplicate": 1, "minhash_duplicate": 1}


def test_survivor_is_best_quality_then_longest_then_smallest_id(tmp_path, configs):
    a = english(7)
    docs = [
        Document(text=a, id="z-plain", metadata={}),
        Document(text=a + " " + "appendix words here", id="y-longer", metadata={}),
        Document(text=near(a, 50, "en"), id="x-best", metadata={"quality_score": 0.9}),
        Document(text=english(8), id="b", metadata={}),
        Document(text=english(8), id="a", metadata={}),  # a tie in every way: the smaller id wins
    ]
    run = run_dedup(tmp_path, configs, {"en": docs, "zh": []})
    kept = read(run / "dedup" / "output")
    assert set(kept) == {"x-best", "a"}
    assert kept["x-best"]["metadata"]["minhash_cluster_size"] == 3  # the best quality beat the longest
    removed = read(run / "dedup" / "removed")
    assert removed["b"]["metadata"]["duplicate_of"] == "a"
    assert removed["y-longer"]["metadata"]["duplicate_of"] == "x-best"


def test_scope_changes_what_is_removed(tmp_path, configs):
    en = corpus("en")
    # An English page filed under zh/ (say langid erred): only the global scope sees it.
    stray = Document(text=en[3].text, id="stray", metadata={"dump": "d1"})
    docs = {"en": en, "zh": [stray, *corpus("zh")]}
    removed = {}
    for scope, extra in (("per_language", []), ("global", []), ("per_group", ["dedup.group_key=dump"])):
        run = run_dedup(tmp_path / scope, configs, docs, f"dedup.scope={scope}", *extra)
        removed[scope] = set(read(run / "dedup" / "removed"))
        assert {p.name for p in (run / "dedup" / "output").iterdir()} == {"en", "zh"}
    assert removed["per_language"] == {"en-a-exact", "en-a-near", "zh-a-exact", "zh-a-near"}
    assert removed["global"] == removed["per_language"] | {"stray"}  # "en-b" < "stray": en-b survives
    # Per dump: the exact copies (dump d2) no longer meet their originals (d1).
    assert removed["per_group"] == {"en-a-near", "zh-a-near"}
    from pipeline.layout import RunLayout
    from pipeline.report import stage_summary

    s = stage_summary(RunLayout(tmp_path / "per_group" / "run"), "dedup")
    assert s["removed_per_group"] == {"d1": 2}


def test_datasketch_engine_gives_the_same_result(default_run, tmp_path, configs):
    run = run_dedup(tmp_path, configs, {"en": corpus("en"), "zh": corpus("zh")}, "dedup.engine=datasketch")
    for part in ("output", "removed"):
        ours, theirs = read(default_run / "dedup" / part), read(run / "dedup" / part)
        assert set(ours) == set(theirs)
        for doc_id, d in ours.items():
            assert d["metadata"].get("duplicate_of") == theirs[doc_id]["metadata"].get("duplicate_of")


def test_per_group_without_a_group_key_is_a_config_error(tmp_path):
    from pipeline.config import ConfigError

    with pytest.raises(ConfigError, match="dedup.group_key"):
        load_config(write_config(tmp_path), ["dedup.scope=per_group"])


def replaced(text: str, lang: str, share: float, rng: random.Random, pool: list[str]) -> str:
    """TEXT with SHARE of its words (en) or characters (zh), at least one, replaced in place."""
    spans = [m.span() for m in re.finditer(r"\w+" if lang == "en" else r"[\u4e00-\u9fff]", text)]
    out, last = [], 0
    for i in sorted(rng.sample(range(len(spans)), max(1, round(share * len(spans))))):
        a, b = spans[i]
        out += [text[last:a], next(w for w in iter(lambda: rng.choice(pool), None) if w != text[a:b])]
        last = b
    return "".join(out + [text[last:]])


def real_texts(shared_data: Path, lang: str, n: int) -> list[str]:
    """N real pages of LANG that pass the quality stage's length rules, shortest first: one
    replaced word breaks the largest share of a short page's shingles."""
    if lang == "en":
        path, key, size = shared_data / "text" / "llama_factory" / "c4_demo.jsonl", "text", lambda t: len(t.split())
        least = 50
    else:
        path, key = shared_data / "text" / "chinesewebtext" / "cc-2021-43_cleared1.jsonl", "raw_content"
        size, least = lambda t: len(re.findall(r"[\u4e00-\u9fff]", t)), 100
    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line)[key] for line in f]
    return sorted((t for t in texts if size(t) >= least), key=size)[:n]


def test_default_settings_merge_3_percent_copies_and_not_50_percent_ones(tmp_path, configs, shared_data):
    """At the defaults, through the datatrove stages: a real page with 3% of its words (en) or
    characters (zh) replaced is merged with it; one with 50% replaced is a distinct page."""
    docs = {}
    for lang in ("en", "zh"):
        texts = real_texts(shared_data, lang, 8)
        pool = [w for t in texts for w in re.findall(r"\w+" if lang == "en" else r"[\u4e00-\u9fff]", t)]
        rng = random.Random(0)
        docs[lang] = [Document(text=t, id=f"{lang}{i}", metadata={}) for i, t in enumerate(texts)]
        for i, t in enumerate(texts):
            docs[lang] += [Document(text=replaced(t, lang, 0.03, rng, pool), id=f"{lang}{i}-3pct", metadata={}),
                           Document(text=replaced(t, lang, 0.5, rng, pool), id=f"{lang}{i}-50pct", metadata={})]
    run = run_dedup(tmp_path, configs, docs)
    removed = read(run / "dedup" / "removed" / "minhash")
    kept = read(run / "dedup" / "output")
    for lang in ("en", "zh"):
        for i in range(8):
            pair = {f"{lang}{i}", f"{lang}{i}-3pct"}
            (gone,) = pair & set(removed)  # one of the two, whichever is longer survives
            assert removed[gone]["metadata"]["duplicate_of"] in pair - {gone}
            assert f"{lang}{i}-50pct" in kept
    assert len(removed) == 16 and len(kept) == 32
