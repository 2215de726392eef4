"""HTML to main text: resiliparse with a trafilatura fallback (the default), or either alone.

Measured by `bench/extraction_quality.py` on the labelled pages of ../shared/data/html:
resiliparse's main-content mode is over 10x trafilatura's pages/s per core at a similar F1, but
it sometimes returns nothing or a stub for an article (it drops elements styled
`visibility: hidden`, which is how WeChat serves its article body until a script shows it, and
some layouts defeat its content scoring). The hybrid extractor (`HybridExtractor`) notices that:
when the main content is empty, or under `fallback_below` of the page's whole visible text,
that page alone goes to trafilatura. Each kept document records `extractor` (which one produced
its text) and, for a fallback, `extract_fallback` (why); the stats count fallbacks by reason.

WET records (content_type text/plain) are already text and pass through with `extractor: none`.
Pages left with no text are dropped and counted as `dropped_extract_no_main_text`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.extractors.base import BaseExtractor, ExtractorSandbox
from datatrove.utils.typeshelper import StatHints

from extract.config import ExtractConfig


class _Sandbox(ExtractorSandbox):
    """datatrove's timeout sandbox, whose child dies with the task that started it.

    A task that fails (a full disk, a bad record the writer rejects) can leave the process
    without running the sandbox's clean-up; the orphaned child would then hold the task's
    stdout and stderr open, and whoever waits on them (Slurm, a shell pipe) would wait forever.
    """

    def _worker(self, conn, extract_fn):
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() == 1:  # the parent was already gone before prctl took effect
                os._exit(0)
        super()._worker(conn, extract_fn)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _sandbox(timeout: float) -> ExtractorSandbox:
    """A sandbox for trafilatura, with trafilatura imported here first: the child is forked from
    this process, and importing it there would count against the first page's time limit, which
    a loaded machine then misses, so that page's text would depend on the machine's load."""
    import trafilatura  # noqa: F401

    return _Sandbox(timeout=timeout)


class _MainText:
    """The run loop both extractors share: pass WET text through, record the extractor, count drops."""

    extractor_name = ""
    sandboxed = True  # run extract() in datatrove's timeout sandbox (a child process)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        sandbox = _sandbox(self.timeout) if self.sandboxed else None
        try:
            for doc in data:
                self.stat_update(StatHints.total)
                if doc.metadata.get("content_type") == "text/plain":
                    doc.metadata["extractor"] = "none"
                    yield doc
                    continue
                with self.track_time():
                    text = self._extract(sandbox, doc.text)
                if text is None:
                    continue
                if not text.strip():
                    self.stat_update("dropped_extract_no_main_text")
                    continue
                doc.text = text
                doc.metadata["extractor"] = self.extractor_name
                self.stat_update(StatHints.forwarded)
                self.update_doc_stats(doc)
                yield doc
        finally:
            if sandbox is not None:
                sandbox.__exit__(None, None, None)

    def _extract(self, sandbox, html: str) -> str | None:
        if sandbox is None:
            try:
                return self.extract(html) or ""
            except Exception:  # a page the parser rejects is dropped and counted, never fatal to the task
                self.stat_update("dropped_extract_clean_error")
                return None
        try:
            return sandbox.process_document(html, self.extract) or ""
        except TimeoutError:
            self.stat_update("dropped_extract_timeout")
        except EOFError:  # the child died (OOM): a new one starts for the next page
            self.stat_update("dropped_extract_broken_process")
        except Exception:  # trafilatura raises on malformed trees: the page is dropped, counted
            self.stat_update("dropped_extract_clean_error")
        return None


# resiliparse's options for every call: text only, as a reader sees it.
_RESILIPARSE = dict(alt_texts=False, links=False, form_fields=False, noscript=False)


class ResiliparseExtractor(_MainText, BaseExtractor):
    """Main content with resiliparse's DOM heuristics; no alt texts, links, form fields or noscript."""

    name = "⛏ Resiliparse"
    extractor_name = "resiliparse"
    # resiliparse is linear-time C++ with no pathological pages seen so far: running it in a
    # child process with a timeout (as trafilatura needs) would cost more than the extraction.
    sandboxed = False
    _requires_dependencies = ["resiliparse"]

    def __init__(self, timeout: float = 1.0):
        super().__init__(timeout)

    def extract(self, text: str) -> str:
        from resiliparse.extract.html2text import extract_plain_text

        return extract_plain_text(text, main_content=True, **_RESILIPARSE)


