"""The removal record: what every removed document carries in its metadata, in one place.

    filter_rule       the step that removed it (`gopher_quality`, `lid`, `minhash_dedup`, ...)
    filter_reason     the check that failed, as stats and the report count it
    filter_value      the measured value
    filter_threshold  the threshold it was measured against

Written by the quality rules (filters/base.py), langid and dedup, read by recovery, the report
and `thresher explain`, and erased when recovery re-admits a document (its evidence keeps the
record under the names below, so nothing of it is lost).
"""

from __future__ import annotations

RULE, REASON, VALUE, THRESHOLD = "filter_rule", "filter_reason", "filter_value", "filter_threshold"
KEYS = (RULE, REASON, VALUE, THRESHOLD)


def mark(metadata: dict, rule: str, value, threshold, reason: str | None = None) -> None:
    """Record a removal. REASON may be left to datatrove's BaseFilter, which writes it with the
    same key when it hands the document to its exclusion writer."""
    metadata.update({RULE: rule, VALUE: value, THRESHOLD: threshold})
    if reason is not None:
        metadata[REASON] = reason


def rule_of(metadata: dict) -> str:
    return metadata.get(RULE, "unknown")


def reason_of(metadata: dict, default: str | None = None) -> str | None:
    return metadata.get(REASON, default)


def erase(metadata: dict) -> dict:
    """Take the record off a re-admitted document; returns it as recovery evidence names it:
    {rule, reason, rule_value, rule_threshold}."""
    record = {key: metadata.pop(key, None) for key in KEYS}
    return {"rule": record[RULE], "reason": record[REASON], "rule_value": record[VALUE], "rule_threshold": record[THRESHOLD]}
