"""`thresher tokenizer train`, the pipeline stage, the training sample and the sentencepiece backend."""

import json

import pytest

from pipeline.cli import main
from tokenizer.sampling import Doc, input_docs, plan_budgets, sample_corpus, script_language, unit_hash
from tokenizer.config import TokenizerConfig
from tokenizer.files import EOS, META_FILE, SPECIAL_TOKENS
from tokenizer.train import TrainTokenizer

EN = "The quick brown fox jumps over the lazy dog while 42 ducks watch from the pond. "
ZH = "深度学习模型需要大量高质量的训练数据，数据清洗因此非常重要。我们去掉重复的网页。"


def corpus(n=200):
    return [Doc(f"{EN * (1 + i % 3)} doc {i}", "en", f"en{i}") for i in range(n)] + \
           [Doc(f"{ZH * (1 + i % 2)}第{i}篇", "zh", f"zh{i}") for i in range(n)]


def test_budgets_keep_the_shares_exact():
    assert plan_budgets({"en": 1000, "zh": 1000}, {"en": 0.5, "zh": 0.5}, 600) == {"en": 300, "zh": 300}
    # scarce Chinese scales English down rather than letting it take over the vocabulary
    assert plan_budgets({"en": 1000, "zh": 100}, {"en": 0.5, "zh": 0.5}, 10_000) == {"en": 100, "zh": 100}
    assert plan_budgets({"en": 1000, "zh": 1000}, {"en": 0.7, "zh": 0.3}, 100) == {"en": 70, "zh": 30}
    # a language with no text at all drops out
    assert plan_budgets({"en": 1000}, {"en": 0.5, "zh": 0.5}, 600) == {"en": 600, "zh": 0}


def test_sample_fills_the_budget_per_language_deterministically():
    docs = corpus()
    runs = []
    for _ in range(2):
        s = sample_corpus(lambda: iter(docs), {"en": 0.5, "zh": 0.5}, 20_000, 0.05, 10_000, seed=3)
        texts = list(s.train_texts())
        runs.append(texts)
        per_lang = s.stats["train_bytes_per_language"]
        for lang in ("en", "zh"):
            assert s.budgets[lang] == 10_000
            assert 10_000 <= per_lang[lang] < 10_000 + 600  # within one document of the budget
        held = {t for ts in s.heldout.values() for t in ts}
        assert held and not held & set(texts)  # held-out text is never trained on
    assert runs[0] == runs[1]
    other = sample_corpus(lambda: iter(docs), {"en": 0.5, "zh": 0.5}, 20_000, 0.05, 10_000, seed=4)
    assert list(other.train_texts()) != runs[0]


def test_script_language_and_hash():
    assert script_language(ZH + " DeepSeek 2024") == "zh"
    assert script_language(EN + " 北京") == "en"
    assert unit_hash("a", 0, "x") == unit_hash("a", 0, "x") != unit_hash("a", 1, "x")
    assert 0 <= unit_hash("b", 0, "x") < 1


