"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temp cluster on 127.0.0.1.

No mock: the store and stage tests run against a real server when one can be
started. ``make test`` installs the Debian package and sets
WORKBENCH_REQUIRE_POSTGRES=1, so CI fails rather than skips when it cannot.
benchmarks/bench_load.py starts one the same way.

:func:`shared_server_url` starts one server per process on first use (each
pytest-xdist worker has its own); :func:`once_store_url` hands out a fresh
schema on it, or the project folder's SQLite file when no server can start.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.initdb, self.pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise RuntimeError("PostgreSQL server binaries not found (Debian package 'postgresql').")
        self.tmp = tempfile.mkdtemp(prefix="wb-pg-")
        self.data = os.path.join(self.tmp, "data")
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root; run the cluster as the postgres user
            os.chmod(self.tmp, 0o777)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        self._run(self.initdb, "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.tmp} -c fsync=off -c max_connections=200"
        self._run(self.pg_ctl, "-D", self.data, "-o", opts, "-l", os.path.join(self.tmp, "log"), "-w", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run(self.pg_ctl, "-D", self.data, "-m", "immediate", "stop")
        except Exception:
            pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def fresh_schema_url(base_url: str) -> str:
    """A new empty schema on the server, as a URL whose search_path points at it."""
    import sqlalchemy as sa

    name = "t_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    return f"{base_url}?options=-csearch_path%3D{name}"


SQLITE_URL = "sqlite:///store.db"
_shared: dict[str, object] = {}


def required() -> bool:
    return os.environ.get("WORKBENCH_REQUIRE_POSTGRES") == "1"


def shared_server_url() -> str | None:
    """This process's throwaway server (started on first call), or None when none can start.

    With WORKBENCH_REQUIRE_POSTGRES=1 a server that cannot start is an error, not None.
    """
    if "url" not in _shared:
        try:
            server = PostgresServer()
            _shared.update(server=server, url=server.start())
        except Exception as exc:
            if required():
                raise RuntimeError(f"PostgreSQL is required here but could not start: {exc}") from exc
            _shared.update(url=None, why=str(exc))
    return _shared["url"]  # type: ignore[return-value]


def why_no_server() -> str:
    return str(_shared.get("why", ""))


def once_store_url() -> str:
    """A store URL for a heavy fixture built once: a fresh schema when a server is up, else SQLite."""
    base = shared_server_url()
    return fresh_schema_url(base) if base else SQLITE_URL


def stop_shared_server() -> None:
    server = _shared.pop("server", None)
    _shared.pop("url", None)
    if server is not None:
        server.stop()  # type: ignore[attr-defined]

