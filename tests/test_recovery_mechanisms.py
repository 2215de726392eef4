"""Recovery mechanisms 2 and 3 and the duplicate gate: what must and must not come back."""

import random

import numpy as np
import pytest
import yaml
from datatrove.data import Document
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from dedup.minhash import minhash_config, pass_config, pass_signatures
from dedup.signature import FastMinhashSignature
from pipeline.config import load_config
from pipeline.execution import run_local
from pipeline.layout import RunLayout
from pipeline.report import stage_summary
from recovery.stage import jobs as recovery_jobs
from recovery.config import FalseLanguageConfig
from recovery.false_language import FalseLanguageRecovery, dominant, language_lines
from recovery.false_rejections import decide
from recovery.kinds import is_code, is_list, is_long_formal, is_prose, is_table, kind_of
from recovery.readmit_bands import PAIR, BandCollisions, CandidateReader, DecideReadmissions, VerifyCollisions
from recovery.readmit_dedup import ReadmitDedup

PROSE = ("The committee met on Tuesday to review the budget for the coming year. Members agreed that "
         "the library needs new shelves and longer opening hours. The proposal will be put to a vote next month. ")
LIST = "\n".join(f"- item number {i} about garden tools" for i in range(8))
TABLE = "\n".join(f"row{i} | {i * 3} | {i * 7} | ok" for i in range(6))
CODE = "def add(a, b):\n    return a + b\n\nfor i in range(3):\n    print(add(i, 1))\nx = {'a': 1};\nif x != y: pass\n"
ZH = "长江是中国最长的河流，全长约六千三百公里，流经十一个省级行政区，最后注入东海。" * 6
MENU = "Home\nAbout us\nProducts and prices\nContact\nLogin to site\nSearch text:\nOur staff | Our board | Donors\n"
DE = "Die Stadt liegt am Ufer des Flusses und hat eine lange Geschichte als Handelsplatz in der Region.\n" * 8


def words(seed, n=150):
    rng = random.Random(seed)
    vocab = "river stone light market garden window teacher engine story bridge winter paper orchard".split()
    return " ".join(rng.choice(vocab) + str(rng.randint(0, 99)) for _ in range(n))


def test_kind_detectors_must_and_must_not():
    assert is_list(LIST) and not is_list(PROSE)
    assert is_table(TABLE) and not is_table(PROSE) and not is_table(LIST)
    assert is_code(CODE) and not is_code(PROSE) and not is_code(LIST)
    assert is_long_formal(PROSE * 50) and not is_long_formal(PROSE) and not is_long_formal(LIST * 100)
    assert kind_of(ZH, "c4_quality") == "chinese_english_rule"
    assert kind_of(ZH, "zh_spam_terms") is None  # a Chinese rule on Chinese text is not excused


def test_prose_is_sentences_anywhere_in_a_line_and_not_menus():
    cut_off = PROSE.strip() + " The next meeting will discuss the roof and the"  # a crawl excerpt ends mid-sentence
    assert is_prose(cut_off) and is_prose(ZH)
    assert not is_prose(MENU) and not is_prose(LIST)
    assert kind_of(cut_off, "fineweb_quality") == "prose"
    assert kind_of(cut_off, "gopher_repetition") is None  # repeated text is repeated whatever its kind
    # gopher_quality is excusable for prose, but not its length check: a short page is short.
    assert kind_of(cut_off, "gopher_quality", "gopher_below_alpha_threshold") == "prose"
    assert kind_of(cut_off, "gopher_quality", "gopher_short_doc") is None
    assert kind_of(ZH, "gopher_quality", "gopher_short_doc") == "chinese_english_rule"  # it cannot count Chinese words


def test_decide_needs_both_the_score_and_a_kind_the_rule_misjudges():
    assert decide(LIST, "c4_quality", 0.95, 0.8) == "list"
    assert decide(LIST, "c4_quality", 0.5, 0.8) is None  # the model is not convinced
    assert decide(LIST, "url_blocklist", 0.99, 0.8) is None  # a list-shaped blocked page stays out
    assert decide(PROSE, "c4_quality", 0.95, 0.8) == "prose"  # prose failing a prose-shape proxy
    assert decide(PROSE * 3, "gopher_repetition", 0.99, 0.8) is None  # repetition is not excused for prose
    assert decide(MENU * 3, "fineweb_quality", 0.99, 0.8) is None  # no kind: a menu stays out


def test_language_lines_leave_code_and_menus_out_and_dominant_needs_a_share():
    assert language_lines("Home\n" + CODE + PROSE) == [PROSE.strip()]
    assert dominant({"en": 0.7, "zh": 0.2}, 0.6) == "en"
    assert dominant({"en": 0.4, "zh": 0.4}, 0.6) is None


