"""The user's input list (paths, folders, globs, fsspec URLs) as files, and a plain reader of them.

datatrove readers take one folder plus a list of paths inside it; we expand every input now,
before any work, so a missing input is an error naming it rather than an empty run. The same
expansion serves `thresher tokenizer train` and `thresher quality train`, and `read_records`
is their one reader of jsonl, parquet and text files.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import fsspec
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

FORMATS = {
    ".warc": "warc",
    ".warc.gz": "warc",
    ".warc.zst": "warc",
    ".wet": "warc",
    ".wet.gz": "warc",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".jsonl.zst": "jsonl",
    ".json.gz": "jsonl",
    ".parquet": "parquet",
}


class InputError(ValueError):
    """An input that names no file, or a record that cannot be read: names the file (and line)."""


@dataclass(frozen=True)
class ResolvedInput:
    folder: str  # an fsspec URL or local folder all files are under
    files: list[str]  # paths relative to `folder`, sorted: the task a file goes to is stable
    format: str
    skipped: list[str] = field(default_factory=list)  # files in input folders of no format we read


def format_of(path: str) -> str | None:
    name = path.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    return None


def resolve_inputs(paths: list[str], fmt: str = "auto") -> ResolvedInput:
    if not paths:
        raise InputError("no input: give input.paths in the config or --input PATH")
    protocols = set()
    files: list[str] = []
    skipped: list[str] = []
    fs = None
    for path in paths:
        fs, root = url_to_fs(path)
        protocols.add(fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0])
        matches, left_out = _expand(fs, root, lambda p: format_of(p) is not None)
        skipped += left_out
        if not matches:
            raise InputError(f"input {path!r} matches no file")
        files.extend(matches)
    if len(protocols) > 1:
        raise InputError(f"inputs mix filesystems {sorted(protocols)}: run them separately")
    files = sorted(set(files))
    formats = {format_of(f) for f in files}
    if fmt == "auto":
        if None in formats:
            unknown = [f for f in files if format_of(f) is None][:3]
            raise InputError(f"cannot tell the format of {unknown}; set input.format ({sorted(set(FORMATS.values()))})")
        if len(formats) > 1:
            raise InputError(f"inputs mix formats {sorted(formats)}: run them separately or set input.format")
        fmt = formats.pop()
    folder = posixpath.commonpath([posixpath.dirname(f) for f in files]) if len(files) > 1 else posixpath.dirname(files[0])
    relative = [posixpath.relpath(f, folder) for f in files]
    if not isinstance(fs, LocalFileSystem):
        folder = fs.unstrip_protocol(folder)
    return ResolvedInput(folder=folder, files=relative, format=fmt, skipped=sorted(skipped))


def _expand(fs: fsspec.AbstractFileSystem, root: str, is_data: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """(A file, every data file under a folder, or the files a glob matches; the files of a
    folder left out because they are of no format we read, hidden ones aside)."""
    if any(ch in root for ch in "*?["):
        return [p for p in fs.glob(root) if fs.isfile(p)], []
    if fs.isdir(root):
        found = fs.find(root)
        other = [posixpath.relpath(p, root) for p in found
                 if not is_data(p) and not posixpath.basename(p).startswith((".", "_"))]
        return [p for p in found if is_data(p)], other
    if fs.isfile(root):
        return [root], []
    return [], []


# What the training commands read: documents (jsonl, parquet), and for the tokenizer plain text
# too, a line each.
DOCUMENT_SUFFIXES = tuple(suffix for suffix, kind in FORMATS.items() if kind in ("jsonl", "parquet"))
TEXT_SUFFIXES = (*DOCUMENT_SUFFIXES, ".txt", ".txt.gz")


def expand_paths(paths: list[str], suffixes: tuple[str, ...] = TEXT_SUFFIXES) -> list[str]:
    """Files, folders (their files of these suffixes) and globs -> sorted file URLs; a path
    matching nothing raises InputError naming it."""
    files = []
    for path in paths:
        fs, root = url_to_fs(path)
        found, _ = _expand(fs, root, lambda p: p.lower().endswith(suffixes))
        if not found:
            raise InputError(f"input {path!r} matches no file")
        local = isinstance(fs, LocalFileSystem)
        files.extend(p if local else fs.unstrip_protocol(p) for p in found)
    return sorted(set(files))


def read_records(path: str, text_key: str = "text") -> Iterator[tuple[str, dict]]:
    """(FILE:LINE, record) for every record of a file: a jsonl object (gzip or zstd too), a
    parquet row (its TEXT_KEY column), or a line of a .txt file as {TEXT_KEY: line}. Blank
    jsonl lines hold nothing; a record without a TEXT_KEY (a string, or null) raises InputError
    naming it."""
    name = path.lower()
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        with fsspec.open(path, "rb") as f:
            parquet = pq.ParquetFile(f)
            if text_key not in parquet.schema_arrow.names:
                raise InputError(f"{path}: no column {text_key!r}; columns: {parquet.schema_arrow.names}")
            row = 0
            for batch in parquet.iter_batches(columns=[text_key]):
                for text in batch.column(0).to_pylist():
                    row += 1
                    yield f"{path}:{row}", {text_key: text}
        return
    plain_text = name.endswith((".txt", ".txt.gz"))
    with fsspec.open(path, "rt", compression="infer", encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if plain_text:
                yield f"{path}:{number}", {text_key: line.rstrip("\n")}
                continue
            if not line.strip():
                continue  # a blank line (often the last) holds no document
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{number}: not valid JSON ({e.msg})") from None
            # A null text is an empty record, skipped by the callers; a missing field is a mistake.
            if not isinstance(record, dict) or not isinstance(record.get(text_key, 0), (str, type(None))):
                raise InputError(f"{path}:{number}: not a JSON object with a text field {text_key!r}")
            yield f"{path}:{number}", record
