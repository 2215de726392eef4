"""What a trained tokenizer folder holds, whichever backend made it: the special tokens, our
metadata file, the files transformers reads, and the checks that the folder is whole."""

from __future__ import annotations

import json
import math
from pathlib import Path

from pipeline.layout import DamagedRunFolder, read_run_json

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
PAD = "<｜pad▁of▁sentence｜>"
RESERVED = [f"<｜reserved_{i}｜>" for i in range(13)]
SPECIAL_TOKENS = [BOS, EOS, PAD, *RESERVED]
META_FILE = "thresher_tokenizer.json"


def damaged_tokenizer(tokenizer_dir: str | Path) -> str | None:
    """What is wrong with a trained tokenizer folder, or None: its record and its tokenizer.json
    must be whole JSON (a crash or a full disk mid-write leaves them cut short)."""
    folder = Path(tokenizer_dir)
    try:
        read_run_json(folder / META_FILE)
        path = tokenizer_file(folder)
        if path.suffix == ".json":
            read_run_json(path)
    except FileNotFoundError as e:
        return f"{e.filename or folder} is missing"
    except DamagedRunFolder as e:
        return e.what
    return None


def tokenizer_file(tokenizer_dir: str | Path) -> Path:
    """The tokenizer a folder holds: tokenizer.json (tokenizers backend) or tokenizer.model
    (sentencepiece backend; that backend removes any tokenizer.json)."""
    folder = Path(tokenizer_dir)
    for name in ("tokenizer.json", "tokenizer.model"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder}: no tokenizer.json or tokenizer.model (train one with the tokenizer stage)")


def embedding_size(vocab_size: int, multiple: int) -> int:
    return math.ceil(vocab_size / multiple) * multiple


def write_transformers_files(out: Path, config: dict) -> None:
    base = {"bos_token": BOS, "eos_token": EOS, "pad_token": PAD}
    full = {**config, **base, "additional_special_tokens": RESERVED}
    (out / "tokenizer_config.json").write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n")
    (out / "special_tokens_map.json").write_text(json.dumps(base, indent=2, ensure_ascii=False) + "\n")
