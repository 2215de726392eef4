"""WARC parsing: charsets, non-HTML payloads, corrupt and truncated records, counted by reason."""

import gzip
import json

import pytest

from pipeline.cli import main
from extract.warc import CountingWarcReader, decode_html, file_chunks, gzip_chunks, payload_kind, warc_records

ZH = "数据清洗是预训练语料处理的第一步，我们从网页中提取正文并去除重复内容。"
JA = "今日は図書館で新しい本を借りました。とても面白いです。"
RU = "Сегодня в библиотеке обсуждали новый бюджет и часы работы читального зала."


def html_page(text: str, meta_charset: str | None = None) -> str:
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><article><p>{text}</p></article></body></html>"


def warc_record(url: str, body: bytes, content_type: str = "text/html", identified: str | None = None,
                warc_type: str = "response", n: int = 0) -> bytes:
    http = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\r\n".encode() + body
    block = http if warc_type == "response" else body
    headers = ["WARC/1.0", f"WARC-Type: {warc_type}", f"WARC-Target-URI: {url}",
               "WARC-Date: 2020-08-04T12:00:00Z", f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{n:012d}>",
               "Content-Type: application/http; msgtype=response", f"Content-Length: {len(block)}"]
    if identified:
        headers.append(f"WARC-Identified-Payload-Type: {identified}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


@pytest.mark.parametrize(
    "text, body_codec, http_charset, meta_charset, expected_codec",
    [
        (ZH, "gbk", "gb2312", None, "gb18030"),  # GBK bytes declared as GB2312 in HTTP
        (ZH + "𠀀", "gb18030", None, "gbk", "gb18030"),  # a GB18030-only character, declared GBK
        (ZH, "utf-8", "gb2312", "gb2312", "utf-8"),  # UTF-8 declared as GB2312: UTF-8 wins
        (JA + "①", "cp932", "shift_jis", None, "cp932"),  # ① exists only in Microsoft's Shift-JIS
        (JA, "euc_jp", None, "euc-jp", "euc_jp"),
        (RU, "cp1251", None, None, "cp1251"),  # no declaration at all: detected
        (RU, "cp1251", "windows-1251", None, "cp1251"),
    ],
)
def test_charsets_give_clean_text(text, body_codec, http_charset, meta_charset, expected_codec):
    body = html_page(text, meta_charset).encode(body_codec)
    content_type = f"text/html; charset={http_charset}" if http_charset else "text/html"
    decoded, codec, _ = decode_html(body, content_type)
    assert text in decoded
    assert codec == expected_codec


def test_sniffing_beats_declared_type():
    assert payload_kind("text/html", b"%PDF-1.4 ...") == "pdf"
    assert payload_kind("application/pdf", b"stuff") == "pdf"
    assert payload_kind("image/jpeg", b"\xff\xd8\xff\xe0") == "image"
    assert payload_kind("text/html", b"<html>\x00\x01\x02</html>") == "binary"
    assert payload_kind("application/octet-stream", b"abc") == "binary"
    assert payload_kind("text/css", b"body{}") == "not_html"
    assert payload_kind("text/html", b"  \r\n") == "empty_payload"
    assert payload_kind("text/html", b"<html><p>hi</p></html>") == "html"


def build_damaged_warc(path):
    """Per-record gzip members: good, PDF, corrupt member, good GBK, image, good, truncated tail."""
    pages = [
        warc_record("https://a.example/1", html_page("First good page " * 20).encode(), n=1),
        warc_record("https://a.example/report.pdf", b"%PDF-1.4\n" + bytes(range(256)), "application/pdf",
                    "application/pdf", n=2),
        None,  # a member whose deflate stream is garbage
        warc_record("https://a.example/3", html_page(ZH * 5).encode("gbk"), "text/html; charset=gbk", n=3),
        warc_record("https://a.example/photo.png", b"\x89PNG\r\n\x1a\n" + bytes(300), "image/png", "image/png", n=4),
        warc_record("https://a.example/5", html_page("Another good page " * 20).encode(), n=5),
        warc_record("https://a.example/6", html_page("Cut off page " * 50).encode(), n=6),
    ]
    members = []
    for page in pages:
        if page is None:
            good = gzip.compress(warc_record("https://a.example/lost", b"<html>lost</html>", n=9))
            members.append(good[:10] + b"\xff" * 40 + good[50:])  # header intact, deflate data broken
        else:
            members.append(gzip.compress(page))
    members[-1] = members[-1][: len(members[-1]) // 2]  # the download stopped mid-record
    path.write_bytes(b"".join(members))
    return path


def test_damaged_file_still_yields_the_rest(tmp_path):
    path = build_damaged_warc(tmp_path / "damaged.warc.gz")
    with open(path, "rb") as f:
        items = list(warc_records(gzip_chunks(f)))
    markers = [i for i in items if isinstance(i, str)]
    urls = [i.headers["warc-target-uri"] for i in items if not isinstance(i, str)]
    assert markers == ["corrupt_record", "truncated_record"]
    assert urls == ["https://a.example/1", "https://a.example/report.pdf", "https://a.example/3",
                    "https://a.example/photo.png", "https://a.example/5"]


def test_uncompressed_warc_with_a_lying_content_length(tmp_path):
    good = [warc_record(f"https://b.example/{i}", html_page(f"page {i} " * 30).encode(), n=i) for i in range(3)]
    bad = good[1].replace(b"Content-Length: ", b"Content-Length: 9")  # claims far more than it has
    path = tmp_path / "plain.warc"
    path.write_bytes(good[0] + bad + good[2])
    with open(path, "rb") as f:
        items = list(warc_records(iter([f.read()])))
    assert [i if isinstance(i, str) else i.headers["warc-target-uri"] for i in items] == [
        "https://b.example/0", "corrupt_record", "https://b.example/2"]


def test_extract_stage_counts_skips_by_reason(configs, tmp_path):
    (tmp_path / "in").mkdir()
    warc = build_damaged_warc(tmp_path / "in" / "damaged.warc.gz")
    run = tmp_path / "run"
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(warc),
                 "--output", str(run)]) == 0
    docs = [json.loads(line) for p in sorted((run / "extract" / "output").glob("*.jsonl.gz"))
            for line in gzip.open(p, "rt")]
    by_url = {d["metadata"]["url"]: d for d in docs}
    assert set(by_url) == {"https://a.example/1", "https://a.example/3", "https://a.example/5"}
    assert ZH in by_url["https://a.example/3"]["text"]  # GBK decoded, no mojibake
    meta = by_url["https://a.example/1"]["metadata"]
    assert meta["extractor"] == "resiliparse" and meta["content_type"] == "text/html"
    assert meta["date"] == "2020-08-04T12:00:00Z" and meta["record_id"] == by_url["https://a.example/1"]["id"]
    stats = json.loads(next((run / "extract" / "logs" / "extract" / "stats").glob("*.json")).read_text())
    reader = stats[0]["stats"]
    counts = {k: (v["total"] if isinstance(v, dict) else v) for k, v in reader.items() if k.startswith("dropped_extract_")}
    assert counts == {"dropped_extract_pdf": 1, "dropped_extract_image": 1, "dropped_extract_corrupt_record": 1,
                      "dropped_extract_truncated_record": 1}


