"""HTML to main text: resiliparse (the default) or trafilatura with FineWeb's settings.

The default is chosen by `bench/extraction_quality.py` on the labelled pages of
../shared/data/html: resiliparse's main-content extraction scored a higher token F1 than
trafilatura(favour_precision=True) there (0.79 vs 0.77) at over 10x the pages/s per core, so it
leads; trafilatura stays for runs that want to reproduce FineWeb.

Each kept document records `extractor`. WET records (content_type text/plain) are already text
and pass through with `extractor: none`. Pages left with no text are dropped and counted as
`dropped_extract_no_main_text`.
"""

from __future__ import annotations

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.extractors.base import BaseExtractor, ExtractorSandbox
from datatrove.utils.typeshelper import StatHints


class _MainText:
    """The run loop both extractors share: pass WET text through, record the extractor, count drops."""

    extractor_name = ""
    sandboxed = True  # run extract() in datatrove's timeout sandbox (a child process)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        sandbox = ExtractorSandbox(timeout=self.timeout) if self.sandboxed else None
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

        return extract_plain_text(text, main_content=True, alt_texts=False, links=False,
                                  form_fields=False, noscript=False)


class TrafilaturaExtractor(_MainText, Trafilatura):
    """trafilatura with FineWeb's settings (favour precision, no comments, deduplicate)."""

    name = "⛏ Trafilatura"
    extractor_name = "trafilatura"

    def __init__(self, favour_precision: bool = True, timeout: float = 1.0):
        super().__init__(favour_precision=favour_precision, timeout=timeout, deduplicate=True)


def make_extractor(extractor: str, favour_precision: bool = True, timeout_s: float = 1.0):
    """The extractor step named in the config's `extract.extractor`."""
    if extractor == "resiliparse":
        return ResiliparseExtractor(timeout=timeout_s)
    if extractor == "trafilatura":
        return TrafilaturaExtractor(favour_precision=favour_precision, timeout=timeout_s)
    raise ValueError(f"unknown extractor {extractor!r}; valid: ['resiliparse', 'trafilatura']")
