"""The kg command line: exit codes, summary, query output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.cli import main
from kg.pipeline import BuildProgress

GOOD = ("Talks in Kunming\n ( 2024.03.12 )\n\nKunming, March 11th--Tang Wenbo, Vice-minister of the IDCPC"
        ", held talks here today with Ana Lima, President of the Workers' Party of Brazil.\n")


def test_build_prints_the_summary_and_exits_0(tmp_path: Path, capsys):
    (tmp_path / "a.txt").write_text(GOOD)
    assert main(["build", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    for word in ("readouts", "engagements", "people", "organizations", "triples", "warnings"):
        assert word in out
    assert (tmp_path / "out" / "graph.ttl").is_file() and (tmp_path / "out" / "map.html").is_file()


def test_build_with_a_failed_input_exits_1_and_names_it(tmp_path: Path, capsys):
    (tmp_path / "a.txt").write_text(GOOD)
    (tmp_path / "b.txt").write_text("")
    assert main(["build", str(tmp_path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'b.txt'}: the file is empty" in err


@pytest.mark.parametrize("argv", [["build"], ["build", "x"], ["query"], ["nonsense"]])
def test_usage_errors_exit_2(argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_query_prints_a_table(tmp_path: Path, capsys):
    (tmp_path / "a.txt").write_text(GOOD)
    main(["build", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "-q"])
    capsys.readouterr()
    q = "PREFIX pr: <https://w3id.org/partyrel/ontology#> SELECT ?n WHERE { ?p a pr:Person ; <http://www.w3.org/2000/01/rdf-schema#label> ?n } ORDER BY ?n"
    assert main(["query", q, "--store", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].strip() == "n" and "Ana Lima" in out[2] and "Tang Wenbo" in out[3]


def test_query_on_a_missing_store_is_a_clear_error(tmp_path: Path, capsys):
    assert main(["query", "SELECT * WHERE { ?s ?p ?o }", "--store", str(tmp_path / "nothing")]) == 1
    assert "run `kg build" in capsys.readouterr().err


def test_version_and_help_run_as_a_console_script():
    kg = Path(sys.executable).parent / "kg"
    out = subprocess.run([str(kg), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("partyrel ")
    assert "build" in subprocess.run([str(kg), "--help"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("state, shown", [
    (BuildProgress("read", 50, 200, 50, 0, 0, 10.0), "[######..................] 50/200 readouts  5/s  ETA 30s"),
    (BuildProgress("read", 0, 200, 0, 0, 0, 0.0), "[........................] 0/200 readouts  0/s  ETA ?"),
    (BuildProgress("graph", 200, 200, 200, 0, 0, 65.0), "writing graph.ttl (200 readouts in 1m05s)"),
    (BuildProgress("map", 200, 200, 200, 0, 0, 70.0), "drawing map.html (200 readouts in 1m10s)"),
])
def test_the_build_progress_line_shows_the_phase_count_rate_and_eta(state: BuildProgress, shown: str) -> None:
    import io

    from kg.cli import _ProgressBar

    terminal = io.StringIO()
    bar = _ProgressBar(terminal)
    bar(state)
    assert terminal.getvalue() == "\r" + shown.ljust(100)
    bar(BuildProgress("done", 200, 200, 200, 0, 0, 80.0))  # the end clears the line
    assert terminal.getvalue().endswith("\r" + " " * 100 + "\r")
