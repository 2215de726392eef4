"""The listing step: line kinds on worked examples; poems, tables, encyclopedia entries, code
tutorials and articles with a bullet list kept; menus, headline and teaser listings removed, in
Chinese and in English, with the thresholds of the shipped rule files."""

from __future__ import annotations

import pytest
from datatrove.data import Document

from filters.listing import CODE, DATA, OTHER, PROSE, TEASER, TITLE, ListingFilter, is_code_line, line_kind, line_shares
from pipeline.config import load_config

ZH = dict(min_prose_chars_frac=0.3, min_lines=5, min_prose_line_chars=30, script="han")
EN = dict(min_prose_chars_frac=0.3, min_lines=5, min_prose_line_chars=60, script="latin")


def drop_reason(text: str, **params) -> str | None:
    verdict = ListingFilter(**params).filter(Document(text=text, id="t"))
    return None if verdict is True else verdict[1]


def test_line_kinds():
    assert line_kind("床前明月光，") == PROSE
    assert line_kind("他说：“走吧。”") == PROSE  # the mark before the closing quote counts
    assert line_kind("他站在门口，一句话也没说……") == PROSE  # Chinese prose's own ellipsis
    assert line_kind("首页") == TITLE
    assert line_kind("苹果 5.00元/斤") == DATA
    assert line_kind("下面小编为大家介绍...") == TEASER
    assert line_kind("茶叶的功效有很多，喝茶对身体…") == TEASER
    assert line_kind("x = compute(a[0], b);") == CODE
    assert line_kind("npm install left-pad", script="han") == CODE
    assert line_kind("Copy", script="han") == OTHER  # no Han character: not a Chinese title
    assert line_kind("Copy") == TITLE
    # A long line is running text even without a full stop (a forum reply, a caption).
    assert line_kind("玉峰道路一路上雲氣山嵐滯留山頭 順路下切蜿蜒道路後不久即抵達來到玉峰國小") == PROSE


def test_code_lines():
    assert is_code_line("x = f(a[0]);") and is_code_line("return x") and is_code_line("}")
    assert not is_code_line("你好，世界。") and not is_code_line("Home | About")
    assert not is_code_line("print(x) 会把结果输出到屏幕上，这一步很常用。")  # Chinese prose quoting code


def test_line_shares_worked_example():
    shares = line_shares("首页\n新闻\n体育\n今天下雨了，路很滑。")
    assert shares.text_lines == 4 and shares.prose_chars_frac == pytest.approx(10 / 16)


POEM = """静夜思
李白
床前明月光，
疑是地上霜。
举头望明月，
低头思故乡。"""

MODERN_POEM = """我想去看海，
看潮水一次次退去，
看渔船在远处摇晃，
看夕阳把沙滩染红。
然后，
把这些都写进一封不寄出的信里。"""

PRICE_LIST = """本周蔬菜价格
大白菜 1.20元/斤
土豆 2.50元/斤
西红柿 4.80元/斤
黄瓜 3.60元/斤
青椒 5.20元/斤
以上价格仅供参考，以当日市场为准。"""

ENCYCLOPEDIA = """银杏
中文名 银杏
别名 白果树、公孙树
界 植物界
门 银杏门
科 银杏科
分布 中国各地
银杏是银杏科银杏属的落叶乔木，是现存种子植物中最古老的孑遗植物之一，被称为植物界的活化石。
它的叶片呈扇形，秋季变为金黄色，常被种植在公园和街道两旁作为观赏树。
银杏的种子俗称白果，可以食用，但生食过量会引起中毒，所以一般需要煮熟后少量食用。"""

CODE_TUTORIAL = """Python 读取文件
第一步
打开文件时最好使用 with 语句，这样即使中途出错，文件也会被自动关闭。
with open("data.txt", encoding="utf-8") as f:
    lines = f.readlines()
for line in lines:
    print(line.strip())
上面的代码逐行读取文件，并去掉每行末尾的换行符。
注意编码
如果文件不是 UTF-8 编码，需要把 encoding 参数改成实际的编码，否则会报错。"""

MENU = """首页
新闻中心
公司简介
产品展示
客户案例
联系我们
在线留言
网站地图
友情链接"""

HEADLINES = """热门推荐
男子深夜驾车冲入河道 民警紧急救援
多地迎来降温天气 市民添衣保暖
新款手机正式发布 售价引发热议
高考报名人数创新高 考生备战冲刺
小区停车难题如何破解 业主支招
春节假期出行高峰提前到来
更多新闻"""

TEASERS = """养生频道
秋季如何进补
秋天气候干燥，很多人会出现口干舌燥的情况，这时候适当进补可以帮助身体调整状态，下面小编为大...
喝茶的好处与禁忌
喝茶是很多人的日常习惯，适量饮茶对身体有益，但是有些人群并不适合喝浓茶，比如...
睡前泡脚有什么讲究
泡脚是一种简单的养生方式，水温和时间都很重要，很多人其实并不清楚正确的方法…"""


@pytest.mark.parametrize(
    "text, reason",
    [
        (POEM, None),
        (MODERN_POEM, None),
        (PRICE_LIST, None),
        (ENCYCLOPEDIA, None),
        (CODE_TUTORIAL, None),
        (MENU, "listing_little_prose"),
        (HEADLINES, "listing_little_prose"),
        (TEASERS, "listing_little_prose"),
        ("首页\n新闻\n联系我们", None),  # under min_lines text lines: the length rules' case
    ],
)
def test_chinese_pages(text, reason):
    assert drop_reason(text, **ZH) == reason


EN_ARTICLE = """How to keep basil alive indoors
Basil is one of the easiest herbs to grow on a windowsill, but it sulks when it is cold or dry.
Give it at least six hours of light a day and water it when the top of the soil feels dry.
You will need:
- a pot with drainage holes
- fresh potting compost
- a sunny windowsill
Pinch out the top leaves every week or two, and the plant will grow bushy instead of tall."""

EN_MENU = """Home
About Us
Our Team
Services
Pricing
Blog
Careers
Contact Us
Privacy Policy
Terms of Use"""

EN_HEADLINES = """Latest News
Council Approves New Budget for Road Repairs
Local Team Wins Regional Championship Final
Storm Warning Issued for Coastal Towns
Library Extends Opening Hours on Weekends
Read More Stories"""


@pytest.mark.parametrize(
    "text, reason",
    [(EN_ARTICLE, None), (EN_MENU, "listing_little_prose"), (EN_HEADLINES, "listing_little_prose")],
)
def test_english_pages(text, reason):
    assert drop_reason(text, **EN) == reason


def test_zh_rule_file_runs_listing(configs):
    """The shipped zh rules judge with `listing` and these thresholds, not with line length."""
    cfg = load_config(configs / "default.yaml")
    rules = {r.use: r.params for r in cfg.quality["zh"]}
    assert "zh_line_length" not in rules
    assert rules["listing"] == {**ZH, "min_data_digit_frac": 0.2}


def test_a_mistyped_script_stops_the_run(tmp_path, configs):
    rules = tmp_path / "zh.yaml"
    rules.write_text("rules:\n  - use: listing\n    script: hanzi\n", encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text(f"quality:\n  zh: {rules}\n", encoding="utf-8")
    from pipeline.config import ConfigError

    with pytest.raises(ConfigError, match="hanzi"):
        load_config(config)
