"""Extraction on a Dask cluster: ``kg build --dask tcp://scheduler:8786``.

The client (the ``kg build`` process) walks the inputs, reads each batch of
files (and the records of ``.jsonl`` files) and sends them to the cluster
with the store's known content hashes (workers need not see the client's
files); each worker runs
:func:`extract_on_worker`, which is :func:`kg.parallel.extract_batch` in the
worker's process, where the spaCy pipeline is built once and cached; the
client gathers the rendered graphs in input order, a bounded number of
batches in flight, and writes them to its store. The store stays on the
client's machine; only extraction is distributed.

The worker functions live in this importable module, never in ``__main__``
(a function pickled from ``__main__`` is re-created on each call and loses
the cached pipeline: measured 3x slower). Workers need partyrel installed in
the same version (its extractor fingerprint is part of every content hash:
:func:`check_workers` refuses a cluster whose workers differ).

Needs the ``cluster`` extra: ``pip install 'partyrel[cluster]'``.

Example (a local cluster; on a real one, pass the scheduler's address)::

    from distributed import LocalCluster
    import kg
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        kg.build(["readouts/"], "out", dask=cluster.scheduler_address)
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import InputError, PartyrelError
from kg.parallel import Extracted, ExtractOptions, Task, extract_batch, in_order, warm_up

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["check_workers", "connect", "dask_results", "extract_on_worker", "worker_fingerprint"]


def worker_fingerprint() -> str:
    """The extractor fingerprint of the process it runs in (run on each worker)."""
    from kg.pipeline import extractor_fingerprint

    warm_up()
    return extractor_fingerprint()


def extract_on_worker(tasks: list[Task], options: ExtractOptions) -> list[Extracted]:
    """The Dask task: :func:`kg.parallel.extract_batch` on one batch."""
    return extract_batch(tasks, options)


def _client_class() -> type[Client]:
    try:
        from distributed import Client
    except ImportError as err:
        raise PartyrelError("kg build --dask needs Dask's distributed scheduler: "
                            "pip install 'partyrel[cluster]'") from err
    return Client


@contextmanager
def connect(address: str | Client, *, timeout: float = 30.0) -> Iterator[Client]:
    """A client of the cluster at ``address`` (``tcp://host:8786``), closed on
    exit; a :class:`distributed.Client` given instead is used and left open."""
    client_class = _client_class()
    if isinstance(address, client_class):
        yield address
        return
    try:
        client = client_class(str(address), timeout=timeout)
    except (OSError, TimeoutError) as err:
        raise PartyrelError(f"cannot reach the Dask scheduler at {address}: {err}; start it "
                            "(dask scheduler) or check the address") from err
    try:
        yield client
    finally:
        client.close()


def check_workers(client: Client) -> int:
    """Check that the cluster has workers running this partyrel (same extractor
    fingerprint as here); return their number."""
    from kg.pipeline import extractor_fingerprint

    here = extractor_fingerprint()
    try:
        found: dict[str, Any] = client.run(worker_fingerprint)
    except Exception as err:
        raise PartyrelError(f"the Dask workers cannot run partyrel ({type(err).__name__}: "
                            f"{err}); install this partyrel on every worker") from err
    if not found:
        raise PartyrelError("the Dask cluster has no workers; start some (dask worker ADDRESS)")
    differ = sorted(worker for worker, fingerprint in found.items() if fingerprint != here)
    if differ:
        raise PartyrelError(f"{len(differ)} Dask worker(s) run another partyrel version or "
                            f"vocabulary ({', '.join(differ[:3])}); install the same on every "
                            "worker")
    return len(found)


def _with_bytes(batch: list[Task], max_bytes: int) -> tuple[list[Task], dict[int, Extracted]]:
    """Read the batch's files here (workers may be on other machines): the
    tasks to send, and the results of those whose file cannot be read, by
    their position in the batch."""
    from kg.ingest import Failure, read_bytes

    ready: list[Task] = []
    failed: dict[int, Extracted] = {}
    for index, task in enumerate(batch):
        if not task.needs_file:
            ready.append(task)  # unchanged, a record, standard input, or already failed
            continue
        try:
            ready.append(replace(task, data=read_bytes(Path(task.path), max_bytes=max_bytes)))
        except InputError as exc:
            failed[index] = Extracted(task.path, failure=Failure(exc.source, exc.reason, exc.hint))
    return ready, failed


def dask_results(batches: Iterable[list[Task]], options: ExtractOptions, client: Client
                 ) -> Generator[list[Extracted], None, None]:
    """Extract the batches on the cluster; results in input order (a file that
    cannot be read here is reported where it stands)."""
    workers = check_workers(client)

    def submit(batch: list[Task]) -> Callable[[], list[Extracted]]:
        ready, failed = _with_bytes(batch, options.max_bytes)
        future = client.submit(extract_on_worker, ready, options, pure=False) if ready else None

        def result() -> list[Extracted]:
            done = iter(future.result() if future is not None else [])
            return [failed[index] if index in failed else next(done) for index in range(len(batch))]

        return result

    yield from in_order(submit, batches, window=2 * workers + 2)
