"""Reading and writing a stage's folders: datatrove's jsonl reader and writer, set up once.

A stage may legitimately find nothing to read (a run with no Chinese pages has empty `zh/`
folders all the way down); datatrove's reader raises on a folder with no files, ours yields
nothing and says so in the task log.
"""

from __future__ import annotations

from pathlib import Path

from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from loguru import logger


class StageReader(JsonlReader):
    """The jsonl.gz documents of a run folder's `output/` or `removed/` directory."""

    def __init__(self, folder: str | Path, glob_pattern: str = "*.jsonl.gz"):
        super().__init__(str(folder), glob_pattern=glob_pattern)

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if data:
            yield from data
        if not self.data_folder.isdir("") or not self.data_folder.list_files(glob_pattern=self.glob_pattern):
            logger.warning(f"Nothing to read in {self.data_folder.path} ({self.glob_pattern}): no documents reached this stage")
            return
        yield from super().run(None, rank, world_size)


def stage_writer(folder: str | Path, filename: str = "${rank}.jsonl.gz") -> JsonlWriter:
    return JsonlWriter(str(folder), output_filename=filename)
