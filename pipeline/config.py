"""The one config loader: YAML in, typed dataclasses out, loud errors before any work.

`yaml.safe_load` gives plain data; `build_typed` (pipeline/typed_yaml.py) turns it into the
dataclasses below, checking every key and type against the dataclass fields. Filter-rule files
referenced from `quality:` are inlined, so the resolved config written to `RUN/config.yaml`
says everything about the run.
Every error names the file, the dotted key, the line and the valid choices (exit code 2).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.typed_yaml import ConfigError, apply_override, build_typed, join_key
from pipeline.yaml_source import YamlSource, load_yaml

STAGES = ("extract", "langid", "quality", "dedup", "recovery", "tokenizer", "shards", "report")
LANGUAGES = ("en", "zh")


@dataclass
class RunConfig:
    output: str = "runs/thresher"  # the run folder
    seed: int = 0
    tasks: int = 2  # datatrove tasks per parallel stage (input files are shared out among them)
    workers: int = 2  # tasks run at the same time on the local executor
    executor: Literal["local", "slurm"] = "local"


@dataclass
class InputConfig:
    paths: list[str] = field(default_factory=list)  # files, folders, globs or fsspec URLs
    format: Literal["auto", "warc", "jsonl", "parquet"] = "auto"
    text_key: str = "text"  # for jsonl/parquet: the field that holds the text
    id_key: str = "id"


@dataclass
class ExtractConfig:
    # hybrid: resiliparse, with trafilatura for the pages where its main content is empty or a
    # stub (extract/extraction.py); resiliparse alone; trafilatura: FineWeb's extractor.
    # Chosen by bench/extraction_quality.py (F1 and pages/s per core, en and zh).
    extractor: Literal["hybrid", "resiliparse", "trafilatura"] = "hybrid"
    # hybrid: a page goes to trafilatura when resiliparse's main content is under this share of
    # its visible text. 0.2 was chosen on the tuning half of the labelled pages: the best F1 at
    # 5x stock's pages/s; higher shares send more pages through trafilatura for no F1.
    fallback_below: float = 0.2
    # hybrid: the fallback runs trafilatura without its own readability/jusText second pass
    # (no_fallback): the same F1 on the labelled pages at half the time.
    fallback_fast: bool = True
    favour_precision: bool = True  # trafilatura only: FineWeb's setting
    timeout_s: float = 1.0  # trafilatura (and the hybrid's fallback): per page; a page over it is counted
    # Limits on one input document: over a limit it is dropped and counted (dropped_extract_*), never
    # fatal. resiliparse runs in-process without a timeout: it is linear in its input, so
    # max_html_bytes is what bounds its time per page.
    max_record_bytes: int = 67108864  # a WARC record is framed in memory; larger ones are skipped unread
    max_html_bytes: int = 10485760  # an HTML payload (after HTTP content decoding) handed to the extractor
    max_inflate_ratio: int = 100  # a gzip/deflate HTTP body may inflate at most this many times its size
    max_document_bytes: int = 10485760  # the text of a jsonl/parquet document (UTF-8 bytes)


@dataclass
class LangidConfig:
    # Minimum lid.176 score per kept language. 0.65 is FineWeb's English threshold; Chinese web
    # pages carry more Latin UI strings, so their whole-page score runs lower.
    min_score: dict[str, float] = field(default_factory=lambda: {"en": 0.65, "zh": 0.5})
    # A page lid.176 calls Chinese but whose CJK text has this much kana is Japanese: kanji alone
    # fool character-based detectors.
    max_kana_frac_for_zh: float = 0.05
    # Mixed pages: a page whose paragraphs identified as en or zh (each at its language's
    # min_score) make up at least this share of the text's bytes is kept even when its whole-page
    # score is low, and goes to whichever of en/zh has the larger share.
    min_en_zh_share: float = 0.5
    # Convert Traditional Chinese to Simplified (OpenCC's t2s tables) for pages routed to zh.
    to_simplified: bool = False
    # A whole-page score at least this high decides alone; below it paragraph shares are
    # computed (~7 ms a page), so mixed pages are judged on paragraph evidence.
    confident_score: float = 0.9
    # Second opinion on an unsure en (score 0.4-0.9, Latin script): English function words,
    # word-by-word votes, non-ASCII letters rescue or refuse it (langid/english.py).
    english_check: bool = True


@dataclass
class RuleSpec:
    use: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, value: Any, source: YamlSource, key: str) -> RuleSpec:
        """`{use: gopher_quality, min_doc_words: 50}`: the step's own keys are checked in _check_rules."""
        if not isinstance(value, dict) or "use" not in value:
            raise ConfigError("a rule is a mapping with `use: <step name>`", source, key)
        params = {k: v for k, v in value.items() if k != "use"}
        return cls(use=build_typed(str, value["use"], source, join_key(key, "use")), params=params)


