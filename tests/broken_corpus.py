"""A corpus of broken input, built by the tests: every kind of damage next to good records.

`write_broken_corpus(folder)` writes three input folders (warc/, jsonl/, parquet/: a run takes
one format at a time) and returns what a run must show: the ids of the good records, which all
must come out, and the drop reasons the bad ones must be counted under.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

SENTENCES = [
    "The library on the corner of the market square opens at nine in the morning on weekdays.",
    "Volunteers repaired the old footbridge over the river after the winter floods had damaged it.",
    "Most gardeners agree that tomatoes need plenty of sunshine and regular watering to grow well.",
    "The council published a report describing how the new bus routes would serve the villages.",
    "Our neighbours spent the whole weekend painting the fence and planting flowers along the path.",
    "A local historian gave a talk about the railway that once connected the town to the coast.",
    "Children from the primary school collected litter from the beach as part of a science project.",
    "The bakery on the high street sells fresh bread, and the queue often reaches the next shop.",
]
TW_TEXT = "資料清洗是預訓練語料處理的第一步，我們從網頁中擷取正文並去除重複內容。" * 3
ZH_TEXT = ("数据清洗是预训练语料处理的第一步，我们从网页中提取正文并去除重复内容。"
           "图书馆每天早上九点开门，周末的时候会有很多学生来这里读书和学习。"
           "这座城市的公共交通非常方便，地铁和公交车可以到达大部分地区。")


def english(n: int) -> str:
    """A distinct English paragraph: sentences rotated by N, with N written out."""
    rotated = SENTENCES[n % len(SENTENCES):] + SENTENCES[: n % len(SENTENCES)]
    return f"This is page number {n} of the collection. " + " ".join(rotated)


def html(text: str, meta_charset: str | None = None) -> str:
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    return f"<html><head>{meta}<title>Page</title></head><body><article><p>{text}</p></article></body></html>"


def record(rid: str, body: bytes, content_type: str = "text/html", extra_http: str = "") -> bytes:
    block = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{extra_http}\r\n".encode() + body
    headers = ["WARC/1.0", "WARC-Type: response", f"WARC-Target-URI: https://example.com/{rid}",
               "WARC-Date: 2024-05-01T12:00:00Z", f"WARC-Record-ID: <urn:{rid}>",
               "Content-Type: application/http; msgtype=response", f"Content-Length: {len(block)}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


@dataclass
class BrokenCorpus:
    root: Path
    good: dict[str, set[str]] = field(default_factory=dict)  # format -> ids that must come out
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)  # format -> {reason: at least n}
    bad_inputs: list[str] = field(default_factory=list)  # what was tried, for the report


def write_broken_corpus(folder: Path, big_document_mb: int = 50) -> BrokenCorpus:
    corpus = BrokenCorpus(Path(folder))
    _warcs(corpus, Path(folder) / "warc")
    _jsonls(corpus, Path(folder) / "jsonl", big_document_mb)
    _parquets(corpus, Path(folder) / "parquet")
    return corpus


def _warcs(c: BrokenCorpus, d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    good, n = set(), 0

    def good_page(tag: str) -> bytes:
        nonlocal n
        n += 1
        rid = f"good-{tag}-{n}"
        good.add(f"<urn:{rid}>")
        return record(rid, html(english(n)).encode())

    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb_body = bomb.compress(b"<p>" + b" " * (64 << 20)) + bomb.flush()  # ~64 kB inflating to 64 MB
    nested = ("<div>" * 20000 + "<p>" + english(999) + "</p>" + "</div>" * 20000).encode()
    members = [
        good_page("a"),
        # A WARC header that is not one: the parser resynchronises on the next record.
        b"WARC/1.0\r\nthis is not a header line\r\nContent-Length: x\r\n\r\njunk\r\n\r\n",
        good_page("b"),
        record("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "application/pdf"),
        record("png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "text/html"),  # an image served as HTML
        good_page("c"),
        record("invalid-utf8", b"<html><body><p>" + bytes(range(128, 256)) * 40 + b"</p></body></html>",
               "text/html; charset=utf-8"),
        record("nul", html(english(500)).encode().replace(b"<p>", b"<p>\x00\x00\x00"), "text/html"),
        record("bomb", bomb_body, "text/html", "Content-Encoding: gzip\r\n"),
        record("huge-html", html(english(7) * 20000).encode()),  # ~12 MB: over max_html_bytes (10 MB)
        record("nested", nested),  # deeply nested tags: must not crash the extractor
        good_page("d"),
    ]
    # Wrong and missing charsets on good Chinese pages: decoded anyway, so they must come out.
    zh_wrong = record("zh-wrong-charset", html(ZH_TEXT).encode("gbk"), "text/html; charset=utf-8")
    zh_none = record("zh-no-charset", html(ZH_TEXT + ZH_TEXT).encode("gb18030"), "text/html")
    good |= {"<urn:zh-wrong-charset>", "<urn:zh-no-charset>"}
    members += [zh_wrong, zh_none, good_page("e")]
    (d / "mixed.warc.gz").write_bytes(b"".join(gzip.compress(m) for m in members[:6]) + b"\x1f\x8b\x08garbage-member"
                                      + b"".join(gzip.compress(m) for m in members[6:]))
    # A file cut off inside its last record: the records before the cut come out.
    whole = b"".join(gzip.compress(good_page("t")) for _ in range(3))
    (d / "truncated.warc.gz").write_bytes(whole + gzip.compress(record("cut", html(english(77)).encode()))[:150])
    # A gzip bomb at the file level: 200 kB inflating to 200 MB of zeros, then a good record.
    (d / "bomb.warc.gz").write_bytes(gzip.compress(bytes(200 << 20), 9) + gzip.compress(good_page("after-bomb")))
    (d / "empty.warc.gz").write_bytes(b"")
    (d / "garbage.warc.gz").write_bytes(os.urandom(4096))
    os.symlink(d / "does-not-exist", d / "dangling.warc.gz")  # unreadable, whoever runs it (root included)
    # A Big5 page declared gb2312 (it decodes without error as GB, into mojibake): read as Big5.
    big5 = record("big5-as-gb", html(TW_TEXT, "gb2312").encode("big5"), "text/html")
    (d / "big5.warc.gz").write_bytes(gzip.compress(big5) + gzip.compress(good_page("f")))
    good.add("<urn:big5-as-gb>")
    # zstd WARCs (.warc.zst, a frame per record): one whole, one cut inside its last frame.
    import zstandard

    frames = [zstandard.ZstdCompressor().compress(good_page(tag)) for tag in ("z1", "z2")]
    (d / "frames.warc.zst").write_bytes(b"".join(frames))
    cut = zstandard.ZstdCompressor().compress(record("z-cut", html(english(78)).encode()))
    (d / "cut.warc.zst").write_bytes(zstandard.ZstdCompressor().compress(good_page("z3")) + cut[: len(cut) // 2])
    # HTTP framings a page may come in, all good: chunked, gzip'd, UTF-16 with a byte-order mark.
    text = html(english(81)).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(text[i:i + 100]), text[i:i + 100]) for i in range(0, len(text), 100)) + b"0\r\n\r\n"
    framed = [record("chunked", chunked, extra_http="Transfer-Encoding: chunked\r\n"),
              record("gzipped", gzip.compress(html(english(82)).encode()), extra_http="Content-Encoding: gzip\r\n"),
              record("utf16", html(english(83)).encode("utf-16"), "text/html")]
    good |= {"<urn:chunked>", "<urn:gzipped>", "<urn:utf16>"}
    # Three malformed headers in a row between good records: three corrupt records, not one.
    bad_header = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: banana\r\n\r\n<html>x</html>\r\n\r\n"
    (d / "framings.warc").write_bytes(b"".join(framed) + bad_header * 3 + good_page("g"))
    c.good["warc"] = good
    c.reasons["warc"] = {"corrupt_record": 6, "truncated_record": 2, "pdf": 1, "image": 1, "undecodable": 1,
                         "binary": 1, "decompression_bomb": 1, "too_large_html": 1, "unreadable_file": 1,
                         "empty_file": 1}
    c.bad_inputs += ["warc: corrupt WARC header", "warc: garbage gzip member", "warc: PDF payload",
                     "warc: PNG served as text/html", "warc: invalid UTF-8 declared utf-8", "warc: NUL bytes in HTML",
                     "warc: gzip bomb (64 kB -> 64 MB Content-Encoding)", "warc: 12 MB HTML page",
                     "warc: 20,000-deep nested HTML", "warc: GBK declared utf-8 (good)", "warc: GB18030 undeclared (good)",
                     "warc: truncated .gz", "warc: gzip bomb member (200 kB -> 200 MB)", "warc: 0-byte file", "warc: random bytes file", "warc: dangling symlink",
                     "warc: Big5 declared gb2312 (good)", "warc: .warc.zst (good)", "warc: truncated .warc.zst",
                     "warc: chunked HTTP body (good)", "warc: gzip Content-Encoding (good)", "warc: UTF-16 page with BOM (good)",
                     "warc: three malformed headers in a row", "warc: uncompressed .warc (good)"]


def _jsonls(c: BrokenCorpus, d: Path, big_document_mb: int) -> None:
    d.mkdir(parents=True, exist_ok=True)
    good = set()

    def line(i: int, text: str | None = None) -> bytes:
        good.add(f"j{i}")
        return json.dumps({"id": f"j{i}", "text": text or english(i)}).encode() + b"\n"

    big = json.dumps({"id": "big", "text": "word " * (big_document_mb * (1 << 20) // 5)}).encode() + b"\n"
    lines = [
        line(1),
        b'{"id": "bad-json", "text": "unterminated\n',
        line(2),
        b'{"id": "no-text", "body": "the text is under another key"}\n',
        b'{"id": "text-not-string", "text": 12345}\n',
        line(3),
        b'{"id": "bad-utf8", "text": "' + bytes(range(128, 256)) * 8 + b'"}\n',
        b'{"id": "raw-nul", "text": "a\x00b"}\n',  # a raw control byte is not JSON
        line(4, english(4) + "\u0000 with a NUL escaped in it"),  # valid JSON: NULs removed, kept
        b"\n",
        big,
        line(5),
        b"[1, 2, 3]\n",
        line(6),
    ]
    (d / "mixed.jsonl").write_bytes(b"".join(lines))
    # A line that inflates from ~100 kB to 100 MB, between two good ones.
    with gzip.open(d / "bomb.jsonl.gz", "wb", compresslevel=9) as f:
        f.write(line(7))
        f.write(b'{"id": "bomb", "text": "' + b"a" * (100 << 20) + b'"}\n')
        f.write(line(8))
    cut = gzip.compress(line(9) + line(10) + b"".join(json.dumps({"id": f"lost{i}", "text": english(i)}).encode() + b"\n"
                                                         for i in range(200)))
    (d / "truncated.jsonl.gz").write_bytes(cut[: len(cut) // 2])
    good -= {"j9", "j10"}  # before the cut, but inside the damaged gzip block: not promised
    (d / "empty.jsonl").write_bytes(b"")
    os.symlink(d / "does-not-exist", d / "dangling.jsonl")
    # zstd-compressed and CRLF-terminated jsonl, both good.
    import zstandard

    (d / "packed.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(line(15) + line(16)))
    (d / "windows.jsonl").write_bytes(line(17).replace(b"\n", b"\r\n") + line(18).replace(b"\n", b"\r\n"))
    # Saved "UTF-8 with BOM": the first document must not be lost as bad JSON.
    (d / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + line(11) + line(12))
    # A few good lines among many blank ones (counted, not logged one by one).
    with gzip.open(d / "blank_lines.jsonl.gz", "wb") as f:
        f.write(b"\n" * 50_000 + line(13) + b"\n" * 50_000 + line(14))
    c.good["jsonl"] = good
    c.reasons["jsonl"] = {"bad_json": 3, "no_text": 2, "invalid_utf8": 1, "too_large_document": 2,
                          "unreadable_file": 2, "empty_file": 1}
    c.bad_inputs += ["jsonl: bad JSON line", "jsonl: no text field", "jsonl: text not a string",
                     "jsonl: invalid UTF-8 line", "jsonl: raw NUL byte", "jsonl: escaped NUL (good)",
                     f"jsonl: {big_document_mb} MB document", "jsonl: gzip bomb line (100 MB)",
                     "jsonl: truncated .gz", "jsonl: 0-byte file", "jsonl: dangling symlink", "jsonl: not an object",
                     "jsonl: UTF-8 byte-order mark (good)", "jsonl: 100,000 blank lines", "jsonl: .jsonl.zst (good)",
                     "jsonl: CRLF line ends (good)"]


def _parquets(c: BrokenCorpus, d: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    d.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"id": ["p1", "p2", "p-null"], "text": [english(11), english(12), None]}), d / "good.parquet")
    pq.write_table(pa.table({"id": ["w1"], "body": [english(13)]}), d / "wrong_schema.parquet")
    pq.write_table(pa.table({"id": ["p3"], "text": [english(14)]}), d / "more.parquet")
    # Columns the run does not use, and a text column of the wrong type.
    pq.write_table(pa.table({"id": ["p4"], "text": [english(15)], "lang": ["en"], "score": [0.9]}), d / "extra.parquet")
    pq.write_table(pa.table({"id": ["p5"], "text": [12345]}), d / "int_text.parquet")
    (d / "not_parquet.parquet").write_bytes(b"PAR1 this is not a parquet file at all")
    (d / "empty.parquet").write_bytes(b"")
    c.good["parquet"] = {"p1", "p2", "p3", "p4"}
    c.reasons["parquet"] = {"bad_schema": 1, "no_text": 2, "unreadable_file": 1, "empty_file": 1}
    c.bad_inputs += ["parquet: wrong schema", "parquet: null text", "parquet: not parquet", "parquet: 0-byte file",
                     "parquet: extra columns (good)", "parquet: integer text column"]
