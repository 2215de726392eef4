"""The sanity trainer's settings: `configs/sanity.yaml` in, typed dataclasses out.

The same rules as the pipeline's loader (pipeline/config.py), whose type-checking builder this
module reuses: YAML keys are dataclass fields, an unknown or mistyped key fails at load time
naming the file, the dotted key and its line.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline.typed_yaml import apply_override, build_typed
from pipeline.yaml_source import ConfigError
from pipeline.yaml_source import YamlSource, load_yaml


@dataclass
class ModelConfig:
    """DeepSeek-V2-Lite's shape (27 layers, hidden 2048, 64 routed + 2 shared experts, top-6),
    scaled down. The vocabulary and the context come from the shards, not from here."""

    hidden_size: int = 256
    num_hidden_layers: int = 4
    first_k_dense_replace: int = 1  # V2-Lite: the first layer is dense, the rest are MoE
    intermediate_size: int = 768  # the dense layer's FFN
    num_attention_heads: int = 4
    # MLA: keys and values come from one compressed latent of kv_lora_rank dims; the rope part
    # of each head (qk_rope_head_dim) is decoupled from the compressed part (qk_nope_head_dim).
    kv_lora_rank: int = 64
    qk_nope_head_dim: int = 32
    qk_rope_head_dim: int = 16
    v_head_dim: int = 32
    # V2-Lite compresses keys and values but not queries: q_lora_rank is null there.
    q_lora_rank: int | None = None
    n_routed_experts: int = 8
    n_shared_experts: int = 2
    num_experts_per_tok: int = 2  # top-k routing
    moe_intermediate_size: int = 128
    initializer_range: float = 0.02
    rms_norm_eps: float = 1e-6


@dataclass
class TrainConfig:
    steps: int = 200
    batch_size: int = 8  # windows per step
    # Tokens per window: a window is a slice of a shard row (rows are seq_len tokens). CPUs
    # train on short windows; null takes the whole row.
    context: int | None = 256
    # DeepSeek-V2-Lite: AdamW(0.9, 0.95), weight decay 0.1, clipping 1.0, warm-up then the LR
    # times 0.316 at 80% and again at 90% of training. Its peak LR (4.2e-4) is for 16B
    # parameters; a model this small learns at a higher one.
    lr: float = 0.003
    warmup_steps: int = 20
    decay_at_frac: list[float] = field(default_factory=lambda: [0.8, 0.9])
    decay_factor: float = 0.316
    beta1: float = 0.9
    beta2: float = 0.95
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    # Expert-level balance loss factor (alpha_1); DeepSeek-V2-Lite uses 0.001.
    balance_alpha: float = 0.001
    seed: int = 0
    checkpoint_every: int = 50
    keep_checkpoints: int = 2
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # Rows of the shards never trained on: the held-out text --compare evaluates on.
    eval_rows: int = 4


@dataclass
class CheckConfig:
    # A fresh model predicts about uniformly: its first loss is ln(embedding rows) give or take.
    max_initial_loss_gap_nats: float = 1.0
    # The loss at the end (mean of the last tenth of steps) must be this much below the first.
    min_loss_drop_frac: float = 0.25
    # Routed-expert load over the last quarter of training, per MoE layer: every expert must get
    # at least this multiple of its fair share (1/N of the routed slots). Routing collapse shows
    # as experts that get (almost) nothing; uneven but living experts are normal early on.
    min_expert_load_of_fair_share: float = 0.1
    # EOS tokens in the shards vs documents in the manifest (one EOS ends every document).
    max_eos_mismatch_frac: float = 0.001
    # A decoded sample reads as text: few U+FFFD from broken UTF-8, mostly letters/CJK.
    max_replacement_char_frac: float = 0.01
    min_letter_frac: float = 0.5
    sample_tokens: int = 200


@dataclass
class SanityConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    checks: CheckConfig = field(default_factory=CheckConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def load_sanity_config(path: str | Path, overrides: list[str] = ()) -> SanityConfig:
    """Load the sanity trainer's YAML, apply `key=value` overrides, validate."""
    source = load_yaml(Path(path))
    if not isinstance(source.data, dict):
        raise ConfigError("the top level must be a mapping of sections", source)
    for override in overrides:
        apply_override(source, override)
    cfg = build_typed(SanityConfig, source.data, source, "")
    _check_values(cfg, source)
    return cfg


def _check_values(cfg: SanityConfig, source: YamlSource) -> None:
    def need(ok: bool, key: str, message: str) -> None:
        if not ok:
            raise ConfigError(message, source, key)

    m, t = cfg.model, cfg.train
    need(m.num_hidden_layers > m.first_k_dense_replace, "model.first_k_dense_replace",
         "leaves no MoE layer: it must be below num_hidden_layers")
    need(1 <= m.num_experts_per_tok <= m.n_routed_experts, "model.num_experts_per_tok",
         f"top-k must be between 1 and n_routed_experts ({m.n_routed_experts})")
    need(m.hidden_size % m.num_attention_heads == 0, "model.num_attention_heads", "must divide hidden_size")
    need(m.qk_rope_head_dim % 2 == 0, "model.qk_rope_head_dim", "rotary dimensions come in pairs: must be even")
    need(t.steps >= 1 and t.batch_size >= 1, "train.steps", "steps and batch_size must be at least 1")
    need(t.context is None or t.context >= 2, "train.context", "a window needs at least 2 tokens")
    need(0 <= t.warmup_steps, "train.warmup_steps", "must not be negative")
    need(all(0.0 < f < 1.0 for f in t.decay_at_frac), "train.decay_at_frac", "fractions of the steps lie between 0 and 1")
    need(t.checkpoint_every >= 1 and t.keep_checkpoints >= 1, "train.checkpoint_every",
         "checkpoint_every and keep_checkpoints must be at least 1")
    need(t.eval_rows >= 0, "train.eval_rows", "must not be negative")
    need(t.lr > 0 and t.grad_clip > 0, "train.lr", "the learning rate and grad_clip must be above 0")
    need(0.0 < t.decay_factor <= 1.0, "train.decay_factor", f"a factor the rate is multiplied by, in (0, 1], got {t.decay_factor}")
    for key in ("beta1", "beta2"):
        need(0.0 <= getattr(t, key) < 1.0, f"train.{key}", f"an Adam beta is in [0, 1), got {getattr(t, key)}")
    c = cfg.checks
    for key in ("min_loss_drop_frac", "max_eos_mismatch_frac", "max_replacement_char_frac", "min_letter_frac"):
        need(0.0 <= getattr(c, key) <= 1.0, f"checks.{key}", f"a share is between 0 and 1, got {getattr(c, key)}")
    need(c.min_expert_load_of_fair_share >= 0 and c.max_initial_loss_gap_nats >= 0, "checks.min_expert_load_of_fair_share",
         "must not be negative")
