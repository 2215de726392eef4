"""Misconfiguration, through the command line: exit code 2 before any work, naming file, key and fix.

One table, one kind of mistake per row. Each row is a small config file (plus command-line
options); the error must name the key, say how to fix it (the valid choices or range), name the
config file where the mistake is in it, and leave no stage output behind.
"""

from __future__ import annotations

import pytest

from pipeline.cli import main

# (id, config text, extra CLI args, key named, words of the fix, the error names the config file)
CASES = [
    ("unknown_step", "quality:\n  en:\n    - use: gopher_qualty\n", [], "quality.en.0.use", "valid steps", True),
    ("misspelled_key", "run:\n  wrokers: 4\n", [], "run.wrokers", "valid keys", True),
    ("unknown_section", "dedupe: {}\n", [], "dedupe", "valid keys", True),
    ("wrong_type", "run:\n  tasks: four\n", [], "run.tasks", "expected int", True),
    ("number_as_text", "tokenizer:\n  max_train_bytes: 1e8\n", [], "tokenizer.max_train_bytes", "write large numbers out in full", True),
    ("bad_choice", "run:\n  executor: kubernetes\n", [], "run.executor", "not one of ['local', 'slurm', 'ray']", True),
    ("rule_frac_out_of_range", "quality:\n  en:\n    - use: gopher_quality\n      max_symbol_word_frac: 1.5\n", [],
     "quality.en.0.max_symbol_word_frac", "between 0 and 1", True),
    ("rule_unknown_param", "quality:\n  zh:\n    - use: gopher_quality\n      min_doc_wrds: 3\n", [], "quality.zh.0.min_doc_wrds", "valid keys", True),
    ("rule_param_wrong_type", "quality:\n  en:\n    - use: gopher_quality\n      min_doc_words: lots\n", [],
     "quality.en.0.min_doc_words", "expected int", True),
    ("score_out_of_range", "langid:\n  min_score: {en: 1.5}\n", [], "langid.min_score.en", "between 0 and 1", True),
    ("share_out_of_range", "langid:\n  min_en_zh_share: 2\n", [], "langid.min_en_zh_share", "between 0 and 1", True),
    ("unknown_language", "langid:\n  min_score: {fr: 0.5}\n", [], "langid.min_score.fr", "valid: ['en', 'zh']", True),
    ("unknown_language_rules", "quality:\n  fr: []\n", [], "quality", "valid: ['en', 'zh']", True),
    ("tokenizer_share_language", "tokenizer:\n  language_shares: {en: 0.5, de: 0.5}\n", [], "tokenizer.language_shares.de", "supported language", True),
    ("vocab_below_bytes", "tokenizer:\n  vocab_size: 200\n", [], "tokenizer.vocab_size", "256-symbol byte alphabet", True),
    ("seq_len_not_positive", "shards:\n  seq_len: 0\n", [], "shards.seq_len", "positive number of tokens", True),
    ("tasks_zero", "run:\n  tasks: 0\n", [], "run.tasks", "at least 1", True),
    ("per_group_without_key", "dedup:\n  scope: per_group\n", [], "dedup.group_key", "group_key: dump", True),
    ("limit_zero", "extract:\n  max_html_bytes: 0\n", [], "extract.max_html_bytes", "at least 1", True),
    ("timeout_negative", "extract:\n  timeout_s: -1\n", [], "extract.timeout_s", "above 0", True),
    ("missing_rule_file", "quality:\n  en: filters/missing.yaml\n", [], "quality.en", "does not exist", True),
    ("missing_input", "", ["--input", "{tmp}/nowhere/*.warc.gz"], "input.paths", "Fix: point input.paths", False),
    ("unwritable_output", "", ["--output", "{tmp}/a_file/run"], "run.output", "Fix: give a writable folder", False),
    ("refused_run_in_new_parents", "", ["--stages", "dedup", "--output", "{tmp}/new/parents/run"], "stage 'dedup'",
     "run stage 'quality' first", False),
    ("slurm_without_slurm", "", ["--executor", "slurm"], "run.executor", "--executor local", False),
    # Values that reach the Slurm batch script: refused before anything is written or submitted.
    ("slurm_partition_newline", 'slurm:\n  partition: "debug\\ntouch pwned"\n', [], "slurm.partition", "letters, digits", True),
    ("slurm_qos_substitution", 'slurm:\n  qos: "$(touch pwned)"\n', [], "slurm.qos", "letters, digits", True),
    ("sbatch_arg_injection", 'slurm:\n  sbatch_args: {account: "a\\n#SBATCH --wrap=id"}\n', [], "slurm.sbatch_args.account",
     "cannot go into a batch script line", True),
    ("sbatch_arg_bad_name", 'slurm:\n  sbatch_args: {"x y": "1"}\n', [], "slurm.sbatch_args.x y", "not an sbatch option name", True),
    ("slurm_time_banana", "slurm:\n  time: banana\n", [], "slurm.time", "e.g. 04:00:00", True),
    ("slurm_cpus_zero", "slurm:\n  cpus_per_task: 0\n", [], "slurm.cpus_per_task", "at least 1", True),
    ("slurm_env_two_lines", 'slurm:\n  env_command: "source a\\ntouch pwned"\n', [], "slurm.env_command", "one command line", True),
    ("slurm_run_folder_with_space", "", ["--executor", "slurm", "--output", "{tmp}/my run"], "run.output",
     "no spaces or shell characters", False),
    ("slurm_run_folder_substitution", "", ["--executor", "slurm", "--output", "{tmp}/$(touch pwned)"], "run.output",
     "no spaces or shell characters", False),
    # "Billion laughs": 9 levels of aliases, 9^9 strings if every use were walked again.
    ("yaml_alias_bomb", "slurm:\n  sbatch_args:\n    a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
     + "".join(f"    {b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi")),
     [], "slurm.sbatch_args.a", "expected str", True),
    # Probabilities, shares and byte budgets out of range.
    ("rejection_score_5", "recovery:\n  false_rejections:\n    min_score: 5\n", [], "recovery.false_rejections.min_score",
     "between 0 and 1", True),
    ("language_share_7", "recovery:\n  false_language:\n    min_share: 7\n", [], "recovery.false_language.min_share",
     "between 0 and 1", True),
    ("jaccard_negative", "recovery:\n  max_jaccard_to_kept: -1\n", [], "recovery.max_jaccard_to_kept", "between 0 and 1", True),
    ("heldout_bytes_negative", "tokenizer:\n  max_heldout_bytes: -5\n", [], "tokenizer.max_heldout_bytes", "cannot be negative", True),
    ("fallback_share_2", "extract:\n  fallback_below: 2\n", [], "extract.fallback_below", "between 0 and 1", True),
    ("later_stage_first", "", ["--stages", "dedup"], "stage 'dedup'", "run stage 'quality' first", False),
    ("key_given_twice", "run:\n  seed: 0\n  seed: 1\n", [], "run.seed", "given twice (first on line 2)", True),
    ("train_bytes_zero", "tokenizer:\n  max_train_bytes: 0\n", [], "tokenizer.max_train_bytes", "at least 1", True),
    ("train_bytes_negative", "tokenizer:\n  max_train_bytes: -5\n", [], "tokenizer.max_train_bytes", "at least 1, got -5", True),
    ("recovery_model_language", "recovery:\n  false_rejections:\n    model_path:\n      fr: m.bin\n", [],
     "recovery.false_rejections.model_path.fr", "valid: ['en', 'zh']", True),
    ("min_frequency_zero", "tokenizer:\n  min_frequency: 0\n", [], "tokenizer.min_frequency", "at least 1", True),
    ("bad_override", "", ["--set", "dedup.num_buckets=abc"], "dedup.num_buckets", "--set dedup.num_buckets=abc: ", False),
    # Files the config names are checked before any work, not when their stage opens them.
    ("missing_blocklist", "quality:\n  en:\n    - use: url_blocklist\n      blocklist_path: nowhere.txt\n", [],
     "quality.en.0.blocklist_path", "nowhere.txt does not exist", True),
    ("missing_classifier", "quality:\n  zh:\n    - use: quality_classifier\n      model_path: models/zh.bin\n", [],
     "quality.zh.0.model_path", "models/zh.bin does not exist", True),
    ("missing_recovery_model", "recovery:\n  false_rejections:\n    model_path:\n      en: models/en.bin\n", [],
     "recovery.false_rejections.model_path.en", "models/en.bin does not exist", True),
    # A file that is not a model, and a model cut short (it would crash fastText: SIGSEGV, exit 139).
    ("not_a_model", "quality:\n  zh:\n    - use: quality_classifier\n      model_path: {tmp}/notes.bin\n", [],
     "quality.zh.0.model_path", "is not a fastText model", True),
    ("truncated_model", "recovery:\n  false_rejections:\n    model_path:\n      en: {tmp}/cut.bin\n", [],
     "recovery.false_rejections.model_path.en", "truncated or damaged", True),
    ("missing_reference_tokenizer", "tokenizer:\n  reference: ref/tokenizer.json\n", [], "tokenizer.reference",
     "ref/tokenizer.json does not exist", True),
]


