#!/usr/bin/env python3
"""Score the extractor on the annotated dev corpus and print the table.

usage: python bench/eval_dev.py [CORPUS_DIR] [--min-f1 X] [--detail] [--json FILE]

CORPUS_DIR defaults to ../shared/corpus/dev (beside the project). Exits 1 if
the overall F1 falls below --min-f1 (a regression guard, not the target).
Machine of record: 2 cores, 24 GiB.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from kg.evaluate import evaluate_folder

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus" / "dev")
    p.add_argument("--min-f1", type=float, default=0.0)
    p.add_argument("--detail", action="store_true")
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    docs, gold = args.corpus / "docs", args.corpus / "gold"
    if not docs.is_dir() or not gold.is_dir():
        print(f"no corpus at {args.corpus} (expected docs/ and gold/)", file=sys.stderr)
        return 2
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kg-dev-eval-") as tmp:
        report, build = evaluate_folder(docs, gold, Path(tmp))
    secs = time.perf_counter() - start
    if args.detail:
        print(report.details_text())
        print()
    print(report.to_table())
    print(f"\n{build.readouts} readouts, {build.engagements} engagements built in {secs:.1f} s (including model load)")
    for f in build.failures:
        print(f"error: {f.source}: {f.reason}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    if report.overall.f1 < args.min_f1:
        print(f"overall F1 {report.overall.f1:.3f} is below the guard {args.min_f1:.2f}", file=sys.stderr)
        return 1
    return 1 if build.failures else 0


if __name__ == "__main__":
    sys.exit(main())
