"""Our DeepSeek pre-tokenizer splits exactly as the reference DeepSeek tokenizer's does."""

import gzip
import json
import re
import unicodedata

import pytest
from tokenizers import Tokenizer

from tokenizer.pretokenize import (
    CJK_RANGES,
    LETTER_RANGES,
    char_class,
    derive_letter_ranges,
    deepseek_pre_tokenizer,
    format_ranges,
    parse_ranges,
)

VARIED = [
    "abc 2024年数据，ok\n",
    "Hello, World! It's 3.14159 o'clock — naïve café, Ærøskøbing, Straße, ĳssel.",
    "深度求索（DeepSeek）于2023年发布了67B参数的模型；训练数据约2万亿词元。",
    "def f(x):\n    return {'key': [1, 2, 3]}  # 注释：返回字典\r\n\tprint(f\"{x!r}\")",
    "Ελληνικά κείμενα, русский текст, Հայերեն, ქართული, ᏣᎳᎩ, 𐐷𐐶𐐻, 𞤀𞤁 — ΩK and ℃ ℉ Ω Å",
    "全角ＡＢＣ１２３！？　。、「引用」『二重』【括弧】～～ and half-width ｶﾀｶﾅ",
    "日本語のひらがなとカタカナ、한국어 문장입니다. 混合 mixed テキスト",
    "emoji 😀🎉👍🏽 flags 🇨🇳🇺🇸 zwj 👨‍👩‍👧 math 𝐀𝐁𝐂 ∑∫√ ≤≥ ±×÷",
    "   leading spaces and trailing   \n\n\n  ",
    "tabs\tand\u00a0nbsp\u3000ideographic\u2003em-space\u200bzero-width",
    "URL https://example.com/a_b-c?d=1&e=%20#frag and email a.b@c.cn 1,234,567.89元",
    "ﬁﬂ ligatures, ǅ titlecase, ʰ modifier, ꜳ ꞉ Ꞑꞑ ꟸ, Ꭰ ꭰ, ᲐᲑ, ⴀ, Ⴀ ა",
    "",
    "\n",
    "x" * 300 + "中" * 300,
]


CJK_RUN = re.compile(f"[{char_class(CJK_RANGES)}]+")


@pytest.fixture(scope="module")
def reference(shared_reference):
    return Tokenizer.from_file(str(shared_reference / "deepseek_llm_tokenizer.json")).pre_tokenizer


def splits(pre, text):
    return pre.pre_tokenize_str(text)


def test_frozen_letter_class_is_the_documented_rule():
    derived = derive_letter_ranges()
    if unicodedata.unidata_version == "14.0.0":
        assert format_ranges(derived) == LETTER_RANGES
    else:  # newer Unicode only adds letters: every frozen one must still be a cased letter
        covered = {cp for lo, hi in derived for cp in range(lo, hi + 1)}
        assert all(cp in covered for lo, hi in parse_ranges(LETTER_RANGES) for cp in range(lo, hi + 1))


def test_every_code_point_splits_as_the_reference(reference):
    # Each code point between separators that belong to no class: a character classified
    # differently (letter, punctuation, CJK, digit, whitespace) changes the pieces.
    ours = deepseek_pre_tokenizer()
    code_points = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    differing = []
    for start in range(0, len(code_points), 2048):
        text = "\x01".join(chr(cp) for cp in code_points[start:start + 2048])
        if splits(ours, text) != splits(reference, text):
            differing.append(hex(code_points[start]))
    assert differing == []


@pytest.mark.parametrize("text", VARIED)
def test_varied_text_splits_as_the_reference(reference, text):
    assert splits(deepseek_pre_tokenizer(), text) == splits(reference, text)


def test_real_text_splits_as_the_reference(reference, shared_data):
    lines = []
    for name in ("en", "zh", "ja", "ko"):
        lines += (shared_data / "langid/lingua/sentences" / f"{name}.txt").read_text().splitlines()[:150]
    with gzip.open(shared_data / "text/dolma/cc-main-2019-30_00140.dolma.jsonl.gz", "rt") as f:
        lines += [json.loads(line)["text"] for _, line in zip(range(40), f)]
    with open(shared_data / "text/chinesewebtext/cc-2021-43_cleared1.jsonl") as f:
        lines += [json.loads(line)["raw_content"] for _, line in zip(range(40), f)]
    ours = deepseek_pre_tokenizer()
    assert len(lines) > 600
    assert [splits(ours, t) for t in lines] == [splits(reference, t) for t in lines]


def test_pieces_of_mixed_text():
    pieces = [p for p, _ in deepseek_pre_tokenizer().pre_tokenize_str("abc 2024年数据，ok\n")]
    # digits alone, CJK runs apart from Latin, full-width punctuation apart, newline alone
    assert pieces == ["abc", "Ġ", "2", "0", "2", "4", "å¹´æķ°æį®", "ï¼Į", "ok", "Ċ"]


def test_ranges_round_trip_through_text():
    ranges = [(0x41, 0x5A), (0xB5, 0xB5), (0x1E900, 0x1E943)]
    assert parse_ranges(format_ranges(ranges)) == ranges


LONG_RUNS = ["数据清洗是训练语言模型之前最重要的一步我们需要去掉重复和低质量的网页" * 3 + "，ok 2024年。", *VARIED]


@pytest.mark.parametrize("limit", [1, 4, 32])
def test_training_cut_only_cuts_cjk_runs(limit):
    cut, whole = deepseek_pre_tokenizer(limit), deepseek_pre_tokenizer()
    for text in LONG_RUNS:
        pieces, reference_pieces = splits(cut, text), splits(whole, text)
        # the cut pieces are the whole pieces, some of them cut further: same text, same boundaries and more
        assert "".join(p for p, _ in pieces) == "".join(p for p, _ in reference_pieces)
        assert {end for _, (_, end) in reference_pieces} <= {end for _, (_, end) in pieces}
        for piece, (start, end) in pieces:
            assert end - start <= limit or not CJK_RUN.fullmatch(text[start:end])
    assert len(splits(cut, LONG_RUNS[0])) > len(splits(whole, LONG_RUNS[0]))  # the 105-character run was cut


def test_training_cut_must_be_positive():
    with pytest.raises(ValueError, match="max_cjk_run"):
        deepseek_pre_tokenizer(0)
