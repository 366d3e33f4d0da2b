"""Shared fixtures: paths to the bundled sample and to the optional dev corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DEV_CORPUS = ROOT.parent / "shared" / "corpus" / "dev"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return EXAMPLES / "readouts"


@pytest.fixture(scope="session")
def sample_gold() -> Path:
    return EXAMPLES / "gold"


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """The bundled sample built once into a store (read-only use in tests)."""
    from kg.pipeline import build

    out = tmp_path_factory.mktemp("sample-build")
    report = build([sample_dir], out, write_map=True)
    assert report.ok, report.failures
    return out