def test_false_language_routes_code_heavy_and_mixed_pages_and_not_others():
    step = FalseLanguageRecovery(FalseLanguageConfig(min_share=0.6))
    code_page = Document(text=(CODE * 6) + PROSE * 2, id="c", metadata={"filter_reason": "lid_low_score", "language": "la"})
    assert step.filter(code_page) and code_page.metadata["language"] == "en"
    assert code_page.metadata["recovered_by"] == "false_language" and "filter_reason" not in code_page.metadata
    mixed = Document(text=ZH + "\n" + PROSE + "\n" + CODE * 4, id="m", metadata={"filter_reason": "lid_other_language"})
    assert step.filter(mixed) and mixed.metadata["language"] == "zh"
    german = Document(text=DE + PROSE, id="d", metadata={"filter_reason": "lid_other_language"})
    assert not step.filter(german)
    assert step.stats["examined/lid_other_language"].total == 2 and step.stats["candidates/lid_low_score"].total == 1


def write(folder, name, docs):
    with JsonlWriter(str(folder), output_filename=name) as w:
        for d in docs:
            w.write(d, 0)


def read(folder, pattern="*.jsonl.gz"):
    return {d.id: d for d in JsonlReader(str(folder), glob_pattern=pattern).run()} if folder.exists() else {}


def cand(id_, text, rule="c4_quality"):
    return Document(text=text, id=id_, metadata={"recovered_by": "false_rejections", "recovery_evidence": {"rule": rule}})


def drain(result):
    """Run a step whose `run` may be a generator."""
    return list(result) if result is not None else []


def sign(docs, folder, config, rank=0, world_size=1):
    for d in docs:
        d.metadata.setdefault("language", "en")
    drain(FastMinhashSignature(str(folder), config).run(iter(docs), rank, world_size))


def gate(tmp_path, kept, candidate_files, tasks=1, kept_tasks=1):
    """The readmit gate's jobs on KEPT (signed as dedup signs, by KEPT_TASKS tasks) and candidate files."""
    config = minhash_config(5, 24, 8, seed=1)
    for rank in range(kept_tasks):
        sign(kept[rank::kept_tasks], tmp_path / "kept_sigs", config, rank, kept_tasks)
    for name, docs in candidate_files.items():
        write(tmp_path / "cand", name, docs)
    for rank in range(tasks):
        sign(list(CandidateReader(str(tmp_path / "cand"), "en").run(rank=rank, world_size=tasks)), tmp_path / "cand_sigs", config, rank, tasks)
    for band in range(3):
        drain(BandCollisions(str(tmp_path / "cand_sigs"), str(tmp_path / "kept_sigs"), str(tmp_path / "pairs"), config).run(rank=band, world_size=3))
    verify = VerifyCollisions(str(tmp_path / "pairs"), str(tmp_path / "cand_sigs"), str(tmp_path / "kept_sigs"), str(tmp_path / "verdicts"), config, 0.7)
    for rank in range(tasks):
        drain(verify.run(rank=rank, world_size=tasks))
    drain(DecideReadmissions(str(tmp_path / "verdicts"), str(tmp_path / "decisions"), 0.7).run())
    step = ReadmitDedup(str(tmp_path / "cand"), str(tmp_path / "decisions"), str(tmp_path / "out"))
    for rank in range(tasks):
        drain(step.run(rank=rank, world_size=tasks))
    return read(tmp_path / "out", "readmitted_*.jsonl.gz"), step


@pytest.mark.parametrize("tasks", [1, 2])
def test_readmit_dedup_never_brings_back_a_copy(tmp_path, tasks):
    a, b, c = words(1), words(2), words(3)
    near_a = " ".join("x" if i % 40 == 0 else w for i, w in enumerate(a.split()))
    files = {"c1.jsonl.gz": [cand("exact", a.upper()), cand("near", near_a), cand("B2", b + " end")],
             "c2.jsonl.gz": [cand("B1", b), cand("C", c)]}
    back, step = gate(tmp_path, [Document(text=a, id="A")], files, tasks)
    assert set(back) == {"B1", "C"}  # B2 copies B1, which is first by id
    assert step.stats["duplicate/false_rejections/c4_quality"].total == 3  # (a step's stats add up over its tasks)
    assert back["C"].metadata["recovery_evidence"]["max_jaccard_to_kept"] < 0.7
    assert "language" not in back["C"].metadata  # the gate adds nothing the candidate did not carry


