"""kg build --dask: extraction on a Dask cluster (a LocalCluster of 2 worker
processes here) gives the same graph as a local build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.cli import main
from kg.distributed import check_workers, connect, extract_on_worker
from kg.errors import PartyrelError
from kg.parallel import ExtractOptions, Task
from kg.pipeline import build
from test_generate import gen
from test_scale import _same

distributed = pytest.importorskip("distributed")

N = 30


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as local:
        yield local


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dask-corpus")
    gen.write_corpus(folder, N, seed=21, per_folder=10)
    (folder / "empty.txt").write_text("")
    return folder


@pytest.mark.slow
def test_a_dask_build_gives_the_same_graph_as_a_local_build(cluster, corpus: Path, tmp_path: Path):
    local = build([corpus], tmp_path / "local", write_map=False)
    remote = build([corpus], tmp_path / "dask", write_map=False, batch_size=4,
                   dask=cluster.scheduler_address)
    assert (remote.readouts, remote.built) == (local.readouts, local.built) == (N, N)
    assert [f.reason for f in remote.failures] == [f.reason for f in local.failures] \
        == ["the file is empty"]
    _same(tmp_path / "local", tmp_path / "dask")


@pytest.mark.slow
def test_a_dask_build_reads_pages_and_records_like_a_local_build(cluster, tmp_path: Path):
    import json
    import shutil

    folder = tmp_path / "in"
    data = Path(__file__).parent / "data" / "sources"
    shutil.copytree(data, folder, ignore=shutil.ignore_patterns("*.txt", "*.jsonl"))
    records = [json.loads(line) for line in (data / "feed.jsonl").read_text().splitlines()]
    lines = [json.dumps({k: v for k, v in r.items() if k != "id"}) for r in records]
    (folder / "feed.jsonl").write_text("\n".join([*lines, "{not json"]) + "\n")
    local = build([folder], tmp_path / "local", write_map=False)
    remote = build([folder], tmp_path / "dask", write_map=False, batch_size=2,
                   dask=cluster.scheduler_address)
    assert remote.readouts == local.readouts == 6
    assert [f.source for f in remote.failures] == [f.source for f in local.failures] \
        == [f"{folder / 'feed.jsonl'}:4"]
    _same(tmp_path / "local", tmp_path / "dask")


@pytest.mark.slow
def test_a_dask_rebuild_skips_unchanged_readouts(cluster, corpus: Path, tmp_path: Path):
    with distributed.Client(cluster.scheduler_address) as client:
        first = build([corpus], tmp_path, write_map=False, dask=client)
        second = build([corpus], tmp_path, write_map=False, dask=client)
    assert (first.built, second.built, second.skipped) == (N, 0, N)


@pytest.mark.slow
def test_kg_build_dask_from_the_command_line(cluster, corpus: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]):
    code = main(["build", str(corpus), "-o", str(tmp_path), "--no-map",
                 "--dask", cluster.scheduler_address])
    assert code == 1  # the empty file
    assert f"readouts       {N} ({N} built" in capsys.readouterr().out


@pytest.mark.slow
def test_the_workers_run_this_partyrel(cluster):
    with distributed.Client(cluster.scheduler_address) as client:
        assert check_workers(client) == 2


def test_the_worker_function_extracts_bytes_it_is_sent(corpus: Path):
    path = sorted(corpus.rglob("syn-*.txt"))[0]
    [result] = extract_on_worker([Task(str(path), None, path.read_bytes())], ExtractOptions())
    assert result.readout_id == path.stem and result.ntriples and result.failure is None


def test_an_unreachable_scheduler_is_named():
    with pytest.raises(PartyrelError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        with connect("tcp://127.0.0.1:9", timeout=2):
            pass
