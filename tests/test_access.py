"""Who gets into what, against the real ``workbench serve`` (no browser): codes, cookie, roles,
rate limit, redirects, and the kernel websocket refusing to run code.

The shared server (tests/_server.py) also serves the browser tests; wrong codes
sent to it count against 127.0.0.1's rate limit, so tests here send at most a
few, and the rate-limit test has a server of its own.
"""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from urllib.parse import quote, urlencode, urlsplit

import pytest

import workbench
from workbench.i18n import Translator

from . import _server

WELCOME = "/voila/render/welcome.ipynb"
ROOM = "/voila/render/room.ipynb"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    with _server.shared_server(tmp_path_factory) as srv:
        yield srv


@pytest.fixture(scope="module")
def lone_server(tmp_path_factory):
    """A server of its own (no preheated kernels) whose rate limiter nobody else touches."""
    srv = _server.start_server(tmp_path_factory.mktemp("ratelimit"), preheated_kernels=0)
    yield srv
    _server.stop_server(srv)


@pytest.fixture(scope="module")
def tr(server):
    """Messages in the language a request without Accept-Language gets: the project's first."""
    with workbench.open(server.project_path) as project:
        return Translator(project.config.default_language)


def text_of(body: str) -> str:
    return html.unescape(body)


def assert_sent_to_login(status: int, headers: dict, next_path: str) -> None:
    assert status == 302, status
    location = headers["location"]
    parts = urlsplit(location)
    assert parts.path == "/login", location
    assert f"next={quote(next_path, safe='')}" in parts.query, location


def get(server, path, cookie=None, **headers):
    if cookie:
        headers["Cookie"] = cookie
    return server.request("GET", path, headers=headers)


# -- without a code ----------------------------------------------------------

@pytest.mark.parametrize("path", [WELCOME, ROOM, "/voila/tree"])
def test_apps_without_a_code_send_you_to_login(server, path):
    status, headers, _ = get(server, path)
    assert_sent_to_login(status, headers, path)


def test_kernel_api_without_a_code_is_forbidden(server):
    kernel = _welcome_kernel(server, server.login(server.codes.workshop))
    for method in ("GET", "DELETE"):
        status, _, _ = server.request(method, f"/api/kernels/{kernel}")
        assert status == 403, method
    status, _, _ = server.request("POST", f"/voila/api/shutdown/{kernel}", body=b"")
    assert status == 403


def test_root_leads_to_welcome_and_then_login(server):
    status, headers, _ = get(server, "/")
    assert status in (301, 302) and urlsplit(headers["location"]).path == WELCOME


def test_login_page_asks_for_the_code(server, tr):
    status, headers, body = get(server, "/login")
    assert status == 200
    assert tr("login.title") in text_of(body)
    assert 'name="code"' in body
    assert _server.cookie_from(headers) is None


# -- wrong codes ---------------------------------------------------------------

def test_wrong_code_is_refused_with_a_sentence(server, tr):
    status, headers, body = get(server, "/login?code=NOTACODE")
    assert status == 403
    assert tr("login.wrong") in text_of(body)
    assert _server.cookie_from(headers) is None


