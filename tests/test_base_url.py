"""``workbench serve --base-url /prefix/`` (behind a reverse proxy or JupyterHub), real server, no browser.

Login, its redirects and the cookie's path, the ``/`` redirect, a page served by a
preheated kernel (which finds the server under the prefix to wait for its request)
and the "room is full" page all live under the prefix; nothing answers outside it.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from . import _server

PREFIX = "/hub/user/ana/workshop"


@pytest.fixture(scope="module")
def prefixed(tmp_path_factory):
    srv = _server.start_server(
        tmp_path_factory.mktemp("prefixed"), serve_args=("--base-url", f"{PREFIX}/", "--preheat", "welcome=1,purpose=1,consent=1"),
        prefix=PREFIX, workshop={"max_kernels": 1},
    )
    try:
        yield srv
    finally:
        _server.stop_server(srv)


def test_login_redirects_and_cookie_live_under_the_prefix(prefixed):
    status, _, body = prefixed.request("GET", f"{PREFIX}/login")
    assert status == 200 and f'action="{PREFIX}/login?lang=' in body
    # An app asked for without the cookie sends the person to the prefixed login, coming back after.
    status, headers, _ = prefixed.request("GET", f"{PREFIX}/voila/render/purpose.ipynb")
    assert status == 302
    assert headers["location"].startswith(f"{PREFIX}/login?next={quote(PREFIX, safe='')}%2Fvoila%2Frender%2Fpurpose")
    status, headers, _ = prefixed.request("GET", f"{PREFIX}/login?code={prefixed.codes.workshop}")
    assert status == 302 and headers["location"].startswith(f"{PREFIX}/voila/render/welcome.ipynb?lang=")
    assert f"Path={PREFIX}/" in headers["set-cookie"]
    target = f"{PREFIX}/voila/render/purpose.ipynb?lang=es"
    status, headers, _ = prefixed.request("GET", f"{PREFIX}/login?code={prefixed.codes.workshop}&next={quote(target)}")
    assert status == 302 and headers["location"] == target
    status, headers, _ = prefixed.request("GET", f"{PREFIX}/")
    assert status in (301, 302) and headers["location"] == f"{PREFIX}/voila/render/welcome.ipynb"
    cookie = _server.cookie_from(headers) or prefixed.login(prefixed.codes.workshop)
    status, headers, _ = prefixed.request("GET", f"{PREFIX}/logout", headers={"Cookie": cookie})
    assert status == 302 and headers["location"] == f"{PREFIX}/login"
    assert f"Path={PREFIX}/" in headers["set-cookie"]
    # Outside the prefix there is nothing.
    assert prefixed.request("GET", "/login")[0] == 404
    assert prefixed.request("GET", "/voila/render/welcome.ipynb")[0] == 404


def test_a_preheated_page_and_the_room_full_page_under_the_prefix(prefixed):
    cookie = prefixed.login(prefixed.codes.workshop)
    status, _, body = prefixed.request("GET", f"{PREFIX}/voila/render/welcome.ipynb?lang=en",
                                       headers={"Cookie": cookie}, timeout=120)
    assert status == 200
    assert f'"baseUrl": "{PREFIX}/"' in body
    # The app ran for this request: its view is in the page, and a warm kernel served it.
    assert "application/vnd.jupyter.widget-view+json" in body and "Traceback" not in body
    assert "Using pre-heated kernel" in prefixed.log_text()
    # max_kernels = 1 and that kernel is in use: the next person is told the room is full, in their language.
    status, headers, body = prefixed.request("GET", f"{PREFIX}/voila/render/purpose.ipynb?lang=es",
                                             headers={"Cookie": cookie})
    assert status == 503 and headers.get("retry-after") == "60"
    assert "La sala está llena" in body
