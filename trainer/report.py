"""sanity.json, the loss-curve PNG and the printed verdict."""

from __future__ import annotations

import json
import math
from pathlib import Path

from trainer.checks import Check

JSON_FILE = "sanity.json"
PLOT_FILE = "loss.png"


def json_safe(value):
    """NaN and infinity become null: strict JSON has no spelling for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def write_json(output: Path, report: dict) -> Path:
    output.mkdir(parents=True, exist_ok=True)
    path = output / JSON_FILE
    path.write_text(json.dumps(json_safe(report), indent=2, ensure_ascii=False) + "\n")
    return path


def plot_losses(output: Path, curves: dict[str, list[float]], ln_vocab: float) -> Path:
    """One line per run (curated, raw) plus the uniform-guess level ln(vocab)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    for label, losses in curves.items():
        ax.plot(range(1, len(losses) + 1), losses, label=label, linewidth=1.2)
    ax.axhline(ln_vocab, color="grey", linestyle="--", linewidth=0.8, label="ln(vocab): uniform guess")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (nats/token)")
    ax.set_title("Sanity run: tiny DeepSeek-V2 on the shards")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = output / PLOT_FILE
    fig.savefig(path)
    plt.close(fig)
    return path


def print_checks(checks: list[Check], sane: bool) -> None:
    for check in checks:
        print(f"  [{'ok' if check.ok else 'FAIL'}] {check.name}: {check.detail}")
    print(f"Verdict: {'SANE' if sane else 'NOT SANE'} ({sum(c.ok for c in checks)}/{len(checks)} checks pass)")


def print_expert_load(fractions: list[list[float]], first_moe_layer: int) -> None:
    for i, layer in enumerate(fractions):
        print(f"  layer {first_moe_layer + i} expert load: " + " ".join(f"{f:.2f}" for f in layer))


def compare_table(rows: dict[str, dict]) -> str:
    """Markdown table: one row per run, the held-out bits per byte decides."""
    lines = [
        "| shards | tokens trained | final train loss | held-out loss/token | held-out bits/byte |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['tokens_trained']:,} | {r['final_train_loss']:.3f} | "
                     f"{r['held_out']['loss_per_token']:.3f} | {r['held_out']['bits_per_byte']:.4f} |")
    return "\n".join(lines)
