"""Line-level cleaning before the document rules: cut the lines a page repeats, and the lines
its site repeats on page after page, so that the rules judge what the page itself says.

Why: a page's own text is rarely the problem. A caption shown twice, "ADVERTISEMENT" between
slides or a cookie notice pushed good pages over the duplicated-line and n-gram thresholds, and
menus and disclaimers kept templated pages above the length thresholds. Cutting them first is
what CCNet (Wenzek et al. 2020, paragraphs seen elsewhere in the shard) and Dolma do; here a
line counts as the site's boilerplate when it is on `site_min_pages` pages of the same host in
this run, which a single article never is.

The per-site counts are made over the whole run in bounded memory (`SiteLineCounter` writes
64-bit hashes of (host, line) bucketed by hash, `SiteBoilerplate` counts one bucket at a time),
so they work across tasks and Slurm nodes; `LineCleaning` loads the boilerplate hashes once per
worker. What was cut goes to RUN/quality/cut/<lang>/ and into the stats, never to removed/:
those documents were kept.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np
import xxhash
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep

from filters.base import Check, RuleFilter, at_least
from filters.interface import is_interface_line
from filters.listing import is_code_line

SITE_BUCKETS = 64  # files per language the (host, line) hashes are spread over; one merge task each
_FLUSH_HASHES = 4_000_000  # a counting task writes its buffer out past this many hashes (32 MB)
_HAS_TEXT = re.compile(r"[^\W\d_]").search  # a line with a letter (any script, CJK included)
_DIGITS = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


def normalise_line(line: str) -> str:
    """The form two lines must share to be one line: lower case, digits as 0, spaces collapsed
    (as CCNet does), so "© 2021 Acme" and "© 2023 ACME" are the same footer."""
    return _SPACES.sub(" ", _DIGITS.sub("0", line.lower())).strip()


def site_of(url: str | None) -> str | None:
    """The host a page belongs to, without "www.": "https://www.bbc.co.uk/news/1" -> "bbc.co.uk"."""
    if not url:
        return None
    url = str(url).strip().lower()
    host = urlsplit(url if "//" in url else "//" + url).hostname
    return host.removeprefix("www.") if host else None


def line_key(site: str, normalised: str) -> int:
    return xxhash.xxh3_64_intdigest(normalised, seed=0) ^ xxhash.xxh3_64_intdigest(site, seed=1)


def page_keys(text: str, site: str) -> np.ndarray:
    """The distinct (site, line) hashes of one page's lines that hold a letter, sorted."""
    keys = {line_key(site, n) for n in map(normalise_line, text.split("\n")) if _HAS_TEXT(n)}
    return np.array(sorted(keys), dtype=np.uint64)


class SiteLineCounter(PipelineStep):
    """Writes every page's distinct (site, line) hashes, bucketed by hash, for `SiteBoilerplate`.
    A hash appears once per page that holds the line, so counting equal hashes counts pages."""

    type = "🧹 - CLEAN"
    name = "site_line_counter"

    def __init__(self, output_folder: str):
        super().__init__()
        self.output_folder = output_folder

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        folder = get_datafolder(self.output_folder)
        buffer: list[np.ndarray] = []
        buffered, chunk = 0, 0

        def flush() -> None:
            nonlocal buffer, buffered, chunk
            if not buffer:
                return
            keys = np.concatenate(buffer)
            buckets = keys % np.uint64(SITE_BUCKETS)
            for b in range(SITE_BUCKETS):
                with folder.open(f"{b:02d}/{rank:05d}_{chunk:04d}.npy", "wb") as f:
                    np.save(f, keys[buckets == b])
            buffer, buffered, chunk = [], 0, chunk + 1

        for doc in data or ():
            site = site_of(doc.metadata.get("url"))
            if site is None:
                continue
            with self.track_time():
                keys = page_keys(doc.text, site)
            self.stat_update("pages")
            self.stat_update("lines", value=len(keys))
            buffer.append(keys)
            buffered += len(keys)
            if buffered >= _FLUSH_HASHES:
                flush()
        flush()
        if chunk == 0:  # no page had a url: an empty chunk still tells the merge this task ran
            buffer = [np.empty(0, dtype=np.uint64)]
            flush()
        return
        yield  # a generator, as every datatrove step


