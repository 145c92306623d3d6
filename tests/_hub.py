"""A real JupyterHub on 127.0.0.1, with its configurable-http-proxy, in front of two workbench projects.

``start_hub`` makes two projects (``coop-a``, ``coop-b``) whose event logs live in the shared
PostgreSQL server of tests/_pg.py (a fresh schema each; the project folder's SQLite file when no
server can start and WORKBENCH_REQUIRE_POSTGRES is not set), writes the projects file that the
shipped ``docs/jupyterhub_config.py`` reads, and a small test config that loads that file with
``load_subconfig`` and adds only what a test hub needs (ports, a throwaway database, the dummy
authenticator with one password, an admin token). Then it runs ``jupyterhub`` and waits until both
services answer through the proxy. ``stop_hub`` sends SIGTERM (the hub stops its services and its
proxy) and kills whatever of the tree is left.

Who is who on the test hub:

- ``coop-a``: facilitators are the members of the hub group ``coop-a-facilitators``.
- ``coop-b``: the hub user ``bob`` is its facilitator.
- ``admin``: a hub admin (the admin role), named by no project.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import _pg

ROOT = Path(__file__).resolve().parent.parent
DOCS_CONFIG = ROOT / "docs" / "jupyterhub_config.py"
PASSWORD = "hub-test-" + secrets.token_hex(6)  # every hub user's (SharedPasswordAuthenticator)
ADMIN_PASSWORD = "hub-admin-" + secrets.token_hex(16)  # the hub admin's (32+ characters)
START_TIMEOUT_S = 180.0


def proxy_command() -> str | None:
    """configurable-http-proxy: on PATH, or where `make system-deps` puts it (.venv/hub-proxy)."""
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    local = ROOT / ".venv" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    return str(local) if local.exists() else None


def available() -> str:
    """Why a hub cannot run here ("" when it can)."""
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub is not installed (pip install -e '.[test]')"
    if proxy_command() is None:
        return "configurable-http-proxy is not installed (make system-deps)"
    return ""


@dataclass
class Project:
    name: str
    path: Path
    port: int
    codes: object  # workbench.project.AccessCodes
    store_url: str

    @property
    def prefix(self) -> str:
        return f"/services/{self.name}/"


@dataclass
class Hub:
    url: str  # the proxy's public URL, "http://127.0.0.1:PORT"
    api_url: str  # the hub's REST API, through the proxy
    admin_token: str
    projects: dict[str, Project]
    proc: subprocess.Popen
    log_path: Path
    workdir: Path
    _log: object = field(repr=False, default=None)
    hub_api_url: str = ""  # the hub's own API address (not through the proxy), for services
    managed: tuple[str, ...] = ()  # the projects the hub's config runs
    command: list[str] = field(default_factory=list)  # how it was started, for restart_hub
    env: dict = field(default_factory=dict, repr=False)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def api(self, method: str, path: str, **kwargs):
        import requests

        with requests.Session() as s:
            s.trust_env = False  # nothing through a proxy from the environment: 127.0.0.1 only
            r = s.request(method, f"{self.api_url}{path}", headers={"Authorization": f"token {self.admin_token}"},
                          timeout=30, **kwargs)
        r.raise_for_status()
        return r.json() if r.content else None


def _free_port() -> int:
    from workbench.serve.net import free_port

    return free_port()


def _workbench() -> list[str]:
    script = Path(sys.executable).with_name("workbench")
    return [str(script)] if script.is_file() else [sys.executable, "-c", "from workbench.cli import entry; entry()"]


def make_project(path: Path, name: str, store_url: str, workshop: dict | None = None) -> None:
    import tomli_w

    env = dict(os.environ)
    env.pop("WORKBENCH_STORE_URL", None)
    args = [*_workbench(), "init", str(path), "--name", name, "--language", "en"]
    if store_url != _pg.SQLITE_URL:
        args += ["--store", store_url]
    subprocess.run(args, check=True, capture_output=True, timeout=120, env=env)
    cfg = path / "workbench.toml"
    raw = tomllib.loads(cfg.read_text(encoding="utf-8"))
    # Every test client comes from 127.0.0.1 (the proxy): a high join cap; no spare kernels, so two
    # projects on two shared cores start in seconds (pages start their kernel on arrival).
    raw.setdefault("workshop", {}).update({"joins_per_hour": 10_000, "preheated_kernels": 0, **(workshop or {})})
    cfg.write_text(tomli_w.dumps(raw), encoding="utf-8")


TEST_CONFIG = """\
# Written by tests/_hub.py: the shipped config plus what only a test hub needs.
c = get_config()  # noqa: F821
load_subconfig({docs_config!r})  # noqa: F821 - docs/jupyterhub_config.py, as shipped
c.JupyterHub.services.append({{"name": "test-admin", "api_token": {admin_token!r}}})
c.JupyterHub.load_roles.append({{"name": "admin", "services": ["test-admin"]}})

