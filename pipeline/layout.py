"""The run folder: the contract between stages, reports and users.

    RUN/config.yaml                 the resolved config the run was made with
    RUN/<stage>/output/<lang>/      kept documents, datatrove jsonl.gz (id, text, metadata)
    RUN/<stage>/removed/<step>/     removed documents, metadata has the reason and measured value
    RUN/<stage>/logs/<job>/         datatrove logging dirs (completions, stats, task logs)
    RUN/tokenizer/                  tokenizer.json and what transformers needs to load it
    RUN/shards/                     token shards + manifest.json
    RUN/report/                     summary.json + the human-readable report

Stages hand data to each other only through these folders, so any stage can be rerun alone
and a user can start a later stage from files of their own. `extract/output/` holds one
folder for all languages (language is not known yet); every later stage keeps `en/`, `zh/`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# The languages a run keeps, each in its own `<lang>/` folder from langid on.
LANGUAGES = ("en", "zh")


class DamagedRunFolder(Exception):
    """A file the run wrote is not what the run writes: a crash mid-write, a disk that filled,
    two runs in one folder. Reported by name (the CLI exits 1), never as a traceback."""

    def __init__(self, what: str, fix: str):
        super().__init__(f"{what}. Fix: {fix}")
        self.what = what  # without the fix: where the stage is run again anyway, that is the fix


def read_run_json(path: Path):
    """A JSON file of the run folder; DamagedRunFolder naming it when it is not valid JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DamagedRunFolder(f"{path} is damaged ({type(e).__name__}: {e})", "run its stage again into a new "
                               "--output, or delete the stage's folder in this run and rerun") from None


@dataclass(frozen=True)
class RunLayout:
    root: Path

    @property
    def input_files(self) -> Path:
        """The extract stage's input files, a JSON list of names relative to the inputs' common
        folder: JSON, so that a name with a line break or edge spaces comes back as it was."""
        return self.root / "extract" / "input_files.json"

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    def output(self, stage: str, lang: str | None = None) -> Path:
        out = self.root / stage / "output"
        return out / lang if lang else out

    def removed(self, stage: str, step: str | None = None) -> Path:
        out = self.root / stage / "removed"
        return out / step if step else out

    def logs(self, stage: str, job: str | None = None) -> Path:
        out = self.root / stage / "logs"
        return out / job if job else out

    def work(self, stage: str) -> Path:
        """Intermediate files a stage needs between its own jobs (MinHash signatures, …)."""
        return self.root / stage / "work"

    @property
    def tokenizer(self) -> Path:
        return self.root / "tokenizer"

    @property
    def shards(self) -> Path:
        return self.root / "shards"

    @property
    def report(self) -> Path:
        return self.root / "report"

    @property
    def demo_input(self) -> Path:
        return self.root / "input"
