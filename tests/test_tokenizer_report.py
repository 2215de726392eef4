"""The tokenizer report's metrics, each on its own."""

import pytest

from tokenizer.report import byte_level_text, compression, sentencepiece_text, token_class, vocab_shares


@pytest.mark.parametrize("text, cls", [
    ("数据", "cjk"), (" 数据", "cjk"), ("カタカナ", "cjk"), ("한국어", "cjk"),
    ("hello", "latin"), (" Straße", "latin"), ("naïve", "latin"),
    ("7", "digit"), (" ", "whitespace"), ("\n\n", "whitespace"), ("\t", "whitespace"),
    ("，", "punctuation"), ("!=", "punctuation"), ("Привет", "other"), ("ab1", "other"), (None, "partial_utf8"),
])
def test_token_class(text, cls):
    assert token_class(text) == cls


def test_token_texts_of_both_backends():
    assert byte_level_text("ĠHello") == " Hello"
    assert byte_level_text("å¹´") == "年"
    assert byte_level_text("å") is None  # the first byte of a three-byte character
    assert sentencepiece_text("▁world") == " world"
    assert sentencepiece_text("<0xE5>") is None


def test_vocab_shares_sum_to_one():
    shares = vocab_shares(["数据", "hello", "1", " ", None])
    assert shares["cjk"] == shares["latin"] == shares["digit"] == shares["whitespace"] == shares["partial_utf8"] == 0.2
    assert sum(shares.values()) == pytest.approx(1.0)


def test_compression_counts_bytes_and_characters_per_token():
    row = compression(lambda texts: [len(t) for t in texts], ["数据", "ab"])  # one token per character
    assert row == {"documents": 2, "bytes": 8, "chars": 4, "tokens": 4, "bytes_per_token": 2.0, "chars_per_token": 1.0}
    assert compression(lambda texts: [], [])["bytes_per_token"] is None


def test_a_language_without_held_out_text_is_named():
    from tokenizer.report import render_markdown

    report = {"tokenizer": {"backend": "tokenizers", "learned_tokens": 300, "vocab_size": 316, "embedding_size": 384},
              "training": {"train_seconds": 1.0, "peak_rss_mb": 50, "train_bytes": 1000, "train_bytes_per_language": {}},
              "vocab_shares": {}, "heldout": {"en": {"ours": {"documents": 2, "bytes_per_token": 4.0, "chars_per_token": 4.0}}},
              "no_heldout": ["zh"]}
    text = render_markdown(report)
    assert "| en | 2 |" in text and "No held-out document in zh" in text
