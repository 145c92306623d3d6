"""Helpers for the attacks on the real ``workbench serve`` (tests/_server.py): sessions with their
XSRF token, a page's kernel, the kernel processes the server started (seen from outside, by psutil)."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import psutil

from .. import _server

WELCOME = "/voila/render/welcome.ipynb"
ROOM = "/voila/render/room.ipynb"
KERNEL_RE = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


@dataclass
class Session:
    """One person's browser: the access cookie, Voila's ``_xsrf`` cookie and its token."""

    cookie: str  # the Cookie header value
    xsrf: str

    def headers(self, **more) -> dict:
        return {"Cookie": self.cookie, "X-XSRFToken": self.xsrf, **more}


def login(server, code: str, next_path: str | None = None) -> Session:
    query = {"code": code, **({"next": next_path} if next_path else {})}
    status, headers, body = server.request("GET", f"{server.prefix}/login?{urlencode(query)}")
    assert status == 302, f"login should redirect, got {status}: {body[:200]}"
    jar = SimpleCookie()
    for line in headers.get("set-cookie", "").split("\n"):
        jar.load(line)
    assert _server.COOKIE_NAME in jar and "_xsrf" in jar, headers.get("set-cookie")
    cookie = f"{_server.COOKIE_NAME}={jar[_server.COOKIE_NAME].coded_value}; _xsrf={jar['_xsrf'].coded_value}"
    return Session(cookie, jar["_xsrf"].value)


def session_id(server, session: Session) -> str:
    """The session id the server signed into the access cookie."""
    from tornado.web import decode_signed_value

    value = session.cookie.split(";")[0].split("=", 1)[1].strip('"')
    raw = decode_signed_value(bytes.fromhex(server.codes.cookie_secret), _server.COOKIE_NAME, value)
    return json.loads(raw)["sid"]


def page_kernel(server, session: Session, path: str = WELCOME, timeout: float = 180, **headers) -> str:
    """Open an app page as ``session``; the id of the kernel behind it (the page is read to its end)."""
    status, _, body = server.request("GET", path, headers={"Cookie": session.cookie, **headers}, timeout=timeout)
    assert status == 200, f"{path}: {status} {body[:300]}"
    match = KERNEL_RE.search(body)
    assert match, f"no kernelId in {path}"
    return match.group(1)


def kernel_processes(server) -> dict[str, psutil.Process]:
    """The server's kernels by id (from the connection file each was started with)."""
    out = {}
    for proc in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            for arg in proc.cmdline():
                match = re.search(r"kernel-([0-9a-f-]{36})\.json$", arg)
                if match:
                    out[match.group(1)] = proc
        except psutil.Error:
            continue
    return out


def waiting_spares(server, timeout: float = 120.0) -> dict[str, dict]:
    """Spare kernels already waiting for their request on ``/voila/query`` (their websocket to the
    server is open): id -> start environment. Waits until at least one is."""
    deadline = time.monotonic() + timeout
    while True:
        found = {}
        for kid, proc in kernel_processes(server).items():
            try:
                env = proc.environ()
                if env.get("VOILA_PREHEAT") != "True":
                    continue
                conns = proc.net_connections(kind="tcp")
            except psutil.Error:
                continue
            if any(c.raddr and c.raddr.port == server.port and c.status == psutil.CONN_ESTABLISHED for c in conns):
                found[kid] = env
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def ws_url(server, path: str) -> str:
    return f"ws://{server.host}:{server.port}{path}"


def channels_path(kernel: str) -> str:
    return f"/api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"


def ws_status(server, path: str, headers: dict | None = None) -> int:
    """The status a websocket upgrade gets: 101 if it opened (then closed here), else the refusal."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(ws_url(server, path), additional_headers=headers or {}, open_timeout=30, proxy=None):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code
