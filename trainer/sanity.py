"""`thresher sanity`: check the shards, train the tiny DeepSeek-V2 on them, give the verdict.

Order of work: scan every token (ids in range, EOS per document), decode a sample, train,
then judge the loss curve and the experts' load. With --compare, the same model also trains
for the same number of tokens on raw shards, and both are scored on held-out clean text.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from pipeline.yaml_source import ConfigError
from trainer.batches import train_windows
from trainer.checks import (
    Check,
    check_eos,
    check_expert_load,
    check_finite,
    check_loss,
    check_sample,
    check_token_ids,
    expert_load,
    scan_tokens,
)
from trainer.config import SanityConfig
from trainer.data import Shards
from trainer.model import count_parameters
from trainer.report import compare_table, plot_losses, print_checks, print_expert_load, write_json


def run_sanity(shards_dir: Path, cfg: SanityConfig, output: Path, compare: Path | None = None,
               restart: bool = False) -> dict:
    """Run every check and write OUTPUT/sanity.json and OUTPUT/loss.png; returns the report."""
    started = time.perf_counter()
    shards = Shards(shards_dir)
    info = shards.info
    tokenizer = shards.tokenizer()
    print(f"Shards: {shards.folder}  {shards.rows} rows of {info.seq_len} tokens, vocabulary {info.vocab_size} "
          f"(embedding {info.embedding_size})", flush=True)

    scan = scan_tokens(shards)
    checks = [check_token_ids(scan, info), check_eos(scan, info, cfg.checks)]
    sample = tokenizer.decode([int(t) for t in shards.row(shards.rows // 2)[: cfg.checks.sample_tokens]])
    checks.append(check_sample(sample, cfg.checks))
    report = {"shards": str(shards.folder), "config": cfg.to_dict(), "sample": sample}

    if scan.max_id >= info.embedding_size:
        # An id past the embedding table would crash the model: the data is broken, stop here.
        checks.append(Check("training", False, f"not run: id {scan.max_id} is past the {info.embedding_size}-row embedding"))
        return _finish(report, checks, output, started)

    from trainer.train import final_loss, train, window_size

    context = window_size(cfg.train, shards)
    windows = held_out = None
    if compare is not None:
        from trainer.evaluate import clean_windows, held_out_texts, passages

        texts = held_out_texts(shards, cfg.train.eval_rows, tokenizer)
        held_out = (texts, passages(texts))
        all_windows = train_windows(shards, context, cfg.train.eval_rows)
        windows, held_out_dropped = clean_windows(shards, all_windows, context, tokenizer, held_out[1])
        print(f"Held-out text: {len(texts)} pieces from the last {cfg.train.eval_rows} rows; "
              f"{held_out_dropped} curated windows overlap it and are left out", flush=True)

    result = train(shards, cfg, output, windows=windows, restart=restart, label="curated" if compare else "train")
    history = result.history
    final = final_loss(history.loss)
    fractions = expert_load(history.expert_counts)
    checks += [
        check_finite(history.loss, history.grad_norm),
        check_loss(history.loss, final, info.embedding_size, cfg.checks),
        check_expert_load(fractions, cfg.checks),
    ]
    report.update({
        "model": {"class": type(result.model).__name__, "parameters": count_parameters(result.model),
                  "vocab_size": info.embedding_size, "context": context},
        "training": {"device": result.device, "tokens": result.tokens_seen, "seconds": history.seconds,
                     "resumed_from_step": result.resumed_from, "final_loss": final},
        "steps": {"loss": history.loss, "balance_loss": history.balance_loss, "lr": history.lr,
                  "grad_norm": history.grad_norm},
        "expert_load": {"first_moe_layer": cfg.model.first_k_dense_replace, "last_quarter_fractions": fractions,
                        "counts_per_step": history.expert_counts},
    })
    curves = {"curated" if compare else "shards": history.loss}
    if compare is not None:
        report["compare"], curves["raw"] = _compare(compare, cfg, output, shards, tokenizer, result, final,
                                                    held_out, context, restart)
        report["compare"]["runs"]["curated"]["windows_left_out_for_overlap"] = held_out_dropped
    plot_losses(output, curves, math.log(info.embedding_size))
    print_expert_load(fractions, cfg.model.first_k_dense_replace)
    return _finish(report, checks, output, started)


def _compare(raw_dir: Path, cfg: SanityConfig, output: Path, shards: Shards, tokenizer, curated, curated_final: float,
             held_out, context: int, restart: bool) -> tuple[dict, list[float]]:
    """Train on the raw shards for as many tokens, score both models on the held-out text."""
    from trainer.evaluate import bits_per_byte, clean_windows
    from trainer.train import final_loss, train

    texts, held_passages = held_out
    raw = Shards(raw_dir)
    raw_scan = scan_tokens(raw)
    if raw_scan.max_id >= raw.info.embedding_size:
        raise ConfigError(f"{raw_dir}: token id {raw_scan.max_id} is past the {raw.info.embedding_size}-row embedding")
    raw_tokenizer = raw.tokenizer()
    raw_windows, dropped = clean_windows(raw, train_windows(raw, context, 0), context, raw_tokenizer, held_passages)
    print(f"Raw shards: {raw.folder}  {raw.rows} rows; {dropped} windows overlap the held-out text and are left out",
          flush=True)
    raw_result = train(raw, cfg, output / "raw", windows=raw_windows, restart=restart, label="raw")
    runs = {}
    for name, data, result, tok, final in (
        ("curated", shards, curated, tokenizer, curated_final),
        ("raw", raw, raw_result, raw_tokenizer, final_loss(raw_result.history.loss)),
    ):
        scores = bits_per_byte(result.model, tok, texts, data.info.eos_id, context, result.device)
        runs[name] = {"shards": str(data.folder), "tokens_trained": result.tokens_seen, "final_train_loss": final,
                      "held_out": scores}
    runs["raw"]["windows_left_out_for_overlap"] = dropped
    gain = 1 - runs["curated"]["held_out"]["bits_per_byte"] / runs["raw"]["held_out"]["bits_per_byte"]
    conclusion = (f"Curation {'helped' if gain > 0 else 'did not help'}: held-out bits per byte "
                  f"{abs(gain):.1%} {'lower' if gain > 0 else 'higher'} with the curated shards.")
    held_bytes = runs["curated"]["held_out"]["bytes"]
    return {"runs": runs, "held_out_texts": len(texts), "held_out_bytes": held_bytes,
            "curated_gain_frac": gain, "conclusion": conclusion}, raw_result.history.loss


def _finish(report: dict, checks: list[Check], output: Path, started: float) -> dict:
    sane = all(c.ok for c in checks)
    report["checks"] = [c.__dict__ for c in checks]
    report["sane"] = sane
    report["verdict"] = "sane" if sane else "not sane"
    report["seconds"] = time.perf_counter() - started
    if "compare" in report:
        print(compare_table(report["compare"]["runs"]))
        print(report["compare"]["conclusion"])
    print_checks(checks, sane)
    path = write_json(output, report)
    print(f"Report: {path}" + (f"  Loss curve: {output / 'loss.png'}" if "steps" in report else ""))
    return report
