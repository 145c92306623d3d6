"""Browser fixtures: the real ``workbench serve`` and headless Debian Chromium, offline.

- ``server``: a demo project served by the real CLI on 127.0.0.1 (shared with
  ``tests/test_access.py`` through ``tests/_server.py``, one per session).
- ``browser``: Chromium from /usr/bin/chromium, headless, no background traffic.
- ``page`` / ``make_page``: a fresh context and page whose console errors,
  uncaught page errors and requests to any host but 127.0.0.1 are recorded; such
  requests are aborted, and any of these fails the test at teardown.
- ``shot(page, name)``: a screenshot in test-output/ at the repository root.
  A failing browser test leaves ``test-output/FAILED-<test>.png`` behind.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .. import _server

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output"
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}
# Kernels take a few seconds to start on a 2-core laptop; widgets render after that.
WIDGET_TIMEOUT_MS = 90_000


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The real ``workbench serve`` on a demo project: a ``_server.Server``."""
    with _server.shared_server(tmp_path_factory) as srv:
        yield srv


@pytest.fixture(scope="session")
def served(server):
    """(base_url, codes, project_path) of the session's server."""
    return server.base_url, server.codes, server.project_path


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        if os.environ.get("WORKBENCH_REQUIRE_BROWSER") == "1":  # CI ('make test'): fail, never skip silently
            pytest.fail(f"no Chromium at {CHROMIUM}: 'make system-deps' installs Debian's chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (set WORKBENCH_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


class Guard:
    """What a page did that an offline, error-free app must not do."""

    def __init__(self, allowed_errors: re.Pattern | None = None):
        self.allowed_errors = allowed_errors  # console errors a test provokes on purpose
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.foreign: list[str] = []

    def watch(self, context, page) -> None:
        context.route("**/*", self._route)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        # A redirect to another host is followed by the network stack without
        # passing through route(); the request event still sees it.
        page.on("request", lambda req: self._check_url(req.url))
        page.on("websocket", lambda ws: self._check_url(ws.url))

    def _check_url(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "chrome", "devtools"):
            return True
        if parts.hostname in LOCAL_HOSTS:
            return True
        if url not in self.foreign:
            self.foreign.append(url)
        return False

    def _route(self, route) -> None:
        if self._check_url(route.request.url):
            route.continue_()
        else:
            route.abort()

    def _console(self, msg) -> None:
        if msg.type == "error" and not (self.allowed_errors and self.allowed_errors.search(msg.text)):
            loc = msg.location or {}
            self.console_errors.append(f"{msg.text} ({loc.get('url', '')}:{loc.get('lineNumber', '')})")

    def problems(self) -> list[str]:
        out = [f"request to a non-local host: {u}" for u in self.foreign]
        out += [f"console error: {e}" for e in self.console_errors]
        out += [f"uncaught page error: {e}" for e in self.page_errors]
        return out


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:120]


@pytest.fixture
def make_page(browser, request):
    """``make_page(**context_options)``: a new context and page, guarded (see module doc).

    ``allowed_errors``: a pattern for console errors the test provokes on purpose (nothing else is let by).
    """
    opened = []

    def _make(allowed_errors: re.Pattern | None = None, **context_options):
        context_options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**context_options)
        context.set_default_timeout(WIDGET_TIMEOUT_MS)
        context.set_default_navigation_timeout(60_000)
        page = context.new_page()
        guard = Guard(allowed_errors)
        guard.watch(context, page)
        opened.append((context, page, guard))
        return page

    yield _make

    failed = getattr(request.node, "_report_call", None)
    problems = []
    for i, (context, page, guard) in enumerate(opened):
        if failed is not None and failed.failed:
            OUTPUT.mkdir(exist_ok=True)
            try:
                page.screenshot(path=str(OUTPUT / f"FAILED-{_safe_name(request.node.name)}-{i}.png"),
                                full_page=True)
            except Exception:
                pass
        problems += guard.problems()
        context.close()
    if problems:
        pytest.fail("The page was not clean:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(make_page):
    """A desktop-sized guarded page."""
    return make_page()


def shot(page, name: str) -> Path:
    """Save a screenshot of the whole page to test-output/NAME.png."""
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"{_safe_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def kernel_id(page) -> str:
    """The id of the kernel behind a rendered Voila page (Voila writes it into the page's config)."""
    match = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page.content())
    assert match, "no kernelId in the rendered page"
    return match.group(1)


@pytest.fixture(name="shot")
def shot_fixture():
    """``shot(page, name)``: see :func:`shot`."""
    return shot
