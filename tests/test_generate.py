"""bench/generate.py: the seeded synthetic corpus of the scale benchmarks reads
like the genre (every header shape parses) and is reproducible."""

from __future__ import annotations

import doctest
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from kg.extract import extract
from kg.ingest import parse_readout

ROOT = Path(__file__).resolve().parent.parent


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
SAMPLE = 300  # readouts looked at by the tests below


@pytest.fixture(scope="module")
def sample() -> list[tuple[str, str]]:
    return [(gen.publisher_of(i, seed=3), gen.readout_text(i, seed=3)) for i in range(SAMPLE)]


def test_the_generators_docstring_examples_run():
    result = doctest.testmod(gen, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 5


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another():
    assert [gen.readout_text(i, seed=5) for i in range(20)] == \
        [gen.readout_text(i, seed=5) for i in range(20)]
    assert gen.readout_text(0, seed=5) != gen.readout_text(0, seed=6)


def test_a_readout_does_not_depend_on_the_corpus_size(tmp_path: Path):
    gen.write_corpus(tmp_path / "small", 5, seed=2)
    gen.write_corpus(tmp_path / "big", 12, seed=2, per_folder=4)
    small = {p.name: p.read_text() for p in (tmp_path / "small").rglob("*.txt")}
    big = {p.name: p.read_text() for p in (tmp_path / "big").rglob("*.txt")}
    assert small == {name: text for name, text in big.items() if name in small}
    assert len(list((tmp_path / "big").iterdir())) == 3  # 12 files, 4 per folder


@pytest.mark.parametrize(("publisher", "date_line", "dateline"), [
    ("idcpc", r"^ \( \d{4}\.\d{2}\.\d{2} \)$", r"^[A-Z][a-z]+[\w' ]*, [A-Z][a-z]+ \d+(st|nd|rd|th)\u2014"),
    ("xinhua", r"^Xinhua\) \d\d:\d\d, [A-Z][a-z]+ \d\d, \d{4}$", r"^[A-Z' ]+, [A-Z][a-z]+\.? \d+ \(Xinhua\) -- "),
    ("vna", r"^[A-Z][a-z]+ \d+, \d{4}$", r"^(Hanoi \(VNA\)|Vientiane \(KPL\)) \u2013 "),
    ("acn", r"^[A-Z][a-z]+ \d+, \d{4}$", r"^HAVANA, Cuba, [A-Z][a-z]{2} \d+ \(ACN\) "),
    ("party", r"^\d+ [A-Z][a-z]+ \d{4}$", r"^The "),
])
def test_every_header_shape_is_written_and_parsed(sample: list[tuple[str, str]], publisher: str,
                                                 date_line: str, dateline: str):
    import re

    texts = [text for p, text in sample if p == publisher]
    assert len(texts) >= 10, f"too few {publisher} readouts in the sample"
    for number, text in enumerate(texts):
        lines = [line for line in text.split("\n") if line.strip()]
        assert re.match(date_line, lines[1] if publisher != "idcpc" else text.split("\n")[1]), lines[:3]
        body = lines[2]
        assert re.match(dateline, body), body[:80]
        readout = parse_readout(f"r{number}", text)
        assert readout.published is not None, text[:200]
        assert (readout.dateline_place is not None) == (publisher != "party"), text[:200]


def test_the_corpus_covers_every_engagement_type_and_the_extractor_reads_it(
        sample: list[tuple[str, str]]):
    types: Counter[str] = Counter()
    without = 0
    for number, (_, text) in enumerate(sample[:150]):
        facts = extract(parse_readout(f"r{number}", text))
        without += not facts.engagements
        types.update(e.type for e in facts.engagements)
    assert without <= 5, f"{without} of 150 synthetic readouts gave no engagement"
    assert set(types) >= {"Meeting", "Talks", "VideoCall", "PhoneCall", "Correspondence", "Visit"}


def test_lengths_are_those_of_real_readouts(sample: list[tuple[str, str]]):
    words = sorted(len(text.split()) for _, text in sample)
    assert 150 <= words[len(words) // 2] <= 450
    assert max(len(text.encode()) for _, text in sample) < 5_000


def test_mutate_changes_the_share_asked_for_and_nothing_else(tmp_path: Path):
    gen.write_corpus(tmp_path, 40, seed=1)
    before = {p: p.read_text() for p in tmp_path.rglob("*.txt")}
    changed = gen.mutate(tmp_path, 0.1, seed=9)
    after = {p: p.read_text() for p in tmp_path.rglob("*.txt")}
    assert len(changed) == 4
    assert {p for p in before if before[p] != after[p]} == set(changed)
