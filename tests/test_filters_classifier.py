"""The fastText quality classifier: its input form, its metrics, training on a tiny set, the
`quality_classifier` step's keep/drop records, and `thresher quality train` end to end."""

from __future__ import annotations

import json
import pickle
import random

import pytest
from datatrove.data import Document

from filters.classifier import QualityClassifier, TrainParams, fasttext_text, holdout_split, keep_scores, train_classifier
from filters.quality_metrics import keep_metrics, roc_auc
from pipeline.cli import main
from pipeline.explain import load_explain_config
from filters.registry import STEPS

# Small and quick: a model of a few hundred kB, trained in well under a second.
TINY = TrainParams(epoch=30, lr=0.5, dim=16, bucket=10000, min_count=1)

NOUNS = ["river", "village", "library", "harvest", "bridge", "museum", "forest", "council", "school", "market"]
VERBS = ["restored", "visited", "described", "studied", "celebrated", "rebuilt", "documented", "protected"]
PLACES = ["the northern valley", "the old town", "the coast", "the province", "the capital"]
PRODUCTS = ["pills", "casino bonus", "replica watches", "cheap loans", "free spins", "crypto signals"]


def good_text(rng: random.Random) -> str:
    sentences = [
        f"In {rng.randint(1800, 2020)}, the {rng.choice(NOUNS)} near {rng.choice(PLACES)} was {rng.choice(VERBS)} "
        f"by the people who lived there, and the {rng.choice(NOUNS)} that they {rng.choice(VERBS)} is still used today."
        for _ in range(rng.randint(4, 7))
    ]
    return " ".join(sentences)


def bad_text(rng: random.Random) -> str:
    lines = [f"BUY {rng.choice(PRODUCTS).upper()} NOW!!! click here >>> {rng.choice(PRODUCTS)} {rng.randint(1, 99)}% off"
             for _ in range(rng.randint(3, 6))]
    return "\n".join(lines + ["Home | Login | Register | Contact"])


