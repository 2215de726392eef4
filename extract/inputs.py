"""Turn the user's input list (paths, folders, globs, fsspec URLs) into files a reader shares out.

datatrove readers take one folder plus a list of paths inside it; we expand every input now,
before any work, so a missing input is an error naming it rather than an empty run.
"""

from __future__ import annotations

import posixpath
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
    pass


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
        matches, left_out = _expand(fs, root)
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


def _expand(fs: fsspec.AbstractFileSystem, root: str) -> tuple[list[str], list[str]]:
    """(A file, every data file under a folder, or the files a glob matches; the files of a
    folder left out because they are of no format we read, hidden ones aside)."""
    if any(ch in root for ch in "*?["):
        return [p for p in fs.glob(root) if fs.isfile(p)], []
    if fs.isdir(root):
        found = fs.find(root)
        other = [posixpath.relpath(p, root) for p in found
                 if format_of(p) is None and not posixpath.basename(p).startswith((".", "_"))]
        return [p for p in found if format_of(p) is not None], other
    if fs.isfile(root):
        return [root], []
    return [], []