def test_input_docs_read_jsonl_parquet_and_text(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # A blank line (here the last) holds no document and is no error.
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "x1", "text": EN}) + "\n" + json.dumps({"text": ZH}) + "\n\n")
    pq.write_table(pa.table({"content": [ZH]}), tmp_path / "b.parquet")
    (tmp_path / "c.txt").write_text(f"{EN}\n\n{ZH}\n")
    docs = list(input_docs([str(tmp_path / "a.jsonl"), str(tmp_path / "c.txt")]))
    assert [(d.language, d.key) for d in docs] == [("en", "x1"), ("zh", f"{tmp_path}/a.jsonl:2"),
                                                   ("en", f"{tmp_path}/c.txt:1"), ("zh", f"{tmp_path}/c.txt:3")]
    assert [d.text for d in input_docs([str(tmp_path / "*.parquet")], text_key="content")] == [ZH]
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{"body": "no text"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        list(input_docs([str(tmp_path / "bad.jsonl")]))


@pytest.fixture(scope="module")
def text_files(shared_data):
    """Real en and zh sentences, plus a jsonl of Chinese web text."""
    lingua = shared_data / "langid/lingua/sentences"
    return [str(lingua / "en.txt"), str(lingua / "zh.txt"), str(shared_data / "text/chinesewebtext/quality_clean.jsonl")]


def test_cli_trains_a_tokenizer_with_a_report(tmp_path, text_files, shared_reference):
    out = tmp_path / "tok"
    code = main(["tokenizer", "train", "--input", *text_files, "--vocab-size", "3000", "--output", str(out),
                 "--reference", str(shared_reference / "deepseek_llm_tokenizer.json"),
                 "--set", "tokenizer.heldout_fraction=0.1", "--set", "tokenizer.pad_vocab_to_multiple_of=1024"])
    assert code == 0
    meta = json.loads((out / META_FILE).read_text())
    assert meta["learned_tokens"] == 3000 and meta["embedding_size"] == 3072  # 3016 rounded up
    assert meta["train_bytes_per_language"]["en"] > 0 and meta["train_bytes_per_language"]["zh"] > 0
    report = json.loads((out / "tokenizer_report.json").read_text())
    for lang in ("en", "zh"):
        row = report["heldout"][lang]
        assert row["ours"]["bytes_per_token"] > 1 and row["reference"]["bytes_per_token"] > 1
        assert row["tokens_vs_reference"] == round(row["ours"]["tokens"] / row["reference"]["tokens"], 4)
    assert report["vocab_shares"]["cjk"] > 0.1 and report["vocab_shares"]["latin"] > 0.1
    assert report["training"]["train_seconds"] >= 0 and report["training"]["peak_rss_mb"] > 0
    assert "| zh |" in (out / "tokenizer_report.md").read_text()
    # trained with CJK runs cut, saved with the reference's splitting
    from tokenizers import Tokenizer

    saved = Tokenizer.from_file(str(out / "tokenizer.json")).pre_tokenizer
    reference = Tokenizer.from_file(str(shared_reference / "deepseek_llm_tokenizer.json")).pre_tokenizer
    text = ZH * 3 + "一二三四五六七八九十" * 5 + EN
    assert saved.pre_tokenize_str(text) == reference.pre_tokenize_str(text)
    assert 0 <= report["training"]["read_seconds"] <= report["training"]["train_seconds"]


def test_cli_report_without_reference_and_bad_input(tmp_path, text_files):
    out = tmp_path / "tok"
    assert main(["tokenizer", "train", "--input", *text_files, "--vocab-size", "1000", "--output", str(out),
                 "--set", "tokenizer.heldout_fraction=0.1"]) == 0
    report = json.loads((out / "tokenizer_report.json").read_text())
    assert "reference" not in report and "reference" not in report["heldout"]["en"]
    assert main(["tokenizer", "train", "--input", str(tmp_path / "missing.jsonl"), "--output", str(out)]) == 2
    assert main(["tokenizer", "train", "--input", *text_files, "--output", str(out), "--vocab-size", "100"]) == 2


def test_sentencepiece_backend_same_folder_and_transformers(tmp_path, text_files):
    out = tmp_path / "spm"
    assert main(["tokenizer", "train", "--input", *text_files, "--vocab-size", "4000", "--output", str(out),
                 "--backend", "sentencepiece", "--set", "tokenizer.heldout_fraction=0.1"]) == 0
    assert {"tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", META_FILE,
            "tokenizer_report.json", "tokenizer_report.md"} <= {p.name for p in out.iterdir()}
    meta = json.loads((out / META_FILE).read_text())
    assert meta["backend"] == "sentencepiece" and meta["learned_tokens"] == 4000
    from tokenizer.sentencepiece_backend import load_sentencepiece

    sp = load_sentencepiece(out / "tokenizer.model")
    text = "Byte fallback 😀 ｶﾀｶﾅ 2024年，数据\n\t end"
    ids = sp.encode(text)
    assert sp.unk_id() not in ids and sp.decode(ids) == text
    quoting = f"a page quoting {EOS}"  # its U+2581 reads back as a space: sentencepiece's meta symbol
    assert not {sp.piece_to_id(t) for t in SPECIAL_TOKENS} & set(sp.encode(quoting))
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("google.protobuf")
    hf = transformers.AutoTokenizer.from_pretrained(str(out))
    assert hf(text, split_special_tokens=True, add_special_tokens=False)["input_ids"] == ids
    assert hf(quoting, split_special_tokens=True, add_special_tokens=False)["input_ids"] == sp.encode(quoting)
    assert hf.eos_token_id == meta["eos_id"]


def test_pipeline_stage_trains_from_the_run_folder(tmp_path):
    from datatrove.data import Document

    from pipeline.stage_io import stage_writer

    for lang, text in (("en", EN), ("zh", ZH)):
        with stage_writer(tmp_path / "recovery" / lang) as w:
            for i in range(60):
                w.write(Document(text=f"{text} {i}", id=f"{lang}{i}", metadata={"language": lang}))
    settings = TokenizerConfig(vocab_size=350, min_frequency=1, max_train_bytes=10**6, pad_vocab_to_multiple_of=128,
                               heldout_fraction=0.1)
    step = TrainTokenizer(str(tmp_path / "recovery"), str(tmp_path / "tokenizer"), settings, 4096, seed=1)
    list(step.run())
    meta = json.loads((tmp_path / "tokenizer" / META_FILE).read_text())
    assert meta["learned_tokens"] == 350 and set(meta["train_bytes_per_language"]) == {"en", "zh"}
    assert (tmp_path / "tokenizer" / "tokenizer_report.json").is_file()
