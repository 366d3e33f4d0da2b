"""Faults and repeated runs: ``kill -9`` at many points of ``kg build`` leaves
every readout fully in or fully out and the next run completes the job; output
files are replaced atomically; a second build on the same store refuses or
waits; building again changes nothing.

The corpus is a few hundred made-up readouts from a seeded generator
(tests/readout_gen.py). Builds are killed in a subprocess, either at a
deterministic point (a hook installed by the small driver script below) or
after a seeded random delay.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import rdflib
import readout_gen
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.cli import main
from kg.errors import StoreError
from kg.pipeline import build, content_hash
from kg.store import GRAPH_BASE, GraphStore
from kg.triples import graph_iri

N_READOUTS = 300
CHANGED = range(0, N_READOUTS, 5)  # the readouts the second version of the corpus changes

# Runs `kg build SRC -o OUT` in this interpreter after installing one fault:
#   progress N       SIGKILL itself when the N-th readout is reached
#   before-write K   SIGKILL itself just before the K-th write to the store (an update
#                    or load of either database: every transaction boundary)
#   after-write K    SIGKILL itself just after the K-th write
#   before-labels    SIGKILL itself when every readout is in, before labels are derived
#   before-topics    SIGKILL itself after the labels, before the topic scheme is loaded
#   dump             SIGKILL itself half-way through writing graph.ttl
#   map              SIGKILL itself just before map.html is renamed into place
#   hold N:FILE      at the N-th readout, create FILE.reached and wait until FILE exists
DRIVER = textwrap.dedent('''
    import os, signal, sys, time
    import kg.pipeline, kg.store
    mode, arg, src, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    # the store written 64 readouts at a time, new ones by the bulk loader: the kills fall
    # between and inside several batches (by default these 300 readouts are one write)
    kg.pipeline.STORE_BATCH = 64
    kg.store.BULK_BYTES = 0

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if mode in ("progress", "hold"):
        real_build = kg.pipeline.build
        def build(*args, progress=None, **kwargs):
            seen = [0]
            def hook(n, name):
                seen[0] += 1
                if seen[0] == int(arg.split(":")[0]):
                    if mode == "progress":
                        die()
                    barrier = arg.split(":", 1)[1]
                    open(barrier + ".reached", "w").close()
                    deadline = time.monotonic() + 120
                    while not os.path.exists(barrier) and time.monotonic() < deadline:
                        time.sleep(0.02)
                if progress is not None:
                    progress(n, name)
            return real_build(*args, progress=hook, **kwargs)
        kg.pipeline.build = build
    elif mode in ("before-write", "after-write"):
        count = [0]
        WRITES = {"update", "load", "bulk_load", "extend", "bulk_extend", "add", "remove",
                  "add_graph", "remove_graph", "clear_graph", "clear"}
        class Counting:
            def __init__(self, inner):
                self.inner = inner
            def __getattr__(self, name):
                method = getattr(self.inner, name)
                if name not in WRITES:
                    return method
                def write(*args, **kwargs):
                    count[0] += 1
                    if mode == "before-write" and count[0] == int(arg):
                        die()
                    result = method(*args, **kwargs)
                    if mode == "after-write" and count[0] == int(arg):
                        die()
                    return result
                return write
            def __len__(self):
                return len(self.inner)
            def __iter__(self):
                return iter(self.inner)
        real_writable = kg.store.GraphStore._writable
        def writable(self):
            data, meta = real_writable(self)
            return Counting(data), Counting(meta)
        kg.store.GraphStore._writable = writable
    elif mode == "before-labels":
        kg.pipeline.refresh_labels = lambda store, *entities, **counted: die()
    elif mode == "before-topics":
        real_replace_graph = kg.store.GraphStore.replace_graph
        def replace_graph(self, iri, *args, **kwargs):
            if iri.endswith("/_topics"):
                die()
            return real_replace_graph(self, iri, *args, **kwargs)
        kg.store.GraphStore.replace_graph = replace_graph
    elif mode == "dump":  # killed once graph.ttl.tmp holds a few KiB
        import builtins
        import kg.graphfile
        real_open = builtins.open
        class Dying:
            def __init__(self, handle):
                self.handle, self.written = handle, 0
            def write(self, data):
                self.handle.write(data)
                self.written += len(data)
                if self.written > 2000:
                    self.handle.flush()
                    os.fsync(self.handle.fileno())
                    die()
            def __getattr__(self, name):
                return getattr(self.handle, name)
            def __enter__(self):
                return self
            def __exit__(self, *exc):
                return self.handle.__exit__(*exc)
        def dying_open(path, mode="r", *args, **kwargs):
            handle = real_open(path, mode, *args, **kwargs)
            return Dying(handle) if str(path).endswith("graph.ttl.tmp") else handle
        kg.graphfile.open = dying_open
    elif mode == "map":
        real_replace = os.replace
        def replace(a, b, *args, **kwargs):
            if str(b).endswith("map.html"):
                die()
            return real_replace(a, b, *args, **kwargs)
        os.replace = replace
    from kg.cli import main
    sys.exit(main(["build", src, "-o", out, "-q"] + (["--no-map"] if mode != "map" else [])))
''')


def _corpus(folder: Path, *, changed: bool) -> dict[str, str]:
    """The generated corpus (version 1, or version 2 with every fifth readout
    changed: another guest), written into ``folder``; returns id -> text."""
    texts = readout_gen.generate(N_READOUTS, seed=11)
    if changed:
        ids = sorted(texts)
        for i in CHANGED:
            texts[ids[i]] = texts[ids[i]].replace("President", "General Secretary").replace(
                " of the ", " of the Central Committee of the ", 1)
    folder.mkdir(parents=True, exist_ok=True)
    for rid, text in texts.items():
        (folder / f"{rid}.txt").write_text(text, encoding="utf-8")
    return texts


class Reference:
    """A clean build of one version of the corpus: its graph.ttl, each readout's
    graph, and the content hash of each readout's text."""

    def __init__(self, src: Path, out: Path, texts: dict[str, str]) -> None:
        report = build([src], out, write_map=False)
        assert report.ok and report.built == N_READOUTS
        self.graph = rdflib.Graph().parse(out / "graph.ttl")
        self.graphs = _readout_graphs(out)
        self.hashes = {graph_iri(rid): content_hash(text) for rid, text in texts.items()}
        assert len(self.graphs) == N_READOUTS


