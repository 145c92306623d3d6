"""Issue 19: a kernel belongs to the session whose page it serves; nobody else reaches it.

Attacks by a participant who holds only the workshop code (and, where it helps, a kernel id they
should not have), against the real ``workbench serve``. Another session's kernel is "not found" (404),
the same answer, word for word, as for a kernel that does not exist; without a cookie it is 403.
"""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest

from .. import _server
from ._attack import (
    ROOM,
    channels_path,
    kernel_processes,
    login,
    page_kernel,
    session_id,
    waiting_spares,
    ws_status,
)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    with _server.shared_server(tmp_path_factory) as srv:
        yield srv


@pytest.fixture(scope="module")
def facilitator(server):
    fac = login(server, server.codes.facilitator, ROOM)
    return fac, page_kernel(server, fac, ROOM)


def _alive(server, session, kernel) -> bool:
    status, _, body = server.request("GET", f"/api/kernels/{kernel}", headers=session.headers())
    return status == 200 and json.loads(body)["id"] == kernel


def _refusal(server, session, method: str, path: str) -> tuple[int, str]:
    status, _, body = server.request(method, path, headers=session.headers(), body=b"" if method == "POST" else None)
    message = json.loads(body).get("message") if body.startswith("{") else body
    return status, message


def test_participant_cannot_touch_a_facilitator_kernel(server, facilitator):
    fac, kernel = facilitator
    part = login(server, server.codes.workshop)
    assert _alive(server, fac, kernel), "the facilitator reaches their own kernel"
    for method, path in [("GET", f"/api/kernels/{kernel}"),
                         ("POST", f"/api/kernels/{kernel}/interrupt"),
                         ("POST", f"/api/kernels/{kernel}/restart"),
                         ("DELETE", f"/api/kernels/{kernel}"),
                         ("POST", f"/voila/api/shutdown/{kernel}")]:
        status, _ = _refusal(server, part, method, path)
        # Another session's kernel is "not found" (Voila routes no interrupt/restart at all: 404 for everyone).
        assert status == 404, f"{method} {path} answered {status} to a participant"
    assert ws_status(server, channels_path(kernel), {"Cookie": part.cookie}) == 404
    assert _alive(server, fac, kernel), "the facilitator's kernel survived"


def test_one_participant_cannot_touch_anothers_kernel(server):
    alice, bob = login(server, server.codes.workshop), login(server, server.codes.workshop)
    assert session_id(server, alice) != session_id(server, bob)
    bobs = page_kernel(server, bob)
    assert _alive(server, bob, bobs)
    for method, path in [("GET", f"/api/kernels/{bobs}"), ("DELETE", f"/api/kernels/{bobs}"),
                         ("POST", f"/voila/api/shutdown/{bobs}")]:
        status, _ = _refusal(server, alice, method, path)
        assert status == 404, f"{method} {path} answered {status} to another participant"
    assert ws_status(server, channels_path(bobs), {"Cookie": alice.cookie}) == 404
    assert ws_status(server, channels_path(bobs), {"Cookie": bob.cookie}) == 101
    assert _alive(server, bob, bobs), "Bob's kernel survived Alice"


def test_the_facilitator_is_bound_to_their_own_kernels_too(server, facilitator):
    fac, _ = facilitator
    part = login(server, server.codes.workshop)
    theirs = page_kernel(server, part)
    assert _refusal(server, fac, "GET", f"/api/kernels/{theirs}")[0] == 404
    assert ws_status(server, channels_path(theirs), {"Cookie": fac.cookie}) == 404
    assert _alive(server, part, theirs)


def test_a_refusal_does_not_say_whether_the_kernel_exists(server):
    alice, bob = login(server, server.codes.workshop), login(server, server.codes.workshop)
    bobs = page_kernel(server, bob)
    nobody = str(uuid.uuid4())
    for method, path in [("GET", "/api/kernels/{}"), ("DELETE", "/api/kernels/{}"), ("POST", "/voila/api/shutdown/{}")]:
        existing = _refusal(server, alice, method, path.format(bobs))
        missing = _refusal(server, alice, method, path.format(nobody))
        assert existing == missing and existing[0] == 404, (method, existing, missing)
    assert ws_status(server, channels_path(nobody), {"Cookie": alice.cookie}) == 404
    assert ws_status(server, channels_path(bobs), {"Cookie": alice.cookie}) == 404
    # Without a cookie: 403 for both, before any kernel is looked at.
    for kernel in (bobs, nobody):
        assert server.request("GET", f"/api/kernels/{kernel}")[0] == 403


