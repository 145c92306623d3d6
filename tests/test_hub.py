"""A real JupyterHub (and its configurable-http-proxy) in front of two community projects (issue 25).

The hub runs the shipped ``docs/jupyterhub_config.py`` (tests/_hub.py); each project is a hub-managed
service running ``workbench serve --base-url /services/<name>/``, its event log in the tests' shared
PostgreSQL server. Every request goes to 127.0.0.1 (the proxy), through an HTTP client that keeps
cookies the way a browser does (path and all), and follows redirects like one.

- Participants join with the workshop code on ``/services/<name>/login``, with no hub account.
- Facilitators sign in with the hub: a real OAuth round trip (hub login form, authorize, the
  service's callback), then the workbench's facilitator cookie, only for the project that names them.
"""

from __future__ import annotations

import html
import os
import re
from urllib.parse import urlsplit

import pytest

from . import _hub, _pg

pytestmark = [pytest.mark.timeout(600)]

COOKIE = "workbench-access"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    yield from _hub.hub_for_tests(tmp_path_factory)


def browser():
    import requests

    s = requests.Session()
    s.trust_env = False  # no proxy from the environment: every request goes to 127.0.0.1
    return s


def local_only(response) -> None:
    """Every hop of a request (redirects included) stayed on 127.0.0.1."""
    for r in [*response.history, response]:
        assert urlsplit(r.url).hostname == "127.0.0.1", r.url


def get(session, url, **kwargs):
    r = session.get(url, timeout=180, **kwargs)
    local_only(r)
    return r


def hub_sign_in(session, hub, response, user: str):
    """Fill in the hub's login form that ``response`` shows (a real form post, with its _xsrf)."""
    assert response.status_code == 200 and urlsplit(response.url).path == "/hub/login", response.url
    form_action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', response.text).group(1))
    xsrf = re.search(r'name="_xsrf"[^>]*value="([^"]+)"', response.text)
    data = {"username": user, "password": _hub.ADMIN_PASSWORD if user == "admin" else _hub.PASSWORD}
    if xsrf:
        data["_xsrf"] = html.unescape(xsrf.group(1))
    action = form_action if form_action.startswith("http") else f"{hub.url}{form_action}"
    r = session.post(action, data=data, timeout=180)
    local_only(r)
    return r


def cookie_of(session, project) -> object | None:
    for c in session.cookies:
        if c.name == COOKIE and c.path.rstrip("/") == project.prefix.rstrip("/"):
            return c
    return None


# -- the shipped config ---------------------------------------------------------------------------

def test_the_hub_runs_the_shipped_config_with_one_service_per_project(hub):
    listed = hub.api("GET", "/services")
    services = {s["name"]: s for s in (listed.values() if isinstance(listed, dict) else listed)}
    for name, project in hub.projects.items():
        assert services[name]["prefix"] == f"/services/{name}/"
        assert services[name]["command"][-8:] == [str(project.path), "--base-url", f"/services/{name}/", "--ip",
                                                  "127.0.0.1", "--port", str(project.port), "--no-qr"]
    # Each project's log is in the shared PostgreSQL server (a schema of its own), when one runs here.
    if _pg.shared_server_url():
        assert hub.projects["coop-a"].store_url.startswith("postgresql+psycopg://")
        assert hub.projects["coop-a"].store_url != hub.projects["coop-b"].store_url


# -- participants: the workshop code, no hub account ------------------------------------------------

def test_a_participant_joins_through_the_proxy_with_the_workshop_code(hub):
    a = hub.projects["coop-a"]
    s = browser()
    r = get(s, f"{hub.url}{a.prefix}login?code={a.codes.workshop}")
    assert r.status_code == 200
    assert urlsplit(r.url).path == f"{a.prefix}voila/render/welcome.ipynb"
    assert f'"baseUrl": "{a.prefix}"' in r.text
    assert "application/vnd.jupyter.widget-view+json" in r.text and "Traceback" not in r.text
    cookie = cookie_of(s, a)
    assert cookie is not None and cookie.path == a.prefix and cookie.has_nonstandard_attr("HttpOnly")
    # No hub account was made or used.
    assert {u["name"] for u in hub.api("GET", "/users")} <= {"admin", "alice", "bob", "dave"}


