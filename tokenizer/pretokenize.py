"""DeepSeek-LLM-style pre-tokenization, in the order the DeepSeek tokenizer applies it.

Newlines alone; runs of letters of cased alphabets (with one leading space); runs of
punctuation, full-width included; trailing whitespace; runs of CJK characters; every digit
alone; then byte level, so no byte is ever unknown. Isolating CJK runs matters for training
memory too: without it a space-free Chinese page is one enormous "word" to the BPE trainer.
"""

from tokenizers import Regex, pre_tokenizers

# Latin (Basic, Latin-1, Extended-A/B), IPA, Greek, Cyrillic, Armenian, Georgian, full-width
# Latin: the alphabets whose words DeepSeek's splitter keeps whole. CJK is deliberately absent.
LETTERS = "A-Za-zµÀ-ÖØ-öø-ʯͰ-ϿЀ-ԯԱ-ՖႠ-ჿＡ-Ｚａ-ｚ"
PUNCTUATION = "!-/:-~！-／：-～‘-‟　-。"
CJK = "一-龥ࠀ-一가-퟿"


def deepseek_pre_tokenizer() -> pre_tokenizers.PreTokenizer:
    def split(pattern: str):
        return pre_tokenizers.Split(Regex(pattern), behavior="isolated")

    return pre_tokenizers.Sequence(
        [
            split(r"[\r\n]"),
            split(rf"\s?[{LETTERS}]+"),
            split(rf"\s?[{PUNCTUATION}]+"),
            split(r"\s+$"),
            split(rf"[{CJK}]+"),
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
