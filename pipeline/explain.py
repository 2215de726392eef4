"""`thresher explain`: why one document (or each line of a jsonl file) would be kept or dropped, check by check.

The pipeline stops at a document's first failing check; here every check of every rule is
measured, so a user tuning a threshold sees how far each value is from it. The language comes
from the same lid.176 router the langid stage uses, the rules from the same config loader.
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from datatrove.data import Document

from filters.base import Check
from filters.classifier import QualityClassifier
from filters.lines import LineCleaning
from pipeline.config import Config, ConfigError, load_config
from extract.inputs import format_of
from langid.lid import LanguageRouter
from filters.registry import STEPS


@dataclass
class Explanation:
    source: str
    chars: int
    language: str
    language_score: float
    lid_min_score: float | None  # None: the language is not one the run keeps
    rules_language: str | None  # whose rules were applied (None: the config has none for it)
    rules: list[tuple[str, list[Check]]] = field(default_factory=list)
    quality_score: float | None = None
    english_check: str | None = None  # the second opinion on an unsure en: rescued | refused
    shares: dict[str, float] | None = None  # paragraph shares, computed when the page alone fails
    lid_kept: bool = False  # what the langid stage decides, shares and second opinion included
    lid_reason: str | None = None  # the stage's drop reason when lid_kept is False
    cut_lines: dict[str, list[str]] = field(default_factory=dict)  # line cleaning: repeated / site lines cut
    site_counts: bool = False  # whether a run's per-site line counts were there to cut with

    @property
    def lid_passed(self) -> bool:
        return self.lid_kept

    def first_failure(self) -> tuple[str, Check] | None:
        """The check the pipeline would drop the document at: rule order, then check order."""
        for rule, checks in self.rules:
            for check in checks:
                if not check.passed:
                    return rule, check
        return None

    def to_dict(self) -> dict:
        failure = self.first_failure()
        if not self.lid_passed:
            verdict = {"kept": False, "rule": "lid", "reason": self.lid_reason}
        elif failure:
            rule, check = failure
            verdict = {"kept": False, "rule": rule, "reason": check.reason, "value": check.value, "threshold": check.threshold}
        else:
            verdict = {"kept": True}
        return {
            "document": {"source": self.source, "chars": self.chars},
            "language": {"lang": self.language, "score": round(self.language_score, 4),
                         "min_score": self.lid_min_score, "english_check": self.english_check,
                         "shares": self.shares, "passed": self.lid_passed},
            "rules_language": self.rules_language,
            "rules": [
                {"rule": rule, "checks": [
                    {"reason": c.reason, "value": c.value, "op": c.op, "threshold": c.threshold, "passed": c.passed}
                    for c in checks
                ]}
                for rule, checks in self.rules
            ],
            "cut_lines": self.cut_lines,
            "quality_score": self.quality_score,
            "verdict": verdict,
        }


def load_explain_config(path: Path) -> Config:
    """A pipeline config, or a filter-rule file alone (then its rules apply to either language)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        data = None  # load_config reports it with the file and line
    if isinstance(data, dict) and set(data) == {"rules"}:
        rule_file = str(Path(path).resolve())
        with tempfile.TemporaryDirectory() as tmp:
            wrapper = Path(tmp) / "explain.yaml"
            wrapper.write_text(yaml.safe_dump({"quality": {"en": rule_file, "zh": rule_file}}), encoding="utf-8")
            return load_config(wrapper)
    return load_config(path)


def read_documents(source: str) -> list[tuple[Document, str]]:
    """Plain text (one document), or jsonl: one document per line with `text` (and `metadata`, `id`).

    From a file (`.jsonl.gz` too) or `-` (stdin). A file of several lines names each document
    `FILE:LINE` (and its id); a single JSON line keeps the file's name, as plain text does.
    """
    if source == "-":
        raw, name = sys.stdin.read(), "stdin"
    else:
        try:
            opener = gzip.open if source.endswith(".gz") else open
            with opener(source, "rt", encoding="utf-8") as f:
                raw, name = f.read(), source
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read document {source}: {getattr(e, 'strerror', None) or e}") from e
    lines = [(n, line) for n, line in enumerate(raw.splitlines(), 1) if line.strip()]
    records = [_json_object(line) for _, line in lines]
    named_jsonl = format_of(name) == "jsonl"
    if not lines or not (named_jsonl or all(r is not None for r in records)):
        return [(Document(text=raw, id=name), name)]  # plain text, even one that starts with a brace
    documents = []
    for (n, _), record in zip(lines, records):
        where = name if len(lines) == 1 else f"{name}:{n}"
        if record is None:
            raise ConfigError(f"{where}: not a JSON object; a jsonl file holds one document per line")
        if not isinstance(record.get("text"), str):
            raise ConfigError(f"{where}: a JSON document needs a string field 'text'")
        metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
        # A flat record (url at top level, as jsonl inputs often are) still feeds the URL rule.
        metadata = {**{k: v for k, v in record.items() if k not in ("text", "metadata", "id")}, **metadata}
        label = where if "id" not in record or len(lines) == 1 else f"{where} (id {record['id']})"
        documents.append((Document(text=record["text"], id=str(record.get("id", where)), metadata=metadata), label))
    return documents


def _json_object(line: str) -> dict | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


@dataclass
class Tools:
    """The language router and each language's rule steps: built once for all documents of a file."""

    router: LanguageRouter
    steps: dict[str, list]

    @classmethod
    def build(cls, cfg: Config) -> Tools:
        router = LanguageRouter.from_config(cfg.langid)
        steps = {lang: [STEPS[spec.use](**spec.params) for spec in specs] for lang, specs in cfg.quality.items()}
        return cls(router, steps)


