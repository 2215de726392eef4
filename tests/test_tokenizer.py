"""BPE training: byte coverage, round trip, digits, special tokens, transformers loading."""

import json

import pytest

from tokenizer.files import BOS, EOS, META_FILE, PAD, SPECIAL_TOKENS, embedding_size
from tokenizer.load import plain_text_tokenizer
from tokenizer.train import save_tokenizer, train_bpe

TEXTS = [
    "The river runs past the old mill, and the miller counts 1234 sacks of flour.",
    "数据清洗是训练语言模型之前最重要的一步，我们需要去掉重复和低质量的网页。",
    "def pack(rows): return [r for r in rows if r]  # 打包 rows into shards\n",
] * 30
MIXED = "Mixed 中英文 text, with numbers 3.14159 and code: x = [i**2 for i in range(10)]\n第二行。😀 ｶﾀｶﾅ\t\u3000end"
QUOTING_SPECIALS = f"A page that quotes {EOS} and {BOS}{PAD}<｜reserved_3｜> in its text."


@pytest.fixture(scope="module")
def tok():
    return train_bpe(TEXTS, vocab_size=400, min_frequency=1)


@pytest.fixture(scope="module")
def saved(tok, tmp_path_factory):
    out = tmp_path_factory.mktemp("tok")
    save_tokenizer(tok, out, pad_to_multiple_of=128, model_max_length=4096, extra={})
    return out


def test_every_byte_is_encodable_and_round_trips(tok):
    text = "".join(chr(c) for c in range(1, 256)) + "😀 混合 text 42 \u0000\U0010FFFF"
    enc = tok.encode(text)
    assert None not in enc.ids and tok.token_to_id("<unk>") is None
    assert tok.decode(enc.ids) == text


def test_the_whole_byte_alphabet_is_in_the_learned_vocabulary(tok):
    from tokenizers import pre_tokenizers

    vocab = tok.get_vocab(with_added_tokens=False)
    assert set(pre_tokenizers.ByteLevel.alphabet()) <= set(vocab)
    assert max(vocab.values()) < 400  # learned ids come first, specials after


def test_round_trip_mixed_text(tok):
    assert tok.decode(tok.encode(MIXED).ids) == MIXED


def test_digits_are_single_tokens(tok):
    assert tok.encode("year 2024").tokens[-4:] == ["2", "0", "2", "4"]
    assert all(len(t) == 1 for t in tok.encode("1234567890").tokens)


def test_special_tokens_never_come_from_plain_text(tok):
    special_ids = {tok.token_to_id(t) for t in SPECIAL_TOKENS}
    ids = tok.encode(" ".join(TEXTS), add_special_tokens=False).ids
    assert not special_ids & set(ids)


def test_quoted_special_token_strings_stay_plain_text(tok, saved):
    special_ids = {tok.token_to_id(t) for t in SPECIAL_TOKENS}
    # tokenizers matches added tokens in the input by default: this is why plain_text_tokenizer exists
    assert tok.token_to_id(EOS) in tok.encode(QUOTING_SPECIALS, add_special_tokens=False).ids
    plain = plain_text_tokenizer(saved)
    ids = plain.encode(QUOTING_SPECIALS, add_special_tokens=False).ids
    assert not special_ids & set(ids)
    assert plain.decode(ids) == QUOTING_SPECIALS


def test_specials_follow_learned_tokens_and_embedding_is_padded(tok, saved):
    meta = json.loads((saved / META_FILE).read_text())
    assert meta["learned_tokens"] == 400 and meta["special_tokens"] == len(SPECIAL_TOKENS)
    assert meta["bos_id"] == 400 and meta["eos_id"] == 401 and meta["pad_id"] == 402
    assert meta["embedding_size"] == 512
    assert json.loads((saved / "tokenizer_config.json").read_text())["eos_token"] == EOS


def test_deepseek_sizes_pad_to_102400():
    assert embedding_size(100_000 + len(SPECIAL_TOKENS), 4096) == 102_400
    assert embedding_size(4096, 4096) == 4096 and embedding_size(4097, 4096) == 8192


def test_transformers_loads_it_with_the_same_ids_and_round_trip(tok, saved):
    transformers = pytest.importorskip("transformers")
    hf = transformers.AutoTokenizer.from_pretrained(str(saved))
    plain = plain_text_tokenizer(saved)
    for text in (MIXED, QUOTING_SPECIALS, *TEXTS[:3]):
        ids = hf(text, split_special_tokens=True, add_special_tokens=False)["input_ids"]
        assert ids == plain.encode(text, add_special_tokens=False).ids
        assert hf.decode(ids) == text
    assert (hf.bos_token_id, hf.eos_token_id, hf.pad_token_id) == (400, 401, 402)
    assert len(hf) == tok.get_vocab_size(with_added_tokens=True)


LONG_RUN = "数据清洗是训练语言模型之前最重要的一步我们需要去掉重复和低质量的网页" * 4 + "。"


def test_cutting_cjk_runs_for_training_leaves_the_saved_tokenizer_deepseek(tmp_path):
    from tokenizer.pretokenize import deepseek_pre_tokenizer

    texts = [LONG_RUN, *TEXTS]
    cut = train_bpe(texts, vocab_size=600, min_frequency=1, max_cjk_run=3)
    whole = train_bpe(texts, vocab_size=600, min_frequency=1, max_cjk_run=None)
    exact = json.loads(pre_tokenizer_json(deepseek_pre_tokenizer()))
    for trained in (cut, whole):
        assert json.loads(trained.to_str())["pre_tokenizer"] == exact  # what is saved splits the DeepSeek way
        for text in (LONG_RUN, MIXED, *TEXTS[:3]):
            assert trained.decode(trained.encode(text).ids) == text
    # merges learned on 3-character pieces still apply across the cuts of a whole run
    cut_tokens = cut.encode(LONG_RUN).tokens
    assert max(len(bytes_of(t).decode("utf-8", "replace")) for t in cut_tokens) <= 3
    assert len(cut_tokens) < len(LONG_RUN) / 2
    # a cut no shorter than any run changes nothing: the same merges, the same tokenizer
    same = train_bpe(TEXTS, vocab_size=400, min_frequency=1, max_cjk_run=32)
    assert same.to_str() == train_bpe(TEXTS, vocab_size=400, min_frequency=1, max_cjk_run=None).to_str()


def pre_tokenizer_json(pre_tokenizer) -> str:
    """A pre-tokenizer's JSON as tokenizer.json holds it."""
    from tokenizers import Tokenizer, models

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizer
    return json.dumps(json.loads(tok.to_str())["pre_tokenizer"])


def bytes_of(token: str) -> bytes:
    from tokenizer.report import BYTE_OF_CHAR

    return bytes(BYTE_OF_CHAR[c] for c in token)


def test_training_runs_without_the_thread_pool_and_restores_the_setting(monkeypatch):
    import os

    from tokenizer.train import PARALLELISM_ENV, serial_tokenizers

    for before in ("true", None):
        if before is None:
            monkeypatch.delenv(PARALLELISM_ENV, raising=False)
        else:
            monkeypatch.setenv(PARALLELISM_ENV, before)
        with serial_tokenizers():
            assert os.environ[PARALLELISM_ENV] == "false"
        assert os.environ.get(PARALLELISM_ENV) == before
    timings = {}
    train_bpe(TEXTS, vocab_size=300, min_frequency=1, timings=timings)
    assert 0 <= timings["read_seconds"] <= timings["train_seconds"]