def test_the_closest_kept_document_decides_whatever_task_measured_it(tmp_path):
    """The copy's kept original is in the second of two kept files, measured by the second
    verify task; a loosely similar kept page in the first file must not hide it."""
    a = words(1)
    loose = " ".join(a.split()[:120]) + " " + words(7, 30)  # shares most of A: collides at ~0.67, under 0.7
    back, _ = gate(tmp_path, [Document(text=loose, id="L"), Document(text=a, id="A")],
                   {"c.jsonl.gz": [cand("copy", a + " end")]}, tasks=2, kept_tasks=2)
    first_task = (tmp_path / "verdicts" / "00000.jsonl").read_text()
    assert '"kept_id": "L"' in first_task  # the first task did measure the loose page
    assert back == {}


def test_of_a_chain_of_candidates_the_ends_come_back():
    """A ~ B ~ C with A unlike C: B copies A, which is admitted; C copies only B, which is not."""
    import json
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        verdicts = Path(tmp) / "verdicts"
        verdicts.mkdir()
        lines = [{"a": [0, 0, "A"], "b": [0, 1, "B"], "similarity": 0.8}, {"a": [0, 1, "B"], "b": [0, 2, "C"], "similarity": 0.8},
                 {"file": 0, "doc": 3, "similarity": 0.9, "kept_id": "K"}, {"a": [0, 3, "D"], "b": [0, 4, "E"], "similarity": 0.9}]
        (verdicts / "00000.jsonl").write_text("".join(json.dumps(v) + "\n" for v in lines))
        drain(DecideReadmissions(str(verdicts), str(Path(tmp) / "out"), 0.7).run())
        decided = {d["doc"]: d for d in map(json.loads, (Path(tmp) / "out" / "decisions.jsonl").read_text().splitlines())}
    assert {doc for doc, d in decided.items() if d["admit"]} == {0, 2, 4}  # A, C, and E (D is a kept copy)
    assert decided[1]["copies_candidate"] == "A" and decided[3]["kept_id"] == "K"


def test_the_gate_measures_only_pairs_that_share_a_band(tmp_path):
    # 40 unrelated candidates and one copy: only the copy's pair (and luck) is measured.
    files = {"c.jsonl.gz": [cand(f"U{i}", words(100 + i)) for i in range(40)] + [cand("copy", words(1))]}
    back, _ = gate(tmp_path, [Document(text=words(1), id="A")] + [Document(text=words(500 + i), id=f"K{i}") for i in range(40)], files)
    assert "copy" not in back and len(back) == 40
    pairs = sum(len(np.fromfile(p, dtype=PAIR)) for p in (tmp_path / "pairs").glob("*.kept"))
    assert 24 <= pairs < 40 * 41  # the copy collides in all 24 bands; no all-pairs comparison


def test_the_gate_refuses_to_run_without_the_kept_signatures(tmp_path):
    config = minhash_config(5, 24, 8, seed=1)
    sign([cand("C", words(3))], tmp_path / "cand_sigs", config)
    step = BandCollisions(str(tmp_path / "cand_sigs"), str(tmp_path / "missing"), str(tmp_path / "pairs"), config)
    with pytest.raises(FileNotFoundError, match="signatures are missing; delete the run folder's dedup/"):
        drain(step.run())