def examples(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    return [good_text(rng) for _ in range(n)], [bad_text(rng) for _ in range(n)]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    positives, negatives = examples(40)
    path = tmp_path_factory.mktemp("model") / "quality.bin"
    train_classifier(positives, negatives, path, "en", holdout_frac=0.25, params=TINY)
    return path


def test_fasttext_text():
    assert fasttext_text("Hello, World 42!\n长江很长。") == "hello , world 0 ! <nl> 长 江 很 长 。"
    assert fasttext_text("  a\n\n\n b  ") == "a <nl> b"
    assert "\n" not in fasttext_text("x\r\ny\n")


def test_roc_auc():
    assert roc_auc([True, False, True], [0.9, 0.5, 0.5]) == pytest.approx(0.75)
    assert roc_auc([True, False], [0.9, 0.1]) == 1.0
    assert roc_auc([True, False], [0.1, 0.9]) == 0.0
    assert roc_auc([True, True, False, False], [1, 0, 1, 0]) == pytest.approx(0.5)  # a 0/1 decision
    with pytest.raises(ValueError):
        roc_auc([True, True], [0.1, 0.2])


def test_keep_metrics():
    m = keep_metrics([1, 1, 0, 0], [1, 0, 1, 0])
    assert (m["precision"], m["recall"], m["f1"], m["accuracy"], m["kept_frac"]) == (0.5, 0.5, 0.5, 0.5, 0.5)
    m = keep_metrics([1, 1, 0], [1, 1, 0])
    assert m["f1"] == 1.0
    assert keep_metrics([1, 0], [0, 0])["f1"] == 0.0


def test_holdout_split_is_seeded():
    assert holdout_split(20, 0.25, 0) == holdout_split(20, 0.25, 0)
    assert sum(holdout_split(20, 0.25, 0)) == 5
    assert holdout_split(20, 0.25, 0) != holdout_split(20, 0.25, 1)


def test_training_is_deterministic_and_learns(tmp_path):
    positives, negatives = examples(40)
    m1 = train_classifier(positives, negatives, tmp_path / "a.bin", "en", holdout_frac=0.25, params=TINY)
    m2 = train_classifier(positives, negatives, tmp_path / "b.bin", "en", holdout_frac=0.25, params=TINY)
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    assert m1 == m2
    assert (m1["train"], m1["held_out"]) == (60, 20)
    assert m1["roc_auc"] > 0.95 and m1["f1"] > 0.9


def test_scores_separate_unseen_documents(model_path):
    import fasttext

    positives, negatives = examples(10, seed=99)  # not the training documents
    scores = keep_scores(fasttext.load_model(str(model_path)), positives + negatives)
    assert min(scores[:10]) > 0.5 > max(scores[10:])
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_step_keeps_and_drops_with_reason_and_value(model_path):
    step = QualityClassifier(str(model_path), min_score=0.5)
    good, bad = (Document(text=t[0], id=str(i)) for i, t in enumerate(examples(1, seed=7)))
    assert step.filter(good) is True
    assert good.metadata["quality_score"] > 0.5
    verdict = step.filter(bad)
    assert verdict == (False, "classifier_low_score")
    assert bad.metadata["filter_rule"] == "quality_classifier"
    assert bad.metadata["filter_value"] == pytest.approx(bad.metadata["quality_score"], abs=1e-4)
    assert bad.metadata["filter_threshold"] == 0.5


def test_step_without_threshold_only_scores(model_path):
    step = QualityClassifier(str(model_path))  # min_score None
    bad = Document(text=examples(1, seed=3)[1][0], id="b")
    assert step.filter(bad) is True
    assert bad.metadata["quality_score"] < 0.5
    assert step.all_checks(bad) == []


def test_model_loads_lazily_and_pickles(model_path, tmp_path):
    missing = QualityClassifier(str(tmp_path / "none.bin"), min_score=0.5)  # nothing read yet
    with pytest.raises(FileNotFoundError, match="quality train"):
        missing.filter(Document(text="some text", id="x"))
    step = QualityClassifier(str(model_path), min_score=0.5)
    step.filter(Document(text="some text here", id="x"))
    clone = pickle.loads(pickle.dumps(step))  # a loaded model does not travel; it reloads
    assert clone._model._model is None
    assert clone.score("some text here") == pytest.approx(step.score("some text here"))


def test_registered_and_model_path_resolves_against_rule_file(tmp_path):
    assert STEPS["quality_classifier"] is QualityClassifier
    rules = tmp_path / "rules" / "en.yaml"
    rules.parent.mkdir()
    rules.write_text("rules:\n  - use: quality_classifier\n    model_path: ../models/q.bin\n    min_score: 0.3\n")
    cfg = load_explain_config(rules)
    params = cfg.quality["en"][0].params
    assert params == {"model_path": str(tmp_path / "models" / "q.bin"), "min_score": 0.3}


def write_jsonl(path, texts, key="text"):
    path.write_text("".join(json.dumps({key: t}) + "\n" for t in texts), encoding="utf-8")


def test_quality_train_cli(tmp_path, capsys):
    positives, negatives = examples(30)
    write_jsonl(tmp_path / "pos.jsonl", positives, key="content")
    write_jsonl(tmp_path / "neg.jsonl", negatives, key="content")
    args = ["quality", "train", "--positive", str(tmp_path / "pos.jsonl"), "--negative", str(tmp_path / "neg.jsonl"),
            "--lang", "en", "--text-key", "content", "--holdout-frac", "0.2", "--dim", "16", "--bucket", "10000"]
    assert main(args + ["--output", str(tmp_path / "m1.bin")]) == 0
    out = capsys.readouterr().out
    assert "30 positive and 30 negative" in out
    assert "Held out (12 examples): ROC-AUC" in out
    assert main(args + ["--output", str(tmp_path / "m2.bin")]) == 0
    assert (tmp_path / "m1.bin").read_bytes() == (tmp_path / "m2.bin").read_bytes()
    # A quoted glob names the same files, expanded as `tokenizer train` expands its inputs.
    globbed = [str(tmp_path / "pos*.jsonl") if x.endswith("pos.jsonl") else str(tmp_path / "neg*.jsonl")
               if x.endswith("neg.jsonl") else x for x in args]
    assert main(globbed + ["--output", str(tmp_path / "m3.bin")]) == 0
    assert (tmp_path / "m3.bin").read_bytes() == (tmp_path / "m1.bin").read_bytes()


def test_quality_train_cli_names_bad_line(tmp_path, capsys):
    write_jsonl(tmp_path / "pos.jsonl", ["good text"])
    (tmp_path / "neg.jsonl").write_text('{"text": "bad"}\n{"text": \n', encoding="utf-8")
    code = main(["quality", "train", "--positive", str(tmp_path / "pos.jsonl"), "--negative", str(tmp_path / "neg.jsonl"),
                 "--lang", "zh", "--output", str(tmp_path / "m.bin")])
    assert code == 2
    assert f"{tmp_path / 'neg.jsonl'}:2: not valid JSON" in capsys.readouterr().err
    assert not (tmp_path / "m.bin").exists()
