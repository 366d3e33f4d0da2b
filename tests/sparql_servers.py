"""Real SPARQL servers for the push tests, started on the loopback address.

- the Oxigraph server (PyPI ``oxigraph``, the ``test`` extra): ``oxigraph serve
  --location DIR --bind 127.0.0.1:PORT``; stopped with SIGTERM;
- Virtuoso Open Source 7 (Debian ``virtuoso-opensource``, installed by ``make
  test``): ``virtuoso-t +configfile INI +foreground`` with both ports bound to
  127.0.0.1 and a database in a temporary folder; SPARQL updates need
  ``GRANT SPARQL_UPDATE TO "SPARQL"`` (run with ``isql-vt``).

Each is started on free ports and waited for (an ASK query answered), and
stopped (and waited for) when the context ends.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VIRTUOSO = Path("/usr/bin/virtuoso-t")
ISQL = Path("/usr/bin/isql-vt")
_ASK = "?query=ASK%7B%7D"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oxigraph_binary() -> Path | None:
    candidate = Path(sys.executable).with_name("oxigraph")
    found = candidate if candidate.is_file() else shutil.which("oxigraph")
    return Path(found) if found else None


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}): "
                               f"{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url + _ASK, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not answer within {seconds} s: "
                       f"{log.read_text(errors='replace')[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def oxigraph_server(folder: Path) -> Iterator[str]:
    """An Oxigraph server on a free loopback port; yields its query URL."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server binary is missing: pip install -e '.[test]'")
    port = free_port()
    log = folder / "oxigraph.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(binary), "serve", "--location", str(folder / "db"),
                                    "--bind", f"127.0.0.1:{port}"], stdout=out, stderr=out)
    try:
        url = f"http://127.0.0.1:{port}/query"
        _wait_for(url, process, log, 30)
        yield url
    finally:
        _stop(process)


_VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {d}
CaseMode = 2
MaxQueryMem = 200M
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""


@contextmanager
def virtuoso_server(folder: Path) -> Iterator[str]:
    """A Virtuoso server with a fresh database on free loopback ports, SPARQL
    updates granted; yields its SPARQL endpoint URL."""
    if not VIRTUOSO.is_file():
        raise RuntimeError("Virtuoso is missing: apt-get install -y virtuoso-opensource "
                           "(make test does it as root)")
    sql, http = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(d=folder, sql=sql, http=http))
    log = folder / "stdout.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(VIRTUOSO), "+configfile", str(ini), "+foreground"],
                                   stdout=out, stderr=out, cwd=folder)
    try:
        url = f"http://127.0.0.1:{http}/sparql"
        _wait_for(url, process, folder / "virtuoso.log", 90)
        grant = subprocess.run([str(ISQL), f"127.0.0.1:{sql}", "dba", "dba",
                                'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                               capture_output=True, timeout=60, check=False)
        if grant.returncode != 0:
            raise RuntimeError(f"cannot grant SPARQL_UPDATE: {grant.stdout!r} {grant.stderr!r}")
        yield url
    finally:
        _stop(process)


@contextmanager
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers: a hung SPARQL server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/query"
    finally:
        listener.close()
