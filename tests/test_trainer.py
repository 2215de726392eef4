"""The sanity trainer end to end on tiny shards made by the real pipeline pieces, on CPU."""

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from datatrove.data import Document

from pipeline.cli import main
from shards.config import ShardsConfig
from shards.dataset import file_sha256
from shards.pack import PackShards, ShuffleShards, WriteManifest
from tokenizer.train import save_tokenizer, train_bpe
from trainer.config import CheckConfig, ModelConfig, SanityConfig, TrainConfig
from trainer.data import Shards
from trainer.model import build_model
from trainer.sanity import run_sanity
from trainer.train import train

SEQ_LEN = 64
WORDS = "the river runs past old mills and green fields where farmers grow wheat barley oats".split()
CLEAN = [
    " ".join(WORDS[(i * 3 + j) % len(WORDS)] for j in range(20 + i % 15)).capitalize() + f". 河流 {i} 数据。"
    for i in range(240)
]
SPAM = [f"BUY NOW {i} $$$ http://x.example/{i} !!! 0xDEAD {i * 7919}" for i in range(160)]


def tiny_config(steps=30, **train):
    """Hidden 64, a dense layer and an MoE layer of 4 routed experts (top-2), 64-token windows."""
    model = ModelConfig(hidden_size=64, num_hidden_layers=2, first_k_dense_replace=1, intermediate_size=128,
                        num_attention_heads=2, kv_lora_rank=16, qk_nope_head_dim=16, qk_rope_head_dim=8,
                        v_head_dim=16, n_routed_experts=4, n_shared_experts=2, num_experts_per_tok=2,
                        moe_intermediate_size=32)
    settings = dict(steps=steps, batch_size=4, context=None, lr=0.01, warmup_steps=5, checkpoint_every=10,
                    device="cpu", eval_rows=3)
    settings.update(train)
    return SanityConfig(model=model, train=TrainConfig(**settings), checks=CheckConfig(sample_tokens=40))


def build_run(root, texts):
    """RUN/tokenizer and RUN/shards as the pipeline's tokenizer and shards stages lay them out."""
    tok = train_bpe(texts, vocab_size=300, min_frequency=1)
    save_tokenizer(tok, root / "tokenizer", pad_to_multiple_of=64, model_max_length=SEQ_LEN, extra={})
    docs = [Document(text=t, id=str(i), metadata={"language": "en"}) for i, t in enumerate(texts)]
    tok_dir, out = str(root / "tokenizer"), str(root / "shards")
    s = ShardsConfig(seq_len=SEQ_LEN, packing="concat", max_shard_tokens=1 << 20)
    list(PackShards(tok_dir, out, s).run(iter(docs), rank=0, world_size=1))
    list(ShuffleShards(out, s, 0).run(rank=0, world_size=1))
    list(WriteManifest(tok_dir, out, s, 0).run())
    return root / "shards"


@pytest.fixture(scope="module")
def clean_shards(tmp_path_factory):
    return build_run(tmp_path_factory.mktemp("clean"), CLEAN)


@pytest.fixture(autouse=True)
def one_thread():
    # Small matrices: more threads only add contention on a busy 2-core machine.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_sanity_run_on_tiny_shards(clean_shards, tmp_path):
    report = run_sanity(clean_shards, tiny_config(), tmp_path / "out")
    checks = {c["name"]: c for c in report["checks"]}
    assert report["sane"], [c["detail"] for c in report["checks"] if not c["ok"]]
    saved = json.loads((tmp_path / "out" / "sanity.json").read_text())
    assert saved["verdict"] == "sane" and len(saved["steps"]["loss"]) == 30
    assert (tmp_path / "out" / "loss.png").read_bytes()[:4] == b"\x89PNG"
    losses = saved["steps"]["loss"]
    vocab = Shards(clean_shards).info.embedding_size
    assert abs(losses[0] - math.log(vocab)) < 0.5 and saved["training"]["final_loss"] < 0.6 * losses[0]
    (layer,) = saved["expert_load"]["last_quarter_fractions"]  # one MoE layer, four experts
    assert len(layer) == 4 and sum(layer) == pytest.approx(1.0)
    assert checks["eos_frequency"]["values"]["eos"] == len(CLEAN)
    assert "river" in saved["sample"] or "河流" in saved["sample"]
    assert saved["model"]["class"] == "DeepseekV2ForCausalLM"


def test_model_is_v2_lite_shaped(clean_shards):
    model = build_model(tiny_config().model, Shards(clean_shards).info, seed=0)
    dense, moe = model.model.layers
    attn = dense.self_attn
    assert attn.q_lora_rank is None and hasattr(attn, "q_proj")  # no query compression
    assert attn.kv_a_proj_with_mqa.out_features == 16 + 8  # KV latent + decoupled rope key
    assert type(dense.mlp).__name__ == "DeepseekV2MLP" and type(moe.mlp).__name__ == "DeepseekV2Moe"
    assert moe.mlp.experts.num_experts == 4 and moe.mlp.gate.top_k == 2