class SiteBoilerplate(PipelineStep):
    """Counts the pages of each (site, line) hash in this task's buckets and keeps the hashes seen
    on at least `min_pages` pages: the boilerplate set `LineCleaning` cuts."""

    type = "🧹 - CLEAN"
    name = "site_boilerplate"

    def __init__(self, counts_folder: str, output_folder: str, min_pages: int):
        super().__init__()
        self.counts_folder = counts_folder
        self.output_folder = output_folder
        self.min_pages = min_pages

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        counts, out = get_datafolder(self.counts_folder), get_datafolder(self.output_folder)
        for b in range(rank, SITE_BUCKETS, world_size):
            parts = []
            for name in counts.list_files(f"{b:02d}"):
                with counts.open(name, "rb") as f:
                    parts.append(np.load(f))
            keys = np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)
            unique, pages = np.unique(keys, return_counts=True)
            boilerplate = unique[pages >= self.min_pages]
            self.stat_update("site_lines", value=len(unique))
            self.stat_update("boilerplate_lines", value=len(boilerplate))
            with out.open(f"{b:02d}.npy", "wb") as f:
                np.save(f, boilerplate)
        return
        yield


def load_boilerplate(folder: str) -> np.ndarray:
    """The sorted boilerplate hashes of all buckets; a missing bucket means the count job did not
    finish, and cleaning with part of the set would cut some sites and not others."""
    data = get_datafolder(folder)
    parts = []
    for b in range(SITE_BUCKETS):
        if not data.exists(f"{b:02d}.npy"):
            raise FileNotFoundError(f"site boilerplate bucket {b:02d}.npy missing in {folder}: rerun the quality stage")
        with data.open(f"{b:02d}.npy", "rb") as f:
            parts.append(np.load(f))
    return np.sort(np.concatenate(parts))


@dataclass
class Cleaned:
    text: str
    repeated: list[str] = field(default_factory=list)  # lines cut as repeats within the page
    site: list[str] = field(default_factory=list)  # lines cut as the site's boilerplate
    interface: list[str] = field(default_factory=list)  # lines cut as widget text (filters/interface.py)
    site_skipped: bool = False  # the site's lines were most of the page: left for dedup and the rules

    @property
    def cut_chars(self) -> int:
        return sum(map(len, self.repeated)) + sum(map(len, self.site)) + sum(map(len, self.interface))

    @property
    def changed(self) -> bool:
        return bool(self.repeated or self.site or self.interface)


def clean_lines(text: str, site: str | None, boilerplate: np.ndarray | None, cut_repeats: bool = True,
                max_site_cut_frac: float = 0.8, cut_interface: bool = True) -> Cleaned:
    """Cut repeats of a line within the page (the first stays), the site's boilerplate lines and,
    with `cut_interface`, lines that are only a widget's words ("Reply", "分享到", "5小时前").

    "Photo: AP\\nRain fell.\\nPhoto: AP" -> "Photo: AP\\nRain fell." (one repeat cut). Lines without
    a letter (blank lines, numbers, "}") are never cut: they are layout, not boilerplate. Nor is a
    repeated line of code (the listing step's `is_code_line`): "return x;" twice in a tutorial is
    the program, not a caption.

    Repeats are cut however much of the page they are, as CCNet cuts every paragraph seen
    before: a forum thread quoting the post it answers is the thread once, and a page that is one
    paragraph many times is that paragraph, for the rules to judge. (A cap at Gopher's 0.2
    duplicated-line share, tried first, failed 4 of 148 clean reference texts, all quoting
    threads, 2 of them in the tuning half of bench/rules_on_clean_text.py, and changed no
    decision on DCLM's labelled pages in bench/quality_eval.py.)
    """
    lines = text.split("\n")
    norms = [normalise_line(line) for line in lines]
    is_site = [False] * len(lines)
    if site is not None and boilerplate is not None and len(boilerplate):
        keys = np.array([line_key(site, n) for n in norms], dtype=np.uint64)
        at = np.searchsorted(boilerplate, keys).clip(max=len(boilerplate) - 1)
        is_site = [bool(hit) and bool(_HAS_TEXT(n)) for hit, n in zip(boilerplate[at] == keys, norms)]
    result = Cleaned(text)
    site_chars = sum(len(line) for line, hit in zip(lines, is_site) if hit)
    if site_chars and site_chars > max_site_cut_frac * max(len(text) - text.count("\n"), 1):
        # Nearly all of the page is on other pages of its site: a copy (dedup's case) or a
        # template page (the rules' case). Cutting would leave a stub that hides which.
        is_site, result.site_skipped = [False] * len(lines), True
    kept, seen = [], set()
    for line, norm, hit in zip(lines, norms, is_site):
        if hit:
            result.site.append(line)
            continue
        if cut_interface and is_interface_line(line):
            result.interface.append(line)
            continue
        if cut_repeats and _HAS_TEXT(norm) and not is_code_line(line):
            if norm in seen:
                result.repeated.append(line)
                continue
            seen.add(norm)
        kept.append(line)
    if result.changed:
        result.text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return result