def test_a_participant_cookie_of_a_is_refused_everywhere_in_b(hub):
    a, b = hub.projects["coop-a"], hub.projects["coop-b"]
    s = browser()
    r = get(s, f"{hub.url}{a.prefix}login?code={a.codes.workshop}", allow_redirects=False)
    assert r.status_code == 302
    value = cookie_of(s, a).value
    # The browser would not even send it (its path is A's prefix) ...
    assert cookie_of(s, b) is None
    # ... and sent by hand, B does not take it: B signs its cookies with its own secret.
    for path in ("voila/render/welcome.ipynb", "voila/render/purpose.ipynb", "voila/render/charter.ipynb",
                 "voila/tree", "api/kernels"):
        r = get(browser(), f"{hub.url}{b.prefix}{path}", headers={"Cookie": f"{COOKIE}={value}"},
                allow_redirects=False)
        if path.startswith("voila/render/"):  # an app: to B's login, as with no cookie at all
            assert r.status_code == 302 and r.headers["location"].startswith(f"{b.prefix}login"), (path, r)
        else:  # the tree (facilitator only) and the kernel API (never exposed)
            assert r.status_code in (302, 403, 404), (path, r.status_code)
            assert "widget-view" not in r.text
    # A's workshop code is not B's either.
    r = get(browser(), f"{hub.url}{b.prefix}login?code={a.codes.workshop}", allow_redirects=False)
    assert r.status_code == 403


# -- facilitators: the hub's OAuth ------------------------------------------------------------------

def test_a_facilitator_signs_in_with_the_hub_and_opens_the_charter_desk(hub):
    a = hub.projects["coop-a"]
    s = browser()
    r = get(s, f"{hub.url}{a.prefix}voila/render/charter.ipynb")
    # Sent from the app to the workbench's login, to the hub sign-in page, through the hub's OAuth ...
    hops = [urlsplit(h.url).path for h in r.history]
    assert f"{a.prefix}login" in hops and f"{a.prefix}login/hub" in hops and "/hub/api/oauth2/authorize" in hops
    r = hub_sign_in(s, hub, r, "alice")  # alice is in the hub group coop-a-facilitators
    assert r.status_code == 200, r.url
    hops = [urlsplit(h.url).path for h in r.history]
    assert f"{a.prefix}oauth_callback" in hops
    assert urlsplit(r.url).path == f"{a.prefix}voila/render/charter.ipynb"
    assert "application/vnd.jupyter.widget-view+json" in r.text and "Traceback" not in r.text
    assert cookie_of(s, a) is not None
    # The page's kernel is this session's: its shutdown (a POST, with the _xsrf cookie that the hub's
    # OAuth callback set on this path) is accepted.
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', r.text).group(1)
    xsrf = next(c.value for c in s.cookies if c.name == "_xsrf" and c.path.rstrip("/") == a.prefix.rstrip("/"))
    shut = s.post(f"{hub.url}{a.prefix}voila/api/shutdown/{kernel}", headers={"X-XSRFToken": xsrf}, timeout=60)
    assert shut.status_code == 204, shut.status_code
    # The room (facilitator only) opens too, with no code typed.
    assert get(s, f"{hub.url}{a.prefix}voila/render/room.ipynb").status_code == 200


