"""transformers' own DeepSeek-V2, configured as DeepSeek-V2-Lite scaled down.

V2-Lite: the first layer dense, every later one MoE (2 shared + 64 routed experts, top-6,
greedy routing, weights not renormalised, scaling 1.0); Multi-head Latent Attention with keys and
values compressed to a 512-dim latent, 64 decoupled rope dims per head and no query compression.
The sizes shrink here (configs/sanity.yaml); the structure does not.
"""

from __future__ import annotations

import torch

from trainer.config import ModelConfig
from trainer.data import ShardInfo


def model_config(cfg: ModelConfig, info: ShardInfo):
    from transformers import DeepseekV2Config

    return DeepseekV2Config(
        vocab_size=info.embedding_size,  # the padded embedding size: a multiple that GPUs like
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        moe_intermediate_size=cfg.moe_intermediate_size,
        num_hidden_layers=cfg.num_hidden_layers,
        first_k_dense_replace=cfg.first_k_dense_replace,
        num_attention_heads=cfg.num_attention_heads,
        num_key_value_heads=cfg.num_attention_heads,
        kv_lora_rank=cfg.kv_lora_rank,
        q_lora_rank=cfg.q_lora_rank,
        qk_nope_head_dim=cfg.qk_nope_head_dim,
        qk_rope_head_dim=cfg.qk_rope_head_dim,
        v_head_dim=cfg.v_head_dim,
        n_routed_experts=cfg.n_routed_experts,
        n_shared_experts=cfg.n_shared_experts,
        num_experts_per_tok=cfg.num_experts_per_tok,
        topk_method="greedy",
        norm_topk_prob=False,
        routed_scaling_factor=1.0,
        max_position_embeddings=info.seq_len,
        initializer_range=cfg.initializer_range,
        rms_norm_eps=cfg.rms_norm_eps,
        tie_word_embeddings=False,
        pad_token_id=info.pad_id,
        eos_token_id=info.eos_id,
        bos_token_id=None,
        use_cache=False,
    )


def build_model(cfg: ModelConfig, info: ShardInfo, seed: int):
    """A freshly initialised DeepseekV2ForCausalLM; the same seed gives the same weights."""
    from transformers import DeepseekV2ForCausalLM

    torch.manual_seed(seed)
    config = model_config(cfg, info)
    config._attn_implementation = "sdpa"
    return DeepseekV2ForCausalLM(config)


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())
