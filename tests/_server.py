"""Start the real ``workbench serve`` on a demo project, for the access and browser tests.

The server is a subprocess running the installed ``workbench`` command, bound
to 127.0.0.1 on a free port. ``start_server`` returns once ``/login`` answers
(and, with preheated kernels, once Voila says every app's pool is full, so
tests do not race the kernels still starting);
``stop_server`` sends SIGTERM (Voila then shuts its kernels down) and kills
whatever of the process tree is still alive after that.

``shared_server`` hands the same server to every fixture that asks for it in
one pytest session (the access tests and the browser tests), and stops it when
the last of them is torn down.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

COOKIE_NAME = "workbench-access"
# Up to six preheated kernels warm one at a time; on a loaded 2-core machine (the unit suite runs
# on both cores beside the server) that took over 90 s once with other programs busy too.
START_TIMEOUT_S = 180.0
POOL_FILLED = "Kernel pool of {notebook} is filled"


@dataclass
class Server:
    base_url: str  # "http://127.0.0.1:PORT" (no trailing slash)
    codes: object  # workbench.project.AccessCodes
    project_path: Path
    proc: subprocess.Popen
    log_path: Path
    _log: object = field(repr=False, default=None)
    prefix: str = ""  # the server's --base-url without its trailing slash ("" for /)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname

    @property
    def port(self) -> int:
        return urlsplit(self.base_url).port

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | str | None = None,
                timeout: float = 60.0) -> tuple[int, dict, str]:
        """One HTTP request, redirects not followed: (status, lower-cased headers, body text)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read().decode("utf-8", errors="replace")
            hdrs = {}
            for k, v in resp.getheaders():
                key = k.lower()
                hdrs[key] = f"{hdrs[key]}\n{v}" if key in hdrs else v
            return resp.status, hdrs, data
        finally:
            conn.close()

    def login(self, code: str, next_path: str | None = None) -> str:
        """Log in with a code; returns the ``Cookie`` header value to send afterwards."""
        from urllib.parse import urlencode

        query = {"code": code}
        if next_path:
            query["next"] = next_path
        status, headers, body = self.request("GET", f"{self.prefix}/login?{urlencode(query)}")
        assert status == 302, f"login with a right code should redirect, got {status}: {body[:300]}"
        cookie = cookie_from(headers)
        assert cookie, f"login set no {COOKIE_NAME} cookie: {headers}"
        return cookie


def cookie_from(headers: dict) -> str | None:
    """``name=value`` of the access cookie in a response's Set-Cookie headers, if any."""
    for line in headers.get("set-cookie", "").split("\n"):
        jar = SimpleCookie()
        jar.load(line)
        if COOKIE_NAME in jar and jar[COOKIE_NAME].value:
            return f"{COOKIE_NAME}={jar[COOKIE_NAME].coded_value}"
    return None


def _free_port() -> int:
    from workbench.serve.net import free_port

    return free_port()


def _workbench_command() -> list[str]:
    script = Path(sys.executable).with_name("workbench")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", "from workbench.cli import entry; entry()"]


def make_demo(path: Path, preheated_kernels: int | None = None, workshop: dict | None = None) -> Path:
    """Build the demo project at ``path``; optionally change how many kernels are kept warm
    (or any ``[workshop]`` setting)."""
    import tomli_w

    from workbench.demo import build_demo

    project = build_demo(path)
    project.close()
    # Every test page comes from 127.0.0.1 and the shared server makes many participants: a high join
    # cap here; tests of the cap itself pass workshop={"joins_per_hour": ...}.
    settings = {"joins_per_hour": 10_000, **(workshop or {})}
    if preheated_kernels is not None:
        settings["preheated_kernels"] = preheated_kernels
    if settings:
        cfg = path / "workbench.toml"
        raw = tomllib.loads(cfg.read_text(encoding="utf-8"))
        raw.setdefault("workshop", {}).update(settings)
        cfg.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


def start_server(workdir: Path, preheated_kernels: int | None = None,
                 timeout: float = START_TIMEOUT_S, serve_args: tuple[str, ...] = (), prefix: str = "",
                 workshop: dict | None = None) -> Server:
    """Build a demo project under ``workdir`` and serve it with the real CLI.

    ``serve_args`` are added to ``workbench serve``; with ``--base-url /p/`` pass ``prefix="/p"`` too;
    ``workshop``: ``[workshop]`` settings written into the project first.
    """
    import workbench

    workdir = Path(workdir)
    project_path = make_demo(workdir / "demo-project", preheated_kernels, workshop)
    with workbench.open(project_path) as project:
        codes = project.access_codes()
        pool = project.config.workshop.preheated_kernels
    port = _free_port()
    log_path = workdir / "serve.log"
    log = log_path.open("w", encoding="utf-8")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("WORKBENCH_STORE_URL", None)
    proc = subprocess.Popen(
        [*_workbench_command(), "serve", str(project_path), "--port", str(port), "--ip", "127.0.0.1", "--no-qr",
         *serve_args],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=str(workdir),
    )
    server = Server(f"http://127.0.0.1:{port}", codes, project_path, proc, log_path, log, prefix.rstrip("/"))
    try:
        _wait_until_ready(server, timeout, wait_for_pool=pool > 0)
    except BaseException:
        log_tail = server.log_text()[-4000:]
        stop_server(server)
        raise RuntimeError(f"workbench serve did not come up on {server.base_url}.\n--- serve.log ---\n{log_tail}")
    return server


def _wait_until_ready(server: Server, timeout: float, wait_for_pool: bool) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"workbench serve exited with code {server.proc.returncode}")
        answered = False
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _, _ = server.request("GET", f"{server.prefix}/login", timeout=5)
            answered = status == 200
        if answered and (not wait_for_pool or _pools_filled(server.log_text())):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("server not ready in time")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def _pools_filled(log: str) -> bool:
    from workbench import apps

    return all(POOL_FILLED.format(notebook=a.notebook) in log for a in apps.APPS if a.preheat)


def stop_tree(proc: subprocess.Popen, grace: float = 20.0, children_grace: float = 10.0) -> None:
    """SIGTERM ``proc`` (it stops what it started), wait, then kill any survivor of its process tree."""
    import psutil

    try:
        tree = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    _, alive = psutil.wait_procs(tree, timeout=children_grace)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=5)


def stop_server(server: Server, grace: float = 20.0) -> None:
    """SIGTERM the server (Voila shuts its kernels down), then kill any survivor of its tree."""
    stop_tree(server.proc, grace)
    if server._log is not None:
        server._log.close()


_shared: Server | None = None
_shared_refs = 0


@contextlib.contextmanager
def shared_server(tmp_path_factory):
    """The session's one server, started on first use, stopped when the last user lets go."""
    global _shared, _shared_refs
    if _shared is None:
        _shared = start_server(tmp_path_factory.mktemp("served"))
    _shared_refs += 1
    try:
        yield _shared
    finally:
        _shared_refs -= 1
        if _shared_refs == 0:
            stop_server(_shared)
            _shared = None
