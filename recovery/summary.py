"""The recovery section of the run report: per mechanism and per rule, what was examined, what
came back, its bytes, and a few samples — read from the jobs' stats and the re-admitted files.

The re-admission rate per rule is the figure to act on: a rule that keeps being overruled is a
rule to retune.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path


from pipeline.layout import LANGUAGES, RunLayout
from pipeline.stage_io import StageReader
from pipeline.stats import job_stats, run_settings
from recovery.readmit_dedup import mechanism_rule

MECHANISMS = ("reextraction", "false_duplicates", "false_rejections", "false_language")
SAMPLES = 3
SNIPPET_CHARS = 160


def _totals(folder: Path) -> Counter:
    totals = Counter()
    for step in job_stats(folder):
        totals.update({k: int(v) for k, v in step.totals.items()})
    return totals


def _split(totals: Counter, prefix: str) -> dict[str, int]:
    """{"examined/c4_quality": 3} with prefix "examined" -> {"c4_quality": 3}."""
    return {k[len(prefix) + 1:]: v for k, v in totals.items() if k.startswith(prefix + "/")}


def _row(examined=0, examined_bytes=0, readmitted=0, readmitted_bytes=0, **extra) -> dict:
    row = dict(examined=examined, examined_bytes=examined_bytes, readmitted=readmitted, readmitted_bytes=readmitted_bytes, **extra)
    row["readmission_rate"] = round(readmitted / examined, 4) if examined else 0.0
    return row


def readmitted_docs(layout: RunLayout):
    """(language, document) for every re-admitted document of the run."""
    for lang in LANGUAGES:
        for pattern in ("recovered_*.jsonl.gz", "readmitted_*.jsonl.gz"):
            if not any(layout.output("recovery", lang).glob(pattern)):
                continue  # (StageReader would warn about an empty stage)
            for doc in StageReader(layout.output("recovery", lang), glob_pattern=pattern).run():
                yield lang, doc


def readmitted(layout: RunLayout) -> tuple[dict[tuple[str, str], list[dict]], dict[str, int]]:
    """One read of the re-admitted documents: the first few (by id) of each (mechanism, rule or
    reason), and the characters re-admitted per language (the stage's output is what passed
    through plus these)."""
    found, chars = defaultdict(list), Counter()
    for lang, doc in readmitted_docs(layout):
        chars[lang] += len(doc.text)
        key = mechanism_rule(doc)
        snippet = " ".join(doc.text[:SNIPPET_CHARS].split())
        found[key].append({"id": doc.id, "language": lang, "bytes": len(doc.text.encode("utf-8")), "snippet": snippet})
    return {k: sorted(v, key=lambda s: s["id"])[:SAMPLES] for k, v in found.items()}, dict(chars)


def recovery_mechanisms(layout: RunLayout, found: dict) -> dict:
    """{mechanism: {"status", "per_rule": {rule: row}, "per_language": {lang: readmitted}, totals}};
    FOUND: the samples `readmitted` gave."""
    cfg = run_settings(layout, "recovery")
    out = {}
    for mech in MECHANISMS:
        per_rule: dict[str, dict] = defaultdict(Counter)
        per_lang = {}
        for lang in LANGUAGES:
            if mech == "false_duplicates":
                t = _totals(layout.logs("recovery", f"{lang}/false_duplicates"))
                if t:
                    per_rule["minhash"].update({k: t[k] for k in ("examined", "examined_bytes", "readmitted", "readmitted_bytes")})
                per_lang[lang] = t["readmitted"]
                continue
            gate = _totals(layout.logs("recovery", f"{lang}/readmit_dedup"))
            for key in ("readmitted", "readmitted_bytes", "duplicate"):
                for rule, v in _split(_split(gate, key), mech).items():
                    per_rule[rule][key] += v
            per_lang[lang] = sum(_split(_split(gate, "readmitted"), mech).values())
            if mech == "false_rejections":
                t = _totals(layout.logs("recovery", f"{lang}/false_rejections"))
                for key in ("examined", "examined_bytes", "candidates"):
                    for rule, v in _split(t, key).items():
                        per_rule[rule][key] += v
            elif mech == "reextraction":
                t = _totals(layout.logs("recovery", f"{lang}/reextraction_route"))
                for key in ("examined", "examined_bytes"):
                    for rule, v in _split(t, key).items():
                        per_rule[rule][key] += v
            else:
                q = _totals(layout.logs("recovery", f"{lang}/false_language_quality"))
                per_rule["all"]["failed_quality"] += sum(v for k, v in q.items() if k.startswith("dropped_") and not k.startswith("dropped_bytes"))
        if mech == "false_language":
            t = _totals(layout.logs("recovery", "false_language"))
            for key in ("examined", "examined_bytes", "candidates"):
                for reason, v in _split(t, key).items():
                    per_rule[reason][key] += v
            failed = per_rule.pop("all", Counter())["failed_quality"]
        rows = {rule: _row(**c, samples=found.get((mech, rule), [])) for rule, c in sorted(per_rule.items())}
        entry = {"status": _status(mech, cfg, rows), "per_rule": rows, "per_language": per_lang}
        entry.update({k: sum(r[k] for r in rows.values()) for k in ("examined", "examined_bytes", "readmitted", "readmitted_bytes")})
        if mech == "false_language":
            entry["failed_quality"] = failed
        out[mech] = entry
    return out


def _status(mech: str, cfg: dict, rows: dict) -> str:
    section = cfg.get(mech) or {}
    if section.get("enabled", True) is False:
        return "off (disabled in config)"
    if mech == "false_rejections":
        models = section.get("model_path") or {}
        missing = [lang for lang in LANGUAGES if not models.get(lang)]
        if len(missing) == len(LANGUAGES):
            return "off: no quality classifier model configured (recovery.false_rejections.model_path)"
        if missing:
            return f"on for {', '.join(l for l in LANGUAGES if l not in missing)}; off for {', '.join(missing)} (no model)"
    return "on" if rows else "on (nothing examined)"


def markdown_lines(mechanisms: dict) -> list[str]:
    lines = []
    for mech, m in mechanisms.items():
        lines.append(f"- {mech} [{m['status']}]: {m['readmitted']} of {m['examined']} re-admitted ({m['readmitted_bytes']:,} bytes)")
        for rule, r in m["per_rule"].items():
            lines.append(f"  - {rule}: {r['readmitted']}/{r['examined']} ({r['readmission_rate']:.1%}), {r['readmitted_bytes']:,} bytes")
            lines += [f"    - `{s['id']}` ({s['language']}): {s['snippet'][:80]}" for s in r.get("samples", [])]
    return lines
