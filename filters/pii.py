"""PII: email and IP addresses replaced as FineWeb does, by datatrove's own `PIIFormatter`.

FineWeb (Penedo et al. 2024) replaces email addresses and public IP addresses with fixed
stand-ins as its last step; datatrove's `PIIFormatter` is that step, and it does the replacing
here too, with its defaults: every email address, and each IPv4 address that is global
(`ipaddress.ip_address(...).is_global`: private, loopback and reserved ones stay). Its IP pattern
has no word boundaries, so a four-part version number that reads as a public address
("1.2.3.4") is replaced as well, while "0.9.1.2" (reserved) and "1.2.3" stay; tests/test_filters_pii.py
pins that down. This step only adds the counting: how many of each it replaced, in the stats
(`pii_emails`, `pii_ips`) and in the document (`pii_replaced`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from datatrove.data import Document
from datatrove.pipeline.formatters import PIIFormatter
from datatrove.pipeline.formatters.pii import PIIReplacer

from filters.base import Check, RuleFilter

_IP_HINT = re.compile(r"\d\.\d").search


def _matches(replacer: PIIReplacer, text: str) -> int:
    """How many matches REPLACER's `replace` substitutes in TEXT: the same matches `re.sub`
    visits, less those its validator turns down (left as they are)."""
    return sum(1 for m in replacer.regex.finditer(text) if replacer.validator is None or replacer.validator(m.group(0)))


def replace_pii(formatter: PIIFormatter, text: str) -> tuple[str, int, int]:
    """(text after FORMATTER, emails replaced, IPs replaced), in the formatter's order: emails
    first, so an address like `user@[8.8.4.4]` counts as one email and no IP.

    `"write to a@b.org from 8.8.8.8"` -> `("write to email@example.com from 22.214.171.124", 1, 1)`
    with a fresh formatter (its stand-ins are used in turn, document after document).
    """
    # Why the guards: the two patterns cost more than all of Gopher's quality rule on a page
    # without a match (the common case). An address holds "@"; an IP holds a digit, a dot and a
    # digit; and a text with no match needs no second, replacing pass.
    emails = ips = 0
    if formatter.remove_emails and "@" in text:
        emails = _matches(formatter.emails_replacer, text)
        if emails:
            text = formatter.emails_replacer.replace(text)
    if formatter.remove_ips and _IP_HINT(text):
        ips = _matches(formatter.ip_replacer, text)
        if ips:
            text = formatter.ip_replacer.replace(text)
    return text, emails, ips


class PiiFilter(RuleFilter):
    """Replaces email and public IP addresses (datatrove's `PIIFormatter`); drops nothing."""

    name = "pii"
    rewrites_text = True

    def __init__(self, remove_emails: bool = True, remove_ips: bool = True, only_remove_public_ips: bool = True,
                 exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.remove_emails = remove_emails
        self.remove_ips = remove_ips
        self.only_remove_public_ips = only_remove_public_ips
        self._formatter: PIIFormatter | None = None  # built on first use, once per worker

    @property
    def formatter(self) -> PIIFormatter:
        if self._formatter is None:
            self._formatter = PIIFormatter(remove_emails=self.remove_emails, remove_ips=self.remove_ips,
                                           only_remove_public_ips=self.only_remove_public_ips)
        return self._formatter

    def checks(self, doc: Document) -> Iterator[Check | None]:
        return iter(())  # no threshold: every document is kept, with its PII replaced

    def filter(self, doc: Document) -> bool:
        doc.text, emails, ips = replace_pii(self.formatter, doc.text)
        if emails or ips:
            self.stat_update("pii_docs")
            self.stat_update("pii_emails", value=emails)
            self.stat_update("pii_ips", value=ips)
            doc.metadata["pii_replaced"] = emails + ips
        return True