def test_the_same_facilitator_gets_nothing_of_b(hub):
    a, b = hub.projects["coop-a"], hub.projects["coop-b"]
    s = browser()
    r = hub_sign_in(s, hub, get(s, f"{hub.url}{a.prefix}voila/render/room.ipynb"), "alice")
    assert r.status_code == 200 and cookie_of(s, a) is not None
    # Signed in to the hub already: B's desk goes through the hub's OAuth, which refuses alice
    # (no access:services!service=coop-b), so B's callback never runs and B sets no cookie.
    r = get(s, f"{hub.url}{b.prefix}voila/render/charter.ipynb")
    assert r.status_code == 403
    assert urlsplit(r.url).path == "/hub/api/oauth2/authorize"
    assert cookie_of(s, b) is None
    # A's facilitator cookie, sent to B by hand, is refused as well.
    value = cookie_of(s, a).value
    r = get(browser(), f"{hub.url}{b.prefix}voila/render/room.ipynb", headers={"Cookie": f"{COOKIE}={value}"},
            allow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith(f"{b.prefix}login")


def test_b_facilitator_by_name_signs_in_to_b_only(hub):
    a, b = hub.projects["coop-a"], hub.projects["coop-b"]
    s = browser()
    r = hub_sign_in(s, hub, get(s, f"{hub.url}{b.prefix}voila/render/room.ipynb"), "bob")
    assert r.status_code == 200 and urlsplit(r.url).path == f"{b.prefix}voila/render/room.ipynb"
    r = get(s, f"{hub.url}{a.prefix}voila/render/room.ipynb")
    assert r.status_code == 403 and cookie_of(s, a) is None


@pytest.mark.parametrize("user", ["dave", "admin"])
def test_hub_users_not_named_by_a_project_are_not_its_facilitators(hub, user):
    """dave: any hub user (the hub refuses the OAuth). admin: the hub lets an admin through to every
    service, and the workbench refuses them, because the project does not name them."""
    a = hub.projects["coop-a"]
    s = browser()
    r = hub_sign_in(s, hub, get(s, f"{hub.url}{a.prefix}voila/render/charter.ipynb"), user)
    assert r.status_code == 403
    assert cookie_of(s, a) is None
    if user == "admin":
        assert urlsplit(r.url).path == f"{a.prefix}login/hub"  # the workbench's own check refused


def test_behind_the_hub_the_facilitator_code_is_not_accepted(hub):
    a = hub.projects["coop-a"]
    s = browser()
    r = get(s, f"{hub.url}{a.prefix}login?code={a.codes.facilitator}", allow_redirects=False)
    assert r.status_code == 403 and cookie_of(s, a) is None


def test_app_kernels_never_see_the_hub_token(hub):
    import psutil

    a = hub.projects["coop-a"]
    get(browser(), f"{hub.url}{a.prefix}login?code={a.codes.workshop}")  # a page, so a kernel runs
    kernels = [p for p in psutil.Process(hub.proc.pid).children(recursive=True)
               if "ipykernel" in " ".join(p.cmdline())]
    assert kernels
    for p in kernels:
        env = p.environ()
        assert "JUPYTERHUB_API_TOKEN" not in env and "JPY_API_TOKEN" not in env


# -- operations on a live hub project -----------------------------------------------------------------

def test_backup_and_verify_a_live_hub_project_and_move_refuses_while_served(hub, tmp_path):
    import subprocess

    import workbench

    a = hub.projects["coop-a"]
    s = browser()
    get(s, f"{hub.url}{a.prefix}login?code={a.codes.workshop}")  # the project is in use
    cmd = _hub._workbench()
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_STORE_URL"}
    done = subprocess.run([*cmd, "backup", str(a.path), "-o", str(tmp_path / "a-backup")], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    with workbench.open(a.path) as live, workbench.open(tmp_path / "a-backup") as copy:
        assert copy.store.head() == live.store.head() and copy.store.count() == live.store.count() > 0
    for folder in (a.path, tmp_path / "a-backup"):
        done = subprocess.run([*cmd, "verify", str(folder)], env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
    # Moving the log of a project its service is serving is refused, in one sentence, changing nothing.
    done = subprocess.run([*cmd, "store", "move", str(a.path), "--to", f"sqlite:///{tmp_path}/moved.db"], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode != 0 and "serve" in (done.stdout + done.stderr)
    assert not (tmp_path / "moved.db").exists()


def test_each_project_has_its_own_kernel_cap(hub):
    """B (max_kernels = 3) fills up and says so through the proxy; A, with its own cap, still serves."""
    a, b = hub.projects["coop-a"], hub.projects["coop-b"]
    statuses = []
    for _ in range(6):
        r = get(browser(), f"{hub.url}{b.prefix}login?code={b.codes.workshop}")
        statuses.append(r.status_code)
        if r.status_code == 503:
            break
    assert statuses[-1] == 503 and r.headers.get("retry-after") == "60", statuses
    assert set(statuses[:-1]) <= {200}
    r = get(browser(), f"{hub.url}{a.prefix}login?code={a.codes.workshop}")
    assert r.status_code == 200 and "application/vnd.jupyter.widget-view+json" in r.text