def test_wrong_code_by_form_is_refused(server, tr):
    status, headers, body = server.request(
        "POST", "/login", body=urlencode({"code": "WRONG-CODE", "next": WELCOME}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 403
    assert tr("login.wrong") in text_of(body)
    assert _server.cookie_from(headers) is None


def test_eleventh_attempt_after_ten_wrong_codes_is_rate_limited(lone_server):
    srv = lone_server
    with workbench.open(srv.project_path) as project:
        tr = Translator(project.config.default_language)
    for i in range(10):
        status, _, _ = get(srv, f"/login?code=WRONG{i:03d}")
        assert status == 403, f"attempt {i + 1} should be refused, not rate-limited yet"
    status, headers, body = get(srv, "/login?code=WRONG999")
    assert status == 429
    assert tr("login.too_many") in text_of(body)
    assert _server.cookie_from(headers) is None
    # While blocked, even a right code gets no cookie from this address.
    status, headers, _ = get(srv, f"/login?code={srv.codes.workshop}")
    assert status == 429 and _server.cookie_from(headers) is None
    assert int(headers["retry-after"]) > 0


def test_the_login_page_counts_in_the_limiter_the_apps_share(lone_server):
    """One limiter for every code box (workbench.limits): an app kernel asking it from this address is
    refused too, after the login page's wrong codes (the test above)."""
    from workbench.limits import Limiter, TooManyTries

    status, _, _ = get(lone_server, "/login?code=WRONG998")
    assert status == 429
    with pytest.raises(TooManyTries):
        Limiter(lone_server.project_path).check(["addr:127.0.0.1", "kernel:some-app-kernel"])


# -- the workshop code -----------------------------------------------------------

def test_workshop_code_opens_welcome(server):
    status, headers, _ = get(server, f"/login?code={server.codes.workshop}")
    assert status == 302 and urlsplit(headers["location"]).path == WELCOME
    cookie = _server.cookie_from(headers)
    assert cookie
    status, _, body = get(server, WELCOME, cookie)
    assert status == 200
    assert re.search(r'"kernelId":\s*"[0-9a-f-]{36}"', body)


def test_code_is_forgiving_about_case_spaces_and_dashes(server):
    code = server.codes.workshop
    typed = f" {code[:4].lower()}-{code[4:].lower()} "
    status, headers, _ = server.request(
        "POST", "/login", body=urlencode({"code": typed}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302 and _server.cookie_from(headers)


def test_workshop_code_does_not_open_the_room(server, tr):
    cookie = server.login(server.codes.workshop)
    status, headers, _ = get(server, ROOM, cookie)
    assert_sent_to_login(status, headers, ROOM)
    # The login page it lands on says the room needs the facilitator code.
    status, _, body = get(server, headers["location"], cookie)
    assert status == 200
    assert tr("login.facilitator_needed") in text_of(body)
    # Typing the workshop code there does not get in either.
    status, headers, body = get(server, f"/login?{urlencode({'code': server.codes.workshop, 'next': ROOM})}")
    assert status == 403
    assert tr("login.facilitator_needed") in text_of(body)
    assert _server.cookie_from(headers) is None


@pytest.mark.parametrize("path", ["/voila/tree", "/voila/render/nope.ipynb"])
def test_workshop_code_does_not_open_facilitator_places(server, path):
    cookie = server.login(server.codes.workshop)
    status, headers, _ = get(server, path, cookie)
    assert_sent_to_login(status, headers, path)


def test_workshop_code_does_not_read_the_notebooks(server):
    cookie = server.login(server.codes.workshop)
    status, _, _ = get(server, "/voila/api/contents/room.ipynb", cookie)
    assert status == 403


# -- the facilitator code ----------------------------------------------------------

def test_facilitator_code_opens_welcome_and_room(server):
    cookie = server.login(server.codes.facilitator, next_path=ROOM)
    for path in (WELCOME, ROOM):
        status, _, body = get(server, path, cookie)
        assert status == 200, path
        assert re.search(r'"kernelId":\s*"[0-9a-f-]{36}"', body), path


# -- forged roles and cookies ------------------------------------------------------

@pytest.mark.parametrize("value", ["facilitator", "Facilitator", "participant"])
def test_spoofed_role_header_without_cookie_gets_nowhere(server, value):
    for path in (WELCOME, ROOM):
        status, headers, _ = get(server, path, **{"X-Workbench-Role": value})
        assert_sent_to_login(status, headers, path)


def test_spoofed_role_header_does_not_upgrade_a_participant(server):
    cookie = server.login(server.codes.workshop)
    status, headers, _ = get(server, ROOM, cookie, **{"X-Workbench-Role": "facilitator"})
    assert_sent_to_login(status, headers, ROOM)


def test_forged_cookie_gets_nowhere(server):
    forged = f'{_server.COOKIE_NAME}={json.dumps(json.dumps({"role": "facilitator", "sid": "x"}))}'
    for path in (WELCOME, ROOM):
        status, headers, _ = get(server, path, forged)
        assert_sent_to_login(status, headers, path)


# -- redirects stay on this server ----------------------------------------------------

EVIL = [
    "http://evil.example",
    "https://evil.example/voila/render/welcome.ipynb",
    "//evil.example",
    "///evil.example",
    "https:evil.example",
    "/\\evil.example",
    "/\t/evil.example",
]


def _stays_here(location: str) -> bool:
    # Browsers treat a backslash like a slash and drop tabs and newlines in URLs.
    seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    parts = urlsplit(seen)
    return not parts.scheme and not parts.netloc and seen.startswith("/") and not seen.startswith("//")


@pytest.mark.parametrize("evil", EVIL)
def test_login_never_redirects_off_site(server, evil):
    status, headers, _ = get(server, f"/login?{urlencode({'code': server.codes.workshop, 'next': evil})}")
    assert status == 302
    assert _stays_here(headers["location"]), headers["location"]
    # The login form does not carry the foreign address along either.
    status, _, body = get(server, f"/login?{urlencode({'next': evil})}")
    assert status == 200
    assert "evil.example" not in body


# -- the kernel websocket runs no code --------------------------------------------------

def _kernel_message(msg_type: str, content: dict, session: str) -> tuple[str, str]:
    msg_id = uuid.uuid4().hex
    msg = {
        "header": {"msg_id": msg_id, "msg_type": msg_type, "username": "test", "session": session,
                   "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "version": "5.3"},
        "parent_header": {}, "metadata": {}, "content": content, "buffers": [], "channel": "shell",
    }
    return msg_id, json.dumps(msg)


def _ws_url(server, kernel: str, session: str) -> str:
    return f"ws://{server.host}:{server.port}/api/kernels/{kernel}/channels?session_id={session}"


def _welcome_kernel(server, cookie: str) -> str:
    status, _, body = get(server, WELCOME, cookie)
    assert status == 200
    match = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body)
    assert match, "no kernelId in the rendered welcome page"
    return match.group(1)


def test_kernel_websocket_refuses_execute_request(server, tmp_path):
    from websockets.sync.client import connect

    cookie = server.login(server.codes.workshop)
    kernel = _welcome_kernel(server, cookie)
    target = tmp_path / "pwned.txt"
    session = uuid.uuid4().hex
    code = f"open({str(target)!r}, 'w').write('a participant ran code in the kernel')"

    with connect(_ws_url(server, kernel, session), additional_headers={"Cookie": cookie},
                 open_timeout=30, proxy=None, max_size=None) as ws:
        exec_id, exec_msg = _kernel_message(
            "execute_request",
            {"code": code, "silent": False, "store_history": False, "user_expressions": {},
             "allow_stdin": False, "stop_on_error": True},
            session,
        )
        ws.send(exec_msg)
        # A message the server does let through, sent after: the kernel handles its shell
        # channel in order, so once this is answered an execute_request would have run.
        info_id, info_msg = _kernel_message("kernel_info_request", {}, session)
        ws.send(info_msg)
        about_exec = []
        deadline = time.monotonic() + 60
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "the kernel never answered kernel_info_request"
            msg = json.loads(ws.recv(timeout=remaining))
            parent = (msg.get("parent_header") or {}).get("msg_id")
            if parent == exec_id:
                about_exec.append(msg.get("msg_type") or msg["header"]["msg_type"])
            if parent == info_id and msg["header"]["msg_type"] == "kernel_info_reply":
                break
    assert about_exec == [], f"the kernel saw the execute_request: {about_exec}"
    assert not target.exists(), "code sent over the websocket ran in the kernel"


def test_kernel_websocket_without_a_cookie_is_refused(server):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    cookie = server.login(server.codes.workshop)
    kernel = _welcome_kernel(server, cookie)
    session = uuid.uuid4().hex
    with pytest.raises(InvalidStatus) as info, connect(_ws_url(server, kernel, session), open_timeout=30, proxy=None):
        pass
    assert info.value.response.status_code in (302, 401, 403)


def test_a_running_server_marks_the_project_so_the_store_is_not_moved_under_it(server):
    from workbench import presence
    from workbench.cli import run_cli

    mark = presence.served_by(server.project_path)
    assert mark is not None and mark["pid"] == server.proc.pid
    code, _out, err = run_cli(["store", "move", str(server.project_path), "--to",
                               f"sqlite:///{server.project_path.parent / 'moved.db'}"])
    assert code == 2 and "being served" in err and "Traceback" not in err
    assert not (server.project_path.parent / "moved.db").exists()