def test_real_cc_pages_decode_cleanly(shared_data):
    """The CC-MAIN-2020-34 excerpt: GBK, windows-1251 and UTF-8 pages, all without mojibake."""
    reader = CountingWarcReader("/")
    path = shared_data / "warc" / "cc-main-2020-34_sample_resiliparse.noadult.warc.gz"
    with open(path, "rb") as f:
        pages = [reader.page(r) for r in warc_records(gzip_chunks(f))
                 if not isinstance(r, str) and r.headers.get("warc-type") == "response"]
    assert len(pages) == 12 and all(isinstance(p, dict) for p in pages)
    by_url = {p["url"]: p for p in pages}
    assert by_url["http://01spb.ru/company/"]["charset"] == "cp1251"
    assert "Компания" in by_url["http://01spb.ru/company/"]["text"] or "компани" in by_url["http://01spb.ru/company/"]["text"]
    gbk = [p for p in pages if p["charset"] == "gb18030"]
    assert len(gbk) == 4
    for page in pages:
        assert page["text"].count("\ufffd") == 0, page["url"]


TW = "資料清洗是預訓練語料處理的第一步，我們從網頁中擷取正文並去除重複內容。"


@pytest.mark.parametrize("text, body_codec, declared, expected_codec, expected_source", [
    # Big5 bytes declared GB2312 decode without error as GB, into mojibake: read as Big5.
    (TW, "big5", "gb2312", "big5hkscs", "meta_mislabelled"),
    (ZH, "gbk", "big5", "gb18030", "detected"),  # GBK bytes are not valid Big5: the detector's guess
    (ZH, "gbk", "gb2312", "gb18030", "meta"),  # correctly declared pages stay as declared
    (TW, "big5", "big5", "big5hkscs", "meta"),
])
def test_chinese_charset_family_mislabels_are_detected(text, body_codec, declared, expected_codec, expected_source):
    body = html_page(text * 3, declared).encode(body_codec)
    decoded, codec, source = decode_html(body, "text/html")
    assert (codec, source) == (expected_codec, expected_source) and text in decoded


