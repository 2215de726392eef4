"""The sanity checks: each measures with a pure function, then compares with a threshold.

Data checks read the shards themselves (ids in range, one EOS per document, a sample decodes
to text); training checks read the loss curve and the experts' load. The verdict is sane only
when every check passes.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from trainer.balance import load_fractions
from trainer.config import CheckConfig
from trainer.data import ShardInfo, Shards

SCAN_ROWS = 1024  # rows per block when scanning a shard: bounded memory on any shard size


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    values: dict = field(default_factory=dict)


@dataclass
class TokenScan:
    tokens: int
    max_id: int
    out_of_vocab: int  # ids >= the tokenizer's vocabulary
    eos: int
    pad: int


def scan_tokens(shards: Shards) -> TokenScan:
    info = shards.info
    tokens = max_id = oov = eos = pad = 0
    for part in shards.chunks():
        for start in range(0, len(part), SCAN_ROWS):
            block = np.asarray(part[start : start + SCAN_ROWS])
            tokens += block.size
            max_id = max(max_id, int(block.max()))
            oov += int((block >= info.vocab_size).sum())
            eos += int((block == info.eos_id).sum())
            pad += int((block == info.pad_id).sum())
    return TokenScan(tokens, max_id, oov, eos, pad)


def check_token_ids(scan: TokenScan, info: ShardInfo) -> Check:
    ok = scan.out_of_vocab == 0
    return Check("token_ids", ok, f"max id {scan.max_id}, vocabulary {info.vocab_size}; "
                 f"{scan.out_of_vocab} ids out of range", {"max_id": scan.max_id, "out_of_vocab": scan.out_of_vocab})


def check_eos(scan: TokenScan, info: ShardInfo, cfg: CheckConfig) -> Check:
    mismatch = abs(scan.eos - info.documents) / max(info.documents, 1)
    ok = mismatch <= cfg.max_eos_mismatch_frac and scan.pad == info.padding_tokens
    return Check("eos_frequency", ok,
                 f"{scan.eos} EOS for {info.documents} documents in the manifest ({scan.eos / max(scan.tokens, 1):.4%} "
                 f"of tokens); {scan.pad} PAD, manifest {info.padding_tokens}",
                 {"eos": scan.eos, "documents": info.documents, "pad": scan.pad, "manifest_padding": info.padding_tokens})


def text_stats(text: str) -> dict:
    """Shares of a decoded text: "ab c\ufffd" -> replacement 0.25, letters 0.75 (of non-space chars)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return {"replacement_frac": 0.0, "letter_frac": 0.0}
    return {
        "replacement_frac": sum(c == "\ufffd" for c in chars) / len(chars),
        "letter_frac": sum(unicodedata.category(c).startswith("L") for c in chars) / len(chars),
    }


def check_sample(text: str, cfg: CheckConfig) -> Check:
    stats = text_stats(text)
    ok = stats["replacement_frac"] <= cfg.max_replacement_char_frac and stats["letter_frac"] >= cfg.min_letter_frac
    return Check("decoded_sample", ok, f"{stats['letter_frac']:.0%} letters, {stats['replacement_frac']:.1%} U+FFFD: "
                 f"{text[:120]!r}", {**stats, "text": text})


def check_finite(losses: list[float], grad_norms: list[float]) -> Check:
    bad = [i for i, (a, b) in enumerate(zip(losses, grad_norms)) if not (math.isfinite(a) and math.isfinite(b))]
    return Check("finite", not bad, f"{len(bad)} steps with a NaN/inf loss or gradient"
                 + (f" (first at step {bad[0]})" if bad else ""), {"bad_steps": bad[:20]})


def check_loss(losses: list[float], final: float, embedding_size: int, cfg: CheckConfig) -> Check:
    uniform = math.log(embedding_size)
    first = losses[0] if losses else math.nan
    starts_right = abs(first - uniform) <= cfg.max_initial_loss_gap_nats
    falls = final <= first * (1 - cfg.min_loss_drop_frac)
    return Check("loss_falls", bool(starts_right and falls),
                 f"first {first:.3f} (ln vocab {uniform:.3f}), final {final:.3f} "
                 f"({1 - final / first if first else 0:.0%} lower; at least {cfg.min_loss_drop_frac:.0%} needed)",
                 {"first": first, "final": final, "ln_vocab": uniform})


def expert_load(counts_per_step: list[list[list[int]]]) -> list[list[float]]:
    """Load fractions per MoE layer over the last quarter of the steps (where collapse shows)."""
    tail = counts_per_step[-max(1, len(counts_per_step) // 4):]
    summed = np.sum(np.asarray(tail), axis=0).tolist()
    return load_fractions(summed)


def check_expert_load(fractions: list[list[float]], cfg: CheckConfig) -> Check:
    """Collapse = an expert left with a sliver of its fair share 1/N of the routed tokens."""
    ratios = [max(layer) / min(layer) if min(layer) > 0 else math.inf for layer in fractions]
    idlest = [min(layer) * len(layer) for layer in fractions]  # as a multiple of the fair share
    ok = all(share >= cfg.min_expert_load_of_fair_share for share in idlest)
    return Check("expert_load", ok,
                 f"idlest expert per MoE layer gets {', '.join(f'{s:.2f}' for s in idlest)} of a fair share "
                 f"(at least {cfg.min_expert_load_of_fair_share:g}); busiest/idlest {', '.join(f'{r:.1f}' for r in ratios)}",
                 {"fractions": fractions, "max_min_ratio": ratios, "idlest_of_fair_share": idlest})
