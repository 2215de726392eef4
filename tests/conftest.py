"""Shared fixtures. Real third-party data lives beside the repo in ../shared/data (CI has it)."""

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real web data of ../shared/data; tests that need it skip where it is absent."""
    if not (SHARED_DATA / "MANIFEST.md").is_file():
        pytest.skip(f"real test data not found at {SHARED_DATA} (see ../shared/data/MANIFEST.md); CI has it")
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """../shared/reference: third-party reference artifacts (read, never copied); skips where absent."""
    folder = SHARED_DATA.parent / "reference"
    if not (folder / "deepseek_llm_tokenizer.json").is_file():
        pytest.skip(f"reference tokenizer not found in {folder}; CI has it")
    return folder


@pytest.fixture(scope="session")
def configs() -> Path:
    return REPO / "configs"


def run_demo_config(configs: Path, corpus: Path, out: Path, *extra: str) -> int:
    """`thresher run configs/demo.yaml` on CORPUS into OUT, with EXTRA options."""
    from pipeline.cli import main

    return main(["run", str(configs / "demo.yaml"), "--input", str(corpus), "--output", str(out), *extra])


def assert_same_shards(run: Path, reference: Path) -> None:
    """RUN's shard files (.bin and .seg) and manifest are byte for byte REFERENCE's."""
    shards = sorted((reference / "shards").glob("shard_*"))
    assert shards
    for shard in shards:
        assert (run / "shards" / shard.name).read_bytes() == shard.read_bytes(), shard.name
    manifest = lambda root: json.loads((root / "shards" / "manifest.json").read_text())  # noqa: E731
    assert manifest(run) == manifest(reference)