def _readout_graphs(out: Path) -> dict[str, rdflib.Graph]:
    with GraphStore.open(out, read_only=True) as store:
        ds = store.to_rdflib()
    graphs = {}
    for g in ds.graphs():
        iri = str(g.identifier)
        if iri.startswith(GRAPH_BASE) and "/_" not in iri:
            copy = rdflib.Graph()
            for triple in g:
                copy.add(triple)
            graphs[iri] = copy
    return graphs


def _hashes(out: Path) -> dict[str, str]:
    with GraphStore.open(out, read_only=True) as store:
        return {iri: h for iri, h in store.content_hashes().items() if "/_" not in iri}


def assert_consistent(out: Path, *versions: Reference) -> tuple[int, int]:
    """Every readout graph in the store is one version's complete graph, and
    a recorded content hash always describes the graph next to it. Returns
    the number of readouts in with their hash, and the number in at all."""
    graphs, hashes = _readout_graphs(out), _hashes(out)
    for iri, graph in graphs.items():
        matching = [v for v in versions if iri in v.graphs and isomorphic(graph, v.graphs[iri])]
        assert matching, f"{iri} holds a graph of no version ({len(graph)} triples): a partial readout"
        if iri in hashes:
            assert any(v.hashes[iri] == hashes[iri] for v in matching), \
                f"{iri}: its recorded hash does not describe its graph"
    assert set(hashes) <= set(graphs), "a hash is recorded for a readout that is not in the store"
    return len(hashes), len(graphs)


