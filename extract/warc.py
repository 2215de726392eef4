"""WARC files to HTML pages: our own record parser, HTTP payload handling and charset decoding.

Common Crawl WARCs are one gzip member per record. We inflate member by member and frame records
by their `Content-Length` ourselves, so that one corrupt member or a cut-off tail costs only the
records it touches: the parser resynchronises on the next gzip member or `WARC/1.` header and
the rest of the file still comes through. Every response that does not become a page is counted
by reason (`dropped_extract_<reason>`), which the run report sums as removals.
"""

from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import dataclass
from itertools import chain
from typing import BinaryIO, Iterator

from datatrove.pipeline.readers import WarcReader

PAGE_RECORDS = (b"response", b"conversion")  # conversion: WET text records
HTML_TYPES = ("text/html", "application/xhtml+xml")
GZIP_MAGIC = b"\x1f\x8b\x08"
CHUNK = 1 << 20
MAX_HEADER_BYTES = 1 << 16
# A record is framed in memory; anything larger (video, disk images) is skipped unread.
MAX_RECORD_BYTES = 64 << 20
CORRUPT, TRUNCATED, TOO_LARGE = "corrupt_record", "truncated_record", "too_large_record"

# Magic numbers of payloads that are sometimes served as text/html.
_SNIFF = ((b"%PDF-", "pdf"), (b"\x89PNG", "image"), (b"GIF8", "image"), (b"\xff\xd8\xff", "image"),
          (b"RIFF", "image"), (b"PK\x03\x04", "binary"), (b"\x1f\x8b", "binary"), (b"\x7fELF", "binary"))
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)

# Labels whose real-world content is a superset encoding (WHATWG encoding standard): GB2312 and
# GBK pages use GB18030 characters, Shift-JIS pages use Microsoft's cp932 extensions, and
# "latin1" pages are windows-1252.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "csgb2312": "gb18030",
    "euc-cn": "gb18030", "cp936": "gb18030", "windows-936": "gb18030", "chinese": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "windows-31j": "cp932", "csshiftjis": "cp932", "big5": "big5hkscs", "x-x-big5": "big5hkscs",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "iso-8859-1": "cp1252", "latin1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "iso-8859-9": "cp1254", "tis-620": "cp874",
}
# Decoding with replacement is accepted below this share of U+FFFD; above it the page is mojibake.
MAX_REPLACEMENT_FRAC = 0.01


@dataclass
class Record:
    headers: dict[str, str]  # WARC headers, lower-case names
    block: bytes


def gzip_chunks(raw: BinaryIO) -> Iterator[bytes | str]:
    """Inflated bytes of a multi-member gzip stream; CORRUPT/TRUNCATED markers where members fail.

    After a member that does not inflate, decoding restarts at the next gzip header.
    """
    buf, eof, inflater, started_here = b"", False, None, False
    while True:
        if len(buf) < 3 and not eof:
            more = raw.read(CHUNK)
            eof = not more
            buf += more
            if len(buf) < 3 and not eof:
                continue
        if inflater is None:
            if not buf.strip(b"\x00\r\n"):  # padding after the last member
                return
            if not buf.startswith(GZIP_MAGIC):
                yield CORRUPT
                buf = _resync(raw, buf, 1)
                continue
            inflater, started_here = zlib.decompressobj(wbits=31), True
        if not buf:
            yield TRUNCATED
            return
        try:
            # At most CHUNK out per call: 1 MB of a gzip bomb would otherwise inflate to 1 GB at once.
            out = inflater.decompress(buf, CHUNK)
        except zlib.error:
            yield CORRUPT
            inflater, buf = None, _resync(raw, buf, 1 if started_here else 0)
            continue
        if out:
            yield out
        if inflater.eof:
            buf, inflater = inflater.unused_data, None
        else:
            buf, started_here = inflater.unconsumed_tail, False
            if eof and not buf:
                yield TRUNCATED
                return


