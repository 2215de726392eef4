"""Chinese rules: metrics on worked examples, one keep and one drop document per removal
reason, and the defaults checked against the real clean and dirty Chinese text in shared/data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datatrove.data import Document

from filters.chinese import (
    ZhCjkShareFilter,
    ZhLengthFilter,
    ZhLineLengthFilter,
    ZhRepetitionFilter,
    ZhSpamTermsFilter,
    ZhSymbolsFilter,
    cjk_chars,
    count_cjk,
    mean_line_chars,
    sentence_punct_per_cjk,
    symbol_frac,
)

REPO = Path(__file__).resolve().parents[1]
SPAM_TERMS = str(REPO / "configs" / "filters" / "zh_spam_terms.txt")

# Passes every Chinese rule: ~190 Han characters of prose in one paragraph.
GOOD = (
    "长江是中国第一大河，全长约六千三百公里，发源于青藏高原的唐古拉山脉。"
    "它自西向东流经青海、西藏、四川、云南、重庆、湖北、湖南、江西、安徽、江苏和上海，最后注入东海。"
    "长江流域气候温暖湿润，物产丰富，是中华文明的重要发源地之一。"
    "沿岸城市众多，航运历史悠久，三峡工程建成以后，发电与防洪能力都有明显提升。"
    "每年春季，上游积雪融化，水量逐渐增加；到了夏季，季风带来大量降水，中下游有时会出现洪涝灾害。"
)
SENTENCES = [s + "。" for s in GOOD.split("。") if s]


def drop_reason(rule, text: str) -> str | None:
    verdict = rule.filter(Document(text=text, id="t"))
    return None if verdict is True else verdict[1]


def test_metrics():
    assert count_cjk("GPT-4很强。") == 2
    assert cjk_chars("a长b江") == ["长", "江"]
    assert symbol_frac("好★★") == pytest.approx(2 / 3)
    assert symbol_frac("你好，world! (2024)") == 0.0  # ASCII and CJK punctuation are not symbols
    assert sentence_punct_per_cjk("你好，世界。") == pytest.approx(2 / 4)
    assert mean_line_chars("ab\n\n  abcd ") == 3.0


@pytest.mark.parametrize(
    "rule, text, reason",
    [
        (ZhLengthFilter(), GOOD, None),
        (ZhLengthFilter(), "长江是中国第一大河。", "zh_too_few_cjk_chars"),
        (ZhLengthFilter(), GOOD * 2700, "zh_too_many_chars"),
        (ZhCjkShareFilter(), GOOD + " GPT-4 was released in 2023 by OpenAI.", None),
        (ZhCjkShareFilter(), GOOD + " for (int i = 0; i < n; i++) { total += values[i]; }" * 6, "zh_low_cjk_share"),
        (ZhLineLengthFilter(), "\n".join(SENTENCES), None),
        (ZhLineLengthFilter(), GOOD.replace("，", "\n").replace("。", "\n").replace("、", "\n"), "zh_short_lines"),
        (ZhSymbolsFilter(), GOOD + "★", None),
        (ZhSymbolsFilter(), GOOD + "\x07", "zh_control_chars"),
        (ZhSymbolsFilter(), GOOD + "★☆■□◆" * 12, "zh_too_many_symbols"),
        (ZhSymbolsFilter(), GOOD.replace("，", " ").replace("。", " ").replace("、", " ").replace("；", " "), "zh_too_little_punct"),
        (ZhRepetitionFilter(), GOOD, None),
        (ZhRepetitionFilter(), "\n".join([SENTENCES[0]] * 3 + SENTENCES[1:3]), "zh_dup_line_frac"),
        (ZhRepetitionFilter(), "\n".join([SENTENCES[0]] * 2 + SENTENCES[1:]), None),
        (
            ZhRepetitionFilter(),
            "\n\n".join(["\n".join(SENTENCES[:2])] * 2 + ["\n".join(SENTENCES[2:])]),
            "zh_dup_para_frac",
        ),
        (ZhSpamTermsFilter(SPAM_TERMS), GOOD + "澳门的赌场很多。", None),
        (ZhSpamTermsFilter(SPAM_TERMS), GOOD + "王者威尼斯人现金网，六合彩开奖结果。" * 2, "zh_spam_terms"),
        (ZhSpamTermsFilter(SPAM_TERMS), GOOD + "二肖中特，今期特马分析，三肖必中。" * 2, "zh_spam_terms"),  # Mark Six tips
    ],
)
def test_rules(rule, text, reason):
    assert drop_reason(rule, text) == reason


@pytest.mark.parametrize("n", [2, 3, 4])
def test_top_char_ngram(n):
    rule = ZhRepetitionFilter(max_top_ngram_chars_frac={n: 0.2}, max_dup_ngram_chars_frac={})
    assert drop_reason(rule, GOOD) is None
    assert drop_reason(rule, GOOD + "长江大桥"[:n] * 30) == f"zh_top_{n}_char_gram"


@pytest.mark.parametrize("n", range(5, 11))
def test_dup_char_ngram(n):
    rule = ZhRepetitionFilter(max_top_ngram_chars_frac={}, max_dup_ngram_chars_frac={n: 0.3})
    assert drop_reason(rule, GOOD) is None
    assert drop_reason(rule, GOOD + SENTENCES[0] * 4) == f"zh_dup_{n}_char_grams"


def test_spam_terms_load_lazily(tmp_path):
    rule = ZhSpamTermsFilter(str(tmp_path / "missing.txt"))  # nothing read yet
    with pytest.raises(FileNotFoundError):
        rule.filter(Document(text=GOOD, id="t"))


# ---------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def zh_data(shared_data) -> Path:
    return shared_data / "text"


def all_rules():
    return [
        ZhLengthFilter(),
        ZhCjkShareFilter(),
        ZhLineLengthFilter(),
        ZhSymbolsFilter(),
        ZhRepetitionFilter(),
        ZhSpamTermsFilter(SPAM_TERMS),
    ]


def first_drop(rules, text: str) -> str | None:
    for rule in rules:
        reason = drop_reason(rule, text)
        if reason:
            return reason
    return None


def read_jsonl(path: Path, field: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)[field] for line in f if line.strip()]


def test_keeps_wikipedia_pages(zh_data):
    paragraphs = []
    for name in ("cmrc2018_dev.squad.json", "cmrc2018_trial.squad.json"):
        with open(zh_data / "cmrc2018" / name, encoding="utf-8") as f:
            paragraphs += [p["context"] for a in json.load(f)["data"] for p in a["paragraphs"]]
    pages = ["\n".join(paragraphs[i : i + 3]) for i in range(0, len(paragraphs), 3)]
    rules = all_rules()
    assert [first_drop(rules, page) for page in pages] == [None] * len(pages)


def test_keeps_clean_and_catches_dirty(zh_data):
    rules = all_rules()
    clean = read_jsonl(zh_data / "chinesewebtext" / "quality_clean.jsonl", "text")
    assert [first_drop(rules, t) for t in clean] == [None] * len(clean)
    dirty = read_jsonl(zh_data / "chinesewebtext" / "quality_dirty.jsonl", "text")
    # 1, 5 (essays) and 4 (a blog's comment page) read as prose: the classifier's job, not a rule's
    assert [first_drop(rules, t) for t in dirty] == [
        "zh_short_lines",  # navigation list
        None,
        "zh_low_cjk_share",  # C source code
        "zh_low_cjk_share",
        None,
        None,
        "zh_short_lines",  # idiom list
        "zh_control_chars",  # "再战机器人\x08\x06\x07…"
        "zh_short_lines",  # novel dialogue fragment
        "zh_low_cjk_share",  # English navigation list
    ]


def test_catches_injected_gambling_spam(zh_data):
    pages = read_jsonl(zh_data / "chinesewebtext" / "cc-2021-43_cleared1.jsonl", "raw_content")
    spam = ZhSpamTermsFilter(SPAM_TERMS)
    assert drop_reason(spam, pages[0]) == "zh_spam_terms"  # 王者威尼斯人现金网 in a news story
    assert drop_reason(spam, pages[19]) == "zh_spam_terms"  # 澳洲幸运8 lottery page
    assert sum(drop_reason(spam, p) is not None for p in pages) == 2
