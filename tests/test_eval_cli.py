"""kg eval on a small annotated sample written for the tests (tests/data/eval)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.cli import main

DATA = Path(__file__).parent / "data" / "eval"


@pytest.fixture(scope="module")
def scores(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("eval") / "scores.json"
    assert main(["eval", str(DATA / "docs"), str(DATA / "gold"), "--json", str(out)]) == 0
    return json.loads(out.read_text())


@pytest.mark.parametrize(
    ("field", "tp", "fp", "fn"),
    [
        ("engagement", 2, 0, 0),
        ("type", 2, 0, 0),
        ("date", 2, 0, 0),
        ("location", 1, 0, 0),
        ("participants", 2, 0, 0),
        ("organizations", 4, 0, 0),
        ("present", 0, 0, 1),  # the gold's "Zhou Min" is not in the text: a miss
        ("topics", 1, 1, 0),  # the text's Belt and Road topic is not in the gold: an extra
        ("posts", 2, 0, 0),
        ("presides", 1, 0, 0),
        ("dialogues", 2, 0, 0),
        ("countries", 4, 0, 0),
    ],
)
def test_eval_scores_each_field(scores: dict, field: str, tp: int, fp: int, fn: int):
    got = scores["fields"][field]
    assert (got["tp"], got["fp"], got["fn"]) == (tp, fp, fn)


def test_eval_overall_is_the_micro_average_without_the_engagement_count(scores: dict):
    overall = scores["overall"]
    assert (overall["tp"], overall["fp"], overall["fn"]) == (21, 1, 1)


def test_eval_prints_the_table_with_overall_last_and_details_on_request(capsys):
    assert main(["eval", str(DATA / "docs"), str(DATA / "gold"), "--detail"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].split()[0] == "overall"
    assert any("miss" in line and "Zhou Min" in line for line in out)
    assert any("extra" in line and "Belt and Road Initiative" in line for line in out)


def test_eval_with_a_broken_gold_file_names_it(tmp_path: Path, capsys):
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "bad.json").write_text("{not json")
    assert main(["eval", str(DATA / "docs"), str(gold)]) == 1
    assert "bad.json" in capsys.readouterr().err