def test_frequent_share_separates_text_from_mojibake():
    from extract.warc import frequent_share

    body = TW.encode("big5")
    assert frequent_share(body.decode("big5hkscs"), "big5hkscs") > 0.9
    assert frequent_share(body.decode("gb18030"), "gb18030") < 0.7


def zstd_warc(path, records, dictionary: bytes | None = None):
    """A .warc.zst: one zstd frame per record, as the WARC zstd convention writes them, with
    its dictionary in a skippable frame first when given."""
    import zstandard

    out = b""
    if dictionary is not None:
        out += bytes.fromhex("5d2a4d18") + len(dictionary).to_bytes(4, "little") + dictionary
        compressor = zstandard.ZstdCompressor(dict_data=zstandard.ZstdCompressionDict(dictionary))
    else:
        compressor = zstandard.ZstdCompressor()
    out += b"".join(compressor.compress(r) for r in records)
    path.write_bytes(out)
    return path


@pytest.mark.parametrize("with_dictionary", [False, True], ids=["frames", "dictionary"])
def test_zstd_warc_is_read(tmp_path, with_dictionary):
    import zstandard

    records = [warc_record(f"https://z.example/{i}", html_page(f"zstd page {i} " * 30).encode(), n=i) for i in range(3)]
    dictionary = zstandard.train_dictionary(1024, records * 40).as_bytes() if with_dictionary else None
    path = zstd_warc(tmp_path / "crawl.warc.zst", records, dictionary)
    with open(path, "rb") as f:
        items = list(warc_records(file_chunks(f)))
    assert [i.headers["warc-target-uri"] for i in items] == [f"https://z.example/{i}" for i in range(3)]


def test_zstd_warc_through_the_extract_stage(configs, tmp_path):
    records = [warc_record(f"https://z.example/{i}", html_page(f"Zstandard page number {i}. " * 30).encode(), n=i)
               for i in range(3)]
    path = zstd_warc(tmp_path / "in" / "crawl.warc.zst", records) if (tmp_path / "in").mkdir() is None else None
    assert main(["run", str(configs / "demo.yaml"), "--stages", "extract", "--input", str(path),
                 "--output", str(tmp_path / "run")]) == 0
    docs = []
    for out in (tmp_path / "run" / "extract" / "output").glob("*.jsonl.gz"):
        docs += [json.loads(line) for line in gzip.open(out, "rt")]
    assert sorted(d["metadata"]["url"] for d in docs) == [f"https://z.example/{i}" for i in range(3)]


def test_truncated_zstd_warc_keeps_what_came_before(tmp_path):
    records = [warc_record(f"https://z.example/{i}", html_page(f"zstd page {i} " * 30).encode(), n=i) for i in range(3)]
    path = zstd_warc(tmp_path / "crawl.warc.zst", records)
    path.write_bytes(path.read_bytes()[:-40])
    with open(path, "rb") as f:
        items = list(warc_records(file_chunks(f)))
    urls = [i.headers["warc-target-uri"] for i in items if not isinstance(i, str)]
    assert urls[:2] == ["https://z.example/0", "https://z.example/1"] and "truncated_record" in items


def test_three_malformed_headers_in_a_row_are_three_corrupt_records():
    good = [warc_record(f"https://m.example/{i}", html_page(f"page {i} " * 30).encode(), n=i) for i in range(2)]
    bad = [b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: banana\r\n\r\n<html>x</html>\r\n\r\n"] * 3
    items = list(warc_records(iter([good[0] + b"".join(bad) + good[1]])))
    assert [i if isinstance(i, str) else i.headers["warc-target-uri"] for i in items] == [
        "https://m.example/0", "corrupt_record", "corrupt_record", "corrupt_record", "https://m.example/1"]
