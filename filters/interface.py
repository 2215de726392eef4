"""Interface lines: the words a page's widgets put between its paragraphs, cut before the rules.

Extraction keeps some of every page's furniture: "Reply", "Share", "Report" under each post,
"5小时前" and "667 跟贴" under each headline, "分享到", "责任编辑：", "Copyright © … All Rights
Reserved", "We use cookies …". On the labelled pages of bench/extraction_quality.py these are
the commonest lines of extracted text that the reference does not have. A line is cut when the
whole of it is such furniture: one of the interface words (`_WORDS`, en and zh), a relative time,
a count of posts/views/replies, a copyright or cookie-consent notice, or an editor's credit. A
line that says anything more is kept, so prose that mentions sharing or cookies stays.
"""

from __future__ import annotations

import re

# Whole-line interface words and phrases, lower case; spaces, bullets and counts around them ignored.
_SINGLE_WORDS = """
reply replies share shares report like likes upvote downvote flag flagged quote permalink edit
delete follow following unfollow subscribe unsubscribe print email tweet pin save saved bookmark
comment comments views answer answers vote votes helpful translate collapse expand login logout
register related recommended trending advertisement sponsored next previous accept
分享 分享到 回复 举报 点赞 赞 收藏 评论 转发 关注 已关注 取消关注 登录 注册 打印 复制链接 返回顶部 回到顶部
加载更多 查看更多 展开 收起 展开全文 阅读全文 上一篇 下一篇 上一页 下一页 相关阅读 相关新闻 相关文章
推荐阅读 热门推荐 猜你喜欢 热门评论 最新评论 全部评论 发表评论 写评论 我要评论 扫一扫 微信扫一扫
分享到微信 分享到微博 手机看 打开app 字号 写文章 采纳 追问 引用 置顶 楼主 只看楼主
"""
_PHRASES = """read more|show more|load more|see more|view more|more replies|view replies|hide replies|
collapse replies|sign in|log in|sign up|log out|join now|back to top|scroll to top|go to top|
related articles|related posts|related stories|you may also like|most popular|share this|
share this article|share on facebook|share on twitter|next post|previous post|older posts|
newer posts|skip to content|skip to main content|options menu|more options|copy link|open in app|
accept all|reject all|cookie settings"""
_WORDS = frozenset(_SINGLE_WORDS.split()) | frozenset(" ".join(w.split()) for w in _PHRASES.split("|"))
# Characters around an interface word that do not change it: bullets, brackets, counts.
_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_RELATIVE_TIME = re.compile(
    r"^(?:\d+\s*(?:秒|分钟|小时|天|周|个月|月|年)前|刚刚|昨天|前天"
    r"|\d+\s*(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago|just now|yesterday)$", re.I)
_COUNT = re.compile(
    r"^(?:[\d,.]+[kmw万]?\s*)?(?:跟贴|评论|回复|阅读|浏览|点赞|赞|收藏|转发|views?|replies|posts?|comments?|likes?|"
    r"points?|votes?|answers?|reads?|shares?|followers?)\s*[:：]?\s*(?:[\d,.]+[kmw万]?)?$", re.I)
_NOTICE = re.compile(r"版权所有|all rights reserved|copyright\s*(?:©|\(c\)|\d{4})|©\s*\d{4}|^©|免责声明|"
                     r"责任编辑|编辑[:：]|来源[:：]\S{0,20}$", re.I)
# A cookie-consent notice, not a sentence that mentions cookies: the site speaking of its own use.
_COOKIE_NOTICE = re.compile(r"\b(?:we|this (?:web)?site|our (?:web)?site)\s+(?:use|uses)\s+cookies\b|"
                            r"\baccept (?:all )?cookies\b|\bcookie (?:policy|settings|preferences)\b|"
                            r"(?:本站|本网站|我们)\s*使用\s*cookie", re.I)
MAX_NOTICE_CHARS = 160  # a notice line longer than this is saying something else too
MAX_COOKIE_CHARS = 300


def is_interface_line(line: str) -> bool:
    """Whether LINE is only interface: "Reply" -> True, "5小时前" -> True, "348,888 Views" ->
    True, "© 2019 Phoenix New Media. All Rights Reserved." -> True, "We share our findings." -> False."""
    text = " ".join(line.split())
    if not text:
        return False
    lower = text.lower()
    core = _AROUND.sub("", lower)
    if core in _WORDS or _RELATIVE_TIME.match(lower) or _COUNT.match(lower):
        return True
    if len(text) <= MAX_NOTICE_CHARS and _NOTICE.search(lower):
        return True
    return len(text) <= MAX_COOKIE_CHARS and bool(_COOKIE_NOTICE.search(lower))