@dataclass
class DedupConfig:
    # Shingles: word n-grams for English, character n-grams for Chinese (no spaces to split on).
    # 3-grams: one replaced word breaks 3 shingles, not 5, so a copy with 3% of its words
    # replaced keeps a Jaccard near 0.84 (5-grams: 0.75, right at any usual threshold), while
    # one with 50% replaced stays under 0.17. The banding feeds candidates to a check on the
    # Jaccard estimated from all buckets x hashes (dedup/verify.py). n, banding and threshold
    # were chosen together, cross-validated, by bench/dedup_quality.py (which prints the rates),
    # at no more hashes and no more banding candidates between distinct pages than 5-grams at
    # 32 x 6 cost before.
    n_grams: dict[str, int] = field(default_factory=lambda: {"en": 3, "zh": 3})
    num_buckets: int = 24
    hashes_per_bucket: int = 8
    threshold: float = 0.725  # 0: every candidate is a duplicate (plain LSH banding)
    # Which documents may be duplicates of each other (see dedup/scope.py): per_language,
    # per_group (same value of the metadata field `group_key`, e.g. the crawl dump) or global.
    scope: Literal["per_language", "per_group", "global"] = "per_language"
    group_key: str | None = None
    exact: bool = True  # remove exact copies (normalised text) before MinHash
    # datatrove: the four on-disk MinHash stages, any corpus size. datasketch: one in-memory
    # MinHashLSH task per partition, for small runs; same removed records.
    engine: Literal["datatrove", "datasketch"] = "datatrove"


@dataclass
class FalseDuplicatesConfig:
    enabled: bool = True
    # A removed duplicate whose true Jaccard to its cluster's survivor is below this was chained
    # in by LSH banding or transitive clustering, not by being a near copy: it is re-admitted.
    min_jaccard: float = 0.7


@dataclass
class FalseRejectionsConfig:
    enabled: bool = True
    # A quality classifier per language (`thresher quality train`); a language without one
    # has this mechanism off (the report says so). Relative paths are from the working directory.
    model_path: dict[str, str] = field(default_factory=dict)
    # A rule's removal is overruled only when the model scores the document at least this high
    # and the document is of a kind that rule misjudges (recovery/kinds.py). 0.8: a little above
    # the median (0.78, range 0.75..0.84) of the values cross-validation picks in
    # bench/recovery_eval.py, which reach only 84 % precision out of fold. At 0.8, ~90 % of
    # re-admissions are good on DCLM's labels, and ~1/5 of the wrongly removed come back.
    min_score: float = 0.8


@dataclass
class FalseLanguageConfig:
    enabled: bool = True
    # Share of the page's prose lines (code and menu lines left out) in one of en/zh.
    min_share: float = 0.6
    min_paragraph_score: float = 0.5
    min_prose_bytes: int = 200


@dataclass
class ReextractionConfig:
    enabled: bool = True
    # The precise extractor a removed page's HTML goes through again (FineWeb's settings:
    # favour precision); then line cleaning and every rule of its language, as in the quality stage.
    extractor: Literal["trafilatura", "resiliparse"] = "trafilatura"


@dataclass
class RecoveryConfig:
    reextraction: ReextractionConfig = field(default_factory=ReextractionConfig)
    false_duplicates: FalseDuplicatesConfig = field(default_factory=FalseDuplicatesConfig)
    false_rejections: FalseRejectionsConfig = field(default_factory=FalseRejectionsConfig)
    false_language: FalseLanguageConfig = field(default_factory=FalseLanguageConfig)
    # A re-admitted candidate this similar (Jaccard of dedup's shingles) to a kept document stays out.
    max_jaccard_to_kept: float = 0.7


@dataclass
class TokenizerConfig:
    vocab_size: int = 100000
    min_frequency: int = 2
    # Byte budget of training text, sampled from the final documents (DeepSeek used ~24 GB).
    max_train_bytes: int = 2000000000
    # The embedding matrix is padded to a multiple of this: 100,000 learned + 16 special tokens
    # -> 102,400 rows, DeepSeek-V2's embedding size.
    pad_vocab_to_multiple_of: int = 4096
    backend: Literal["tokenizers", "sentencepiece"] = "tokenizers"
    # Share of the training bytes per language; kept exact (a scarce language scales the rest down).
    language_shares: dict[str, float] = field(default_factory=lambda: {"en": 0.5, "zh": 0.5})
    # Documents held out of training (by hash of their id) for the report's compression figures.
    heldout_fraction: float = 0.01
    max_heldout_bytes: int = 5000000  # per language
    reference: str | None = None  # a tokenizer.json / tokenizer.model to compare against in the report


