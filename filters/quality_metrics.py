"""How well a keep/drop decision agrees with human labels: pure functions, no model.

Used by `thresher quality train` (held-out metrics) and bench/quality_eval.py. "Positive" is
always "keep" and label True/1 is "a human said this is good text".
"""

from __future__ import annotations

from collections.abc import Sequence


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Chance that a random good document scores above a random bad one (ties count half).

    [good, bad, good] with scores [0.9, 0.5, 0.5] -> (1 + 0.5) / 2 = 0.75. A 0/1 score (a rule
    chain's keep decision) is allowed: its AUC is the mean of its recall on each class.
    """
    pairs = sorted(zip(scores, labels))
    n_pos = sum(1 for _, label in pairs if label)
    n_neg = len(pairs) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC-AUC needs both good and bad documents")
    # Mann-Whitney U over average ranks, so that tied scores share their ranks.
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2  # ranks i+1 .. j
        rank_sum += mean_rank * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def keep_metrics(labels: Sequence[bool], keeps: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of "keep" against "good", plus accuracy and the share kept.

    labels [1, 1, 0, 0], keeps [1, 0, 1, 0] -> precision 0.5, recall 0.5, f1 0.5.
    """
    if len(labels) != len(keeps):
        raise ValueError(f"{len(labels)} labels but {len(keeps)} decisions")
    tp = sum(1 for y, k in zip(labels, keeps) if y and k)
    fp = sum(1 for y, k in zip(labels, keeps) if not y and k)
    fn = sum(1 for y, k in zip(labels, keeps) if y and not k)
    tn = len(labels) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": (tp + tn) / len(labels) if labels else 0.0,
        "kept_frac": (tp + fp) / len(labels) if labels else 0.0,
    }
