"""The report written next to a trained tokenizer: tokenizer_report.json and tokenizer_report.md.

Compression on held-out text per language (UTF-8 bytes and characters per token, for ours and,
given one, a reference tokenizer on the very same text), what the learned vocabulary is made
of (CJK, Latin, digits, whitespace...), and the training time and peak memory recorded at
training. The metrics are pure functions, tested on their own.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path


from langid import scripts
from pipeline.layout import read_run_json
from tokenizer.files import META_FILE, tokenizer_file
from tokenizer.sentencepiece_backend import load_sentencepiece

Encoder = Callable[[list[str]], list[int]]  # texts -> number of tokens of each
TOKEN_CLASSES = ("cjk", "latin", "digit", "whitespace", "punctuation", "other", "partial_utf8")


def _bytes_to_unicode() -> dict[str, int]:
    """GPT-2's byte-level alphabet: printable bytes map to themselves, the rest to U+0100 on."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[chr(b)] = b
        else:
            chars[chr(256 + extra)] = b
            extra += 1
    return chars


BYTE_OF_CHAR = _bytes_to_unicode()


def byte_level_text(token: str) -> str | None:
    """A byte-level BPE token as text; None when its bytes are not whole UTF-8 characters."""
    try:
        return bytes(BYTE_OF_CHAR[c] for c in token).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None


def sentencepiece_text(piece: str) -> str | None:
    if piece.startswith("<0x") and piece.endswith(">") and len(piece) == 6:
        return None  # a byte-fallback piece
    return piece.replace("\u2581", " ")


# Ideographs, kana (half-width too) and Hangul; CJK punctuation counts as punctuation.
_CJK_SCRIPT = re.compile(f"[{scripts.HAN}{scripts.KANA}{scripts.HALFWIDTH_KANA}{scripts.HANGUL}]")


def _is_cjk_script(ch: str) -> bool:
    return _CJK_SCRIPT.match(ch) is not None


def token_class(text: str | None) -> str:
    """One of TOKEN_CLASSES for a token's text (a leading space does not change its class)."""
    if text is None:
        return "partial_utf8"
    if not text.strip():
        return "whitespace"
    core = text[1:] if text[0] == " " else text
    if all(_is_cjk_script(c) for c in core):
        return "cjk"
    if all(c.isalpha() and unicodedata.name(c, "").startswith("LATIN") for c in core):
        return "latin"
    if all(c.isdigit() for c in core):
        return "digit"
    if all(unicodedata.category(c)[0] in "PS" for c in core):
        return "punctuation"
    return "other"


def vocab_shares(texts: Iterable[str | None]) -> dict[str, float]:
    counts = Counter(token_class(t) for t in texts)
    total = sum(counts.values()) or 1
    return {cls: round(counts[cls] / total, 4) for cls in TOKEN_CLASSES}


def compression(count_tokens: Encoder, texts: list[str]) -> dict:
    """Bytes and characters per token over TEXTS (more is better: fewer tokens for the same text)."""
    tokens = sum(count_tokens(texts)) if texts else 0
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    n_chars = sum(len(t) for t in texts)
    return {
        "documents": len(texts), "bytes": n_bytes, "chars": n_chars, "tokens": tokens,
        "bytes_per_token": round(n_bytes / tokens, 4) if tokens else None,
        "chars_per_token": round(n_chars / tokens, 4) if tokens else None,
    }


def load_encoder(path: str | Path) -> tuple[Encoder, list[str | None]]:
    """A token counter and the learned vocabulary's texts, from tokenizer.json or tokenizer.model.

    PATH is the file or a folder holding one. Special-token strings in text count as plain text.
    """
    path = Path(path)
    if path.is_dir():
        path = tokenizer_file(path)
    if path.suffix == ".model":
        sp = load_sentencepiece(path)
        pieces = [sentencepiece_text(sp.id_to_piece(i)) for i in range(sp.get_piece_size())
                  if not (sp.is_control(i) or sp.is_unknown(i))]
        return (lambda texts: [len(ids) for ids in sp.encode(texts)]), pieces
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.encode_special_tokens = True
    vocab = tok.get_vocab(with_added_tokens=False)
    texts = [byte_level_text(t) for t in vocab]

    def count(texts: list[str]) -> list[int]:
        return [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False)]

    return count, texts


def build_report(tokenizer_dir: Path, heldout: dict[str, list[str]], reference: str | None) -> dict:
    meta = read_run_json(tokenizer_dir / META_FILE)
    ours, vocab = load_encoder(tokenizer_dir)
    report = {
        "tokenizer": {k: meta.get(k) for k in ("backend", "learned_tokens", "vocab_size", "embedding_size")},
        "training": {k: meta.get(k) for k in ("train_seconds", "read_seconds", "peak_rss_mb", "train_bytes",
                                               "train_bytes_per_language")},
        "vocab_shares": vocab_shares(vocab),
        "heldout": {lang: {"ours": compression(ours, texts)} for lang, texts in heldout.items() if texts},
        # A language with no held-out document (a small corpus, a small heldout_fraction) gets no row: say so.
        "no_heldout": sorted(lang for lang, texts in heldout.items() if not texts),
    }
    if reference:
        theirs, _ = load_encoder(reference)
        report["reference"] = str(reference)
        for lang, row in report["heldout"].items():
            row["reference"] = compression(theirs, heldout[lang])
            if row["reference"]["tokens"]:
                # our tokens per reference token on the same text: 1.03 means 3% more tokens
                row["tokens_vs_reference"] = round(row["ours"]["tokens"] / row["reference"]["tokens"], 4)
    return report


def render_markdown(report: dict) -> str:
    tok, train = report["tokenizer"], report["training"]
    lines = [
        f"# Tokenizer report ({tok['backend']})", "",
        f"{tok['learned_tokens']} learned tokens, {tok['vocab_size']} with special tokens, "
        f"embedding padded to {tok['embedding_size']}.",
        f"Training: {train['train_seconds']} s"
        + (f" ({train['read_seconds']} s reading and pre-tokenizing the input)" if train.get("read_seconds") is not None else "")
        + f", peak memory {train['peak_rss_mb']} MB (process high-water mark), "
        f"{train['train_bytes']} bytes of text {train['train_bytes_per_language']}.", "",
        "## Held-out compression (higher is better)", "",
        "| language | documents | bytes/token | chars/token | reference bytes/token | reference chars/token | our tokens / reference tokens |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang, row in report["heldout"].items():
        ref = row.get("reference", {})
        lines.append(f"| {lang} | {row['ours']['documents']} | {row['ours']['bytes_per_token']} | {row['ours']['chars_per_token']} "
                     f"| {ref.get('bytes_per_token', '-')} | {ref.get('chars_per_token', '-')} | {row.get('tokens_vs_reference', '-')} |")
    if report.get("no_heldout"):
        lines += ["", f"No held-out document in {', '.join(report['no_heldout'])}: no row for it (raise "
                      "`tokenizer.heldout_fraction`, or give more text)."]
    if "reference" in report:
        lines += ["", f"Reference tokenizer: `{report['reference']}`."]
    lines += ["", "## Learned vocabulary", "", "| class | share |", "|---|---|"]
    lines += [f"| {cls} | {share:.2%} |" for cls, share in report["vocab_shares"].items()]
    return "\n".join(lines) + "\n"


def write_report(tokenizer_dir: str | Path, heldout: dict[str, list[str]], reference: str | None = None) -> dict:
    out = Path(tokenizer_dir)
    report = build_report(out, heldout, reference)
    (out / "tokenizer_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / "tokenizer_report.md").write_text(render_markdown(report))
    return report
