"""DeepSeek-LLM pre-tokenization, in the order the DeepSeek tokenizer applies it.

Newlines alone; runs of letters of cased alphabets (with one leading space); runs of
punctuation, full-width included; trailing whitespace; runs of CJK characters; every digit
alone; then byte level, so no byte is ever unknown. Isolating CJK runs matters for training
too: without it a space-free Chinese page is one enormous "word" to the BPE trainer.

Training also cuts CJK runs into pieces of at most `TRAIN_MAX_CJK_RUN` characters. The BPE
trainer rescans a whole word for every merge that touches it, so its time grows with the square
of a word's length: half a megabyte of Chinese with no punctuation in 20,000-character lines
takes over ten times longer uncut (bench/tokenizer_train.py, part 4b). A merge learned on the cut pieces is
still a merge on whole runs, and the saved tokenizer keeps DeepSeek's splitting; the limit sits
above the longest CJK token of DeepSeek's vocabulary (16 characters; 99% have 4 or fewer).

The character classes are facts of DeepSeek's tokenizer, written here as code point ranges.
The letter class follows a rule we can re-derive from Unicode data (`derive_letter_ranges`):
the cased letters (general category Lu, Ll or Lt) minus the blocks in `LETTER_EXCLUSIONS`,
which DeepSeek's class leaves out. It is frozen as derived under Unicode 14.0 (Python 3.11),
so a tokenizer trained under a newer Python splits the same way; the tests re-derive it and
check every code point against the reference tokenizer.
"""

from __future__ import annotations

import unicodedata

from tokenizers import Regex, pre_tokenizers

CASED = ("Lu", "Ll", "Lt")
# Cased letters that DeepSeek's letter class does not contain: whole blocks, or the tail of one.
LETTER_EXCLUSIONS = [
    (0x0560, 0x058F),  # Armenian small letters (the capitals U+0531..U+0556 are in)
    (0x10C7, 0x10FF),  # Georgian: the two late capitals and Mkhedruli
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C
    (0x2D00, 0x2D2F),  # Georgian Supplement (Nuskhuri)
    (0xA790, 0xA7FF),  # Latin Extended-D from U+A790 on
    (0xAB30, 0xAB6F),  # Latin Extended-E
    (0x10570, 0x105BF),  # Vithkuqi
    (0x16E40, 0x16E9F),  # Medefaidrin
    (0x1D400, 0x1D7FF),  # Mathematical Alphanumeric Symbols
    (0x1DF00, 0x1DFFF),  # Latin Extended-G
]
# derive_letter_ranges() under Unicode 14.0, printed by `python -m tokenizer.pretokenize`.
LETTER_RANGES = (
    "0041-005A 0061-007A 00B5 00C0-00D6 00D8-00F6 00F8-01BA 01BC-01BF 01C4-0293 0295-02AF "
    "0370-0373 0376-0377 037B-037D 037F 0386 0388-038A 038C 038E-03A1 03A3-03F5 03F7-0481 "
    "048A-052F 0531-0556 10A0-10C5 13A0-13F5 13F8-13FD 1C90-1CBA 1CBD-1CBF 1D00-1D2B 1D6B-1D77 "
    "1D79-1D9A 1E00-1F15 1F18-1F1D 1F20-1F45 1F48-1F4D 1F50-1F57 1F59 1F5B 1F5D 1F5F-1F7D "
    "1F80-1FB4 1FB6-1FBC 1FBE 1FC2-1FC4 1FC6-1FCC 1FD0-1FD3 1FD6-1FDB 1FE0-1FEC 1FF2-1FF4 "
    "1FF6-1FFC 2102 2107 210A-2113 2115 2119-211D 2124 2126 2128 212A-212D 212F-2134 2139 "
    "213C-213F 2145-2149 214E 2183-2184 2C00-2C7B 2C7E-2CE4 2CEB-2CEE 2CF2-2CF3 A640-A66D "
    "A680-A69B A722-A76F A771-A787 A78B-A78E AB70-ABBF FB00-FB06 FB13-FB17 FF21-FF3A FF41-FF5A "
    "10400-1044F 104B0-104D3 104D8-104FB 10C80-10CB2 10CC0-10CF2 118A0-118DF 1E900-1E943"
)
# ASCII punctuation (with letters and digits inside the range; earlier splits took those),
# full-width forms, curly quotes, ideographic space, comma and full stop.
PUNCTUATION_RANGES = "0021-002F 003A-007E FF01-FF0F FF1A-FF5E 2018-201F 3000-3002"
# CJK Unified Ideographs up to U+9FA5, everything from U+0800 up to them (kana, Hangul jamo,
# Extension A, CJK punctuation...), and Hangul syllables with the blocks after them.
CJK_RANGES = "4E00-9FA5 0800-4E00 AC00-D7FF"
TRAIN_MAX_CJK_RUN = 32


def parse_ranges(text: str) -> list[tuple[int, int]]:
    """'0041-005A 00B5' -> [(0x41, 0x5A), (0xB5, 0xB5)]."""
    out = []
    for item in text.split():
        low, _, high = item.partition("-")
        out.append((int(low, 16), int(high or low, 16)))
    return out


def derive_letter_ranges() -> list[tuple[int, int]]:
    """The letter class from this Python's Unicode data: cased letters minus the exclusions."""
    ranges: list[list[int]] = []
    for cp in range(0x110000):
        if unicodedata.category(chr(cp)) not in CASED:
            continue
        if any(low <= cp <= high for low, high in LETTER_EXCLUSIONS):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return [(low, high) for low, high in ranges]


def format_ranges(ranges: list[tuple[int, int]]) -> str:
    return " ".join(f"{lo:04X}" if lo == hi else f"{lo:04X}-{hi:04X}" for lo, hi in ranges)


def char_class(ranges: str) -> str:
    """A regex bracket body for the ranges (characters themselves: Oniguruma reads them as is)."""
    return "".join(chr(lo) if lo == hi else f"{chr(lo)}-{chr(hi)}" for lo, hi in parse_ranges(ranges))


def deepseek_pre_tokenizer(max_cjk_run: int | None = None) -> pre_tokenizers.PreTokenizer:
    """DeepSeek's splitting; with MAX_CJK_RUN (training only) CJK runs are cut every that many characters."""
    def split(pattern: str):
        return pre_tokenizers.Split(Regex(pattern), behavior="isolated")

    if max_cjk_run is not None and max_cjk_run < 1:
        raise ValueError(f"max_cjk_run must be at least 1, got {max_cjk_run}")
    repeat = "+" if max_cjk_run is None else f"{{1,{max_cjk_run}}}"  # consecutive matches cut a long run

    return pre_tokenizers.Sequence(
        [
            split(r"[\r\n]"),
            split(rf"\s?[{char_class(LETTER_RANGES)}]+"),
            split(rf"\s?[{char_class(PUNCTUATION_RANGES)}]+"),
            split(r"\s+$"),
            split(rf"[{char_class(CJK_RANGES)}]{repeat}"),
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )


if __name__ == "__main__":
    print(f"Unicode {unicodedata.unidata_version}:")
    print(format_ranges(derive_letter_ranges()))
