"""The `--backend sentencepiece` alternative: BPE with byte fallback, trained by sentencepiece.

For users who want a sentencepiece model. Settings mirror the DeepSeek way where sentencepiece
can: no normalisation (text is kept byte for byte), digits split, whitespace kept as is, and
every character outside the learned pieces falls back to its UTF-8 bytes, so nothing is ever
unknown. Its vocabulary counts the same way as ours: VOCAB_SIZE pieces including the 256 byte
pieces, plus `<unk>` (sentencepiece insists on one; byte fallback means it is never produced)
and our special tokens as control symbols, which plain text can never produce.

One difference remains: sentencepiece writes spaces as U+2581, so a U+2581 in the input reads
back as a space (the `tokenizers` backend round-trips every string).

Sentencepiece reads sentences, not documents: each line is one, and a line longer than
`MAX_SENTENCE_CHARS` is cut into pieces so that sentencepiece does not silently skip it.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace

from tokenizer.files import BOS, EOS, META_FILE, PAD, RESERVED, embedding_size, write_transformers_files

MAX_SENTENCE_CHARS = 8192
UNK = "<unk>"


def sentences(texts: Iterable[str]) -> Iterator[str]:
    for text in texts:
        for line in text.split("\n"):
            for start in range(0, len(line), MAX_SENTENCE_CHARS):
                yield line[start:start + MAX_SENTENCE_CHARS]


def train_sentencepiece(texts: Iterable[str], vocab_size: int, threads: int | None = None) -> bytes:
    """The serialized model (the bytes of tokenizer.model)."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=sentences(texts),
        model_writer=model,
        model_type="bpe",
        vocab_size=vocab_size + 4 + len(RESERVED),  # + unk, bos, eos, pad and the reserved ones
        hard_vocab_limit=False,  # small corpora: fewer pieces rather than an error
        byte_fallback=True,
        character_coverage=0.9995,
        split_digits=True,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        add_dummy_prefix=False,
        allow_whitespace_only_pieces=True,
        max_sentence_length=MAX_SENTENCE_CHARS * 4,  # bytes
        input_sentence_size=0,
        num_threads=threads or os.cpu_count() or 1,
        unk_id=0, bos_id=1, eos_id=2, pad_id=3,
        unk_piece=UNK, bos_piece=BOS, eos_piece=EOS, pad_piece=PAD,
        control_symbols=RESERVED,
        minloglevel=2,
    )
    return model.getvalue()


def load_sentencepiece(path: str | Path):
    import sentencepiece as spm

    return spm.SentencePieceProcessor(model_file=str(path))


class PlainTextSentencePiece:
    """A sentencepiece model behind the two `tokenizers` calls the shards stage and the trainer
    make (`encode_batch(...)[i].ids`, `decode(ids)`), so that either backend feeds them."""

    def __init__(self, path: str | Path):
        self.sp = load_sentencepiece(path)

    def encode_batch(self, texts: list[str], add_special_tokens: bool = False) -> list[SimpleNamespace]:
        return [SimpleNamespace(ids=ids) for ids in self.sp.encode(list(texts))]

    def decode(self, ids: list[int]) -> str:
        return self.sp.decode(ids)


def save_sentencepiece(model: bytes, out: Path, pad_to_multiple_of: int, model_max_length: int, extra: dict) -> dict:
    """tokenizer.model + the files transformers loads it with + our metadata."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.json").unlink(missing_ok=True)  # a tokenizers run's file would load first
    (out / "tokenizer.model").write_bytes(model)
    sp = load_sentencepiece(out / "tokenizer.model")
    write_transformers_files(out, {
        "tokenizer_class": "LlamaTokenizer",
        "unk_token": UNK,
        "add_bos_token": False,
        "add_eos_token": False,
        "add_prefix_space": False,
        "legacy": False,
        "sp_model_kwargs": {},
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": False,
    })
    size = sp.get_piece_size()
    specials = sum(1 for i in range(size) if sp.is_control(i) or sp.is_unknown(i))
    meta = {
        "backend": "sentencepiece",
        "vocab_size": size,
        "learned_tokens": size - specials,
        "special_tokens": specials,
        "embedding_size": embedding_size(size, pad_to_multiple_of),
        "bos_id": sp.piece_to_id(BOS),
        "eos_id": sp.piece_to_id(EOS),
        "pad_id": sp.piece_to_id(PAD),
        **extra,
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return meta
