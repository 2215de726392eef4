"""The training loop, as DeepSeek-V2-Lite trains: AdamW, clipping, step decay, balance loss.

Checkpoints go to OUTPUT/checkpoints/step_<n>.pt (the last `keep_checkpoints` are kept). A run
started again with the same config and shards resumes from the newest one and, since the
batches are a function of the step (batches.py) and the model has no dropout, produces the
losses the uninterrupted run would have.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from pipeline.yaml_source import ConfigError
from trainer.balance import expert_balance_loss, expert_counts
from trainer.batches import batch_indices, make_batch, train_windows
from trainer.config import SanityConfig, TrainConfig
from trainer.data import Shards
from trainer.model import build_model


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up to cfg.lr, then ×decay_factor at each of decay_at_frac of the steps."""
    lr = cfg.lr * min(1.0, (step + 1) / cfg.warmup_steps) if cfg.warmup_steps else cfg.lr
    for frac in cfg.decay_at_frac:
        if step >= round(frac * cfg.steps):
            lr *= cfg.decay_factor
    return lr


@dataclass
class History:
    loss: list[float] = field(default_factory=list)  # language-model loss, nats per token
    balance_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    expert_counts: list[list[list[int]]] = field(default_factory=list)  # step -> layer -> expert
    seconds: float = 0.0


@dataclass
class TrainResult:
    model: torch.nn.Module
    history: History
    tokens_seen: int
    device: str
    resumed_from: int | None


def pick_device(wanted: str) -> str:
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device is cuda but torch sees no GPU")
    return wanted


def fingerprint(cfg: SanityConfig, shards: Shards, windows: list[tuple[int, int]]) -> str:
    """What a checkpoint must match to be resumed: every setting that changes the numbers."""
    settings = cfg.to_dict()
    for key in ("checkpoint_every", "keep_checkpoints", "device"):
        settings["train"].pop(key)
    settings["shards"] = [shards.info.__dict__, shards.tokenizer_sha256, shards.rows]
    settings["windows"] = hashlib.sha256(json.dumps(windows).encode()).hexdigest()
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def window_size(cfg: TrainConfig, shards: Shards) -> int:
    return min(cfg.context or shards.info.seq_len, shards.info.seq_len)


def train(shards: Shards, cfg: SanityConfig, output: Path, windows: list[tuple[int, int]] | None = None,
          restart: bool = False, label: str = "train") -> TrainResult:
    """Train on WINDOWS of SHARDS (default: all but the held-out rows), resuming if possible."""
    t = cfg.train
    device = pick_device(t.device)
    context = window_size(t, shards)
    if windows is None:
        windows = train_windows(shards, context, t.eval_rows)
    model = build_model(cfg.model, shards.info, t.seed).to(device)
    decay = [p for p in model.parameters() if p.dim() >= 2]  # matrices decay; norm gains do not
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": t.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=t.lr, betas=(t.beta1, t.beta2),
    )
    ckpt_dir = output / "checkpoints"
    key = fingerprint(cfg, shards, windows)
    history, start = History(), 0
    last = None if restart else latest_checkpoint(ckpt_dir)
    if last is not None:
        # weights_only: a checkpoint is tensors and plain types, and unpickling anything else
        # would run code from whatever file sits in the output folder.
        try:
            state = torch.load(last, map_location=device, weights_only=True)
        except Exception as e:  # pickle.UnpicklingError for objects, RuntimeError for a broken file
            raise ConfigError(f"{last} is not a checkpoint this trainer wrote ({type(e).__name__}); "
                              "remove it or rerun with --restart") from None
        if state["fingerprint"] != key:
            raise ConfigError(f"{last} was made with other settings or shards; rerun with --restart or another --output")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        history, start = History(**state["history"]), state["step"]
        print(f"[{label}] resuming from {last} (step {start})", flush=True)

    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else torch.autocast("cpu", enabled=False)
    step, begun = start, time.perf_counter() - history.seconds
    # True from the optimizer update until the history has the step: the weights and the
    # history disagree then, and a checkpoint saved in between would not resume exactly.
    updating = False
    model.train()
    try:
        for step in range(start, t.steps):
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, t)
            input_ids, labels = make_batch(shards, windows, batch_indices(step, t.batch_size, len(windows), t.seed), context)
            with autocast:
                out = model(input_ids=input_ids.to(device), labels=labels.to(device), output_router_logits=True)
            balance = expert_balance_loss(out.router_logits, cfg.model.num_experts_per_tok, t.balance_alpha)
            (out.loss + balance).backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), t.grad_clip)
            updating = True
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            history.loss.append(out.loss.item())
            history.balance_loss.append(balance.item())
            history.lr.append(optimizer.param_groups[0]["lr"])
            history.grad_norm.append(grad_norm.item())
            history.expert_counts.append(expert_counts(out.router_logits, cfg.model.num_experts_per_tok))
            history.seconds = time.perf_counter() - begun
            updating = False
            _progress(label, step + 1, t.steps, history)
            if (step + 1) % t.checkpoint_every == 0 or step + 1 == t.steps:
                save_checkpoint(ckpt_dir, step + 1, model, optimizer, history, key, t.keep_checkpoints)
    except KeyboardInterrupt:
        # Keep the steps finished before the interrupt: the next run resumes from there. In the
        # middle of an update nothing new is saved; the last periodic checkpoint stands.
        done = len(history.loss)
        if done > start and not updating:
            save_checkpoint(ckpt_dir, done, model, optimizer, history, key, t.keep_checkpoints)
        raise
    if sys.stdout.isatty():
        print(flush=True)
    tokens = t.steps * t.batch_size * context
    return TrainResult(model, history, tokens, device, start if last is not None else None)


def _progress(label: str, step: int, steps: int, history: History) -> None:
    every = max(1, steps // 20)
    line = (f"[{label}] step {step}/{steps}  loss {history.loss[-1]:.3f}  balance {history.balance_loss[-1]:.4f}  "
            f"lr {history.lr[-1]:.2e}  {history.seconds:.0f}s")
    if sys.stdout.isatty():
        print(f"\r\x1b[2K{line}", end="", flush=True)
    elif step % every == 0 or step == steps:
        print(line, flush=True)


def latest_checkpoint(folder: Path) -> Path | None:
    found = sorted(folder.glob("step_*.pt"))
    return found[-1] if found else None


def save_checkpoint(folder: Path, step: int, model, optimizer, history: History, key: str, keep: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"step_{step:07d}.pt"
    tmp = path.with_suffix(".tmp")
    state = {"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "history": history.__dict__, "fingerprint": key}
    torch.save(state, tmp)
    tmp.replace(path)  # a crash mid-write never leaves a half checkpoint under the real name
    for old in sorted(folder.glob("step_*.pt"))[:-keep]:
        old.unlink()
    return path


def final_loss(losses: list[float]) -> float:
    """The mean of the last tenth of the steps: one step's loss is noisy."""
    tail = losses[-max(1, len(losses) // 10):]
    return sum(tail) / len(tail) if tail else math.nan
