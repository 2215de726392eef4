"""The config loader: typed objects from YAML, and loud errors naming file, line, key and fix."""

import textwrap

import pytest

from pipeline.cli import main
from pipeline.config import Config, ConfigError, load_config
from filters.registry import STEPS


def write(tmp_path, text, name="run.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def rules(tmp_path):
    (tmp_path / "filters").mkdir()
    write(tmp_path, """\
        rules:
          - use: gopher_quality
            min_doc_words: 40
          - use: gopher_repetition
        """, "filters/en.yaml")
    return tmp_path


def test_shipped_configs_load(configs):
    default = load_config(configs / "default.yaml")
    demo = load_config(configs / "demo.yaml")
    assert default.tokenizer.vocab_size == 100000
    assert default.shards.seq_len == demo.shards.seq_len == 4096
    assert demo.tokenizer.vocab_size < default.tokenizer.vocab_size
    # The filter-rule files are inlined, every rule a registered step.
    for cfg in (default, demo):
        assert set(cfg.quality) == {"en", "zh"}
        assert all(rule.use in STEPS for rules in cfg.quality.values() for rule in rules)


def test_typed_objects_and_rule_files(rules):
    path = write(rules, """\
        run: {tasks: 3, seed: 7}
        quality: {en: filters/en.yaml}
        dedup: {num_buckets: 20}
        """)
    cfg = load_config(path)
    assert isinstance(cfg, Config)
    assert (cfg.run.tasks, cfg.run.seed, cfg.dedup.num_buckets) == (3, 7, 20)
    assert cfg.dedup.hashes_per_bucket == 8  # a default
    assert [r.use for r in cfg.quality["en"]] == ["gopher_quality", "gopher_repetition"]
    assert cfg.quality["en"][0].params == {"min_doc_words": 40}


def test_overrides_are_typed_and_reach_rules(rules):
    path = write(rules, "quality: {en: filters/en.yaml}\n")
    cfg = load_config(path, ["dedup.num_buckets=20", "quality.en.gopher_quality.min_doc_words=80", "run.output=/tmp/x"])
    assert cfg.dedup.num_buckets == 20
    assert cfg.quality["en"][0].params["min_doc_words"] == 80
    with pytest.raises(ConfigError, match="expected int"):
        load_config(path, ["dedup.num_buckets=many"])
    with pytest.raises(ConfigError, match="unknown key 'num_bucket'"):
        load_config(path, ["dedup.num_bucket=20"])
    with pytest.raises(ConfigError, match="no item 'c4_nope'"):
        load_config(path, ["quality.en.c4_nope.x=1"])


def test_error_in_rule_file_names_that_file(tmp_path):
    (tmp_path / "filters").mkdir()
    rule_file = write(tmp_path, "rules:\n  - use: gopher_quality\n    max_doc_wordz: 9\n", "filters/en.yaml")
    path = write(tmp_path, "quality:\n  en: filters/en.yaml\n")
    with pytest.raises(ConfigError, match=rf"{rule_file}:3: quality.en.0.max_doc_wordz"):
        load_config(path)


def test_invalid_yaml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "run: [1, 2\n"))
    with pytest.raises(ConfigError, match=rf"cannot read config file {tmp_path / 'nope.yaml'}: No such file"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text, hint", [
    ("tokenizer:\n  max_train_bytes: 1e8\n", True),
    ("tokenizer:\n  max_train_bytes: 2.5E9\n", True),
    ("dedup:\n  threshold: 7e-1\n", True),
    ("run:\n  tasks: four\n", False),
    ("run:\n  tasks: 1.5\n", False),
    ("run:\n  seed: e8\n", False),
])
def test_e_notation_hint_only_for_e_notation(tmp_path, text, hint):
    with pytest.raises(ConfigError, match="expected") as err:
        load_config(write(tmp_path, text))
    assert ("write large numbers out in full" in str(err.value)) == hint


@pytest.mark.parametrize("override, key", [
    ("dedup.num_buckets=abc", "dedup.num_buckets"),
    ("quality.en.gopher_quality.min_doc_words=lots", "quality.en.0.min_doc_words"),  # a rule named by its use
    ("quality.en=[{use: gopher_qualty}]", "quality.en.0.use"),  # inside a value the override replaced
    ("tokenizer.min_frequency=0", "tokenizer.min_frequency"),  # a range check after typing
])
def test_override_errors_name_the_override_not_the_yaml_line(rules, override, key):
    path = write(rules, "quality: {en: filters/en.yaml}\ndedup:\n  num_buckets: 32\ntokenizer:\n  min_frequency: 2\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, [override])
    message = str(err.value)
    assert message.startswith(f"--set {override}: {key}: "), message
    assert str(path) not in message and "filters/en.yaml" not in message


def test_cli_exits_2_on_config_error(tmp_path, capsys):
    path = write(tmp_path, "run:\n  wrokers: 4\n")
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'wrokers'" in err and str(path) in err


def test_the_config_pickles_like_a_plain_dataclass(configs):
    # Built from the stage table, it is still pipeline.config.Config to pickle (workers, Slurm).
    import pickle

    cfg = load_config(configs / "demo.yaml")
    assert type(cfg) is Config and pickle.loads(pickle.dumps(cfg)).to_dict() == cfg.to_dict()


def test_slurm_resources_per_job(tmp_path):
    path = write(tmp_path, 'slurm:\n  mem_per_cpu_gb: 3\n  jobs:\n    "dedup/*/clusters": {mem_per_cpu_gb: 64}\n'
                           '    "recovery/*": {cpus_per_task: 2}\n')
    slurm = load_config(path).slurm
    assert slurm.resources("langid/langid") == (1, 3, "04:00:00")  # the section's values
    assert slurm.resources("dedup/en/clusters") == (1, 64, "24:00:00")  # raised; the heavy job's time kept
    assert slurm.resources("recovery/zh/readmit_verify") == (2, 8, "24:00:00")  # a later, broader pattern adds CPUs
    assert slurm.resources("tokenizer/train") == (1, 8, "24:00:00")  # the heavy default
    for text, key in (('slurm:\n  jobs:\n    "dedupe/*": {cpus_per_task: 2}\n', "slurm.jobs.dedupe/*"),
                      ('slurm:\n  jobs:\n    "dedup/*": {time: soon}\n', "slurm.jobs.dedup/*.time")):
        with pytest.raises(ConfigError, match=key.replace("*", r"\*")):
            load_config(write(tmp_path, text))