@pytest.mark.parametrize("tasks", [1, 3])
def test_run_recovery_jobs_metadata_and_report_agree(tmp_path, tasks):
    """The whole recovery stage on a small run folder, with a real fastText model; the same
    documents come back whether its per-document passes run as one task or several."""
    from filters.classifier import DEFAULT_PARAMS, fit

    good, spam = PROSE + LIST, "buy cheap casino win now " * 20
    model = fit([(good + str(i), True) for i in range(20)] + [(spam + str(i), False) for i in range(20)], DEFAULT_PARAMS["en"])
    model.save_model(str(tmp_path / "q.bin"))
    cfg_file = tmp_path / "run.yaml"
    cfg_file.write_text(yaml.safe_dump({"run": {"output": str(tmp_path / "run"), "tasks": tasks, "workers": 1},
                                         "recovery": {"false_rejections": {"model_path": {"en": str(tmp_path / "q.bin")}, "min_score": 0.5}}}))
    cfg = load_config(cfg_file)
    layout = RunLayout(tmp_path / "run")
    layout.root.mkdir()
    layout.config.write_text(cfg_file.read_text())
    kept_list = PROSE + "\n" + LIST + " kept"
    write(layout.output("dedup", "en"), "00000.jsonl.gz", [Document(text=kept_list, id="K", metadata={})])
    sign([Document(text=kept_list, id="K", metadata={})], pass_signatures(layout, "en"), pass_config(cfg, "en"))  # as dedup did
    # Removed by c4_quality: a good list (must come back), a copy of the kept list (must not),
    # a list with a low score (must not); by url_blocklist: a good list (must not, wrong rule).
    good_list = PROSE + "\n" + "\n".join(f"- step {i}: water the {w} beds" for i, w in enumerate("rose tulip fern moss ivy sage".split()))
    removed = [
        # Q1 and Q2 are scored by the model (no quality_score from the quality stage).
        Document(text=good_list, id="Q1", metadata={"filter_rule": "c4_quality", "filter_reason": "c4_too_few_sentences"}),
        Document(text=kept_list, id="Q2", metadata={"filter_rule": "c4_quality", "filter_reason": "c4_too_few_sentences"}),
        Document(text=good_list + " low", id="Q3", metadata={"filter_rule": "c4_quality", "quality_score": 0.1}),
        Document(text=good_list + " blocked", id="Q4", metadata={"filter_rule": "url_blocklist", "quality_score": 0.99}),
    ]
    write(layout.removed("quality", "c4_quality"), "en_00000.jsonl.gz", removed[:3])
    write(layout.removed("quality", "url_blocklist"), "en_00000.jsonl.gz", removed[3:])
    code_page = (CODE * 6) + PROSE * 3
    # Two langid tasks' removals: two files, shared out among the recovery tasks.
    write(layout.removed("langid", "lid"), "00000.jsonl.gz", [Document(text=code_page, id="L1", metadata={"filter_reason": "lid_low_score"})])
    write(layout.removed("langid", "lid"), "00001.jsonl.gz", [Document(text=DE, id="L2", metadata={"filter_reason": "lid_other_language"})])
    for job in recovery_jobs(cfg, layout):
        run_local(job, layout, 1)
    back = read(layout.output("recovery", "en"), "readmitted_*.jsonl.gz")
    assert set(back) == {"Q1", "L1"}
    assert back["Q1"].metadata["recovery_evidence"]["kind"] == "list"
    assert back["Q1"].metadata["recovery_evidence"]["quality_score"] >= 0.5 and "filter_rule" not in back["Q1"].metadata
    assert back["L1"].metadata["recovered_by"] == "false_language" and back["L1"].metadata["language"] == "en"
    s = stage_summary(layout, "recovery")
    fr, fl = s["mechanisms"]["false_rejections"], s["mechanisms"]["false_language"]
    assert fr["per_rule"]["c4_quality"]["examined"] == 3 and fr["per_rule"]["c4_quality"]["readmitted"] == 1
    assert fr["per_rule"]["c4_quality"]["duplicate"] == 1 and fr["per_rule"]["url_blocklist"]["readmitted"] == 0
    assert fr["per_rule"]["c4_quality"]["readmitted_bytes"] == len(good_list.encode())
    assert [x["id"] for x in fr["per_rule"]["c4_quality"]["samples"]] == ["Q1"]
    assert fl["examined"] == 2 and fl["readmitted"] == 1 and fl["status"] == "on"
    assert s["recovered"] == {"false_rejections": 1, "false_language": 1}
    assert s["documents_out"] == 1 + 2  # the kept document and the two re-admitted


@pytest.mark.parametrize("settings", [{}, {"engine": "datasketch"}, {"scope": "global"}])
def test_the_gate_reads_the_signatures_of_a_real_dedup_run(tmp_path, settings):
    """Dedup runs for real (two tasks); a candidate copying a kept page stays out, whatever
    engine made the kept set's signatures and in every scope; an unrelated one comes back."""
    from dedup.stage import jobs as dedup_jobs

    cfg_file = tmp_path / "run.yaml"
    cfg_file.write_text(yaml.safe_dump({"run": {"output": str(tmp_path / "run"), "tasks": 2, "workers": 1}, "dedup": settings}))
    cfg = load_config(cfg_file)
    layout = RunLayout(tmp_path / "run")
    layout.root.mkdir()
    layout.config.write_text(cfg_file.read_text())
    pages = [Document(text=words(i), id=f"P{i}", metadata={}) for i in range(6)]
    for rank in range(2):
        write(layout.output("quality", "en"), f"{rank:05d}.jsonl.gz", pages[rank::2])
    write(layout.output("quality", "zh"), "00000.jsonl.gz", [Document(text=ZH, id="Z", metadata={})])
    for job in dedup_jobs(cfg, layout):
        run_local(job, layout, 1)
    write(layout.work("recovery") / "candidates" / "en", "manual.jsonl.gz", [cand("copy", words(5)), cand("new", words(99))])
    names = [job.name for job in recovery_jobs(cfg, layout)]
    assert ("en/readmit_kept_signatures" in names) == (settings.get("engine") == "datasketch")
    for job in recovery_jobs(cfg, layout):
        run_local(job, layout, 1)
    back = read(layout.output("recovery", "en"), "readmitted_*.jsonl.gz")
    assert set(back) == {"new"}