_MODEL = {}


def _model_bytes(tmp_path) -> bytes:
    """A real (tiny) fastText model's bytes, trained once for the table."""
    if "bytes" not in _MODEL:
        from filters.classifier import TrainParams, train_classifier

        path = tmp_path / "real.bin"
        train_classifier(["good clean prose about rivers and towns"] * 20, ["buy cheap pills now now now"] * 20, path,
                         params=TrainParams(epoch=1))
        _MODEL["bytes"] = path.read_bytes()
    return _MODEL["bytes"]


@pytest.mark.parametrize("text, extra, key, fix, names_file", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_exits_2_before_any_work(tmp_path, capsys, monkeypatch, text, extra, key, fix, names_file):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "pages.warc").write_bytes(b"WARC/1.0\r\n")
    (tmp_path / "a_file").write_text("a file where a folder is expected")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # no sbatch here
    monkeypatch.chdir(tmp_path)  # where an injected `touch pwned` would leave its file
    (tmp_path / "notes.bin").write_text("these are my notes, not a model")
    (tmp_path / "cut.bin").write_bytes(_model_bytes(tmp_path)[:3000])  # a real model, cut short
    config = tmp_path / "bad.yaml"
    config.write_text((text or "run:\n  tasks: 1\n").replace("{tmp}", str(tmp_path)))
    run = tmp_path / "run"
    args = ["run", str(config), "--input", str(tmp_path / "in"), "--output", str(run)]
    args += [a.format(tmp=tmp_path) for a in extra]

    assert main(args) == 2
    err = capsys.readouterr().err
    assert key in err, err
    assert fix in err, err
    if names_file:
        # file:line: key: message
        assert f"{config}:" in err or "filters/" in err, err
        if f"{config}:" in err:  # and the line is the offending key's, or its section's where the key is missing
            line = config.read_text().splitlines()[int(err.split(f"{config}:")[1].split(":")[0]) - 1]
            assert any(part in line for part in key.split(".") if not part.isdigit()), (line, err)
    # Nothing ran, and the refused run left no folder behind; no injected payload ran.
    assert not run.exists() and not list(tmp_path.glob("**/*.jsonl.gz"))
    assert not (tmp_path / "pwned").exists() and not list(tmp_path.glob("my run*"))
    assert not (tmp_path / "new").exists()  # nor the parent folders it would have made


def test_at_least_ten_kinds():
    assert len(CASES) >= 10
