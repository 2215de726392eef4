"""bench/quality_eval.py judges the labelled documents with the quality stage the pipeline builds,
and its held-apart split stays the same documents."""

import sys
from pathlib import Path

from datatrove.data import Document

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import quality_eval  # noqa: E402

from pipeline.config import load_config  # noqa: E402
from pipeline.explain import Tools, explain  # noqa: E402


def test_bench_decides_as_explain_does(shared_data, configs, tmp_path):
    """Every DCLM and ChineseWebText document: the bench's run of the quality jobs removes it
    at the check `thresher explain` names (or keeps it, as explain does)."""
    cfg = load_config(configs / "default.yaml")
    tools = Tools.build(cfg)
    for lang in ("en", "zh"):
        docs = quality_eval.samples(shared_data / "text", lang)
        outcomes = quality_eval.ours(cfg, lang, docs, tmp_path / lang)
        removed = 0
        for s in docs:
            doc = Document(text=s.text, id=s.id, metadata={"url": s.url} if s.url else {})
            failure = explain(cfg, doc, lang=lang, tools=tools).first_failure()
            expected = None if failure is None else failure[1].reason
            assert (None if outcomes[s.id].kept else outcomes[s.id].reason) == expected, s.id
            removed += failure is not None
        assert 0 < removed < len(docs)  # the comparison covered both verdicts


def test_held_apart_split_is_fixed(shared_data):
    docs = quality_eval.samples(shared_data / "text", "en")
    held = [s for s in docs if quality_eval.is_held(s)]
    assert (len(docs) - len(held), len(held)) == (182, 165)
    assert sum(bool(s.agreed) for s in held) == 57
