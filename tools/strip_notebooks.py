"""Strip outputs, execution counts and run metadata from notebooks before committing.

Usage: python tools/strip_notebooks.py [NOTEBOOK.ipynb ...]   (default: notebooks/*.ipynb)

Stored notebooks carry their code and text only (tests/test_notebooks.py checks it); the test
suite runs them top to bottom on the bundled sample.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KEEP_METADATA = ("kernelspec", "language_info")


def strip(path: Path) -> bool:
    """Strip one notebook in place; return whether it changed."""
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    for cell in document.get("cells", []):
        cell.pop("attachments", None)
        cell["metadata"] = {}
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    document["metadata"] = {key: document.get("metadata", {})[key]
                            for key in KEEP_METADATA if key in document.get("metadata", {})}
    stripped = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    if stripped != text:
        path.write_text(stripped, encoding="utf-8")
        return True
    return False


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    paths = [Path(arg) for arg in argv] or sorted((root / "notebooks").glob("*.ipynb"))
    for path in paths:
        if strip(path):
            print(f"stripped {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
