"""Operating projects on a running JupyterHub (issue 25): add and remove one without a restart, each
project's kernel cap and culling through the proxy, backup and store move while the hub runs.

One hub for the module (tests/_hub.py, the shipped docs/jupyterhub_config.py): its config runs co-op A
only (``max_kernels = 2``, idle kernels culled after 4 s, checked every 2 s). Co-op B (its log in its
own schema of the same PostgreSQL server) is added and removed while the hub runs, with
``workbench.serve.hub.add_project`` / ``remove_project``, its ``workbench serve`` started by the test,
as an operator's systemd unit would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from workbench.serve import hub as hubmod

from . import _hub, _pg
from .test_hub import browser, get, hub_sign_in

pytestmark = [pytest.mark.timeout(600)]

CULL = {"max_kernels": 2, "cull_idle_seconds": 4, "cull_interval_seconds": 2}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    why = _hub.available()
    if why and _pg.required():
        pytest.fail(why)
    if why:
        pytest.skip(why)
    started = _hub.start_hub(tmp_path_factory.mktemp("hubops"), managed=("coop-a",), per_project={"coop-a": CULL})
    try:
        started.api("POST", "/users/bob")
        # bob facilitates B, a project added at runtime: the hub's lock for those is this group.
        started.api("POST", f"/groups/{hubmod.RUNTIME_FACILITATORS_GROUP}/users", json={"users": ["bob"]})
        yield started
    finally:
        _hub.stop_hub(started)


def _env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("WORKBENCH_STORE_URL", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")
           and not k.startswith("JUPYTERHUB_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*_hub._workbench(), *map(str, args)], env=_env(), capture_output=True, text=True,
                          timeout=300)


def start_runtime_project(hub, name: str):
    """Start the project's `workbench serve` as an operator would, then add it to the running hub."""
    import requests

    project = hub.projects[name]
    spec, env = hubmod.runtime_service(name, project.port, hub.hub_api_url, facilitators=["bob"])
    log = (hub.workdir / f"{name}-serve.log").open("a", encoding="utf-8")
    proc = subprocess.Popen([*_hub._workbench(), *hubmod.serve_args(name, project.path, project.port)],
                            env={**_env(), **env, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    with requests.Session() as s:
        s.trust_env = False
        while True:
            assert proc.poll() is None, (hub.workdir / f"{name}-serve.log").read_text()
            try:
                if s.get(f"http://127.0.0.1:{project.port}{project.prefix}login", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the project's server did not answer"
            time.sleep(0.5)
    t0 = time.monotonic()
    hubmod.add_project(hub.api_url, hub.admin_token, name, spec)
    return proc, log, time.monotonic() - t0


def stop_runtime_project(hub, name: str, proc, log) -> None:
    from ._server import stop_tree

    hubmod.remove_project(hub.api_url, hub.admin_token, name)
    stop_tree(proc, 30, children_grace=15)
    log.close()


def a_answers(hub) -> None:
    """A's own login page, through the proxy (no kernel: A's cap stays free for the other tests)."""
    a = hub.projects["coop-a"]
    r = get(browser(), f"{hub.url}{a.prefix}login")
    assert r.status_code == 200 and urlsplit(r.url).path == f"{a.prefix}login"


def b_joins_and_bob_signs_in(hub):
    """A participant joins B through the proxy with B's workshop code (no hub account); B's facilitator signs
    in with the hub (a full OAuth round trip) and opens B's room. Returns his signed-in session."""
    b = hub.projects["coop-b"]
    r = get(browser(), f"{hub.url}{b.prefix}login?code={b.codes.workshop}")
    assert r.status_code == 200 and urlsplit(r.url).path == f"{b.prefix}voila/render/welcome.ipynb"
    assert "application/vnd.jupyter.widget-view+json" in r.text and "Traceback" not in r.text
    s = browser()
    r = hub_sign_in(s, hub, get(s, f"{hub.url}{b.prefix}voila/render/room.ipynb"), "bob")
    assert r.status_code == 200 and urlsplit(r.url).path == f"{b.prefix}voila/render/room.ipynb", r.url
    assert "application/vnd.jupyter.widget-view+json" in r.text
    return s


def a_page_opens(hub):
    a = hub.projects["coop-a"]
    r = get(browser(), f"{hub.url}{a.prefix}login?code={a.codes.workshop}")
    assert r.status_code == 200 and "application/vnd.jupyter.widget-view+json" in r.text, r.status_code
    return r


def kernels_of(hub, name: str) -> list:
    """The ipykernel processes of the project's server (a child of the hub)."""
    import psutil

    def cmdline(p) -> list[str]:
        try:
            return p.cmdline()
        except psutil.NoSuchProcess:  # gone, or a zombie: a culled kernel being reaped
            return []

    path = str(hub.projects[name].path)
    servers = [p for p in psutil.Process(hub.proc.pid).children() if "serve" in cmdline(p) and path in cmdline(p)]
    assert len(servers) == 1, servers
    return [k for k in servers[0].children(recursive=True) if "ipykernel" in " ".join(cmdline(k))]


def wait_for(predicate, timeout: float, step: float = 0.5) -> float:
    t0 = time.monotonic()
    while not predicate():
        assert time.monotonic() - t0 < timeout, "timed out"
        time.sleep(step)
    return time.monotonic() - t0


# -- 1. a project added and removed while the hub runs -------------------------------------------------

def test_a_project_is_added_and_removed_without_restarting_the_hub(hub):
    a, b = hub.projects["coop-a"], hub.projects["coop-b"]
    hub_pid = hub.proc.pid
    assert set(hub.api("GET", "/services")) == {"coop-a", "test-admin"}
    r = get(browser(), f"{hub.url}{b.prefix}login?code={b.codes.workshop}", allow_redirects=False)
    assert r.status_code != 200 and "widget-view" not in r.text  # B is not on the hub yet
    a_answers(hub)

    proc, log, took = start_runtime_project(hub, "coop-b")
    try:
        assert took < 30, took  # the hub routes it at once (POST /hub/api/proxy)
        assert "coop-b" in hub.api("GET", "/services")
        a_answers(hub)
        s = b_joins_and_bob_signs_in(hub)
        # ... and is no facilitator of A: the hub lets him through (the runtime group), A refuses him.
        r = get(s, f"{hub.url}{a.prefix}voila/render/room.ipynb")
        assert r.status_code == 403 and urlsplit(r.url).path == f"{a.prefix}login/hub"
    finally:
        stop_runtime_project(hub, "coop-b", proc, log)

    assert set(hub.api("GET", "/services")) == {"coop-a", "test-admin"}
    routes = hub.api("GET", "/proxy")
    assert not any(spec.startswith(b.prefix) for spec in routes), routes
    for path in ("login", f"login?code={b.codes.workshop}", "voila/render/welcome.ipynb"):
        r = get(browser(), f"{hub.url}{b.prefix}{path}", allow_redirects=False)
        assert r.status_code != 200 and "widget-view" not in r.text, (path, r.status_code)
    a_answers(hub)
    a_page_opens(hub)
    assert hub.proc.pid == hub_pid and hub.proc.poll() is None  # one hub, never restarted


# -- 2. kernel cap and culling, per project, through the proxy ----------------------------------------

def test_the_kernel_cap_and_culling_of_a_project_apply_through_the_hub(hub):
    wait_for(lambda: not kernels_of(hub, "coop-a"), 90)  # earlier pages' kernels are culled first
    a_page_opens(hub)
    a_page_opens(hub)
    assert len(kernels_of(hub, "coop-a")) == 2
    a = hub.projects["coop-a"]
    r = get(browser(), f"{hub.url}{a.prefix}login?code={a.codes.workshop}")
    assert r.status_code == 503 and r.headers.get("retry-after") == "60"  # the room is full (cap 2)
    assert len(kernels_of(hub, "coop-a")) == 2
    # Nobody is connected to those kernels (no page keeps a websocket open): idle for 4 s, culled.
    took = wait_for(lambda: not kernels_of(hub, "coop-a"), 90)
    assert took < 60, took  # ~6 s on an idle machine; the default (600 s idle) would never get here
    a_page_opens(hub)  # the room has space again


# -- 3. backup and store move while the hub runs ------------------------------------------------------

def test_backup_live_and_store_move_of_a_project_while_the_hub_runs(hub, tmp_path):
    import workbench

    b = hub.projects["coop-b"]
    proc, log, _ = start_runtime_project(hub, "coop-b")
    try:
        r = get(browser(), f"{hub.url}{b.prefix}login?code={b.codes.workshop}")  # in use: a participant joins
        assert r.status_code == 200 and "widget-view" in r.text
        # A backup of the live project, its server running behind the hub.
        done = run_cli("backup", b.path, "-o", tmp_path / "b-backup")
        assert done.returncode == 0, done.stdout + done.stderr
        for folder in (b.path, tmp_path / "b-backup"):
            done = run_cli("verify", folder)
            assert done.returncode == 0, done.stdout + done.stderr
        # Moving the log of a served project is refused, in one sentence, changing nothing ...
        target = _pg.fresh_schema_url(_pg.shared_server_url()) if _pg.shared_server_url() else \
            f"sqlite:///{tmp_path}/moved.db"
        done = run_cli("store", "move", b.path, "--to", target)
        assert done.returncode != 0 and "serve" in done.stdout + done.stderr
    finally:
        stop_runtime_project(hub, "coop-b", proc, log)
    # ... so B leaves the hub for the move, and comes back: the hub is not restarted, A keeps serving.
    a_answers(hub)
    with workbench.open(b.path) as stopped:
        before = (stopped.store.count(), stopped.store.head())
    done = run_cli("store", "move", b.path, "--to", target)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli("verify", b.path)
    assert done.returncode == 0, done.stdout + done.stderr
    with workbench.open(b.path) as moved:
        assert tomllib.loads((b.path / "workbench.toml").read_text(encoding="utf-8"))["store"]["url"] == target
        assert (moved.store.count(), moved.store.head()) == before
    proc, log, _ = start_runtime_project(hub, "coop-b")
    try:
        r = get(browser(), f"{hub.url}{b.prefix}login?code={b.codes.workshop}")
        assert r.status_code == 200 and "widget-view" in r.text and "Traceback" not in r.text
        a_answers(hub)
    finally:
        stop_runtime_project(hub, "coop-b", proc, log)
    done = run_cli("verify", b.path)
    assert done.returncode == 0, done.stdout + done.stderr


# -- 4. a hub restarted with a project added at runtime ---------------------------------------------------

def test_a_project_added_at_runtime_survives_a_hub_restart(hub):
    """JupyterHub keeps a service added through its API in its database: after a restart the project is
    routed again, a participant joins with its code and its facilitator signs in through the hub."""
    b = hub.projects["coop-b"]
    proc, log, _ = start_runtime_project(hub, "coop-b")
    try:
        old_pid = hub.proc.pid
        _hub.restart_hub(hub)
        assert hub.proc.pid != old_pid and hub.proc.poll() is None
        assert set(hub.api("GET", "/services")) == {"coop-a", "coop-b", "test-admin"}
        wait_for(lambda: get(browser(), f"{hub.url}{b.prefix}login", allow_redirects=False).status_code == 200, 60)
        b_joins_and_bob_signs_in(hub)
        a_answers(hub)  # the config's project came back with the hub
    finally:
        stop_runtime_project(hub, "coop-b", proc, log)
    assert set(hub.api("GET", "/services")) == {"coop-a", "test-admin"}
