"""Shared by the browser benchmarks: a real ``workbench serve`` on a demo project, its kernels, Chromium.

- ``demo(path, **workshop)``: build the demo project, with ``[workshop]`` settings changed;
- ``launch(cmd, ...)``: start a server process and wait until ``/login`` answers and the
  named pools say they are filled; ``stop(srv)`` ends it and its kernels;
- ``kernels(srv)``: kernel id -> process; ``memory(proc)``: (RSS MB, USS MB);
- ``settle(srv)``: wait until the pools are refilled and the server's tree is quiet.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
# Headless Chromium (since "new headless") builds a desktop window per browser context, and with it the
# omnibox popup, a WebUI page with its own renderer: 1.4 CPU-s per context here, more than our page costs
# to draw. A phone's browser spends its own CPU on its own address bar, not the laptop's, so the
# benchmarks turn that browser UI off (the WebUI popup and the preloading of top-chrome WebUIs).
BROWSER_UI_OFF = "--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup,PreloadTopChromeWebUI"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", BROWSER_UI_OFF]
KERNEL_ID_RE = re.compile(r"kernel-([0-9a-f-]{36})\.json")
PAGE_KERNEL_RE = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')
POOL_FILLED = "Kernel pool of {notebook} is filled"
MB = 2**20


@dataclass
class Served:
    label: str
    pools: list[str]  # notebooks whose pool must be filled before the server counts as ready
    base_url: str  # http://127.0.0.1:PORT[/prefix] without a trailing slash
    code: str  # the workshop code
    proc: subprocess.Popen
    log_path: Path
    project: Path | None = None
    _log: object = field(repr=False, default=None)

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def filled(self, notebook: str) -> int:
        return self.log_text().count(POOL_FILLED.format(notebook=notebook))


def free_port() -> int:
    from workbench.serve.net import free_port as _free

    return _free()


def workbench_command() -> list[str]:
    return [str(Path(sys.executable).with_name("workbench"))]


def demo(path: Path, **workshop) -> tuple[Path, str]:
    """Build the demo project at ``path`` with these ``[workshop]`` settings; (path, workshop code)."""
    import tomli_w

    import workbench
    from workbench.demo import build_demo

    build_demo(path).close()
    if workshop:
        cfg = path / "workbench.toml"
        raw = tomllib.loads(cfg.read_text(encoding="utf-8"))
        raw.setdefault("workshop", {}).update(workshop)
        cfg.write_text(tomli_w.dumps(raw), encoding="utf-8")
    with workbench.open(path) as project:
        return path, project.access_codes().workshop


def launch(label: str, cmd: list[str], port: int, code: str, pools: list[str], workdir: Path,
           prefix: str = "", timeout: float = 600.0, project: Path | None = None) -> Served:
    """Start ``cmd`` (a server on 127.0.0.1:``port``) and wait until it answers and its pools are full."""
    log_path = workdir / f"{label.replace(' ', '-').replace(',', '').replace('/', '-')}.log"
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"), cwd=str(workdir))
    srv = Served(label, pools, f"http://127.0.0.1:{port}{prefix.rstrip('/')}", code, proc, log_path, project, log)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{label}: server exited\n{srv.log_text()[-3000:]}")
        ok = False
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", f"{prefix.rstrip('/')}/login")
            ok = conn.getresponse().status == 200
            conn.close()
        if ok and all(srv.filled(nb) >= 1 for nb in pools):
            return srv
        if time.monotonic() > deadline:
            stop(srv)
            raise RuntimeError(f"{label}: not ready in time\n{srv.log_text()[-3000:]}")
        time.sleep(0.2)


def stop(srv: Served) -> None:
    import psutil

    tree = []
    with contextlib.suppress(psutil.NoSuchProcess):
        tree = psutil.Process(srv.proc.pid).children(recursive=True)
    if srv.proc.poll() is None:
        srv.proc.send_signal(signal.SIGTERM)
        try:
            srv.proc.wait(30)
        except subprocess.TimeoutExpired:
            srv.proc.kill()
            srv.proc.wait(10)
    _, alive = psutil.wait_procs(tree, timeout=10)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    if srv._log is not None:
        srv._log.close()


def kernels(srv: Served) -> dict[str, object]:
    """Kernel id -> psutil.Process for every kernel the server runs."""
    import psutil

    out = {}
    with contextlib.suppress(psutil.NoSuchProcess):
        for child in psutil.Process(srv.proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                m = KERNEL_ID_RE.search(" ".join(child.cmdline()))
                if m:
                    out[m.group(1)] = child
    return out


def memory(proc) -> tuple[float, float]:
    info = proc.memory_full_info()
    return info.rss / MB, info.uss / MB


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (children that ended are lost)."""
    import psutil

    total = 0.0
    with contextlib.suppress(psutil.NoSuchProcess):
        root = psutil.Process(pid)
        for p in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                t = p.cpu_times()
                total += t.user + t.system
    return total


def settle(srv: Served, filled_before: dict[str, int] | None = None, timeout: float = 90.0,
           quiet_percent: float = 15.0) -> None:
    """Wait until the pools are refilled and the server's process tree is quiet."""
    import psutil

    deadline = time.monotonic() + timeout
    for nb, n in (filled_before or {}).items():
        while srv.filled(nb) <= n and time.monotonic() < deadline:
            time.sleep(0.2)
    procs = [psutil.Process(srv.proc.pid), *psutil.Process(srv.proc.pid).children(recursive=True)]
    while time.monotonic() < deadline:
        busy = 0.0
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.cpu_percent(None)
        time.sleep(0.5)
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                busy += p.cpu_percent(None)
        if busy < quiet_percent:
            return
        procs = [psutil.Process(srv.proc.pid), *psutil.Process(srv.proc.pid).children(recursive=True)]


def wait_idle(proc, timeout: float = 20.0) -> None:
    import psutil

    deadline = time.monotonic() + timeout
    with contextlib.suppress(psutil.NoSuchProcess):
        proc.cpu_percent(None)
        while time.monotonic() < deadline:
            time.sleep(0.3)
            if proc.cpu_percent(None) < 3.0:
                return
