"""The benchmark crawl for bench/e2e.py: shared/data's real pages as WARC response records.

Saved HTML pages (readability, GNE Chinese news, magic-html forums, DCLM test pages) are wrapped
as WARC `response` records with an HTTP header (their files are UTF-8, so the header says so),
and the real Common Crawl response records are copied as they are. To reach a size, the whole
set is repeated; each copy gets distinct URLs and record ids. Every record built here says so
in a `WARC-Derived-From` header, and each file's warcinfo record says how it was made.
Written outside the repository (a work folder), never committed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HTML_GLOBS = (
    "html/readability/*/source.html.gz",
    "html/gne_zh_news/**/*.html.gz",
    "html/magic_html_benchmark/forum/htmls/*.html.gz",
    "html/dclm_test_pages/*.html.gz",
)
WARC_FILES = (
    "warc/cc-main-2020-34_sample_resiliparse.noadult.warc.gz",
    "warc/jwarc_commoncrawl-org.warc.gz",
    "warc/whirlwind_cc-main-2024-22.warc.gz",
)
DATE = "2024-05-20T00:00:00Z"  # fixed: the same crawl bytes on every run


@dataclass
class Page:
    source: str  # path under shared/data, or the original URL of a CC record
    url: str
    http_headers: list[tuple[str, str]]
    status: str
    body: bytes


def load_pages(data: Path) -> list[Page]:
    """Every real page of shared/data once, in a fixed order."""
    pages = []
    for pattern in HTML_GLOBS:
        for path in sorted(data.glob(pattern)):
            rel = path.relative_to(data).as_posix()
            body = gzip.decompress(path.read_bytes())
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
            pages.append(Page(rel, f"https://bench.invalid/{rel.removesuffix('.gz')}", headers, "200 OK", body))
    for name in WARC_FILES:
        with open(data / name, "rb") as f:
            for record in ArchiveIterator(f):
                if record.rec_type != "response":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                http = record.http_headers
                body = record.content_stream().read()
                # The payload is stored decoded: drop encodings and lengths that described the wire form.
                headers = [(k, v) for k, v in http.headers
                           if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
                headers.append(("Content-Length", str(len(body))))
                pages.append(Page(f"{name}#{url}", url, headers, http.get_statuscode() + " OK", body))
    if not pages:
        raise FileNotFoundError(f"no pages found under {data} (expected {HTML_GLOBS[0]} etc.)")
    return pages


def write_crawl(pages: list[Page], out: Path, copies: int, per_file: int = 1) -> dict:
    """COPIES repetitions of PAGES into OUT/*.warc.gz, PER_FILE copies a file; sizes of what was written."""
    out.mkdir(parents=True, exist_ok=True)
    records = payload = 0
    for file_no in range(0, copies, per_file):
        path = out / f"bench-{file_no // per_file:04d}.warc.gz"
        with open(path, "wb") as f:
            writer = WARCWriter(f, gzip=True)
            info = {"software": "thresher bench/e2e.py",
                    "description": "DERIVED benchmark crawl: saved pages from shared/data re-wrapped as responses, "
                                   "real Common Crawl records copied, repeated with distinct URLs"}
            writer.write_record(writer.create_warcinfo_record(path.name, info))
            for copy in range(file_no, min(file_no + per_file, copies)):
                for page in pages:
                    url = page.url if copy == 0 else f"{page.url}{'&' if '?' in page.url else '?'}bench_copy={copy}"
                    rid = hashlib.sha1(f"{copy}:{page.source}".encode()).hexdigest()
                    warc_headers = {
                        "WARC-Record-ID": f"<urn:uuid:{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:32]}>",
                        "WARC-Date": DATE,
                        "WARC-Derived-From": page.source,
                    }
                    http = StatusAndHeaders(page.status, page.http_headers, protocol="HTTP/1.1")
                    writer.write_record(writer.create_warc_record(
                        url, "response", payload=io.BytesIO(page.body), http_headers=http, warc_headers_dict=warc_headers))
                    records += 1
                    payload += len(page.body)
    return {"records": records, "payload_bytes": payload,
            "file_bytes": sum(p.stat().st_size for p in out.glob("*.warc.gz")), "files": len(list(out.glob("*.warc.gz")))}