class LineCleaning(RuleFilter):
    """Cuts repeated and site-boilerplate lines; the document rules after it judge what is left.
    A page with nothing left is removed (`line_cleaning_nothing_left`)."""

    name = "line_cleaning"
    rewrites_text = True

    def __init__(
        self,
        cut_repeated_lines: bool = True,
        site_min_pages: int | None = 3,  # a line on this many pages of one site is its boilerplate; None: off
        max_site_cut_frac: float = 0.8,  # site lines above this share of a page: not cut (see clean_lines)
        cut_interface_lines: bool = True,  # "Reply", "Share", "5小时前", cookie notices (filters/interface.py)
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        self.cut_repeated_lines = cut_repeated_lines
        self.cut_interface_lines = cut_interface_lines
        self.site_min_pages = site_min_pages
        self.max_site_cut_frac = max_site_cut_frac
        # Set by the quality stage (pipeline/stages.py), not the YAML: where this run's site
        # counts are, and where to record what was cut.
        self.boilerplate_folder: str | None = None
        self.cut_writer = None
        self._boilerplate: np.ndarray | None = None  # loaded on first use, once per worker
        self._last: tuple[str, Cleaned] | None = None  # the text measured last, and its cleaning
        self._writer, self._rank = None, 0

    def boilerplate(self) -> np.ndarray | None:
        if self.site_min_pages is None or self.boilerplate_folder is None:
            return None
        if self._boilerplate is None:
            self._boilerplate = load_boilerplate(self.boilerplate_folder)
        return self._boilerplate

    def cleaned(self, doc: Document) -> Cleaned:
        if self._last is None or self._last[0] is not doc.text:
            site = site_of(doc.metadata.get("url"))
            cleaned = clean_lines(doc.text, site, self.boilerplate(), self.cut_repeated_lines, self.max_site_cut_frac,
                                  self.cut_interface_lines)
            self._last = (doc.text, cleaned)
        return self._last[1]

    def checks(self, doc: Document) -> Iterator[Check | None]:
        yield at_least("line_cleaning_nothing_left", len(self.cleaned(doc).text.strip()), 1)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        cleaned = self.cleaned(doc)
        verdict = super().filter(doc)
        self._last = None
        if cleaned.site_skipped:
            self.stat_update("site_cut_skipped_mostly_shared")
        if verdict is True and cleaned.changed:
            self.stat_update("docs_cut")
            self.stat_update("cut_repeated_lines", value=len(cleaned.repeated))
            self.stat_update("cut_site_lines", value=len(cleaned.site))
            self.stat_update("cut_interface_lines", value=len(cleaned.interface))
            self.stat_update("cut_chars", value=cleaned.cut_chars)
            doc.metadata["cut_repeated_lines"] = len(cleaned.repeated)
            doc.metadata["cut_site_lines"] = len(cleaned.site)
            doc.metadata["cut_interface_lines"] = len(cleaned.interface)
            doc.metadata["cut_chars"] = cleaned.cut_chars
            if self._writer is not None:
                record = Document(text="\n".join(cleaned.repeated + cleaned.site + cleaned.interface), id=doc.id,
                                  metadata={"url": doc.metadata.get("url"), "repeated_lines": len(cleaned.repeated),
                                            "site_lines": len(cleaned.site), "interface_lines": len(cleaned.interface)})
                self._writer.write(record, rank=self._rank)
            doc.text = cleaned.text
        return verdict

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.cut_writer if self.cut_writer else contextlib.nullcontext() as writer:
            self._writer, self._rank = writer, rank
            yield from super().run(data, rank, world_size)
