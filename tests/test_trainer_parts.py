"""The sanity trainer's pure parts: balance loss, LR schedule, batches, text stats, config."""

import math

import numpy as np
import pytest
import torch

from pipeline.config import ConfigError
from trainer.balance import expert_balance_loss, expert_counts, load_fractions
from trainer.batches import batch_indices
from trainer.checks import check_expert_load, text_stats
from trainer.config import CheckConfig, SanityConfig, TrainConfig, load_sanity_config
from trainer.train import lr_at


def test_balance_loss_matches_hand_computation():
    # 2 tokens, 3 routed experts, top-1. Softmax scores (0.5, 0.3, 0.2) and (0.1, 0.6, 0.3):
    # token 1 picks expert 0, token 2 expert 1.
    # f = N'/(K'T) * counts = 3/2 * (1, 1, 0) = (1.5, 1.5, 0)
    # P = mean scores = (0.3, 0.45, 0.25)
    # sum f_i P_i = 0.45 + 0.675 + 0 = 1.125; times alpha 0.001.
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]])).requires_grad_()
    loss = expert_balance_loss([logits], top_k=1, alpha=0.001)
    assert loss.item() == pytest.approx(0.001125, rel=1e-6)
    # Two layers add up.
    assert expert_balance_loss([logits, logits], top_k=1, alpha=0.001).item() == pytest.approx(0.00225, rel=1e-6)
    # The gradient flows through P only (f counts choices): d/dP_i = alpha * f_i, so the
    # never-chosen expert 2's score gets no direct push.
    loss.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()


def test_balance_loss_top2_and_even_routing():
    # 4 tokens, 2 experts, top-2: every token picks both -> f = 2/(2*4) * (4, 4) = (1, 1);
    # P sums to 1, so the loss is exactly alpha whatever the scores.
    logits = torch.randn(4, 2, generator=torch.Generator().manual_seed(0))
    assert expert_balance_loss([logits], top_k=2, alpha=0.003).item() == pytest.approx(0.003, rel=1e-6)
    # All tokens on one expert with certainty: f = (2, 0), P = (1, 0) -> 2 * alpha.
    skewed = torch.tensor([[20.0, -20.0]] * 4)
    assert expert_balance_loss([skewed], top_k=1, alpha=0.01).item() == pytest.approx(0.02, rel=1e-5)


def test_expert_counts_and_fractions():
    logits = torch.tensor([[3.0, 2.0, 1.0], [1.0, 3.0, 2.0], [0.0, 1.0, 3.0], [3.0, 1.0, 2.0]])
    assert expert_counts([logits], top_k=1) == [[2, 1, 1]]
    assert expert_counts([logits], top_k=2) == [[2, 3, 3]]  # {0,1} {1,2} {2,1} {0,2}
    assert load_fractions([[3, 1]]) == [[0.75, 0.25]]


def test_expert_load_check_catches_collapse():
    cfg = CheckConfig(min_expert_load_of_fair_share=0.1)
    assert check_expert_load([[0.3, 0.2, 0.25, 0.25]], cfg).ok
    collapsed = check_expert_load([[0.6, 0.39, 0.01, 0.0]], cfg)
    assert not collapsed.ok and math.isinf(collapsed.values["max_min_ratio"][0])


def test_lr_warmup_then_two_step_decays():
    cfg = TrainConfig(steps=100, lr=0.01, warmup_steps=10, decay_at_frac=[0.8, 0.9], decay_factor=0.316)
    assert lr_at(0, cfg) == pytest.approx(0.001)
    assert lr_at(4, cfg) == pytest.approx(0.005)
    assert lr_at(9, cfg) == lr_at(79, cfg) == pytest.approx(0.01)
    assert lr_at(80, cfg) == lr_at(89, cfg) == pytest.approx(0.00316)
    assert lr_at(90, cfg) == lr_at(99, cfg) == pytest.approx(0.01 * 0.316**2)


def test_batches_are_a_function_of_the_step():
    n, b = 10, 4
    seen = np.concatenate([batch_indices(s, b, n, seed=3) for s in range(5)])  # 20 = two epochs
    assert sorted(seen[:10]) == sorted(seen[10:]) == list(range(10))  # each epoch: every window once
    assert list(seen[:10]) != list(seen[10:])  # a new order per epoch
    assert list(batch_indices(2, b, n, seed=3)) == list(seen[8:12])  # across the epoch edge
    assert list(batch_indices(2, b, n, seed=4)) != list(seen[8:12])


def test_text_stats_example():
    assert text_stats("ab c\ufffd") == {"replacement_frac": 0.25, "letter_frac": 0.75}
    assert text_stats("数据清洗")["letter_frac"] == 1.0
    assert text_stats("\x00\x01 12;;")["letter_frac"] == 0.0


def test_shipped_config_is_scaled_down_v2_lite():
    cfg = load_sanity_config("configs/sanity.yaml")
    assert cfg.model.q_lora_rank is None and cfg.model.first_k_dense_replace == 1
    assert cfg.model.n_shared_experts == 2 and cfg.model.kv_lora_rank > 0 and cfg.model.qk_rope_head_dim > 0
    t = cfg.train
    assert (t.beta1, t.beta2, t.weight_decay, t.grad_clip, t.balance_alpha) == (0.9, 0.95, 0.1, 1.0, 0.001)
    assert (t.decay_at_frac, t.decay_factor) == ([0.8, 0.9], 0.316)
    assert load_sanity_config("configs/sanity.yaml", ["train.steps=7"]).train.steps == 7
    assert isinstance(cfg, SanityConfig)


def test_config_errors_name_file_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model:\n  hidden_size: 64\n  n_routed_expert: 4\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:3: model.n_routed_expert: unknown key"):
        load_sanity_config(bad)
    bad.write_text("train:\n  lr: 1e-3\n")  # YAML reads 1e-3 as a string
    with pytest.raises(ConfigError, match=r"train.lr: expected float"):
        load_sanity_config(bad)
    bad.write_text("model:\n  num_hidden_layers: 1\n  first_k_dense_replace: 1\n")
    with pytest.raises(ConfigError, match="no MoE layer"):
        load_sanity_config(bad)


@pytest.mark.parametrize("text, key", [
    ("train:\n  beta2: 1.5\n", "train.beta2"), ("train:\n  decay_factor: 3\n", "train.decay_factor"),
    ("train:\n  lr: -0.1\n", "train.lr"), ("checks:\n  min_letter_frac: 2\n", "checks.min_letter_frac"),
    ("checks:\n  max_eos_mismatch_frac: -1\n", "checks.max_eos_mismatch_frac"),
])
def test_sanity_config_ranges_are_checked(tmp_path, text, key):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ConfigError, match=rf"bad.yaml:\d+: {key}: "):
        load_sanity_config(bad)
