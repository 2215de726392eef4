"""YAML data that remembers where each key came from, so an error can say `file:line`.

`yaml.safe_load` forgets positions; composing the same text into nodes (no objects are built,
so it is as safe) gives the line of every key. Keys are dotted paths, list items by position:
`quality.en.2.max_dup_line_frac`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass
class YamlSource:
    path: Path
    data: object
    # dotted key -> (file, 1-based line)
    lines: dict[str, tuple[Path, int]] = field(default_factory=dict)
    # dotted key -> the `--set key=value` that gave it its value; it wins over the file's line,
    # which would point at the value the override replaced.
    overrides: dict[str, str] = field(default_factory=dict)

    def where(self, key: str) -> str:
        """`configs/demo.yaml:12: ` for KEY, or for its nearest parent that has a line;
        `--set key=value: ` where the value came from the command line."""
        parts = key.split(".") if key else []
        for n in range(len(parts), 0, -1):
            override = self.overrides.get(".".join(parts[:n]))
            if override is not None:
                return f"--set {override}: "
        while parts:
            hit = self.lines.get(".".join(parts))
            if hit:
                return f"{hit[0]}:{hit[1]}: "
            parts.pop()
        return f"{self.path}: "

    def graft(self, at: tuple[str, ...], other: YamlSource, other_key: tuple[str, ...]) -> None:
        """Put OTHER's value at `other_key` into this data at `at`, keeping OTHER's lines."""
        value = other.data
        for part in other_key:
            value = value[part]
        node = self.data
        for part in at[:-1]:
            node = node[part]
        node[at[-1]] = value
        prefix_other = ".".join(other_key)
        prefix_here = ".".join(at)
        for key, hit in other.lines.items():
            if key == prefix_other or key.startswith(prefix_other + "."):
                self.lines[prefix_here + key[len(prefix_other) :]] = hit


class ConfigError(Exception):
    """A config problem found before any work started; the CLI prints it and exits 2."""

    def __init__(self, message: str, source: YamlSource | None = None, key: str = ""):
        where = source.where(key) if source else ""
        super().__init__(f"{where}{key + ': ' if key else ''}{message}")


def load_yaml(path: Path) -> YamlSource:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror}") from e
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"{mark.line + 1}: " if mark else ""
        raise ConfigError(f"{path}:{line}not valid YAML: {getattr(e, 'problem', e)}") from e
    source = YamlSource(path=path, data=data)
    if root is not None:
        _record_lines(root, "", source, set())
    return source


def _record_lines(node: yaml.Node, prefix: str, source: YamlSource, seen: set[int]) -> None:
    """Record the line of every key under NODE. Each node is visited once: an alias (`*name`)
    is the node it names, and walking it again at every use would take time exponential in
    the nesting ("billion laughs": 236 bytes, 6 levels, 15 s and 1.2 GB). Keys under a
    repeated alias report the line of the key that uses it."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            if key in source.lines:
                # YAML keeps the last of two equal keys without a word: the first would be ignored.
                first = source.lines[key][1]
                raise ConfigError(f"{source.path}:{key_node.start_mark.line + 1}: {key}: given twice (first on line "
                                  f"{first}); only one value can count")
            source.lines[key] = (source.path, key_node.start_mark.line + 1)
            _record_lines(value_node, key, source, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = f"{prefix}.{i}" if prefix else str(i)
            source.lines[key] = (source.path, item.start_mark.line + 1)
            _record_lines(item, key, source, seen)
