"""The shape every quality rule shares: measure, compare with thresholds, drop with the evidence.

A rule is a datatrove `BaseFilter`. Its `checks()` returns one `Check` per threshold it holds,
each with the measured value, so the same code serves three users:

- the pipeline, which drops a document on its first failing check and records
  `filter_reason`, `filter_value` and `filter_threshold` in the removed document's metadata;
- `thresher explain`, which prints every check of every rule for one document;
- the recovery stage, which reads those metadata fields back to decide what to re-admit.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from pipeline import removal


@dataclass(frozen=True)
class Check:
    """One threshold of one rule, applied to one document."""

    reason: str  # stable snake_case id; it names the stats counter and the removal record
    value: float  # what was measured
    threshold: float
    passed: bool
    # How the value must compare with the threshold to pass (">=", "<="), for `explain` to print.
    op: str = ""


def at_least(reason: str, value: float, minimum: float | None) -> Check | None:
    """A lower bound; `None` as the threshold switches the check off."""
    if minimum is None:
        return None
    return Check(reason, float(value), float(minimum), value >= minimum, ">=")


def at_most(reason: str, value: float, maximum: float | None) -> Check | None:
    """An upper bound; `None` as the threshold switches the check off."""
    if maximum is None:
        return None
    return Check(reason, float(value), float(maximum), value <= maximum, "<=")


class RuleFilter(BaseFilter):
    """A quality rule. Subclasses set `name` and implement `checks`."""

    type = "🔻 - FILTER"
    # A rule that changes the text of a document it keeps (C4 keeps its good lines, line
    # cleaning cuts boilerplate): the rules after it judge the new text, in `explain` too.
    rewrites_text = False

    def __init__(self, exclusion_writer=None):
        super().__init__(exclusion_writer)

    @abstractmethod
    def checks(self, doc: Document) -> Iterator[Check | None]:
        """Yield every check this rule holds, in order; `None` is a switched-off check.

        A generator, so that filtering stops measuring at the first failed check, while
        `explain` (through `all_checks`) still sees them all.
        """

    def all_checks(self, doc: Document) -> list[Check]:
        return [c for c in self.checks(doc) if c is not None]

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        for check in self.checks(doc):
            if check is not None and not check.passed:
                removal.mark(doc.metadata, self.name, round(check.value, 6), check.threshold)  # reason: datatrove's
                # datatrove counts documents per reason; bytes are ours, for the report.
                self.stat_update(f"dropped_bytes_{check.reason}", value=len(doc.text.encode("utf-8")))
                return False, check.reason
        return True