def test_resume_continues_as_the_uninterrupted_run(clean_shards, tmp_path):
    cfg = tiny_config(steps=8, checkpoint_every=4, keep_checkpoints=2)
    shards = Shards(clean_shards)
    whole = train(shards, cfg, tmp_path / "a")
    assert sorted(p.name for p in (tmp_path / "a" / "checkpoints").iterdir()) == ["step_0000004.pt", "step_0000008.pt"]
    # An "interrupted" run: only the step-4 checkpoint exists in its folder.
    (tmp_path / "b" / "checkpoints").mkdir(parents=True)
    shutil.copy(tmp_path / "a" / "checkpoints" / "step_0000004.pt", tmp_path / "b" / "checkpoints")
    resumed = train(shards, cfg, tmp_path / "b")
    assert resumed.resumed_from == 4 and whole.resumed_from is None
    assert resumed.history.loss[:4] == whole.history.loss[:4]  # restored from the checkpoint
    np.testing.assert_allclose(resumed.history.loss[4:], whole.history.loss[4:], rtol=1e-5)
    assert resumed.history.expert_counts == whole.history.expert_counts
    # Other settings do not silently resume someone else's checkpoint.
    with pytest.raises(Exception, match="other settings"):
        train(shards, tiny_config(steps=8, lr=0.02), tmp_path / "b")


def test_an_interrupt_in_the_middle_of_an_update_saves_nothing_wrong(clean_shards, tmp_path, monkeypatch):
    cfg = tiny_config(steps=6, checkpoint_every=2, keep_checkpoints=3)
    shards = Shards(clean_shards)
    whole = train(shards, cfg, tmp_path / "a")
    real_step, calls = torch.optim.AdamW.step, []

    def step_then_interrupt(self, *args, **kwargs):  # Ctrl-C lands just after the 3rd update
        out = real_step(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return out

    monkeypatch.setattr(torch.optim.AdamW, "step", step_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        train(shards, cfg, tmp_path / "b")
    monkeypatch.setattr(torch.optim.AdamW, "step", real_step)
    # The periodic step-2 checkpoint stands; step 3 was half done (weights updated, history not):
    # saving it as "2 steps done" would resume from weights one update ahead.
    assert [p.name for p in (tmp_path / "b" / "checkpoints").iterdir()] == ["step_0000002.pt"]
    resumed = train(shards, cfg, tmp_path / "b")
    assert resumed.resumed_from == 2
    np.testing.assert_allclose(resumed.history.loss, whole.history.loss, rtol=1e-5)


def _rewrite(folder, edit):
    """Change shard tokens in place and re-sign the manifest: a packer bug, not a damaged file."""
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = manifest["files"][0]
    path = folder / entry["name"]
    data = np.fromfile(path, dtype="<u4")
    edit(data, manifest)
    data.tofile(path)
    entry["sha256"] = file_sha256(path)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_verdict_fails_on_ids_past_the_vocabulary(clean_shards, tmp_path):
    broken = tmp_path / "run" / "shards"
    shutil.copytree(clean_shards.parent, tmp_path / "run")
    _rewrite(broken, lambda data, m: data.__setitem__(slice(10, 20), m["vocab_size"] + 1))
    report = run_sanity(broken, tiny_config(steps=2), tmp_path / "out")
    checks = {c["name"]: c for c in report["checks"]}
    assert not report["sane"] and not checks["token_ids"]["ok"]
    assert checks["token_ids"]["values"]["out_of_vocab"] == 10
    # Past the embedding table the model cannot even run: training is refused, not crashed.
    _rewrite(broken, lambda data, m: data.__setitem__(5, m["embedding_size"] + 7))
    report = run_sanity(broken, tiny_config(steps=2), tmp_path / "out2")
    assert not report["sane"] and "steps" not in report
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["token_ids", "training"]


def test_verdict_fails_on_missing_eos_and_exit_code(clean_shards, tmp_path):
    broken = tmp_path / "run" / "shards"
    shutil.copytree(clean_shards.parent, tmp_path / "run")

    def drop_eos(data, m):
        data[np.flatnonzero(data == m["eos_id"])[:20]] = 5

    _rewrite(broken, drop_eos)
    code = main(["sanity", str(broken), "--steps", "2", "--output", str(tmp_path / "out"),
                 "--set", "model.hidden_size=64", "--set", "model.num_hidden_layers=2", "--set", "train.context=32"])
    saved = json.loads((tmp_path / "out" / "sanity.json").read_text())
    eos = next(c for c in saved["checks"] if c["name"] == "eos_frequency")
    assert code == 1 and not eos["ok"] and eos["values"]["eos"] == len(CLEAN) - 20


def test_compare_curated_against_raw(clean_shards, tmp_path):
    raw = build_run(tmp_path / "raw", CLEAN + SPAM)
    cfg = tiny_config(steps=12)
    report = run_sanity(clean_shards, cfg, tmp_path / "out", compare=raw)
    runs = report["compare"]["runs"]
    assert set(runs) == {"curated", "raw"}
    assert runs["curated"]["tokens_trained"] == runs["raw"]["tokens_trained"] == 12 * 4 * SEQ_LEN
    for run in runs.values():
        assert 0 < run["held_out"]["bits_per_byte"] < 8 and run["held_out"]["tokens"] > 0
    assert report["compare"]["held_out_bytes"] > 0
    assert (tmp_path / "out" / "raw" / "checkpoints").is_dir()


class _Payload:
    """Unpickling this runs code: it writes a marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "code ran"))


def test_a_planted_pickle_checkpoint_is_refused_without_running_it(clean_shards, tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "b" / "checkpoints").mkdir(parents=True)
    torch.save({"step": 4, "payload": _Payload(marker)}, tmp_path / "b" / "checkpoints" / "step_0000004.pt")
    with pytest.raises(Exception, match="not a checkpoint this trainer wrote"):
        train(Shards(clean_shards), tiny_config(steps=8, checkpoint_every=4), tmp_path / "b")
    assert not marker.exists()
