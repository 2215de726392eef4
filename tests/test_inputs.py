"""Input resolution: files, folders, globs; formats detected; missing input is an error."""

import pytest

from extract.inputs import InputError, format_of, resolve_inputs


@pytest.fixture
def tree(tmp_path):
    for name in ("a/x.warc.gz", "a/y.warc.gz", "b/z.warc", "c/t.jsonl.gz", "c/u.parquet", "a/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    return tmp_path


def test_formats():
    assert [format_of(p) for p in ("a.warc.gz", "a.wet.gz", "a.WARC", "b.jsonl.zst", "c.parquet", "d.txt")] == [
        "warc", "warc", "warc", "jsonl", "parquet", None]


def test_folder_glob_and_file(tree):
    r = resolve_inputs([str(tree / "a"), str(tree / "b" / "*.warc")])
    assert r.format == "warc"
    assert r.folder == str(tree)
    assert r.files == ["a/x.warc.gz", "a/y.warc.gz", "b/z.warc"]  # sorted: a file's task is stable
    assert r.skipped == ["notes.txt"]  # in a folder, of no format read here: left out, and said so
    single = resolve_inputs([str(tree / "c" / "t.jsonl.gz")])
    assert (single.folder, single.files, single.format) == (str(tree / "c"), ["t.jsonl.gz"], "jsonl")


def test_errors(tree):
    with pytest.raises(InputError, match="no input"):
        resolve_inputs([])
    with pytest.raises(InputError, match="matches no file"):
        resolve_inputs([str(tree / "nope" / "*.warc.gz")])
    with pytest.raises(InputError, match="mix formats"):
        resolve_inputs([str(tree / "c")])
    with pytest.raises(InputError, match="cannot tell the format"):
        resolve_inputs([str(tree / "a" / "notes.txt")])
    assert resolve_inputs([str(tree / "a" / "notes.txt")], "jsonl").format == "jsonl"


def test_file_names_with_line_breaks_and_edge_spaces_are_read(configs, tmp_path):
    # The run's file list is JSON: a paths file of one name a line would split the first name
    # in two and strip the second, and lose their documents.
    import gzip
    import json

    from pipeline.cli import main

    src = tmp_path / "in"
    src.mkdir()
    for i, name in enumerate(["two\nlines.jsonl", " spaced .jsonl", "plain.jsonl"]):
        (src / name).write_text(json.dumps({"id": f"d{i}", "text": f"Document number {i} of the odd names."}) + "\n")
    run = tmp_path / "run"
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(src), "--output", str(run)]) == 0
    ids = {json.loads(line)["id"] for f in (run / "extract" / "output").glob("*.jsonl.gz") for line in gzip.open(f, "rt")}
    assert ids == {"d0", "d1", "d2"}
    assert sorted(json.loads((run / "extract" / "input_files.json").read_text())) == sorted(
        ["two\nlines.jsonl", " spaced .jsonl", "plain.jsonl"])
