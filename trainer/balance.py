"""DeepSeek-V2's expert-level balance loss and the per-expert load, from router logits.

DeepSeek-V2 (Sec. 2.2.3, eq. 12-14), per MoE layer, over the T tokens of a batch, with N'
routed experts of which each token picks K':

    f_i = N' / (K' T) * #(tokens that picked expert i)      (not differentiable)
    P_i = 1/T * sum_t s_{i,t}                                 (s = softmax of the router logits)
    L_ExpBal = alpha_1 * sum_i f_i P_i

Perfectly even routing gives f_i = 1 and P_i = 1/N', so the loss is alpha_1 per layer; it grows
as tokens pile onto a few experts. The layers' losses are summed. transformers returns the router
logits of every MoE layer but does not add this loss: the trainer does.
"""

from __future__ import annotations

import torch


def routed_experts(logits: torch.Tensor, top_k: int) -> torch.Tensor:
    """(T, N) router logits -> (T, K) chosen experts: greedy top-k, as the router picks them."""
    return torch.topk(logits, k=top_k, dim=-1).indices


def expert_balance_loss(router_logits: list[torch.Tensor] | tuple, top_k: int, alpha: float) -> torch.Tensor:
    """alpha * sum over MoE layers of sum_i f_i P_i; each layer's logits are (tokens, experts)."""
    total = router_logits[0].new_zeros(())
    for logits in router_logits:
        logits = logits.float().reshape(-1, logits.shape[-1])
        tokens, experts = logits.shape
        chosen = routed_experts(logits, top_k)
        counts = torch.zeros(experts, device=logits.device).index_add_(
            0, chosen.reshape(-1), torch.ones(chosen.numel(), device=logits.device)
        )
        f = counts * experts / (top_k * tokens)
        p = logits.softmax(dim=-1).mean(dim=0)
        total = total + (f * p).sum()
    return alpha * total


@torch.no_grad()
def expert_counts(router_logits, top_k: int) -> list[list[int]]:
    """Tokens routed to each expert, per MoE layer: [[n_0, n_1, ...], ...]."""
    out = []
    for logits in router_logits:
        logits = logits.reshape(-1, logits.shape[-1])
        chosen = routed_experts(logits, top_k).reshape(-1)
        out.append(torch.bincount(chosen, minlength=logits.shape[-1]).tolist())
    return out


def load_fractions(counts: list[list[int]]) -> list[list[float]]:
    """Per layer, each expert's share of the routed token slots: [[3, 1]] -> [[0.75, 0.25]]."""
    return [[c / max(sum(layer), 1) for c in layer] for layer in counts]
