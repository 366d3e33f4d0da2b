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


@pytest.fixture
def workers_from_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """``build(jobs=N)`` extracts every readout in its worker processes (none in
    the parent first), so that a test of the workers tests them on a small corpus."""
    import kg.parallel

    monkeypatch.setattr(kg.parallel, "LOCAL_READOUTS", 0)


@pytest.fixture
def helper_starts(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every graph.ttl made anew may use the helper process (kg.graphfile), for
    all its parts or for the entities' when the graphs' were made in passing;
    the list receives the parts file of each helper started."""
    import kg.graphfile

    monkeypatch.setattr(kg.graphfile, "HELPER_GRAPHS", 0)
    monkeypatch.setattr(kg.graphfile, "HELPER_SUBJECTS", 0)
    started: list[Path] = []
    real = kg.graphfile._SubjectsBeside.__init__

    def spy(self, store, parts, book, keys=None):
        started.append(parts)
        real(self, store, parts, book, keys)

    monkeypatch.setattr(kg.graphfile._SubjectsBeside, "__init__", spy)
    return started
