"""Menus, link lists, headline and product listings: pages whose text lines are titles, not prose.

What such a page lacks is sentences, not long lines. A poem has short lines, but they end in
，and 。; a price list or spec table has short lines, but they are figures; a code tutorial has
short lines, but they are code. A site menu, a tag cloud, a list of headlines or of cut-off
teasers has lines that are none of these: titles. So each line is given a kind, and a page
whose text lines hold almost no prose is a listing:

  prose   ends as a sentence or clause ends (。！？；：，、.!?;:, ……), or is long enough to be
          running text written without a full stop (a forum reply, a caption):
          `min_prose_line_chars`
  teaser  ends in a cut-off mark ("...", "…", "。。。"): an excerpt a listing shows; Chinese
          prose writes its ellipsis as "……", which stays prose
  data    digits make up `min_data_digit_frac` of it: a table row, a price, a date line
  code    looks like program text (operators and brackets, a keyword, `;{}` at the end)
  other   holds no letter of the page's `script` (a Latin identifier or URL on a Chinese page)
  title   everything else: a menu item, a headline, a link, a tag

The measure is the share of prose among the characters of the text lines (prose, teaser, title);
data, code and other lines are left out on both sides, so a table or a tutorial is judged by the
words around it. Pages of fewer than `min_lines` text lines are left to the length rules.

One registered step for every language, its thresholds per language in the rule files. They
were chosen on the tuning half of the clean reference texts (bench/rules_on_clean_text.py, which
prints the held-apart half too) and on shared/data/text, read page by page:

  zh  min_prose_line_chars 30, min_prose_chars_frac 0.3. Clean references of the tuning half
      with 5+ text lines are at 0.39 and above (a proxy tutorial whose commands the reference
      splits into one token a line), except a 77-character npm note (0.0, too short anyway);
      cmrc2018 pages and quality_clean: none below. cc-2021-43 pages read as listings: teaser
      lists 0.0-0.27, a securities-branch list 0.05, a price page 0.0, headline lists
      0.35-0.42; 0.3 removes 8 of them and no page read as an article.
  en  min_prose_line_chars 60: text hard-wrapped at 60-70 columns (DCLM lines 178 and 399,
      labelled keep) fails at 80. At 0.3, of DCLM's 347 labelled pages 7 are removed, 6 of
      them labelled discard (menus, a jewellery headline list); none of the tuning half.

What it gets wrong: song lyrics and modern poems written without punctuation in short lines
read as titles (DCLM line 248, lyrics labelled keep).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from datatrove.data import Document

from filters.base import Check, RuleFilter, at_least
from langid import scripts

# Marks a sentence or a clause ends with, in Chinese and in Latin scripts. A poem's lines end
# with ，and 。, a list item often with ；or ：.
PROSE_END = frozenset("。！？!?.；;：:，,、‼⁉؟।")
# Quotes, brackets and emphasis that may close a sentence after its mark: `他说：“走吧。”`.
_CLOSERS = "\"'”’」』）)】》〉]»›*_~ \t\u3000"
_NARRATIVE_ELLIPSIS = "……"  # Chinese prose's own ellipsis: two U+2026
_TEASER_END = re.compile(r"(?:\.{2,}|…|。{2,}|\.\s\.\s\.)$")
_DIGIT = re.compile(r"\d")
SCRIPTS = {
    "han": scripts.HAN_CHAR,
    "latin": re.compile("[A-Za-z\u00c0-\u024f]"),
}
_ANY_LETTER = re.compile(r"[^\W\d_]")
# Program text: ASCII operators and brackets; a line of code carries several of them, or starts
# with a keyword, a comment mark or an assignment, or ends with ; { }, or is indented and
# holds one (an indented list item "    • Rust" is not code).
_CODE_MARKS = re.compile(r"[{}\[\]();=<>+*/\\|&^%$#@~`_]")
_CODE_LINE = re.compile(
    r"^(?:def|class|return|import|from|elif|else|for|while|try|except|public|private|static|void|"
    r"var|let|const|function|package|func|#include|#define|sudo|pip|npm|yarn|git|cd|export|echo|"
    r"SELECT|INSERT|UPDATE|CREATE)\b|[{}]$|^[}\])]|^(?://|/\*|<!--|<\w+[ >]|\$ )|^[\w.]+(?:, ?\w+)* [-+*/]?= "
)
_CJK = SCRIPTS["han"]

PROSE, TEASER, DATA, CODE, OTHER, TITLE = "prose", "teaser", "data", "code", "other", "title"
TEXT_KINDS = (PROSE, TEASER, TITLE)  # the lines the measure is taken over


def is_code_line(line: str) -> bool:
    """Looks like program text and holds little CJK: `x = f(a[0]);` -> True, `return x` -> True,
    `    f(x)` -> True (indented), `你好，世界。` -> False, `Home | About` -> False."""
    s = line.strip()
    n = len(s) - s.count(" ")
    if not n or len(_CJK.findall(s)) > 0.3 * n:
        return False
    marks = len(_CODE_MARKS.findall(s))
    return ((marks >= 2 and marks >= 0.1 * n) or bool(_CODE_LINE.search(s)) or (s.endswith(";") and marks >= 1)
            or (line.startswith(("    ", "\t")) and marks >= 1))


def line_kind(line: str, min_prose_line_chars: int = 30, min_data_digit_frac: float = 0.2,
              script: str | None = None) -> str:
    """The kind of one non-blank line, as it stands in the text (indentation marks code; see the
    module docstring).

    "床前明月光，" -> prose; "首页" -> title; "苹果 5.00元/斤" -> data; "下面小编为大..." -> teaser.
    """
    s = line.strip()
    if is_code_line(line):
        return CODE
    letters = SCRIPTS[script] if script else _ANY_LETTER
    end = s.rstrip(_CLOSERS)
    if end.endswith(_NARRATIVE_ELLIPSIS) and not end.endswith("…" * 3):
        return PROSE
    if _TEASER_END.search(end):
        return TEASER
    if end and end[-1] in PROSE_END:
        return PROSE
    n = len(s) - sum(map(str.isspace, s))
    if len(_DIGIT.findall(s)) >= min_data_digit_frac * n:
        return DATA
    if not letters.search(s):
        return OTHER
    return PROSE if len(s) >= min_prose_line_chars else TITLE


@dataclass(frozen=True)
class LineShares:
    text_lines: int  # prose, teaser and title lines
    prose_chars_frac: float  # prose characters among the text lines' characters


def line_shares(text: str, min_prose_line_chars: int = 30, min_data_digit_frac: float = 0.2,
                script: str | None = None) -> LineShares:
    """"首页\\n新闻\\n体育\\n今天下雨了，路很滑。" -> 4 text lines, prose 10/16 of their characters."""
    chars = {kind: 0 for kind in TEXT_KINDS}
    lines = 0
    for line in text.split("\n"):
        s = line.strip()
        if not s:
            continue
        kind = line_kind(line, min_prose_line_chars, min_data_digit_frac, script)
        if kind in chars:
            chars[kind] += len(s)
            lines += 1
    total = sum(chars.values())
    return LineShares(lines, chars[PROSE] / total if total else 1.0)


class ListingFilter(RuleFilter):
    """A page of titles: menus, link farms, headline and teaser listings (module docstring)."""

    name = "listing"

    def __init__(
        self,
        min_prose_chars_frac: float | None = 0.3,
        min_lines: int = 5,
        min_prose_line_chars: int = 30,
        min_data_digit_frac: float = 0.2,
        script: Literal["han", "latin"] | None = None,  # the letters a text line holds; None: any
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.min_prose_chars_frac = min_prose_chars_frac
        self.min_lines = min_lines
        self.min_prose_line_chars = min_prose_line_chars
        self.min_data_digit_frac = min_data_digit_frac
        self.script = script

    def checks(self, doc: Document) -> Iterator[Check | None]:
        shares = line_shares(doc.text, self.min_prose_line_chars, self.min_data_digit_frac, self.script)
        if shares.text_lines >= self.min_lines:
            yield at_least("listing_little_prose", shares.prose_chars_frac, self.min_prose_chars_frac)