def test_the_kernel_listing_is_nobodys(server, facilitator):
    fac, kernel = facilitator
    for path in ("/api/kernels", "/api/kernels/", "/api/sessions"):
        status, _, body = server.request("GET", path, headers=fac.headers())
        assert status in (403, 404), (path, status)
        assert kernel not in body and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", body), body[:200]


def test_owner_shuts_down_their_page_kernel_and_then_it_is_nobodys(server):
    me = login(server, server.codes.workshop)
    mine = page_kernel(server, me)
    status, _, _ = server.request("POST", f"/voila/api/shutdown/{mine}", headers=me.headers(), body=b"")
    assert status == 204
    deadline = time.monotonic() + 30
    while mine in kernel_processes(server) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _refusal(server, me, "GET", f"/api/kernels/{mine}")[0] == 404  # what Jupyter's client reads as "dead"


def test_the_kernel_learns_the_verified_session_and_address_not_the_browsers(server, facilitator):
    """X-Workbench-Session/-Client come from the cookie and the connection; a browser's are dropped."""
    fac, _ = facilitator
    kernel = page_kernel(server, fac, ROOM, **{"X-Workbench-Session": "forged-session",
                                              "X-Workbench-Client": "203.0.113.9",
                                              "X-Workbench-Role": "participant"})
    env = kernel_processes(server)[kernel].environ()  # a page kernel started for the request: its env has it
    assert env.get("HTTP_X_WORKBENCH_SESSION") == session_id(server, fac)
    assert env.get("HTTP_X_WORKBENCH_CLIENT") == "127.0.0.1"
    assert env.get("HTTP_X_WORKBENCH_ROLE") == "facilitator"


# -- /voila/query: where a spare kernel waits for the next arrival's request ------------------------

def test_query_socket_refuses_anyone_without_the_servers_token(server):
    spares = waiting_spares(server)
    assert spares, "no spare kernel waiting for its request"
    for kid in list(spares)[:2] + [str(uuid.uuid4())]:
        assert ws_status(server, f"/voila/query/{kid}") == 403
        assert ws_status(server, f"/voila/query/{kid}", {"X-Workbench-Query-Token": "guess"}) == 403


def test_query_socket_never_replaces_the_kernel_already_waiting(server):
    spares = waiting_spares(server)
    assert spares, "no spare kernel waiting for its request"
    kid, env = next(iter(spares.items()))
    token = env["WORKBENCH_QUERY_TOKEN"]  # what only the server's kernels hold
    assert ws_status(server, f"/voila/query/{kid}", {"X-Workbench-Query-Token": token}) == 403


def test_pages_on_spares_still_get_their_request_after_the_attempts(server):
    """After refused hijacks of every waiting spare, the arrivals those spares serve get whole pages
    (their kernel got its request: before, the hijacker did and the page hung)."""
    from workbench import apps

    spares = waiting_spares(server)
    for kid in spares:
        assert ws_status(server, f"/voila/query/{kid}") == 403
    me = login(server, server.codes.workshop)
    served = set()
    for app in (a for a in apps.APPS if a.preheat):
        kernel = page_kernel(server, me, f"/voila/render/{app.notebook}", timeout=90)
        served.add(kernel)
        assert _alive(server, me, kernel)
    assert served & set(spares), "no page was served by a spare that was attacked: nothing was checked"


def test_kernel_and_server_name_the_query_token_alike():
    from workbench.serve import guard
    from workbench.ui import context

    assert (context.QUERY_TOKEN_ENV, context.QUERY_TOKEN_HEADER) == (guard.QUERY_TOKEN_ENV, guard.QUERY_TOKEN_HEADER)