def assert_same_graph(out: Path, reference: Reference) -> None:
    got = rdflib.Graph().parse(out / "graph.ttl")
    if not isomorphic(got, reference.graph):
        _, only_got, only_ref = graph_diff(to_isomorphic(got), to_isomorphic(reference.graph))
        raise AssertionError(f"graph.ttl differs from a clean build: {len(only_got)} extra, "
                             f"{len(only_ref)} missing, e.g. {sorted(only_got)[:2]} / {sorted(only_ref)[:2]}")
    assert _readout_graphs(out).keys() == reference.graphs.keys()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("faults")
    texts1 = _corpus(root / "v1", changed=False)
    texts2 = _corpus(root / "v2", changed=True)
    driver = root / "driver.py"
    driver.write_text(DRIVER)
    return {
        "root": root, "v1": root / "v1", "v2": root / "v2", "driver": driver,
        "ref1": Reference(root / "v1", root / "clean-v1", texts1),
        "ref2": Reference(root / "v2", root / "clean-v2", texts2),
    }


def run_driver(world: dict, mode: str, arg: object, src: Path, out: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).parent),
                                                                   os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, str(world["driver"]), mode, str(arg), str(src), str(out)],
                          capture_output=True, text=True, timeout=300, env=env, check=False)


def assert_summary_matches(out: Path) -> None:
    """The engagement summary the completing build left is used, and answers as the SPARQL does."""
    from kg.named_queries import bind_parameters, get_query
    from kg.query import run_query
    from kg.store import GraphStore
    from kg.summary import QUERY_DIGESTS, answer

    with GraphStore.open(out, read_only=True) as store:
        for name in QUERY_DIGESTS:
            assert answer(store, get_query(name), bind_parameters(store, get_query(name), {})), name
            summarized = run_query(store, name, cache=False)
            assert summarized.rows and summarized.rows == run_query(store, name, cache=False,
                                                                    summary=False).rows


def killed(result: subprocess.CompletedProcess) -> bool:
    return result.returncode == -signal.SIGKILL


def test_kill_9_at_deterministic_points_then_the_next_run_completes(world):
    """One store, killed again and again at chosen points (between and inside
    the store's transactions, before the labels, before the topics), checked
    after each kill; then a run that completes gives exactly the clean build."""
    out = world["root"] / "killed-v1"
    ref = world["ref1"]
    in_store = []
    for mode, arg in [("after-write", 2), ("before-write", 3), ("after-write", 3), ("progress", 150),
                      ("after-write", 5), ("after-write", 4)]:
        result = run_driver(world, mode, arg, world["v1"], out)
        assert killed(result), (mode, arg, result.returncode, result.stderr[-2000:])
        in_store.append(assert_consistent(out, ref))
    hashed = [h for h, _ in in_store]
    assert hashed == sorted(hashed) and 0 < hashed[-1], in_store
    assert any(h < present for h, present in in_store), "no kill fell between a graph and its hash"
    for mode in ("before-labels", "before-topics"):
        result = run_driver(world, mode, "-", world["v1"], out)
        assert killed(result), (mode, result.returncode, result.stderr[-2000:])
        assert assert_consistent(out, ref) == (N_READOUTS, N_READOUTS)  # every readout in

    report = build([world["v1"]], out, write_map=False)
    assert report.ok and report.built == 0 and report.skipped == N_READOUTS
    assert_same_graph(out, ref)
    assert_summary_matches(out)


def test_kill_9_while_changed_readouts_are_replaced(world):
    """Killed mid-way through replacing changed readouts: each readout holds
    its old or its new facts, never both; the next run leaves only the new."""
    out = world["root"] / "killed-v2"
    build([world["v1"]], out, write_map=False)
    for mode, arg in [("after-write", 2), ("before-write", 3), ("after-write", 4), ("progress", 250)]:
        result = run_driver(world, mode, arg, world["v2"], out)
        assert killed(result), (mode, result.stderr[-2000:])
        assert_consistent(out, world["ref1"], world["ref2"])
    report = build([world["v2"]], out, write_map=False)
    assert report.ok
    assert_same_graph(out, world["ref2"])
    assert_summary_matches(out)