c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {proxy_pid!r}
c.JupyterHub.db_url = "sqlite:///{workdir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{workdir}/jupyterhub_cookie_secret"
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {password!r}
c.SharedPasswordAuthenticator.admin_password = {admin_password!r}
c.Authenticator.allow_all = True
c.Authenticator.admin_users = {{"admin"}}  # signs in with admin_password only
c.JupyterHub.cleanup_servers = True
c.JupyterHub.log_level = "INFO"
"""


def start_hub(workdir: Path, timeout: float = START_TIMEOUT_S, workshop: dict | None = None,
              serve_args: tuple[str, ...] = (), per_project: dict[str, dict] | None = None,
              managed: tuple[str, ...] = ("coop-a", "coop-b")) -> Hub:
    """``workshop``: [workshop] settings for both projects, ``per_project``: for one (by name), over those;
    ``serve_args``: more `workbench serve` options. Both projects are made; only those in ``managed``
    are in the hub's projects file (the others are for adding while the hub runs)."""
    import tomli_w

    import workbench

    workdir = Path(workdir)
    base = _pg.shared_server_url()
    projects: dict[str, Project] = {}
    spec = {}
    for name, roles in (("coop-a", {"facilitator_groups": ["coop-a-facilitators"]}),
                        ("coop-b", {"facilitators": ["bob"]})):
        store_url = _pg.fresh_schema_url(base) if base else _pg.SQLITE_URL
        path = workdir / name
        make_project(path, name.replace("-", " ").title(), store_url, {**(workshop or {}),
                                                                       **(per_project or {}).get(name, {})})
        with workbench.open(path) as project:
            codes = project.access_codes()
        port = _free_port()
        projects[name] = Project(name, path, port, codes, store_url)
        if name not in managed:
            continue
        spec[name] = {"dir": str(path), "port": port, **roles, **({"serve_args": list(serve_args)} if serve_args else {})}
    projects_file = workdir / "projects.toml"
    projects_file.write_text(tomli_w.dumps(spec), encoding="utf-8")

    port, hub_port, proxy_api_port = _free_port(), _free_port(), _free_port()
    admin_token = secrets.token_hex(32)
    config = workdir / "jupyterhub_test_config.py"
    config.write_text(TEST_CONFIG.format(
        admin_token=admin_token, docs_config=str(DOCS_CONFIG), port=port, hub_port=hub_port,
        proxy_api_port=proxy_api_port, proxy=proxy_command(), proxy_pid=str(workdir / "proxy.pid"),
        workdir=workdir, password=PASSWORD, admin_password=ADMIN_PASSWORD), encoding="utf-8")

    env = dict(os.environ, WORKBENCH_HUB_PROJECTS=str(projects_file), PYTHONUNBUFFERED="1")
    for name in ("WORKBENCH_STORE_URL", "JUPYTERHUB_API_TOKEN", "http_proxy", "https_proxy", "HTTP_PROXY",
                 "HTTPS_PROXY"):
        env.pop(name, None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    log_path = workdir / "hub.log"
    log = log_path.open("w", encoding="utf-8")
    command = [sys.executable, "-m", "jupyterhub", "-f", str(config)]
    proc = _launch(command, env, workdir, log)
    url = f"http://127.0.0.1:{port}"
    hub = Hub(url, f"{url}/hub/api", admin_token, projects, proc, log_path, workdir, log,
              hub_api_url=f"http://127.0.0.1:{hub_port}/hub/api", managed=tuple(managed), command=command, env=env)
    try:
        _wait_until_ready(hub, timeout)
    except BaseException:
        tail = hub.log_text()[-6000:]
        stop_hub(hub)
        raise RuntimeError(f"JupyterHub did not come up on {url}.\n--- hub.log ---\n{tail}")
    return hub


def _launch(command: list[str], env: dict, workdir: Path, log) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                            cwd=str(workdir), start_new_session=True)


def restart_hub(hub: Hub, timeout: float = START_TIMEOUT_S) -> None:
    """Stop the hub (and the projects its config runs) and start it again on the same config, database and
    ports, as an operator's ``systemctl restart jupyterhub`` would; ``hub`` then holds the new process."""
    stop_hub(hub)
    hub._log = hub.log_path.open("a", encoding="utf-8")
    hub._log.write("\n--- restarted by the test ---\n")
    hub._log.flush()
    hub.proc = _launch(hub.command, hub.env, hub.workdir, hub._log)
    _wait_until_ready(hub, timeout)


def _wait_until_ready(hub: Hub, timeout: float) -> None:
    import requests

    deadline = time.monotonic() + timeout
    with requests.Session() as s:
        s.trust_env = False
        while True:
            if hub.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with code {hub.proc.returncode}")
            ready = True
            for path in ["/hub/api/", *[f"{p.prefix}login" for p in hub.projects.values() if p.name in hub.managed]]:
                try:
                    ready = ready and s.get(f"{hub.url}{path}", timeout=5, allow_redirects=False).status_code == 200
                except requests.RequestException:
                    ready = False
            if ready:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("hub or services not ready in time")
            time.sleep(0.5)


def stop_hub(hub: Hub, grace: float = 30.0) -> None:
    """SIGTERM the hub (it stops its services, which shut their kernels down, and its proxy)."""
    from ._server import stop_tree

    stop_tree(hub.proc, grace, children_grace=15)
    if hub._log is not None:
        hub._log.close()


def hub_for_tests(tmp_path_factory):
    """The tests' hub (a generator for a module-scoped fixture): two projects, B with a kernel cap of 3,
    hub users alice (in A's facilitator group) and dave (in nothing)."""
    import pytest

    from . import _pg

    why = available()
    if why and _pg.required():  # `make test` installs both: there, a missing hub is a failure
        pytest.fail(why)
    if why:
        pytest.skip(why)
    # Each project has its own kernel cap (workbench.toml): B's is small, for the room-is-full test.
    started = start_hub(tmp_path_factory.mktemp("hub"), per_project={"coop-b": {"max_kernels": 3}})
    try:
        # Hub users made through the hub's REST API (the admin token of the test config).
        started.api("POST", "/users/alice")
        started.api("POST", "/users/dave")
        started.api("POST", "/groups/coop-a-facilitators/users", json={"users": ["alice"]})
        yield started
    finally:
        stop_hub(started)