def explain(cfg: Config, doc: Document, source: str = "", lang: str | None = None, tools: Tools | None = None) -> Explanation:
    """Measure every check of the rules for the document's language (or `lang`)."""
    tools = tools or Tools.build(cfg)
    decision = tools.router.route(doc.text)  # the langid stage's own decision
    rules_language = lang or decision.language
    result = Explanation(source=source, chars=len(doc.text), language=decision.language,
                         language_score=decision.page_score,
                         lid_min_score=cfg.langid.min_score.get(decision.page_language),
                         rules_language=rules_language if rules_language in cfg.quality else None,
                         english_check=decision.english_check, shares=decision.shares, lid_kept=decision.kept,
                         lid_reason=decision.reason)
    # The rules judge the text as the pipeline hands it on: after line cleaning's cuts and C4's
    # line removals, on a copy so the caller's document is untouched.
    work = Document(text=doc.text, id=doc.id, metadata=dict(doc.metadata))
    for step in tools.steps.get(rules_language, []):
        checks = step.all_checks(work)
        result.rules.append((step.name, checks))
        if isinstance(step, QualityClassifier):
            result.quality_score = work.metadata["quality_score"]
        if isinstance(step, LineCleaning):
            cleaned = step.cleaned(work)
            result.cut_lines = {"repeated": cleaned.repeated, "site": cleaned.site, "interface": cleaned.interface}
            result.site_counts = step.boilerplate() is not None
        if step.rewrites_text and all(c.passed for c in checks):
            step.filter(work)
    return result


def explain_all(cfg: Config, source: str, lang: str | None = None, as_json: bool = False) -> str:
    """What `thresher explain` prints for SOURCE: each document's explanation; for several, a tally."""
    tools = Tools.build(cfg)
    results = [explain(cfg, doc, name, lang, tools) for doc, name in read_documents(source)]
    if as_json:
        dicts = [r.to_dict() for r in results]
        return json.dumps(dicts[0] if len(dicts) == 1 else dicts, ensure_ascii=False, indent=2)
    if len(results) == 1:
        return render(results[0])
    verdicts = [r.to_dict()["verdict"] for r in results]
    kept = sum(v["kept"] for v in verdicts)
    reasons = Counter(v["reason"] for v in verdicts if not v["kept"])
    tally = f"{len(results)} documents: {kept} kept, {len(results) - kept} dropped"
    if reasons:
        tally += " (" + ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items())) + ")"
    return "\n\n".join(render(r) for r in results) + "\n\n" + tally


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e12:
        return f"{int(value):,}"
    return f"{value:.4f}".rstrip("0")


def render(e: Explanation) -> str:
    """The explanation as aligned text, one line per check."""
    lid = (f"lid.176 score {e.language_score:.3f}, needs >= {e.lid_min_score}" if e.lid_min_score is not None
           else f"lid.176 score {e.language_score:.3f}; not a language this config keeps")
    if e.english_check:
        lid += f"; English second opinion: {e.english_check}"
    if e.shares is not None:
        shares = ", ".join(f"{k} {v:.0%}" for k, v in e.shares.items()) or "none"
        lid += f"; paragraph shares {shares} ({'kept on paragraphs' if e.lid_kept else 'too little en/zh'})"
    lines = [f"document  {e.source} ({e.chars:,} characters)", f"language  {e.language}  ({lid})"]
    if e.rules_language is None:
        lines.append("rules     none: the config has no quality rules for this language (try --lang en|zh)")
    else:
        lines.append(f"rules     {e.rules_language}: {len(e.rules)} rules, {sum(len(c) for _, c in e.rules)} checks")
        rows = []
        for rule, checks in e.rules:
            rows += [(rule, c.reason, _number(c.value), f"{c.op} {_number(c.threshold)}".strip(),
                      "pass" if c.passed else "FAIL") for c in checks]
            if not checks:  # e.g. a URL rule on a document without a URL, a classifier with no threshold
                rows.append((rule, "(no check applies)", "", "", ""))
        header = ("rule", "check", "value", "threshold", "verdict")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
        lines.append("")
        for row in [header, *rows]:
            lines.append("  " + "  ".join((cell.rjust if i in (2, 3) else cell.ljust)(widths[i]) for i, cell in enumerate(row)).rstrip())
        lines.append("")
    for kind, cut in e.cut_lines.items():
        for line in cut[:10]:
            lines.append(f"cut       ({kind}) {line[:100]}")
        if len(cut) > 10:
            lines.append(f"cut       ({kind}) ... and {len(cut) - 10} more lines")
    if e.cut_lines and not e.site_counts:
        lines.append("cut       (site) not measured: a site's repeated lines are counted over a run's pages")
    if e.quality_score is not None:
        lines.append(f"quality_score  {e.quality_score:.4f}  (P(keep) under the quality classifier)")
    verdict = e.to_dict()["verdict"]
    if verdict["kept"]:
        lines.append("verdict   KEPT: passes language ID and every rule")
    elif verdict["rule"] == "lid":
        lines.append(f"verdict   DROPPED at language ID ({verdict['reason']})")
    else:
        lines.append(f"verdict   DROPPED by {verdict['rule']}: {verdict['reason']} = {_number(verdict['value'])}, "
                     f"threshold {_number(verdict['threshold'])}")
    return "\n".join(lines)