@dataclass
class ShardsConfig:
    seq_len: int = 4096
    # best_fit: best-fit-decreasing packing, a document is cut only when longer than a row, the
    # rest of a row is padded (Ding et al. 2024, "Fewer Truncations Improve Language Modeling").
    # concat: one stream cut into rows, no padding, but about one document cut per row.
    packing: Literal["concat", "best_fit"] = "best_fit"
    # Documents packed together by best_fit: the more, the less padding (16M tokens = 4096 rows).
    best_fit_buffer_tokens: int = 16777216
    max_shard_tokens: int = 268435456  # 1 GiB of uint32 per shard file


@dataclass
class SlurmConfig:
    partition: str | None = None
    time: str = "04:00:00"
    cpus_per_task: int = 1
    mem_per_cpu_gb: int = 2
    qos: str | None = None
    sbatch_args: dict[str, str] = field(default_factory=dict)
    env_command: str | None = None  # e.g. "source .venv/bin/activate"


@dataclass
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    input: InputConfig = field(default_factory=InputConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    langid: LangidConfig = field(default_factory=LangidConfig)
    quality: dict[str, list[RuleSpec]] = field(default_factory=dict)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    recovery: RecoveryConfig = field(default_factory=RecoveryConfig)
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    shards: ShardsConfig = field(default_factory=ShardsConfig)
    slurm: SlurmConfig = field(default_factory=SlurmConfig)
    # Where each key came from, for errors found after loading (a missing file in preflight).
    # Set by load_config, never by the YAML (build_typed skips fields with init=False).
    source: YamlSource | None = field(default=None, init=False, repr=False, compare=False)

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        del data["source"]
        data["quality"] = {
            lang: [{"use": r.use, **r.params} for r in rules] for lang, rules in self.quality.items()
        }
        return data


def load_config(path: str | Path, overrides: list[str] = ()) -> Config:
    """Load CONFIG, inline its filter-rule files, apply `--set key=value` overrides, validate."""
    source = load_yaml(Path(path))
    if not isinstance(source.data, dict):
        raise ConfigError("the top level must be a mapping of sections", source)
    _inline_rule_files(source)
    for override in overrides:
        apply_override(source, override)
    cfg = build_typed(Config, source.data, source, "")
    _check_rules(cfg, source)
    _check_values(cfg, source)
    cfg.source = source
    return cfg


# What may reach a line of the Slurm batch script. A newline would add a line of its own (and
# run it); quotes, `$`, backticks or spaces would be read by the shell or by sbatch.
SLURM_NAME = re.compile(r"[A-Za-z0-9_.+-]+(?:,[A-Za-z0-9_.+-]+)*")  # a partition, qos or account list
# Slurm's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours[:minutes[:seconds]].
SLURM_TIME = re.compile(r"(?:\d+-)?\d+(?::\d{1,2}){0,2}|UNLIMITED|INFINITE", re.I)
SBATCH_KEY = re.compile(r"[a-z][a-z0-9-]*")
SBATCH_VALUE = re.compile(r"[A-Za-z0-9_.,:=@/+%-]*")


def _check_slurm(slurm: SlurmConfig, need) -> None:
    why = "; letters, digits and _ . + - , only (it is written into the Slurm batch script)"
    for key in ("partition", "qos"):
        value = getattr(slurm, key)
        need(value is None or bool(SLURM_NAME.fullmatch(str(value))), f"slurm.{key}", f"not a Slurm name: {value!r}{why}")
    need(bool(SLURM_TIME.fullmatch(str(slurm.time))), "slurm.time",
         f"not a Slurm time limit: {slurm.time!r}; e.g. 04:00:00, 90, 1-12:00:00")
    need(slurm.cpus_per_task >= 1, "slurm.cpus_per_task", f"must be at least 1, got {slurm.cpus_per_task}")
    need(slurm.mem_per_cpu_gb >= 1, "slurm.mem_per_cpu_gb", f"must be at least 1, got {slurm.mem_per_cpu_gb}")
    for key, value in slurm.sbatch_args.items():
        need(bool(SBATCH_KEY.fullmatch(str(key))), f"slurm.sbatch_args.{key}",
             "not an sbatch option name: lower-case letters, digits and - (e.g. account, constraint)")
        need(bool(SBATCH_VALUE.fullmatch(str(value))), f"slurm.sbatch_args.{key}",
             f"value {str(value)!r} cannot go into a batch script line: letters, digits and _ . , : = @ / + % - only")
    need(slurm.env_command is None or not any(c in slurm.env_command for c in "\r\n"), "slurm.env_command",
         "one command line: a newline would start a second command in the batch script")


def _check_values(cfg: Config, source: YamlSource) -> None:
    """Values of the right type that still cannot work: caught now, not an hour into the run."""

    def need(ok: bool, key: str, message: str) -> None:
        if not ok:
            raise ConfigError(message, source, key)

    need(cfg.run.tasks >= 1, "run.tasks", f"must be at least 1, got {cfg.run.tasks}")
    need(cfg.run.workers >= 1, "run.workers", f"must be at least 1, got {cfg.run.workers}")
    for lang, score in cfg.langid.min_score.items():
        need(lang in LANGUAGES, f"langid.min_score.{lang}", f"unsupported language; valid: {list(LANGUAGES)}")
        need(0.0 <= score <= 1.0, f"langid.min_score.{lang}", f"a score is between 0 and 1, got {score}")
    need(0.0 <= cfg.langid.confident_score <= 1.01, "langid.confident_score",
         f"a score between 0 and 1 (above 1: paragraph shares for every page), got {cfg.langid.confident_score}")
    for lang in LANGUAGES:
        need(cfg.dedup.n_grams.get(lang, 0) >= 1, f"dedup.n_grams.{lang}", "give an n-gram size of at least 1 per language")
    need(cfg.dedup.num_buckets >= 1 and cfg.dedup.hashes_per_bucket >= 1, "dedup.num_buckets", "buckets and hashes per bucket must be at least 1")
    need(0 <= cfg.dedup.threshold <= 1, "dedup.threshold", f"a Jaccard similarity is between 0 and 1, got {cfg.dedup.threshold}")
    need(0.0 <= cfg.recovery.false_duplicates.min_jaccard <= 1.0, "recovery.false_duplicates.min_jaccard", "a Jaccard similarity is between 0 and 1")
    for lang in cfg.recovery.false_rejections.model_path:
        need(lang in LANGUAGES, f"recovery.false_rejections.model_path.{lang}", f"unsupported language; valid: {list(LANGUAGES)}")
    # Byte-level BPE starts from the 256 byte symbols: a smaller vocabulary cannot exist.
    need(cfg.dedup.scope != "per_group" or bool(cfg.dedup.group_key), "dedup.group_key",
         "scope per_group needs `group_key`, the metadata field that names a document's group (e.g. group_key: dump)")
    for name in ("min_en_zh_share", "max_kana_frac_for_zh"):
        value = getattr(cfg.langid, name)
        need(0.0 <= value <= 1.0, f"langid.{name}", f"a share is between 0 and 1, got {value}")
    rec = cfg.recovery
    for key, value in (("recovery.false_rejections.min_score", rec.false_rejections.min_score),
                       ("recovery.false_language.min_share", rec.false_language.min_share),
                       ("recovery.false_language.min_paragraph_score", rec.false_language.min_paragraph_score),
                       ("recovery.max_jaccard_to_kept", rec.max_jaccard_to_kept),
                       ("tokenizer.heldout_fraction", cfg.tokenizer.heldout_fraction)):
        need(0.0 <= value <= 1.0, key, f"a score, share or similarity is between 0 and 1, got {value}")
    for key, value in (("recovery.false_language.min_prose_bytes", rec.false_language.min_prose_bytes),
                       ("tokenizer.max_heldout_bytes", cfg.tokenizer.max_heldout_bytes)):
        need(value >= 0, key, f"a byte budget cannot be negative, got {value}")
    _check_slurm(cfg.slurm, need)
    e = cfg.extract
    need(e.timeout_s > 0, "extract.timeout_s", f"a time per page must be above 0 seconds, got {e.timeout_s}")
    need(0.0 <= e.fallback_below <= 1.0, "extract.fallback_below", f"a share of the visible text is between 0 and 1, got {e.fallback_below}")
    for name in ("max_record_bytes", "max_html_bytes", "max_inflate_ratio", "max_document_bytes"):
        need(getattr(e, name) >= 1, f"extract.{name}", f"a limit must be at least 1, got {getattr(e, name)}")
    # Rule thresholds named *_frac are shares of a document: outside [0, 1] they keep or drop everything.
    for lang, rules in cfg.quality.items():
        for i, rule in enumerate(rules):
            for name, value in rule.params.items():
                if name.endswith("_frac") and isinstance(value, (int, float)) and not 0.0 <= value <= 1.0:
                    need(False, f"quality.{lang}.{i}.{name}", f"a fraction is between 0 and 1, got {value}")
    need(cfg.tokenizer.vocab_size > 256, "tokenizer.vocab_size",
         f"must exceed the 256-symbol byte alphabet, got {cfg.tokenizer.vocab_size}")
    need(cfg.tokenizer.pad_vocab_to_multiple_of >= 1, "tokenizer.pad_vocab_to_multiple_of", "must be at least 1")
    need(cfg.tokenizer.max_train_bytes >= 1, "tokenizer.max_train_bytes",
         f"a byte budget of training text must be at least 1, got {cfg.tokenizer.max_train_bytes}")
    # A pair seen fewer than once is never merged: below 1 the setting means nothing.
    need(cfg.tokenizer.min_frequency >= 1, "tokenizer.min_frequency", f"must be at least 1, got {cfg.tokenizer.min_frequency}")
    for lang, share in cfg.tokenizer.language_shares.items():
        need(lang in LANGUAGES and share >= 0, f"tokenizer.language_shares.{lang}",
             f"a share of a supported language ({list(LANGUAGES)}) is at least 0, got {share}")
    need(sum(cfg.tokenizer.language_shares.values()) > 0, "tokenizer.language_shares", "give some language a share above 0")
    need(0.0 <= cfg.tokenizer.heldout_fraction < 1.0, "tokenizer.heldout_fraction", "a fraction in [0, 1)")
    need(cfg.shards.seq_len >= 1, "shards.seq_len", f"must be a positive number of tokens, got {cfg.shards.seq_len}")
    need(cfg.shards.max_shard_tokens >= cfg.shards.seq_len, "shards.max_shard_tokens",
         f"a shard holds at least one row of {cfg.shards.seq_len} tokens, got {cfg.shards.max_shard_tokens}")
    need(cfg.shards.best_fit_buffer_tokens >= 1, "shards.best_fit_buffer_tokens", "must be at least 1")


def _inline_rule_files(source: YamlSource) -> None:
    """`quality: {en: filters/en.yaml}` -> the file's `rules:` list, with its lines kept."""
    quality = source.data.get("quality") or {}
    if not isinstance(quality, dict):
        return
    for lang, value in quality.items():
        if isinstance(value, str):
            rule_path = source.path.parent / value
            if not rule_path.is_file():
                raise ConfigError(f"filter-rule file {rule_path} does not exist", source, f"quality.{lang}")
            rules_source = load_yaml(rule_path)
            if not isinstance(rules_source.data, dict) or "rules" not in rules_source.data:
                raise ConfigError("a filter-rule file holds a `rules:` list", rules_source, "rules")
            unknown = set(rules_source.data) - {"rules"}
            if unknown:
                raise ConfigError(f"unknown key(s) {sorted(unknown)}; valid: ['rules']", rules_source)
            source.graft(("quality", lang), rules_source, ("rules",))


def _check_rules(cfg: Config, source: YamlSource) -> None:
    """Each rule's `use` must be a registered step and its keys that step's arguments."""
    from filters.registry import STEPS

    for lang, rules in cfg.quality.items():
        if lang not in LANGUAGES:
            raise ConfigError(f"no quality rules for language {lang!r}; valid: {list(LANGUAGES)}", source, "quality")
        for i, rule in enumerate(rules):
            key = f"quality.{lang}.{i}"
            if rule.use not in STEPS:
                raise ConfigError(f"unknown step {rule.use!r}; valid steps: {sorted(STEPS)}", source, f"{key}.use")
            rule.params = _build_params(STEPS[rule.use], rule.params, source, key)
            for name, value in rule.params.items():
                # A file a rule reads (a blocklist, a term list) is named relative to the YAML
                # file that names it, like the rule files themselves.
                if name.endswith("_path") and isinstance(value, str) and not Path(value).is_absolute():
                    origin_file = source.lines.get(join_key(key, name), (source.path, 0))[0]
                    rule.params[name] = str((origin_file.parent / value).resolve())


def _build_params(step: type, params: dict, source: YamlSource, key: str) -> dict:
    """A step's YAML keys are exactly its constructor's keyword arguments, type-checked."""
    signature = inspect.signature(step.__init__)
    hints = typing.get_type_hints(step.__init__)
    valid = [n for n in signature.parameters if n not in ("self", "exclusion_writer")]
    built = {}
    for name, value in params.items():
        if name not in valid:
            raise ConfigError(f"unknown key {name!r} for step {step.name!r}; valid keys: {valid}", source, join_key(key, name))
        built[name] = build_typed(hints.get(name, Any), value, source, join_key(key, name))
    return built
