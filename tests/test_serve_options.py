"""``workbench serve`` options: --preheat, --base-url, and the kernel cap sized from free memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import run_cli
from workbench.errors import WorkbenchError
from workbench.serve import server


@pytest.fixture
def project(tmp_path):
    code, _, err = run_cli(["init", str(tmp_path / "p"), "--name", "Opções"])
    assert code == 0, err
    import workbench

    with workbench.open(tmp_path / "p") as p:
        yield p


def test_preheat_sets_every_participant_app_or_one_app(project):
    default = project.config.workshop.preheated_kernels
    assert server.pool_sizes(project) == {"welcome.ipynb": default, "purpose.ipynb": default,
                                          "consent.ipynb": default}
    assert server.pool_sizes(project, server.parse_preheat("6")) == {
        "welcome.ipynb": 6, "purpose.ipynb": 6, "consent.ipynb": 6}
    assert server.pool_sizes(project, server.parse_preheat("1, purpose=40,consent=0")) == {
        "welcome.ipynb": 1, "purpose.ipynb": 40, "consent.ipynb": 0}
    assert server.parse_preheat(None) == {}


@pytest.mark.parametrize(("value", "needle"), [
    ("room=3", "'room', which is not an app with preheated kernels"),
    ("many", "'many' is not a number of kernels"),
    ("purpose=-1", "'purpose=-1' is not a number of kernels"),
])
def test_bad_preheat_is_one_sentence(value, needle):
    with pytest.raises(WorkbenchError, match=needle):
        server.parse_preheat(value)


def test_base_url_gets_its_slashes_and_refuses_anything_else():
    assert server.normalise_base_url(None) == "/"
    assert server.normalise_base_url("/") == "/"
    assert server.normalise_base_url("workshop") == "/workshop/"
    assert server.normalise_base_url("/user/ana/proxy/8866/") == "/user/ana/proxy/8866/"
    for bad in ("//evil.example/", "/a b/", "/a?x=1/", "/a/../b/", "http://x/"):
        with pytest.raises(WorkbenchError, match="not a URL path prefix"):
            server.normalise_base_url(bad)


def test_kernel_cap_follows_free_memory():
    # 24 GB free: 80 MB a kernel at 80% holds ~245; the configured 80 stays.
    assert server.kernel_cap(80, spares=6, available_mb=24_000) == 80
    # 2 GB free: 20 kernels fit, 6 of them spares: 14 pages.
    assert server.kernel_cap(80, spares=6, available_mb=2_000) == 14
    assert server.kernel_cap(80, spares=60, available_mb=500) == 1  # never 0 (that would mean no cap)
    assert server.kernel_cap(0, spares=6, available_mb=500) == 0  # 0: no cap, as configured
    assert server.memory_available_mb() > 0


def _one_line_error(err: str, needle: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], err


def test_cli_refuses_bad_options_in_one_line(project):
    code, _, err = run_cli(["serve", str(project.root), "--no-qr", "--preheat", "purpose=lots"])
    assert code == 2
    _one_line_error(err, "is not a number of kernels")
    code, _, err = run_cli(["serve", str(project.root), "--no-qr", "--base-url", "/a b/"])
    assert code == 2
    _one_line_error(err, "is not a URL path prefix")


def test_server_output_is_quiet_and_the_link_comes_once_it_answers(tmp_path):
    """No "Notebook ... is not trusted" for the apps we ship, no "Kernel is running over TCP without encryption"
    per kernel (they talk over Unix sockets only this user may open); the join link is printed once Voila listens."""
    import json
    import os
    import time

    import psutil

    from . import _server

    srv = _server.start_server(tmp_path, preheated_kernels=1)  # returns once every app's spare has run its app
    try:
        status, _headers, _body = srv.request("GET", f"/login?code={srv.codes.workshop}")
        assert status == 302
        deadline = time.monotonic() + 60
        while True:  # a kernel just launched has its connection file a moment before it binds its sockets
            bound = []
            for proc in psutil.Process(srv.proc.pid).children(recursive=True):
                argv = proc.cmdline()
                if "ipykernel_launcher" not in " ".join(argv):
                    continue
                info = json.loads(Path(argv[argv.index("-f") + 1]).read_text(encoding="utf-8"))
                assert info["transport"] == "ipc", info
                assert os.stat(os.path.dirname(info["ip"])).st_mode & 0o077 == 0, info  # only this user
                if os.path.exists(f"{info['ip']}-{info['shell_port']}"):  # the socket is a file there
                    bound.append(info["ip"])
            if len(bound) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert len(bound) >= 3, bound  # the three participant apps' warm kernels, over their sockets
    finally:
        _server.stop_server(srv)
    log = srv.log_text()
    assert "Kernel pool of welcome.ipynb is filled" in log  # the kernels did start and run their app
    assert "without encryption" not in log and "is not trusted" not in log, log
    assert log.index("Voilà is running at") < log.index("Participants join at")


def test_the_server_does_not_import_the_widgets():
    """The server escapes HTML with workbench.text, below the views: no ipywidgets in its process (issue 23)."""
    import subprocess
    import sys

    code = ("import sys, workbench.serve.auth, workbench.serve.capacity, workbench.serve.guard, "
            "workbench.serve.server; print('ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