def test_kill_9_while_writing_graph_ttl_or_map_html_keeps_the_old_file(world):
    out = world["root"] / "killed-files"
    assert build([world["v1"]], out, write_map=True).ok
    old_graph = (out / "graph.ttl").read_bytes()
    old_map = (out / "map.html").read_bytes()

    result = run_driver(world, "dump", "-", world["v2"], out)
    assert killed(result), result.stderr[-2000:]
    assert (out / "graph.ttl").read_bytes() == old_graph  # the old file, whole
    assert (out / "graph.ttl.tmp").stat().st_size > 0  # the part written before the kill

    result = run_driver(world, "map", "-", world["v2"], out)
    assert killed(result), result.stderr[-2000:]
    assert (out / "map.html").read_bytes() == old_map
    assert_same_graph(out, world["ref2"])  # graph.ttl was written before the map

    assert build([world["v2"]], out, write_map=True).ok
    assert (out / "map.html").read_bytes() != old_map and not (out / "map.html.tmp").exists()
    assert not (out / "graph.ttl.tmp").exists()
    assert_same_graph(out, world["ref2"])


def test_kill_9_at_random_moments(world):
    """`kg build` killed after seeded random delays, five times on the same
    store; every time consistent; then the job completes."""
    out = world["root"] / "killed-random"
    rng = random.Random(2024)
    kg = [sys.executable, "-m", "kg.cli", "build", str(world["v1"]), "-o", str(out), "-q", "--no-map"]
    for _ in range(5):
        process = subprocess.Popen(kg, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            process.wait(timeout=rng.uniform(0.8, 3.5))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
        if out.exists():
            assert_consistent(out, world["ref1"])
    report = build([world["v1"]], out, write_map=False)
    assert report.ok
    assert_same_graph(out, world["ref1"])


def test_a_second_build_on_the_same_store_refuses_or_waits(world, capsys):
    out = world["root"] / "concurrent"
    barrier = world["root"] / "release"
    first = subprocess.Popen(
        [sys.executable, str(world["driver"]), "hold", f"100:{barrier}", str(world["v1"]), str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).parent)))
    try:
        deadline = time.monotonic() + 120
        while not Path(f"{barrier}.reached").exists():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # refused at once, with a message naming the process that writes
        assert main(["build", str(world["v1"]), "-o", str(out), "-q"]) == 1
        err = capsys.readouterr().err
        assert f"is being written by another kg process (pid {first.pid}); wait for it to finish" in err
        started = time.monotonic()
        with pytest.raises(StoreError):
            build([world["v1"]], out, wait=0.3)
        assert time.monotonic() - started >= 0.3
        # waits, and runs once the first is done
        waited: dict = {}
        second = threading.Thread(target=lambda: waited.update(
            report=build([world["v1"]], out, write_map=False, wait=120)))
        second.start()
        time.sleep(0.3)
        assert second.is_alive()
        barrier.touch()
        assert first.wait(timeout=120) == 0, first.communicate()
        second.join(timeout=120)
    finally:
        barrier.touch()
        if first.poll() is None:
            first.kill()
        first.wait()
    assert waited["report"].ok and waited["report"].skipped == N_READOUTS
    assert_same_graph(out, world["ref1"])


def test_building_again_is_idempotent_and_replaces_changed_readouts(world):
    out = world["root"] / "again"
    build([world["v1"]], out, write_map=False)
    first = rdflib.Graph().parse(out / "graph.ttl")
    again = build([world["v1"]], out, write_map=False)
    assert again.built == 0 and isomorphic(first, rdflib.Graph().parse(out / "graph.ttl"))
    changed = build([world["v2"]], out, write_map=False)
    assert changed.built == len(CHANGED)
    assert_same_graph(out, world["ref2"])
    back = build([world["v1"]], out, write_map=False)
    assert back.built == len(CHANGED)
    assert_same_graph(out, world["ref1"])
