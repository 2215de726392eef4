"""YAML data checked against type hints and built into dataclasses, and `--set` overrides.

Every error is a `ConfigError` that names where the value came from: `file:line` and the
dotted key (`quality.en.2.max_dup_line_frac`), or the `--set` that gave it. Scalars are strict:
YAML reads `1e8` as text and `yes` as a boolean, and neither is silently taken for a number.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import re
import reprlib
import types
import typing
from typing import Any, Literal

import yaml

from pipeline.yaml_source import ConfigError, YamlSource

# What PyYAML reads as text although it looks like a number: `1e8`, `2.5E9` (YAML 1.1 wants a dot and a sign).
E_NOTATION = re.compile(r"[-+]?(\d[\d_]*\.?\d*|\.\d+)[eE][-+]?\d+")


def apply_override(source: YamlSource, override: str) -> None:
    """`dedup.num_buckets=20`; a list is indexed by position or by a rule's `use` name."""
    if "=" not in override:
        raise ConfigError(f"--set takes key=value, got {override!r}")
    dotted, raw = override.split("=", 1)
    value = yaml.safe_load(raw) if raw else ""
    parts = dotted.split(".")
    node = source.data
    key = []  # the dotted key as the loader names it: a rule by its position, not its `use` name
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            index = _list_index(node, part)
            if index is None:
                names = [r.get("use") for r in node if isinstance(r, dict)]
                raise ConfigError(f"--set {override}: no item {part!r} here; valid: {names}", key=where)
            key.append(str(index))
            if last:
                node[index] = value
            node = node[index]
        elif isinstance(node, dict):
            key.append(part)
            if last:
                node[part] = value
            elif part not in node:
                node[part] = {}
            node = node[part]
        else:
            raise ConfigError(f"--set {override}: {where} is not a section", key=where)
    # A mistake in this value is the command line's, not the YAML line the value replaced.
    source.overrides[".".join(key)] = override


def _list_index(items: list, part: str) -> int | None:
    if part.isdigit():
        return int(part) if int(part) < len(items) else None
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("use") == part:
            return i
    return None


def build_typed(kind: Any, value: Any, source: YamlSource, key: str) -> Any:
    """Check `value` against the type `kind` and build it; raise ConfigError naming `key`."""
    origin = typing.get_origin(kind)
    if hasattr(kind, "from_yaml"):  # a type that reads its own YAML shape (filters/config.py: a rule, the quality rules)
        return kind.from_yaml(value, source, key)
    if dataclasses.is_dataclass(kind):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ConfigError(f"expected a mapping, got {show(value)}", source, key)
        fields = {f.name: f for f in dataclasses.fields(kind) if f.init}
        hints = typing.get_type_hints(kind)
        for name in value:
            if name not in fields:
                raise ConfigError(f"unknown key {name!r}; valid keys: {sorted(fields)}", source, join_key(key, name))
        return kind(**{n: build_typed(hints[n], v, source, join_key(key, n)) for n, v in value.items()})
    if kind is Any:
        return value
    if origin is Literal:
        choices = typing.get_args(kind)
        if value not in choices:
            raise ConfigError(f"{show(value)} is not one of {list(choices)}", source, key)
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(kind)
        if value is None and type(None) in args:
            return None
        alternatives = [a for a in args if a is not type(None)]
        for inner in alternatives[:-1]:
            try:
                return build_typed(inner, value, source, key)
            except ConfigError:
                continue
        return build_typed(alternatives[-1], value, source, key)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"expected a list, got {show(value)}", source, key)
        (inner,) = typing.get_args(kind)
        return [build_typed(inner, v, source, f"{key}.{i}") for i, v in enumerate(value)]
    if origin is tuple:
        # YAML has no tuples: a list stands for one, e.g. `top_n_grams: [[2, 0.2], [3, 0.18]]`.
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"expected a list, got {show(value)}", source, key)
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            args = (args[0],) * len(value)
        elif len(args) != len(value):
            raise ConfigError(f"expected {len(args)} items, got {show(value)}", source, key)
        return tuple(build_typed(a, v, source, f"{key}.{i}") for i, (a, v) in enumerate(zip(args, value)))
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            raise ConfigError(f"expected a mapping, got {show(value)}", source, key)
        key_type, inner = typing.get_args(kind)
        return {build_typed(key_type, k, source, key): build_typed(inner, v, source, join_key(key, str(k))) for k, v in value.items()}
    return check_scalar(kind, value, lambda msg: ConfigError(msg, source, key))


def check_scalar(kind: type, value: Any, error) -> Any:
    """int, float, bool and str, strictly: YAML's `1e8` is a string and `yes` is not a number."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind in (int, float) and isinstance(value, bool):
        raise error(f"expected {kind.__name__}, got {show(value)}")
    if isinstance(value, kind):
        return value
    looks_like_e_notation = isinstance(value, str) and E_NOTATION.fullmatch(value.strip()) is not None
    hint = " (write large numbers out in full: YAML reads 1e8 as text)" if kind in (int, float) and looks_like_e_notation else ""
    raise error(f"expected {kind.__name__}, got {show(value)}{hint}")


def join_key(key: str, name: str) -> str:
    return f"{key}.{name}" if key and name else key or name


def show(value: Any) -> str:
    """A value for an error message, shortened: a YAML alias bomb is a small file whose value's
    full repr would not fit in memory."""
    return f"{_SHORT.repr(value)} ({type(value).__name__})"


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 80
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 3, 6, 6
