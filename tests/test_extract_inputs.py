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


def test_the_training_commands_read_through_one_expander_and_reader(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from extract.inputs import expand_paths, read_records

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.jsonl").write_text('{"id": "x", "text": "one"}\n\n{"text": "two"}\n')
    pq.write_table(pa.table({"content": ["three", None]}), tmp_path / "docs" / "b.parquet")
    (tmp_path / "docs" / "c.txt").write_text("four\nfive\n")
    (tmp_path / "docs" / "notes.md").write_text("not read")
    files = expand_paths([str(tmp_path / "docs")])
    assert [f.rsplit("/", 1)[1] for f in files] == ["a.jsonl", "b.parquet", "c.txt"]  # a folder: known suffixes only
    assert expand_paths([str(tmp_path / "docs" / "*.txt")]) == [str(tmp_path / "docs" / "c.txt")]
    assert [(w.rsplit("/", 1)[1], r["text"]) for w, r in read_records(files[0])] == [("a.jsonl:1", "one"), ("a.jsonl:3", "two")]
    assert [r["content"] for _, r in read_records(files[1], "content")] == ["three", None]
    assert [r["text"] for _, r in read_records(files[2])] == ["four", "five"]
    (tmp_path / "null.jsonl").write_text('{"text": null}\n')  # an empty record, for the caller to skip
    assert [r["text"] for _, r in read_records(str(tmp_path / "null.jsonl"))] == [None]
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{"body": "no text"}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:2: not a JSON object with a text field 'text'"):
        list(read_records(str(tmp_path / "bad.jsonl")))
    with pytest.raises(InputError, match="no column 'text'"):
        list(read_records(files[1]))
