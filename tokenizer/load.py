"""The saved tokenizer, loaded to encode crawled text, whichever backend made it."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer

from tokenizer.files import tokenizer_file
from tokenizer.sentencepiece_backend import PlainTextSentencePiece


def plain_text_tokenizer(tokenizer_dir: str | Path):
    """The saved tokenizer, set to read special-token strings in the input as plain text.

    `encode_special_tokens` is not stored in tokenizer.json, so every loader of crawled text must
    set it (transformers: `tokenizer(text, split_special_tokens=True)`). A sentencepiece model
    comes behind the same two calls (`encode_batch`, `decode`); it never makes control ids from text.
    """
    path = tokenizer_file(tokenizer_dir)
    if path.suffix == ".model":
        return PlainTextSentencePiece(path)
    tok = Tokenizer.from_file(str(path))
    tok.encode_special_tokens = True
    return tok