def _resync(raw: BinaryIO, buf: bytes, start: int) -> bytes:
    """The input from the next gzip header on (empty at end of file)."""
    while True:
        at = buf.find(GZIP_MAGIC, start)
        if at >= 0:
            return buf[at:]
        more = raw.read(CHUNK)
        if not more:
            return b""
        buf, start = buf[-2:] + more, 0


def warc_records(chunks: Iterator[bytes | str], max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Record | str]:
    """Frame WARC records from a byte stream; yield CORRUPT/TRUNCATED where framing fails."""
    buf = bytearray()
    skip = 0  # bytes left of a record too large to frame
    resyncing = False  # after a corrupt header, count once until the next good record

    def corrupt():
        nonlocal resyncing
        # A malformed header that starts as a record does is a record of its own, counted each
        # time; the garbage after one is counted once, until the next good record.
        counted = resyncing and not buf.startswith(b"WARC/")
        # Not only after a newline: a corrupt gzip member (or a bomb of zeros) ends mid-line.
        at = buf.find(b"WARC/1.", 1)
        del buf[: at if at >= 0 else max(0, len(buf) - 8)]
        resyncing = True
        return at >= 0, ([] if counted else [CORRUPT])

    for item in chain(chunks, [None]):
        final = item is None
        if isinstance(item, str):  # the inflater lost bytes: the record in progress is gone
            buf.clear()
            yield item
            resyncing = False
            continue
        buf += item or b""
        while True:
            if skip:
                dropped = min(skip, len(buf))
                del buf[:dropped]
                skip -= dropped
                if skip:
                    break
            while buf[:2] == b"\r\n" or buf[:1] == b"\n":
                del buf[: 2 if buf[:2] == b"\r\n" else 1]
            if len(buf) < 8 and not final:
                break
            end = buf.find(b"\r\n\r\n", 0, MAX_HEADER_BYTES)
            headers = _warc_headers(bytes(buf[:end])) if buf.startswith(b"WARC/") and end > 0 else None
            length = _int(headers.get("content-length")) if headers else None
            if length is not None and length > max_record_bytes:
                yield TOO_LARGE
                del buf[: end + 4]
                skip = length
                continue
            if headers is None or length is None:
                if end < 0 and buf.startswith(b"WARC/") and len(buf) < MAX_HEADER_BYTES and not final:
                    break  # header not complete yet
                if final and not resyncing and (buf.startswith(b"WARC/") or len(buf) < 8):
                    if buf.strip():
                        yield TRUNCATED
                    return
                found, counts = corrupt()
                yield from counts
                if found:
                    continue
                if final:
                    return
                break
            total = end + 4 + length
            if len(buf) < total + 2 and not (final and len(buf) >= total):
                if not final:
                    break
                # The file ends inside this record: cut off, unless its length lied and
                # another record starts inside what it claims.
                if buf.find(b"\nWARC/1.", end) < 0:
                    yield TRUNCATED
                    return
                yield from corrupt()[1]
                continue
            if len(buf) >= total + 2 and buf[total : total + 2] != b"\r\n":  # the length lied
                yield from corrupt()[1]
                continue
            resyncing = False
            yield Record(headers, bytes(buf[end + 4 : total]))
            del buf[:total]


def _warc_headers(head: bytes) -> dict[str, str] | None:
    lines = head.decode("utf-8", "replace").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            return None
        headers[name.strip().lower()] = value.strip()
    return headers


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


class PayloadTooLarge(ValueError):
    """A gzip/deflate body inflates past its limit: a decompression bomb, or simply too large."""