class TrafilaturaExtractor(_MainText, Trafilatura):
    """trafilatura with FineWeb's settings (favour precision, no comments, deduplicate), one page
    at a time.

    trafilatura's `deduplicate` counts text segments in a process-wide cache, so a paragraph
    seen on earlier pages of the same worker is dropped from later ones: a page's text would
    depend on which pages its worker happened to extract before it (and, in the fork-started
    sandbox, on the parent's). The cache is emptied before each page, so `deduplicate` removes
    repeats within the page only and the same page always gives the same text.
    """

    name = "⛏ Trafilatura"
    extractor_name = "trafilatura"

    def __init__(self, favour_precision: bool = True, timeout: float = 1.0, **kwargs):
        super().__init__(favour_precision=favour_precision, timeout=timeout, deduplicate=True, **kwargs)

    def extract(self, text: str) -> str:
        from trafilatura.deduplication import LRU_TEST

        LRU_TEST.clear()
        return super().extract(text)


def fallback_reason(main: str, visible: str, fallback_below: float) -> str | None:
    """Why resiliparse's main content cannot be trusted for this page, or None when it can.

    "empty_main": nothing came out although the page shows text. "short_main": the main content
    is under `fallback_below` of the page's visible text, the mark of a teaser, a title and
    byline, or an article body hidden until a script runs (resiliparse drops `visibility:
    hidden`, its full-page mode keeps it).
    """
    if not main.strip():
        return "empty_main" if visible.strip() else None
    if len(main) < fallback_below * len(visible):
        return "short_main"
    return None


class HybridExtractor(_MainText, BaseExtractor):
    """resiliparse's main content; trafilatura for the pages where that looks wrong.

    Both resiliparse passes (main content and whole visible text) share one parsed tree.
    trafilatura runs in datatrove's timeout sandbox, started on the first fallback. When
    trafilatura finds nothing either, the page keeps what resiliparse had: its main content, or
    else its whole visible text (`extract_fallback: visible_text`), for the quality rules to
    judge rather than lose an article both extractors missed.
    """

    name = "⛏ Hybrid"
    extractor_name = "resiliparse"
    sandboxed = False  # resiliparse runs here; only the fallback goes to the sandbox
    _requires_dependencies = ["resiliparse", "trafilatura"]

    def __init__(self, fallback_below: float = 0.2, fallback_fast: bool = True, timeout: float = 1.0):
        super().__init__(timeout)
        self.fallback_below = fallback_below
        # no_fallback: trafilatura's own extraction without its readability/jusText comparison.
        self.fallback = TrafilaturaExtractor(favour_precision=True, timeout=timeout, no_fallback=fallback_fast)
        self._sandbox = None

    def extract(self, text: str) -> str:
        return self.extract_with_source(text)[0]

    def extract_with_source(self, html: str) -> tuple[str, str, str | None]:
        """(text, extractor that produced it, fallback reason or None)."""
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        tree = HTMLTree.parse(html)
        main = extract_plain_text(tree, main_content=True, **_RESILIPARSE)
        visible = extract_plain_text(tree, main_content=False, **_RESILIPARSE)
        reason = fallback_reason(main, visible, self.fallback_below)
        if reason is None:
            return main, "resiliparse", None
        self.stat_update(f"fallback_{reason}")
        if self._sandbox is None:
            self._sandbox = _sandbox(self.timeout)
        try:
            second = self._sandbox.process_document(html, self.fallback.extract) or ""
        except TimeoutError:
            self.stat_update("fallback_timeout")
            second = ""
        except EOFError:  # the child died; a new one starts on the next fallback
            self.stat_update("fallback_broken_process")
            second = ""
        except Exception:  # trafilatura raises on malformed trees
            self.stat_update("fallback_error")
            second = ""
        if second.strip():
            return second, "trafilatura", reason
        if main.strip():
            return main, "resiliparse", reason
        self.stat_update("fallback_visible_text")
        return visible, "resiliparse_visible", "visible_text"

    def _extract(self, sandbox, html: str) -> str | None:
        try:
            text, self._source, self._reason = self.extract_with_source(html)
        except Exception:  # a page the parser rejects is dropped and counted, never fatal to the task
            self.stat_update("dropped_extract_clean_error")
            return None
        return text

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        try:
            for doc in super().run(data, rank, world_size):
                if doc.metadata["extractor"] != "none":
                    doc.metadata["extractor"] = self._source
                    if self._reason:
                        doc.metadata["extract_fallback"] = self._reason
                yield doc
        finally:
            if self._sandbox is not None:
                self._sandbox.__exit__(None, None, None)
                self._sandbox = None


EXTRACTORS = ("hybrid", "resiliparse", "trafilatura")


def make_extractor(settings: ExtractConfig):
    """The extractor step the config's `extract` section names, with its settings."""
    s = settings
    if s.extractor == "hybrid":
        return HybridExtractor(fallback_below=s.fallback_below, fallback_fast=s.fallback_fast, timeout=s.timeout_s)
    if s.extractor == "resiliparse":
        return ResiliparseExtractor(timeout=s.timeout_s)
    if s.extractor == "trafilatura":
        return TrafilaturaExtractor(favour_precision=s.favour_precision, timeout=s.timeout_s)
    raise ValueError(f"unknown extractor {s.extractor!r}; valid: {list(EXTRACTORS)}")
