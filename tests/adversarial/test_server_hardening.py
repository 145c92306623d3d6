"""Issue 19: what the server shows and logs to someone probing it, against the real ``workbench serve``.

- every response (pages, login, the "room is full" page, static files, errors, unknown paths) carries
  a Content-Security-Policy that forbids framing, and ``X-Content-Type-Options: nosniff``;
- an error reaches the browser as a sentence and an error number, the traceback only the server log;
- a path that climbs out of its folder is "not found";
- no code (workshop or facilitator, right or wrong) is written to the server's log, lockout included.

Each test here has a server of its own (no preheated kernels): wrong codes from 127.0.0.1 count
against everyone else's tries on the same server.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

import workbench

from .. import _server
from ._attack import ROOM, WELCOME, login

ERROR_ID = re.compile(r"\b[0-9a-f]{8}\b")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # One kernel at most in use: the second page gets the "room is full" page.
    srv = _server.start_server(tmp_path_factory.mktemp("hardening"), preheated_kernels=0,
                               workshop={"max_kernels": 1})
    yield srv
    _server.stop_server(srv)


@pytest.fixture(scope="module")
def log_server(tmp_path_factory):
    srv = _server.start_server(tmp_path_factory.mktemp("quietlog"), preheated_kernels=0)
    yield srv
    _server.stop_server(srv)


def assert_hardened(status, headers, what):
    csp = headers.get("content-security-policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", f"{what} ({status}): CSP {csp!r}"
    assert directives.get("default-src") == "default-src 'self'", f"{what}: {csp!r}"
    assert directives.get("object-src") == "object-src 'none'", f"{what}: {csp!r}"
    assert "base-uri" in directives and "form-action" in directives, f"{what}: {csp!r}"
    assert headers.get("x-content-type-options") == "nosniff", f"{what} ({status})"
    assert "\n" not in csp, f"{what}: more than one policy header"


def install_paths() -> list[str]:
    paths = {sys.prefix, sys.base_prefix, str(Path(workbench.__file__).parent.parent), "site-packages", "/work"}
    return sorted(p for p in paths if p and p != "/")


def assert_no_leak(body: str, what: str, server) -> None:
    for needle in ["Traceback", 'File "', *install_paths(), str(server.project_path)]:
        assert needle not in body, f"{what}: the body shows {needle!r}: {body[:400]}"


def test_every_kind_of_response_carries_the_policy(server):
    seen = {}

    def check(what, method, path, **kw):
        status, headers, body = server.request(method, path, **kw)
        assert_hardened(status, headers, what)
        seen[what] = status
        return status, headers, body

    check("login page", "GET", "/login")
    check("wrong code", "POST", "/login", body=urlencode({"code": "NOPE"}),
          headers={"Content-Type": "application/x-www-form-urlencoded"})
    check("root redirect", "GET", "/")
    check("login redirect", "GET", WELCOME)
    check("unknown path", "GET", "/no/such/thing")
    check("api without cookie", "GET", "/api/kernels/00000000-0000-0000-0000-000000000000")
    check("logout", "GET", "/logout")
    fac = login(server, server.codes.facilitator, ROOM)
    status, _, page = check("voila page", "GET", WELCOME, headers={"Cookie": fac.cookie})
    assert status == 200
    assets = re.findall(r'(?:href|src)="(/voila/(?:static|templates|labextensions)/[^"]+)"', page)
    assert assets, "the page links no static file"
    for kind in ("static", "templates", "labextensions"):
        for asset in [a for a in assets if a.startswith(f"/voila/{kind}/")][:1]:
            status, _, _ = check(f"static file {asset}", "GET", asset.replace("&amp;", "&"))
            assert status in (200, 304), asset
    status, headers, body = check("room full", "GET", ROOM, headers={"Cookie": fac.cookie})
    assert status == 503, "the second page (max_kernels = 1) should find the room full"
    assert seen["login page"] == 200 and seen["unknown path"] == 404


@pytest.mark.parametrize("path", [
    "/voila/templates/../..",
    "/voila/templates/..%2f..%2f..%2fetc%2fpasswd",
    "/voila/static/../../../../etc/passwd",
    "/voila/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/voila/static/%252e%252e/%252e%252e/etc/passwd",
    "/voila/static/..%5c..%5c..%5cetc%5cpasswd",
    "/voila/files/..%5c..%5cworkbench.toml",
    "/voila/files/../workbench.toml",
    "/voila/labextensions/../../../etc/passwd",
    "/voila/render/../../workbench.toml",
])
def test_paths_that_climb_out_are_not_found(server, path):
    fac = login(server, server.codes.facilitator)
    for headers in ({}, {"Cookie": fac.cookie}):
        status, resp_headers, body = server.request("GET", path, headers=headers)
        assert status == 404, f"{path} -> {status}"
        assert_no_leak(body, path, server)
        assert_hardened(status, resp_headers, path)


@pytest.mark.parametrize("path", [
    "/voila/templates/x",
    "/voila/templates/nope/static/",
    "/voila/render/nonexistent.ipynb",
    "/voila/api/shutdown/not-a-kernel",
    "/voila/tree/nothing-here",
    "/voila/api/contents/../../etc",
    "/voila/query/00000000-0000-0000-0000-000000000000",
])
def test_errors_are_a_sentence_and_a_number_never_a_traceback(server, path):
    fac = login(server, server.codes.facilitator)
    for headers in ({}, {"Cookie": fac.cookie}):
        for method in ("GET", "POST"):
            status, _, body = server.request(method, path, headers=headers, body=b"" if method == "POST" else None)
            assert_no_leak(body, f"{method} {path}", server)
            if status >= 500 and status != 503:  # 503: the room-full page (this server allows one kernel)
                match = ERROR_ID.search(body)
                assert match, f"{path}: a 500 without an error number: {body[:300]}"
                assert f"Error {match.group(0)}" in server.log_text(), "the error number is not in the log"


def test_a_server_error_is_logged_with_its_traceback_under_the_number_shown(server):
    # Voila's template file handler fails on a path without "<template>/static/" (a ValueError): a real 500.
    status, _, body = server.request("GET", "/voila/templates/x")
    assert status == 500
    error_id = ERROR_ID.search(body).group(0)
    log = server.log_text()
    after = log[log.index(f"Error {error_id}"):]
    assert "Traceback" in after.split("\n\n")[0] or "Traceback" in after[:3000]


def _after_banner(log: str) -> str:
    marker = "Stop with Ctrl+C."
    assert marker in log, log[:500]
    return log.split(marker, 1)[1]


def test_no_code_reaches_the_log_wrong_right_or_locked_out(log_server):
    srv = log_server
    workshop, facilitator = srv.codes.workshop, srv.codes.facilitator
    wrong = [f"WRONG{i:03d}" for i in range(10)]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    # Right codes, by link and by form, with a next page.
    login(srv, workshop)
    login(srv, facilitator, ROOM)
    status, _, _ = srv.request("POST", "/login", body=urlencode({"code": workshop.lower(), "next": WELCOME}),
                               headers=form)
    assert status == 302
    # The workshop code where the facilitator's is needed (refused, not a wrong code).
    status, _, _ = srv.request("GET", f"/login?{urlencode({'code': workshop, 'next': ROOM})}")
    assert status == 403
    # Wrong codes until the lockout, half by link, half by form.
    for i, code in enumerate(wrong):
        if i % 2:
            status, _, _ = srv.request("GET", f"/login?code={code}")
        else:
            status, _, _ = srv.request("POST", "/login", body=urlencode({"code": code}), headers=form)
        assert status == 403, f"wrong code {i + 1}: {status}"
    # Locked out: the right codes are refused too, and must not be logged either.
    for code in (facilitator, workshop, "WRONG999"):
        status, headers, _ = srv.request("GET", f"/login?{urlencode({'code': code, 'next': ROOM})}")
        assert status == 429 and "retry-after" in headers
        status, _, _ = srv.request("POST", "/login", body=urlencode({"code": code}), headers=form)
        assert status == 429
    # A code in other places a URL can carry it.
    srv.request("GET", f"/voila/render/welcome.ipynb?code={facilitator}")
    srv.request("GET", f"/nothing?{facilitator}")
    srv.request("GET", f"/voila/templates/x?code={facilitator}")
    log = _after_banner(srv.log_text())
    assert "/login" in log, "the requests were not logged at all: nothing was checked"
    for code in [workshop, facilitator, *wrong, "WRONG999"]:
        for form_of in {code, code.lower()}:
            assert form_of not in log, f"{form_of!r} is in the server log"
