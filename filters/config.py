"""The quality stage's settings: per language, the list of rules `quality: {en: [...], zh: [...]}`.

A rule is `{use: <step name>, <its keys>}`; the step is looked up in filters/registry.py and its
keys are exactly its constructor's keyword arguments, type-checked here at load time.
"""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filters.registry import STEPS
from pipeline.layout import LANGUAGES
from pipeline.typed_yaml import build_typed, join_key
from pipeline.yaml_source import ConfigError, YamlSource


@dataclass
class RuleSpec:
    use: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, value: Any, source: YamlSource, key: str) -> RuleSpec:
        """`{use: gopher_quality, min_doc_words: 50}` at KEY (`quality.en.0`), checked against the step."""
        if not isinstance(value, dict) or "use" not in value:
            raise ConfigError("a rule is a mapping with `use: <step name>`", source, key)
        use = build_typed(str, value["use"], source, join_key(key, "use"))
        if use not in STEPS:
            raise ConfigError(f"unknown step {use!r}; valid steps: {sorted(STEPS)}", source, f"{key}.use")
        params = _build_params(STEPS[use], {k: v for k, v in value.items() if k != "use"}, source, key)
        for name, param in params.items():
            # A file a rule reads (a blocklist, a term list) is named relative to the YAML file
            # that names it, like the rule files themselves.
            if name.endswith("_path") and isinstance(param, str) and not Path(param).is_absolute():
                origin_file = source.lines.get(join_key(key, name), (source.path, 0))[0]
                params[name] = str((origin_file.parent / param).resolve())
        return cls(use=use, params=params)


class QualityRules(dict):
    """{language: [RuleSpec, ...]}, as the YAML gives it."""

    @classmethod
    def from_yaml(cls, value: Any, source: YamlSource, key: str) -> QualityRules:
        if value is None:
            return cls()
        if not isinstance(value, dict):
            raise ConfigError("expected a mapping of language -> list of rules", source, key)
        for lang in value:
            if lang not in LANGUAGES:
                raise ConfigError(f"no quality rules for language {lang!r}; valid: {list(LANGUAGES)}", source, key)
        return cls({lang: build_typed(list[RuleSpec], rules, source, join_key(key, lang)) for lang, rules in value.items()})

    def check(self, need) -> None:
        # Rule thresholds named *_frac are shares of a document: outside [0, 1] they keep or drop everything.
        for lang, rules in self.items():
            for i, rule in enumerate(rules):
                for name, value in rule.params.items():
                    if name.endswith("_frac") and isinstance(value, (int, float)) and not 0.0 <= value <= 1.0:
                        need(False, f"{lang}.{i}.{name}", f"a fraction is between 0 and 1, got {value}")

    def to_yaml(self) -> dict:
        """The rules as a config file writes them: `{use: ..., <keys>}` per rule."""
        return {lang: [{"use": r.use, **r.params} for r in rules] for lang, rules in self.items()}


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