def http_payload(block: bytes, max_inflated: int | None = None) -> tuple[dict[str, str], bytes] | None:
    """(lower-cased HTTP headers, body with transfer/content coding undone), or None if not HTTP.

    Inflating stops at `max_inflated` bytes (PayloadTooLarge): a 100 kB body can hold 100 MB.
    """
    end = block.find(b"\r\n\r\n")
    sep = 4
    if end < 0:
        end, sep = block.find(b"\n\n"), 2
    if not block.startswith(b"HTTP/") or end < 0:
        return None
    headers = {}
    for line in block[:end].decode("latin-1").splitlines()[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = block[end + sep :]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    coding = headers.get("content-encoding", "").lower()
    if coding in ("gzip", "x-gzip", "deflate"):
        # Crawlers often store the body already decoded but keep the header: try, else keep.
        try:
            inflater = zlib.decompressobj(wbits=47 if coding != "deflate" else 15)
            inflated = inflater.decompress(body, max_inflated or 0)
            if max_inflated and inflater.unconsumed_tail:
                raise PayloadTooLarge(f"inflates past {max_inflated} bytes")
            body = inflated
        except zlib.error:
            pass
    return headers, body


def _dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        eol = body.find(b"\r\n", pos)
        size = body[pos:eol].split(b";")[0].strip() if eol >= 0 else b""
        try:
            n = int(size, 16)
        except ValueError:
            return body  # not chunked after all (already decoded by the crawler)
        if n == 0:
            return bytes(out)
        out += body[eol + 2 : eol + 2 + n]
        pos = eol + 2 + n + 2


def payload_kind(mime: str, body: bytes) -> str:
    """"html", or the reason a payload is not a page: pdf, image, binary, not_html, empty_payload."""
    if not body.strip():
        return "empty_payload"
    for magic, kind in _SNIFF:
        if body.startswith(magic):
            return kind
    if mime in HTML_TYPES or not mime:
        # A NUL byte does not occur in text in any ASCII-compatible encoding.
        return "binary" if b"\x00" in body[:4096] and not body.startswith((b"\xff\xfe", b"\xfe\xff")) else "html"
    if mime == "application/pdf":
        return "pdf"
    if mime.startswith(("image/", "video/", "audio/")):
        return "image" if mime.startswith("image/") else "binary"
    if mime.startswith("application/") and not mime.endswith(("xml", "json", "javascript")):
        return "binary"
    return "not_html"


def codec(label: str | None) -> str | None:
    """Python codec for a charset label (with the WHATWG supersets), None if unknown."""
    if not label:
        return None
    label = label.strip().lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


# The two double-byte Chinese families: a page declared in one is often written in the other
# (Big5 pages labelled gb2312 are common on Taiwanese and Hong Kong hosts), and the bytes of one
# usually decode without error as the other, into mojibake.
_CJK_SIBLING = {"gb18030": "big5hkscs", "gbk": "big5hkscs", "gb2312": "big5hkscs",
                "big5hkscs": "gb18030", "big5": "gb18030", "cp950": "gb18030"}
# Where a family puts the characters ordinary text is made of: full-width punctuation and the
# frequent Han characters (GB2312 level 1; Big5's 5,401 frequent characters), by lead byte.
_FREQUENT_BLOCKS = {"gb": ((0xA1, 0xA3), (0xB0, 0xD7)), "big5": ((0xA1, 0xA3), (0xA4, 0xC6))}
# The other family's decoding must put this much more of the text in its frequent blocks.
SIBLING_MARGIN = 0.2


def frequent_share(text: str, name: str) -> float:
    """Share of the non-ASCII characters of TEXT that its codec NAME keeps in the blocks ordinary
    Chinese is written with: ~0.9 for real text, far less for the other family's mojibake (Big5
    bytes read as GBK come out as kana, Greek, box drawing and rare characters)."""
    family = "big5" if name.startswith("big5") or name == "cp950" else "gb"
    blocks = _FREQUENT_BLOCKS[family]
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return 0.0
    frequent = 0
    for char in wide:
        try:
            encoded = char.encode(name)
        except UnicodeEncodeError:
            continue
        if len(encoded) == 2 and any(lo <= encoded[0] <= hi for lo, hi in blocks):
            frequent += 1
    return frequent / len(wide)


def _check_cjk_family(body: bytes, text: str, name: str, source: str) -> tuple[str, str, str]:
    """The page decoded in the other Chinese family when that reads as Chinese and this does not."""
    sibling = _CJK_SIBLING.get(name)
    if sibling is None:
        return text, name, source
    try:
        other = body.decode(sibling)
    except UnicodeDecodeError:
        return text, name, source
    if frequent_share(other, sibling) > frequent_share(text, name) + SIBLING_MARGIN:
        return other, sibling, f"{source}_mislabelled"
    return text, name, source


def decode_html(body: bytes, http_content_type: str = "") -> tuple[str, str, str] | None:
    """(text, codec, where the codec came from), or None if no charset gives clean text.

    Order: byte-order mark; strict UTF-8 (a page that decodes as UTF-8 is UTF-8 whatever it
    declares — UTF-8 pages declared GB2312 are common); the HTTP charset; the <meta> charset;
    uchardet's guess; then the first of those that decodes with under 1% replacement characters.
    A page declared in one Chinese family (GB or Big5) and written in the other is decoded in
    the one it is written in (`<source>_mislabelled`), not into mojibake.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(name, "replace"), name, "bom"
    try:
        return body.decode("utf-8"), "utf-8", "utf8_valid"
    except UnicodeDecodeError:
        pass
    http = _HTTP_CHARSET.search(http_content_type or "")
    meta = _META_CHARSET.search(body[:4096])
    from resiliparse.parse.encoding import detect_encoding

    candidates = [(codec(http.group(1) if http else None), "http"),
                  (codec(meta.group(1).decode("ascii", "replace") if meta else None), "meta"),
                  (codec(detect_encoding(body)), "detected")]
    candidates = [(name, source) for name, source in candidates if name and name != "utf-8"]
    for name, source in candidates:
        try:
            return _check_cjk_family(body, body.decode(name), name, source)
        except UnicodeDecodeError:
            continue
    for name, source in candidates + [("utf-8", "utf8_lenient")]:
        text = body.decode(name, "replace")
        if text.count("\ufffd") <= MAX_REPLACEMENT_FRAC * max(1, len(text)):
            return text, name, f"{source}_lenient"
    return None


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# The WARC zstd convention (.warc.zst) may open with a skippable frame holding the dictionary
# every record frame was compressed with; the dictionary itself may be zstd-compressed.
_ZSTD_DICT_FRAME = b"\x5d\x2a\x4d\x18"
_ZSTD_PIECE = 1024


def zstd_chunks(raw: BinaryIO) -> Iterator[bytes | str]:
    """Decompressed bytes of a zstd stream of one or more frames (a dictionary frame first, if
    any). TRUNCATED where the file ends inside a frame, CORRUPT (and the end) where a frame does
    not decode: what came before is kept."""
    import zstandard

    head = raw.read(8)
    dictionary = None
    if head[:4] == _ZSTD_DICT_FRAME and len(head) == 8:
        data = raw.read(int.from_bytes(head[4:8], "little"))
        if data[:4] == _ZSTD_MAGIC:
            data = zstandard.ZstdDecompressor().decompress(data, max_output_size=64 << 20)
        dictionary = zstandard.ZstdCompressionDict(data)
        head = b""
    decompressor = zstandard.ZstdDecompressor(dict_data=dictionary) if dictionary else zstandard.ZstdDecompressor()
    frame, in_frame = decompressor.decompressobj(), False
    pending = head
    while True:
        data = pending or raw.read(CHUNK)
        pending = b""
        if not data:
            break
        # Fed in small pieces: one piece's output is bounded (a zstd bomb of RLE blocks makes up
        # to 128 KB from 4 bytes, so 1 KB of input is at most 32 MB), as gzip_chunks bounds its own.
        for start in range(0, len(data), _ZSTD_PIECE):
            piece = data[start:start + _ZSTD_PIECE]
            while piece:
                try:
                    out = frame.decompress(piece)
                except zstandard.ZstdError:
                    yield CORRUPT
                    return
                in_frame = True
                if out:
                    yield out
                if frame.eof:  # the frame ended inside this piece: the rest starts the next one
                    piece, frame, in_frame = frame.unused_data, decompressor.decompressobj(), False
                else:
                    piece = b""
    if in_frame:
        yield TRUNCATED


def file_chunks(f: BinaryIO) -> Iterator[bytes | str]:
    """The bytes of an open WARC file: gunzipped member by member when it is gzip'd,
    decompressed frame by frame when it is zstd (.warc.zst)."""
    head = f.read(4)
    f.seek(0)
    if head[:2] == b"\x1f\x8b":
        return gzip_chunks(f)
    if head in (_ZSTD_MAGIC, _ZSTD_DICT_FRAME):
        return zstd_chunks(f)
    return iter(lambda: f.read(CHUNK), b"")


class CountingWarcReader(WarcReader):
    """WARC/WET reader yielding HTML (or WET text) documents; skipped records counted by reason.

    A document's metadata: url, date (WARC-Date), record_id, content_type, charset and
    charset_source. Skip reasons: pdf, image, binary, not_html, empty_payload, undecodable,
    corrupt_record, truncated_record, too_large_record, too_large_html, decompression_bomb.
    """

    def __init__(self, data_folder, *, max_record_bytes: int = MAX_RECORD_BYTES, max_html_bytes: int = 10 << 20,
                 max_inflate_ratio: int = 100, **kwargs):
        super().__init__(data_folder, **kwargs)
        self.max_record_bytes = max_record_bytes
        self.max_html_bytes = max_html_bytes
        self.max_inflate_ratio = max_inflate_ratio

    def read_file(self, filepath: str):
        with self.data_folder.open(filepath, "rb", compression=None) as f:
            for ri, record in enumerate(warc_records(file_chunks(f), self.max_record_bytes)):
                with self.track_time():
                    if isinstance(record, str):
                        self.stat_update(f"dropped_extract_{record}")
                        continue
                    if record.headers.get("warc-type", "").encode() not in PAGE_RECORDS:
                        continue
                    page = self.page(record)
                    if isinstance(page, str):
                        self.stat_update(f"dropped_extract_{page}")
                        continue
                    document = self.get_document_from_dict(page, filepath, ri)
                if document:
                    yield document

    def page(self, record: Record) -> dict | str:
        """The document dict of a response/conversion record, or the reason it is skipped."""
        h = record.headers
        meta = {"url": h.get("warc-target-uri", ""), "date": h.get("warc-date", ""),
                "record_id": h.get("warc-record-id", "")}
        if h["warc-type"] == "conversion":  # WET: already text, UTF-8 by the format's definition
            text = record.block.decode("utf-8", "replace")
            meta.update(content_type="text/plain", charset="utf-8", charset_source="wet")
            return {self.text_key: text, self.id_key: meta["record_id"], **meta} if text.strip() else "empty_payload"
        try:
            parsed = http_payload(record.block, max_inflated=min(self.max_html_bytes, self.max_inflate_ratio * len(record.block)))
        except PayloadTooLarge:
            return "decompression_bomb"
        if parsed is None:
            return CORRUPT
        http_headers, body = parsed
        http_type = http_headers.get("content-type", "")
        # Common Crawl's own sniffing of the payload beats what the server claimed.
        mime = (h.get("warc-identified-payload-type") or http_type.split(";")[0]).strip().lower()
        kind = payload_kind(mime, body)
        if kind != "html":
            return kind
        if len(body) > self.max_html_bytes:  # bounds the extractor's time and memory per page
            return "too_large_html"
        decoded = decode_html(body, http_type)
        if decoded is None:
            return "undecodable"
        text, charset, source = decoded
        meta.update(content_type=mime or "text/html", charset=charset, charset_source=source)
        return {self.text_key: text, self.id_key: meta["record_id"], **meta}
