"""Input resolution: files, folders, globs; formats detected; missing input is an error."""

import pytest

from pipeline.inputs import InputError, format_of, resolve_inputs


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


def test_a_file_name_with_a_line_break_is_refused_not_split(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.jsonl").write_text("")
    (tmp_path / "in" / "two\nlines.jsonl").write_text("")
    with pytest.raises(InputError, match="holds a line break"):
        resolve_inputs([str(tmp_path / "in")])
