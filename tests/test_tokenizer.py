"""BPE training and the DeepSeek-style pre-tokenizer."""

import json

import pytest

from tokenizer.pretokenize import deepseek_pre_tokenizer
from tokenizer.train import EOS, SPECIAL_TOKENS, META_FILE, budgeted, save_tokenizer, train_bpe

TEXTS = [
    "The river runs past the old mill, and the miller counts 1234 sacks of flour.",
    "数据清洗是训练语言模型之前最重要的一步，我们需要去掉重复和低质量的网页。",
    "def pack(rows): return [r for r in rows if r]  # 打包 rows into shards\n",
] * 30


@pytest.fixture(scope="module")
def tok():
    return train_bpe(TEXTS, vocab_size=400, min_frequency=1)


def pieces(text):
    return [p for p, _ in deepseek_pre_tokenizer().pre_tokenize_str(text)]


def test_pre_tokenizer_splits():
    # digits alone, CJK runs apart from Latin, full-width punctuation apart, newline alone
    assert pieces("abc 2024年数据，ok\n") == ["abc", "Ġ", "2", "0", "2", "4", "å¹´æķ°æį®", "ï¼Į", "ok", "Ċ"]


def test_every_byte_is_encodable_and_round_trips(tok):
    text = "".join(chr(c) for c in range(1, 256)) + "😀 混合 text 42 \u0000"
    enc = tok.encode(text)
    assert None not in enc.ids and tok.token_to_id("<unk>") is None
    assert tok.decode(enc.ids) == text


def test_round_trip_mixed_text(tok):
    text = "Mixed 中英文 text, with numbers 3.14159 and code: x = [i**2 for i in range(10)]\n第二行。"
    assert tok.decode(tok.encode(text).ids) == text


def test_digits_are_single_tokens(tok):
    tokens = tok.encode("year 2024").tokens
    assert tokens[-4:] == ["2", "0", "2", "4"]


def test_special_tokens_never_come_from_plain_text(tok):
    special_ids = {tok.token_to_id(t) for t in SPECIAL_TOKENS}
    ids = tok.encode(" ".join(TEXTS), add_special_tokens=False).ids
    assert not special_ids & set(ids)


def test_specials_follow_learned_tokens_and_embedding_is_padded(tok, tmp_path):
    meta = save_tokenizer(tok, tmp_path, pad_to_multiple_of=128, model_max_length=4096, extra={})
    assert meta["learned_tokens"] == 400
    assert meta["eos_id"] >= 400 and meta["bos_id"] >= 400
    assert meta["embedding_size"] % 128 == 0 and meta["embedding_size"] >= meta["vocab_size"]
    saved = json.loads((tmp_path / META_FILE).read_text())
    assert saved == meta
    assert json.loads((tmp_path / "tokenizer_config.json").read_text())["eos_token"] == EOS


def test_budget_cuts_the_stream():
    out = list(budgeted(["aaaa", "bbbb", "cccc"], 10))
    assert out == ["aaaa", "bbbb", "cc"]
    assert list(budgeted(["数据"], 4)) == ["数"]  # never half a character
