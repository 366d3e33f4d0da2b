"""The analyst notebooks in notebooks/: stored without outputs, importing kg
(plus pandas and matplotlib) only, and running top to bottom on the bundled
sample in a real Jupyter kernel (nbclient + ipykernel)."""

from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
ALLOWED_IMPORTS = {"kg", "pandas", "matplotlib"}
STRIP_HINT = "strip it with `python tools/strip_notebooks.py` before committing"


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _code(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def test_the_numbered_notebooks_are_there() -> None:
    assert [path.name for path in NOTEBOOKS] == [
        "01-getting-started.ipynb", "02-party-diplomacy-analysis.ipynb",
        "03-measuring-quality.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_stored_notebook_has_no_outputs(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(document["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name} cell {index} has outputs; {STRIP_HINT}"
            assert cell["execution_count"] is None, f"{path.name} cell {index}: {STRIP_HINT}"
        assert not cell.get("attachments"), f"{path.name} cell {index} has attachments"
    assert set(document["metadata"]) <= {"kernelspec", "language_info"}, STRIP_HINT


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_imports_kg_and_plotting_only(path: Path) -> None:
    imported: set[str] = set()
    for cell in _cells(path):
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse(_code(cell))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "kg" in imported and imported <= ALLOWED_IMPORTS


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of notebooks/ beside a link to examples/, so that running them
    writes nothing into the checkout."""
    root = tmp_path_factory.mktemp("notebooks")
    shutil.copytree(NOTEBOOK_DIR, root / "notebooks",
                    ignore=shutil.ignore_patterns("out", ".ipynb_checkpoints"))
    (root / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    return root / "notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_runs_top_to_bottom(workspace: Path, path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.setitem(os.environ, "JUPYTER_PLATFORM_DIRS", "1")
    notebook = nbformat.read(workspace / path.name, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(workspace)}})
    client.execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    shown = " ".join(str(output.get("data", {}).get("text/html", "")) for output in outputs)
    if path.stem == "01-getting-started":
        assert '<iframe srcdoc="' in shown, "the map renders inline"
    if path.stem in ("02-party-diplomacy-analysis", "03-measuring-quality"):
        assert any("image/png" in output.get("data", {}) for output in outputs), "a plot is drawn"


def test_the_strip_tool_removes_outputs_and_is_idempotent(tmp_path: Path) -> None:
    import subprocess
    import sys

    notebook = tmp_path / "n.ipynb"
    notebook.write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": 3, "id": "a", "metadata": {"x": 1},
                   "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi\n"}],
                   "source": "print('hi')"}],
        "metadata": {"kernelspec": {"name": "python3"}, "widgets": {}},
        "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    tool = ROOT / "tools" / "strip_notebooks.py"
    first = subprocess.run([sys.executable, str(tool), str(notebook)], capture_output=True,
                           text=True, check=True)
    assert first.stdout.startswith("stripped ")
    document = json.loads(notebook.read_text(encoding="utf-8"))
    assert document["cells"][0]["outputs"] == [] and document["cells"][0]["execution_count"] is None
    assert document["metadata"] == {"kernelspec": {"name": "python3"}}
    second = subprocess.run([sys.executable, str(tool), str(notebook)], capture_output=True,
                            text=True, check=True)
    assert second.stdout == ""
