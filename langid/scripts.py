"""Which characters are Han, kana and Hangul: the one set of CJK ranges every stage uses.

Langid decides Chinese, Japanese and Korean partly by script, the Chinese rules and dedup's
shingles count Han characters, the tokenizer's sampling and report sort text by script; each
used to carry its own ranges, and they disagreed at the edges (extensions B-F, small kana).
The classes are strings to put inside `[...]`, so that a rule can combine them.
"""

from __future__ import annotations

import re

# Han ideographs: extension A, the unified block, compatibility ideographs, extensions B-F and
# the compatibility supplement (U+20000-2FA1F).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
# Hiragana, katakana and the katakana phonetic extensions (small ㇰ-ㇿ).
KANA = "\u3040-\u30ff\u31f0-\u31ff"
HALFWIDTH_KANA = "\uff66-\uff9f"
# Hangul jamo, compatibility jamo and syllables.
HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
# CJK symbols and punctuation (、。「」), and the half- and full-width forms (，！：).
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"

HAN_CHAR = re.compile(f"[{HAN}]")
KANA_CHAR = re.compile(f"[{KANA}]")
HANGUL_CHAR = re.compile(f"[{HANGUL}]")
HAN_OR_KANA = re.compile(f"[{KANA}{HAN}]")


def is_han(ch: str) -> bool:
    return HAN_CHAR.match(ch) is not None
