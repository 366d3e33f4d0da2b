"""Builds at scale: batches, worker processes, incremental rebuilds, --prune,
progress reports; every way of building gives the same graph."""

from __future__ import annotations

import io
import shutil
import sys
import threading
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

import kg.parallel
import kg.pipeline
from kg.cli import _ProgressBar, main
from kg.errors import StoreError
from kg.pipeline import BuildProgress, build
from kg.store import GRAPH_BASE, SNAPSHOTS_DIR, GraphStore
from test_generate import gen

N = 40  # readouts in the synthetic corpus of these tests


def _graph(out: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(out / "graph.ttl")


def _same(a: Path, b: Path) -> None:
    g1, g2 = _graph(a), _graph(b)
    if not isomorphic(g1, g2):
        _, only1, only2 = graph_diff(to_isomorphic(g1), to_isomorphic(g2))
        raise AssertionError(f"graphs differ: {sorted(only1)[:5]} vs {sorted(only2)[:5]}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    gen.write_corpus(folder, N, seed=11, per_folder=15)
    return folder


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus built the plain way: one process, one readout per batch."""
    out = tmp_path_factory.mktemp("reference")
    report = build([corpus], out, write_map=False, batch_size=1)
    assert report.ok and report.built == N
    return out


@pytest.mark.parametrize("batch_size", [2, 7, 64])
def test_every_batch_size_gives_the_same_graph(corpus: Path, reference: Path, tmp_path: Path,
                                               batch_size: int):
    report = build([corpus], tmp_path, write_map=False, batch_size=batch_size)
    assert (report.readouts, report.built, report.failures) == (N, N, [])
    _same(reference, tmp_path)


def _readout_writes(monkeypatch: pytest.MonkeyPatch, before=None) -> list[int]:
    """Spy on the store writes of readout graphs: the number of graphs in each
    (``before(call number)`` runs first)."""
    writes: list[int] = []
    real = GraphStore.replace_graphs

    def spy(self: GraphStore, graphs):
        if graphs and not graphs[0].iri.startswith(GRAPH_BASE + "_"):
            writes.append(len(graphs))
            if before is not None:
                before(len(writes))
        return real(self, graphs)

    monkeypatch.setattr(GraphStore, "replace_graphs", spy)
    return writes


@pytest.mark.parametrize(("store_batch", "store_chars", "writes"), [
    (4096, 48_000_000, [N]),  # the defaults: the corpus in one write
    (8, 48_000_000, [8] * 5),  # a number of readouts at a time
    (4096, 1, [1] * N),  # a readout's text reaches the limit alone
])
def test_the_store_is_written_in_batches_of_readouts_or_of_text_giving_the_same_graph(
        corpus: Path, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        store_batch: int, store_chars: int, writes: list[int]):
    monkeypatch.setattr(kg.pipeline, "STORE_BATCH", store_batch)
    monkeypatch.setattr(kg.pipeline, "STORE_BATCH_CHARS", store_chars)
    seen = _readout_writes(monkeypatch)
    report = build([corpus], tmp_path, write_map=False, batch_size=1)
    assert (report.built, report.failures, seen) == (N, [], writes)
    _same(reference, tmp_path)


def test_readouts_are_taken_in_while_a_batch_is_written(
        corpus: Path, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # the first write waits until the build has taken in a readout of the next
    # batch: written in the thread that collects them, it would wait in vain
    monkeypatch.setattr(kg.pipeline, "STORE_BATCH", 8)
    next_batch_seen = threading.Event()
    waited: list[bool] = []

    def hold_the_first(write: int) -> None:
        if write == 1:
            waited.append(next_batch_seen.wait(timeout=20))

    _readout_writes(monkeypatch, hold_the_first)

    def progress(n: int, name: str) -> None:
        if n > 8:
            next_batch_seen.set()

    report = build([corpus], tmp_path, write_map=False, batch_size=1, progress=progress)
    assert waited == [True] and report.built == N
    _same(reference, tmp_path)


def test_a_failed_write_stops_the_build_with_its_error_and_keeps_the_batches_before(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(kg.pipeline, "STORE_BATCH", 8)

    def fail_the_third(write: int) -> None:
        if write == 3:
            raise StoreError("disk full (simulated)")

    _readout_writes(monkeypatch, fail_the_third)
    with pytest.raises(StoreError, match="disk full"):
        build([corpus], tmp_path, write_map=False, batch_size=1)
    with GraphStore.open(tmp_path, read_only=True) as store:
        assert len([g for g in store.content_hashes() if not g.startswith(GRAPH_BASE + "_")]) == 16
    monkeypatch.undo()
    report = build([corpus], tmp_path, write_map=False)
    assert (report.built, report.skipped) == (N - 16, 16)


def test_a_build_stopped_by_an_error_finishes_the_write_under_way(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(kg.pipeline, "STORE_BATCH", 8)
    writing = threading.Event()
    real_results = kg.parallel.local_results

    def results(batches, options):
        for n, batch in enumerate(real_results(batches, options)):
            if n == 9:  # the second batch of 8 is being collected, the first written
                assert writing.wait(timeout=20)
                raise RuntimeError("extraction failed (simulated)")
            yield batch

    def slow_first(write: int) -> None:
        if write == 1:
            writing.set()
            threading.Event().wait(0.5)  # still writing when the error reaches the build

    _readout_writes(monkeypatch, slow_first)
    monkeypatch.setattr(kg.parallel, "local_results", results)
    with pytest.raises(RuntimeError, match="extraction failed"):
        build([corpus], tmp_path, write_map=False, batch_size=1)
    with GraphStore.open(tmp_path, read_only=True) as store:
        assert len([g for g in store.content_hashes() if not g.startswith(GRAPH_BASE + "_")]) == 8


@pytest.mark.slow
@pytest.mark.parametrize(("jobs", "helped"), [
    (2, 1),  # a core to spare (no map drawn beside): the subjects' parts made in a second process
    (1, 0),  # one process asked for
])
def test_graph_ttl_made_with_or_without_a_helper_process_is_the_same(
        corpus: Path, reference: Path, tmp_path: Path, helper_starts: list[Path],
        workers_from_the_start: None, jobs: int, helped: int):
    started = helper_starts
    report = build([corpus], tmp_path, write_map=False, jobs=jobs, batch_size=8)
    assert (report.built, report.failures, len(started)) == (N, [], helped)
    _same(reference, tmp_path)


@pytest.mark.parametrize("jobs", [1, 2])
def test_graph_parts_made_in_passing_give_the_graph_ttl_made_from_the_store(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper_starts: list[Path],
        workers_from_the_start: None, jobs: int):
    import sqlite3

    import kg.graphfile
    from kg.graphfile import write_graph_file
    from kg.pipeline import GRAPH_PARTS, extractor_fingerprint

    made_from_store: list[int] = []
    real = kg.graphfile._graph_parts

    def counted(store: GraphStore, graphs: list[str], *, scan: bool):  # noqa: ANN202
        made_from_store.append(len(graphs))
        return real(store, graphs, scan=scan)

    monkeypatch.setattr(kg.graphfile, "_graph_parts", counted)

    def rows(parts: Path) -> list[object]:
        with sqlite3.connect(parts) as db:
            return [db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
                    for table, order in (("graphs", "iri"), ("subjects", "key"), ("pending", "key"))]

    src, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(corpus, src)
    for step in ("first build", "rebuild"):
        if step == "rebuild":
            changed = gen.mutate(src, 0.1, seed=5)  # 4 readouts changed: their parts replaced, their subjects remade
            # one of them now names none of the officials it named: their parts go
            changed[0].write_text("Talks held\n\nTang Wenbo held talks here today with Bo Chen, President of "
                                  "the Zeta Workers' Party. The two sides exchanged views on party building.\n")
        report = build([src], out, write_map=False, jobs=jobs, batch_size=8)
        assert report.ok and report.built == (N if step == "first build" else 4), step
        assert made_from_store[-1] == 0, step  # every graph's part came from the workers
        with GraphStore.open(out, read_only=True) as store:
            write_graph_file(store, tmp_path / f"{step}.ttl", parts=tmp_path / f"{step}.sqlite",
                             version=extractor_fingerprint())
        assert made_from_store[-1] == N, step
        assert (out / "graph.ttl").read_bytes() == (tmp_path / f"{step}.ttl").read_bytes(), step
        assert rows(out / GRAPH_PARTS) == rows(tmp_path / f"{step}.sqlite"), step
    assert len(helper_starts) == (1 if jobs > 1 else 0)  # the first build's subjects, in two halves


def test_parts_that_cannot_be_recorded_are_a_warning_and_graph_ttl_makes_them(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import sqlite3

    import kg.graphfile
    from kg.graphfile import write_graph_file
    from kg.pipeline import extractor_fingerprint

    calls: list[int] = []
    real = kg.graphfile.PartsRecorder._add

    def failing_second(self: kg.graphfile.PartsRecorder, rows: list[object]) -> None:
        calls.append(len(rows))
        if len(calls) == 2:
            raise sqlite3.OperationalError("disk I/O error")
        real(self, rows)

    monkeypatch.setattr(kg.graphfile.PartsRecorder, "_add", failing_second)
    monkeypatch.setattr(kg.pipeline, "STORE_BATCH", 8)  # five batches
    report = build([corpus], tmp_path / "out", write_map=False, batch_size=8)
    assert (report.built, report.failures, calls) == (N, [], [8, 8])  # none recorded after the error
    assert [w for _, w in report.warnings if "parts" in w] == [
        f"cannot record the parts of graph.ttl at {tmp_path / 'out' / '.graph-parts.sqlite'} "
        "(disk I/O error); graph.ttl makes them from the store"]
    with GraphStore.open(tmp_path / "out", read_only=True) as store:
        write_graph_file(store, tmp_path / "fresh.ttl", version=extractor_fingerprint())
    assert (tmp_path / "out" / "graph.ttl").read_bytes() == (tmp_path / "fresh.ttl").read_bytes()


@pytest.mark.slow
def test_two_worker_processes_give_the_same_graph(corpus: Path, reference: Path, tmp_path: Path,
                                                  workers_from_the_start: None):
    report = build([corpus], tmp_path, write_map=False, jobs=2, batch_size=8)
    assert (report.readouts, report.built, report.failures) == (N, N, [])
    _same(reference, tmp_path)


@pytest.mark.slow
def test_worker_processes_report_bad_files_and_duplicate_ids_like_one_process(
        corpus: Path, tmp_path: Path, workers_from_the_start: None):
    src = tmp_path / "in"
    shutil.copytree(corpus, src)
    (src / "empty.txt").write_text("")
    (src / "extra").mkdir()
    shutil.copy(next(src.rglob("syn-000003.txt")), src / "extra" / "syn-000003.txt")
    reports = [build([src], tmp_path / f"out{jobs}", write_map=False, jobs=jobs, batch_size=4)
               for jobs in (1, 2)]
    reasons = [sorted((Path(f.source).name, f.reason.split(" (")[0]) for f in r.failures)
               for r in reports]
    assert reasons[0] == reasons[1] == [("empty.txt", "the file is empty"),
                                        ("syn-000003.txt", "same readout id 'syn-000003' as "
                                         + str(next((src / "000").glob("syn-000003.txt"))))]
    assert reports[0].built == reports[1].built == N


def test_an_incremental_rebuild_skips_unchanged_replaces_changed_and_prunes_deleted(
        corpus: Path, tmp_path: Path):
    src = tmp_path / "in"
    shutil.copytree(corpus, src)
    out = tmp_path / "out"
    build([src], out, write_map=False, batch_size=8)
    changed = gen.mutate(src, 0.05, seed=4)  # 2 readouts
    deleted = sorted(src.rglob("*.txt"))[-1]
    deleted.unlink()
    gen.write_corpus(src, 1, seed=11, start=500)  # one new readout
    report = build([src], out, write_map=False, batch_size=8, prune=True)
    assert (report.built, report.skipped, report.removed) == (len(changed) + 1, N - 3, 1)
    with GraphStore.open(out, read_only=True) as store:
        assert GRAPH_BASE + deleted.stem not in store.graph_iris()
        assert GRAPH_BASE + deleted.stem not in store.content_hashes()
    fresh = tmp_path / "fresh"
    build([src], fresh, write_map=False)
    _same(out, fresh)
    # graph.ttl, written from the parts the first build kept, is the file a fresh build writes
    assert (out / "graph.ttl").read_bytes() == (fresh / "graph.ttl").read_bytes()


def test_without_prune_the_facts_of_deleted_files_stay(corpus: Path, tmp_path: Path):
    src = tmp_path / "in"
    shutil.copytree(corpus, src)
    build([src], tmp_path / "out", write_map=False)
    gone = sorted(src.rglob("*.txt"))[0]
    gone.unlink()
    report = build([src], tmp_path / "out", write_map=False)
    assert (report.removed, report.built) == (0, 0)
    with GraphStore.open(tmp_path / "out", read_only=True) as store:
        assert GRAPH_BASE + gone.stem in store.graph_iris()


def test_prune_is_refused_when_an_input_cannot_be_read(corpus: Path, tmp_path: Path):
    build([corpus], tmp_path / "out", write_map=False)
    report = build([corpus, tmp_path / "missing"], tmp_path / "out", write_map=False, prune=True)
    assert report.removed == 0
    assert any("not pruned" in message for _, message in report.warnings)
    assert [f.reason for f in report.failures] == ["no such file or folder"]


def test_prune_keeps_the_labels_and_topics(corpus: Path, tmp_path: Path):
    build([corpus], tmp_path / "out", write_map=False)
    only = sorted(corpus.rglob("*.txt"))[:3]
    report = build(only, tmp_path / "out", write_map=False, prune=True)
    assert report.removed == N - 3
    with GraphStore.open(tmp_path / "out", read_only=True) as store:
        graphs = store.graph_iris()
    assert sorted(g.rsplit("/", 1)[1] for g in graphs) == sorted(
        [p.stem for p in only] + ["_labels", "_topics"])


def test_progress_reports_every_batch_then_each_phase(corpus: Path, tmp_path: Path):
    seen: list[BuildProgress] = []
    build([corpus], tmp_path, write_map=True, batch_size=16, on_progress=seen.append)
    reads = [p for p in seen if p.phase == "read"]
    assert [p.done for p in reads] == [16, 32, 40]
    assert all(p.total == N and p.rate > 0 for p in reads)
    assert [p.phase for p in seen[len(reads):]] == ["labels", "graph", "map", "done"]


@pytest.mark.parametrize(("state", "shown"), [
    (BuildProgress("read", 250, 1000, 250, 0, 0, 5.0), "250/1,000 readouts  50/s  ETA 15s"),
    (BuildProgress("read", 1000, 100_000, 1000, 0, 0, 10.0), "ETA 16m30s"),
    (BuildProgress("graph", 1000, 1000, 1000, 0, 0, 20.0), "writing graph.ttl"),
])
def test_the_progress_bar_shows_rate_and_eta(state: BuildProgress, shown: str):
    stream = io.StringIO()
    _ProgressBar(stream)(state)
    assert shown in stream.getvalue()


def test_no_progress_bar_when_stderr_is_not_a_terminal(corpus: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]):
    assert not sys.stderr.isatty()
    assert main(["build", str(corpus), "-o", str(tmp_path), "--no-map", "--batch-size", "8"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"readouts       {N} ({N} built, 0 unchanged)" in captured.out


@pytest.mark.parametrize(("argv", "message"), [
    (["-j", "0"], "-j must be at least 1"),
    (["--batch-size", "0"], "--batch-size must be at least 1"),
    (["-j", "2", "--dask", "tcp://127.0.0.1:1"], "give -j or --dask, not both"),
])
def test_bad_scale_options_are_usage_errors(tmp_path: Path, argv: list[str], message: str,
                                            capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(tmp_path), "-o", str(tmp_path / "out"), *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_no_graph_skips_graph_ttl(corpus: Path, tmp_path: Path):
    report = build([corpus], tmp_path, write_map=False, write_graph=False)
    assert report.graph_path is None and not (tmp_path / "graph.ttl").exists()
    assert report.engagements > 0


def test_an_unchanged_file_is_not_even_read(corpus: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch):
    import kg.parallel

    build([corpus], tmp_path, write_map=False)
    read: list[str] = []
    real_load = kg.parallel._load
    monkeypatch.setattr(kg.parallel, "_load", lambda task, options: (read.append(task.path),
                                                                     real_load(task, options))[1])
    again = build([corpus], tmp_path, write_map=False)
    assert (again.skipped, read) == (N, [])
    reread = build([corpus], tmp_path, write_map=False, reread=True)
    assert (reread.skipped, len(read)) == (N, N)


@pytest.mark.parametrize("how", ["touched", "given by another path"])
def test_a_file_read_again_and_found_unchanged_is_skipped_unread_the_next_time(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str):
    import os

    import kg.parallel

    src = tmp_path / "in"
    shutil.copytree(corpus, src)
    build([src], tmp_path / "out", write_map=False)
    if how == "touched":
        for path in src.rglob("*.txt"):
            info = path.stat()
            os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
    else:
        monkeypatch.chdir(tmp_path)
        src = Path("in")  # the same files, named relative to the working folder
    read: list[str] = []
    real_load = kg.parallel._load
    monkeypatch.setattr(kg.parallel, "_load", lambda task, options: (read.append(task.path),
                                                                     real_load(task, options))[1])
    first = build([src], tmp_path / "out", write_map=False)
    assert (first.skipped, len(read)) == (N, N)  # read, and found unchanged
    second = build([src], tmp_path / "out", write_map=False)
    assert (second.skipped, len(read)) == (N, N)  # not read again


@pytest.mark.parametrize(("same_size_and_time", "reread", "built"), [
    (False, False, 1),  # an edit changes the modification time: read, changed, built
    (True, False, 0),   # same size and time restored: taken as unchanged without reading
    (True, True, 1),    # --reread reads it and sees the change
])
def test_a_file_is_read_again_when_its_size_or_time_changed(
        corpus: Path, tmp_path: Path, same_size_and_time: bool, reread: bool, built: int):
    import os

    src = tmp_path / "in"
    shutil.copytree(corpus, src)
    build([src], tmp_path / "out", write_map=False)
    target = sorted(src.rglob("*.txt"))[5]
    info = target.stat()
    text = target.read_text()
    changed = text.replace("a", "e", 1) if same_size_and_time else text + "\nA new line.\n"
    target.write_text(changed)
    if same_size_and_time:
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    report = build([src], tmp_path / "out", write_map=False, reread=reread)
    assert report.built == built


def test_a_build_that_dies_before_the_labels_leaves_them_to_the_next_one(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import kg.pipeline
    from kg.pipeline import LABELS_GRAPH

    src = tmp_path / "in"
    shutil.copytree(corpus, src)
    build([src], tmp_path / "out", write_map=False)
    gen.mutate(src, 0.1, seed=2)

    def die(*args: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(kg.pipeline, "refresh_labels", die)
        with pytest.raises(KeyboardInterrupt):
            build([src], tmp_path / "out", write_map=False)
    with GraphStore.open(tmp_path / "out", read_only=True) as store:
        assert LABELS_GRAPH not in store.content_hashes()  # marked stale
    gen.mutate(src, 0.0, seed=3)  # one more change, so the next build is incremental again
    build([src], tmp_path / "out", write_map=False)
    build([src], tmp_path / "fresh", write_map=False)
    _same(tmp_path / "out", tmp_path / "fresh")


@pytest.mark.parametrize(("before", "counted"), [
    (False, True),   # an empty store: the forms are counted as the readouts pass
    (True, False),   # a store already holding a readout graph: they are counted in the store
])
def test_labels_from_forms_counted_in_passing_are_those_counted_in_the_store(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: bool, counted: bool):
    from rdflib import Literal, URIRef
    from rdflib.namespace import SKOS

    import kg.pipeline
    from kg.pipeline import LABELS_GRAPH

    hand = URIRef("https://w3id.org/partyrel/id/person/hand-only")
    source = tmp_path / "in"
    shutil.copytree(corpus, source)
    # two forms of one party, one more frequent: the label is chosen by the counts
    for n, (guest, party) in enumerate([("Ana Lima", "Zeta Workers' Party"), ("Rui Costa", "Zeta Workers' Party"),
                                        ("Ben Dube", "Zeta Workers' Party"), ("Bo Chen", "Zeta Workers Party")]):
        (source / f"zeta-{n}.txt").write_text(
            f"Talks held\n\nTang Wenbo, Minister of the International Department, held talks here today "
            f"with {guest}, President of the {party}. The two sides exchanged views on party building.\n")
    out = tmp_path / "out"
    if before:  # as a build killed before its labels leaves it, or a graph written by hand
        with GraphStore.open(out) as store:
            store.replace_graph(GRAPH_BASE + "by-hand", [(hand, SKOS.altLabel, Literal("Hand Only", lang="en"))],
                                "by-hand")
    real, used = kg.pipeline.refresh_labels, []

    def spy(store: GraphStore, entities: object = None, *, forms: object = None) -> None:
        used.append(forms is not None)
        real(store, entities, forms=forms)

    monkeypatch.setattr(kg.pipeline, "refresh_labels", spy)
    assert build([source], out, write_map=False, write_graph=False).ok
    assert used == [counted]
    with GraphStore.open(out) as store:
        built = {str(triple) for triple in store.graph_triples(LABELS_GRAPH)}
        real(store)  # every form counted in the store
        assert {str(triple) for triple in store.graph_triples(LABELS_GRAPH)} == built
    assert len(built) > 100
    assert any(str(hand) in triple for triple in built) == before
    assert any("zeta-workers-party> <http://www.w3.org/2000/01/rdf-schema#label> \"Zeta Workers' Party\"@en"
               in triple for triple in built)


@pytest.mark.parametrize(("change", "rewritten"), [
    (None, False),         # nothing changed: graph.ttl and map.html are left as they are
    ("edit", True),        # a readout changed: both are written again
    ("delete-out", True),  # graph.ttl was deleted: written again
])
def test_graph_and_map_are_written_again_only_when_the_store_changed(
        corpus: Path, tmp_path: Path, change: str | None, rewritten: bool):
    import os

    src = tmp_path / "in"
    shutil.copytree(corpus, src)
    out = tmp_path / "out"
    first = build([src], out)
    for name in ("graph.ttl", "map.html"):
        os.utime(out / name, ns=(1, 1))  # an old time, to see whether the file is written again
    if change == "edit":
        target = sorted(src.rglob("*.txt"))[3]
        target.write_text(target.read_text() + "\nThe two sides also discussed youth exchanges.\n")
    elif change == "delete-out":
        (out / "graph.ttl").unlink()
    again = build([src], out)
    assert again.triples >= first.triples > 0
    assert ((out / "graph.ttl").stat().st_mtime_ns != 1) == rewritten
    if change != "delete-out":
        assert ((out / "map.html").stat().st_mtime_ns != 1) == rewritten


@pytest.mark.parametrize("rebuilt", [False, True])
def test_the_map_a_build_draws_from_the_graph_parts_is_the_map_of_the_store(
        corpus: Path, tmp_path: Path, rebuilt: bool):
    from kg.mapviz import render_map

    src = tmp_path / "in"
    shutil.copytree(corpus, src)
    out = tmp_path / "out"
    build([src], out)
    if rebuilt:  # one readout changed and one deleted: the parts are updated, not made anew
        gen.mutate(src, 0.03, seed=5)
        sorted(src.rglob("*.txt"))[0].unlink()
        assert build([src], out, prune=True).built > 0
    with GraphStore.open(out, read_only=True) as store:
        render_map(store, tmp_path / "from-store.html")
    assert (out / "map.html").read_bytes() == (tmp_path / "from-store.html").read_bytes()


@pytest.mark.parametrize(("high", "write_graph", "source", "store_held"), [
    (None, True, "EngagementData", False),  # the parts of graph.ttl, read once the store is closed
    (1, True, "EngagementData", False),     # the same above MAP_BESIDE_MAX_ENGAGEMENTS
    (None, False, "GraphStore", True),      # no graph.ttl written, so no fresh parts: the store
])
def test_a_map_drawn_after_graph_ttl_reads_its_parts_once_the_store_is_closed_at_any_size(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, high: int | None,
        write_graph: bool, source: str, store_held: bool):
    import kg.mapviz
    import kg.pipeline
    from kg.errors import StoreError

    if high is not None:
        monkeypatch.setattr(kg.pipeline, "MAP_BESIDE_MAX_ENGAGEMENTS", high)
    real = kg.mapviz.render_map
    drawn: list[tuple[str, bool]] = []

    def render_map(source: object, path: Path, **kwargs: object) -> object:
        try:
            with GraphStore.open(tmp_path):  # for writing: refused while the build holds the store
                held = False
        except StoreError:
            held = True
        drawn.append((type(source).__name__, held))
        return real(source, path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(kg.mapviz, "render_map", render_map)
    report = build([corpus], tmp_path, jobs=1, batch_size=8, write_graph=write_graph)
    assert report.ok and drawn == [(source, store_held)]
    monkeypatch.setattr(kg.mapviz, "render_map", real)
    with GraphStore.open(tmp_path, read_only=True) as store:
        real(store, tmp_path / "from-store.html")
    assert (tmp_path / "map.html").read_bytes() == (tmp_path / "from-store.html").read_bytes()


@pytest.mark.slow
def test_with_two_processes_the_map_drawn_beside_graph_ttl_is_the_same(corpus: Path, tmp_path: Path,
                                                                        workers_from_the_start: None,
                                                                        monkeypatch: pytest.MonkeyPatch):
    import kg.pipeline

    monkeypatch.setattr(kg.pipeline, "MAP_BESIDE_ENGAGEMENTS", 0)  # a small corpus: force it
    one, two = tmp_path / "one", tmp_path / "two"
    build([corpus], one, jobs=1)
    report = build([corpus], two, jobs=2, batch_size=8)
    assert report.ok and report.map_path == two / "map.html"
    assert (two / "map.html").read_bytes() == (one / "map.html").read_bytes()
    assert (two / "graph.ttl").read_bytes() == (one / "graph.ttl").read_bytes()
    # drawn from a snapshot of the store (not the store the build wrote), removed after
    assert (two / SNAPSHOTS_DIR).is_dir() and not any((two / SNAPSHOTS_DIR).iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_map_that_cannot_be_written_fails_the_build_after_graph_ttl(corpus: Path, tmp_path: Path, jobs: int,
                                                                      monkeypatch: pytest.MonkeyPatch):
    import kg.pipeline
    from kg.errors import PartyrelError

    monkeypatch.setattr(kg.pipeline, "MAP_BESIDE_ENGAGEMENTS", 0)  # with jobs=2, beside graph.ttl

    (tmp_path / "map.html").mkdir()  # a folder where the page should go
    with pytest.raises(PartyrelError, match="map.html"):
        build([corpus], tmp_path, jobs=jobs, batch_size=8)
    assert _graph(tmp_path)  # graph.ttl was written (beside the map, or before it)
    with GraphStore.open(tmp_path, read_only=True) as store:
        assert len(store.content_hashes()) >= N  # and the store is complete
    assert not any((tmp_path / SNAPSHOTS_DIR).glob("*"))  # the map's snapshot went with it


def test_a_few_readouts_to_read_are_extracted_without_starting_workers(
        corpus: Path, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import kg.parallel

    def no_workers(*args: object) -> None:
        raise AssertionError("worker processes were started")

    monkeypatch.setattr(kg.parallel, "_pool_results", no_workers)
    report = build([corpus], tmp_path, write_map=False, jobs=2, batch_size=16)  # N < LOCAL_READOUTS
    assert (report.built, report.failures) == (N, [])
    _same(reference, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("local_readouts", [0, 20])
def test_past_the_local_readouts_worker_processes_extract_the_same(corpus: Path, local_readouts: int):
    from kg.parallel import ExtractOptions, Task, chunked, local_results, pool_results

    tasks = [Task(str(p)) for p in sorted(corpus.rglob("*.txt"))]
    options = ExtractOptions()
    here = [r for batch in local_results(chunked(tasks, 8), options) for r in batch]
    pooled = [r for batch in pool_results(chunked(tasks, 8), options, 2, local_readouts=local_readouts)
              for r in batch]
    assert [(r.path, r.ntriples) for r in pooled] == [(r.path, r.ntriples) for r in here]


@pytest.mark.slow
def test_tasks_that_need_no_worker_are_done_here_and_merged_back_in_order(corpus: Path):
    from kg.ingest import Failure
    from kg.parallel import ExtractOptions, Task, local_results, pool_results, work_batches

    paths = sorted(corpus.rglob("*.txt"))
    tasks = []
    for number, path in enumerate(paths):  # to read, known unchanged, failed: interleaved
        if number % 3 == 1:
            tasks.append(Task(str(path), known_hash=f"h{number}", stat="s", known_stat="s"))
        elif number % 5 == 2:
            tasks.append(Task(str(path), failure=Failure(str(path), "bad", "fix it")))
        else:
            tasks.append(Task(str(path)))
    options = ExtractOptions()
    here = [r for batch in local_results(work_batches(tasks, 4), options) for r in batch]
    pooled = [r for batch in pool_results(work_batches(tasks, 4), options, 2, local_readouts=0)
              for r in batch]
    assert {r.skipped for r in here} == {True, False} and any(r.failure for r in here)
    assert pooled == here


@pytest.mark.parametrize(("work", "size", "most"), [
    ("wwwww", 2, 64), ("uuuuu", 2, 2), ("uwuuwuuuwwfw", 2, 3), ("", 3, 1), ("fufuw", 1, 1),
])
def test_work_batches_hold_at_most_size_tasks_to_read_and_most_times_as_many_in_all(
        work: str, size: int, most: int):
    from kg.ingest import Failure
    from kg.parallel import Task, work_batches

    kinds = {"w": {}, "u": {"known_hash": "h", "stat": "s", "known_stat": "s"},
             "f": {"failure": Failure("x", "bad", "")}}
    tasks = [Task(str(i), **kinds[kind]) for i, kind in enumerate(work)]  # type: ignore[arg-type]
    batches = list(work_batches(tasks, size, most))
    assert [t for batch in batches for t in batch] == tasks
    reads = [sum(1 for t in batch if not (t.unchanged or t.failure)) for batch in batches]
    assert all(n <= size for n in reads) and all(len(b) <= size * most for b in batches)
    # a batch ends when it is full one way or the other
    assert all(n == size or len(b) == size * most for n, b in zip(reads[:-1], batches[:-1]))


@pytest.mark.parametrize("path", ["a/b/r1.txt", "r.2.html", "noext", "dir/.hidden", "x/..", "a/b.",
                                  "a/.b.c", "...txt", "c d.txt", "feed.jsonl:17", "<stdin>", "x/.", "dir/"])
def test_the_stem_of_a_task_path_is_the_one_pathlib_gives(path: str):
    from kg.parallel import _stem

    assert _stem(path) == Path(path).stem


@pytest.mark.parametrize(("low", "high"), [
    (None, None),  # a small store: fewer engagements than MAP_BESIDE_ENGAGEMENTS
    (0, 1),        # a store too big to hold the map's network beside the build process
])
def test_a_store_outside_the_range_draws_its_map_after_graph_ttl_without_a_worker(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, low: int | None, high: int | None):
    import kg.pipeline

    def no_worker(self: object) -> None:
        raise AssertionError("a map worker was started")

    monkeypatch.setattr(kg.pipeline._MapBeside, "start", no_worker)
    if low is not None:
        monkeypatch.setattr(kg.pipeline, "MAP_BESIDE_ENGAGEMENTS", low)
        monkeypatch.setattr(kg.pipeline, "MAP_BESIDE_MAX_ENGAGEMENTS", high)
    report = build([corpus], tmp_path, jobs=2, batch_size=8)
    assert report.ok and (tmp_path / "map.html").is_file()


def _worker_state() -> tuple[int, bool, int]:
    """What a worker process finds when it starts: its parent, whether the
    pipeline was already made (by the server it was forked from), its pid."""
    import os

    from kg.nlp import make_nlp

    return os.getppid(), make_nlp.cache_info().currsize > 0, os.getpid()


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(),
                    reason="no forkserver on this platform: workers are spawned")
def test_workers_are_forked_from_a_server_that_made_the_pipeline_once():
    # a worker starts with spaCy and partyrel loaded and the pipeline made, by the
    # server started beforehand, not by the worker itself (about 2 s each)
    from concurrent.futures import ProcessPoolExecutor

    kg.parallel.start_worker_server()
    kg.parallel.start_worker_server()  # running already: nothing more
    with ProcessPoolExecutor(max_workers=2, mp_context=kg.parallel.worker_context()) as pool:
        states = [pool.submit(_worker_state).result() for _ in range(2)]
    parents = {parent for parent, _, _ in states}
    assert all(made for _, made, _ in states)
    assert len(parents) == 1 and parents != {__import__("os").getpid()}  # the server, not this process
