"""Faults during a workshop, in headless Chromium against the real ``workbench serve``.

(a) A participant's kernel is SIGKILLed mid-session; they reload the page and resume with the same
    code, their statement and their vote (the address bar carries ``?code=`` and the log has the rest).
(b) The server is stopped and started again on the same port and project; the participant reloads,
    is still logged in (the cookie secret lives in the project folder) and nothing is lost.

Each test runs its own server (``tests/_server.py``), so restarts never disturb the shared one, with
no preheated kernels (each page starts its own: fewer processes on a loaded 2-core machine).
The page is guarded like every browser page (no request leaves 127.0.0.1), but console errors are
only counted after the reload: a page whose kernel or server just died is expected to log them.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest
from playwright.sync_api import expect

import workbench
from workbench.i18n import Translator
from workbench.purpose import deliberation as dl

from .. import _server
from .conftest import OUTPUT, Guard, kernel_id

pytestmark = pytest.mark.browser

WIDGET_TIMEOUT_MS = 90_000
TR = Translator("en")
STATEMENT = "Night messages from the clinic first — الرسائل العاجلة أولاً 🏥"


# -- helpers ----------------------------------------------------------------------------------------
def app_url(server, code: str) -> str:
    return f"{server.base_url}/login?code={code}&next={quote('/voila/render/purpose.ipynb?lang=en', safe='')}"


@contextlib.contextmanager
def guarded_page(browser):
    context = browser.new_context(viewport={"width": 412, "height": 900}, locale="en-US")
    context.set_default_timeout(WIDGET_TIMEOUT_MS)
    context.set_default_navigation_timeout(60_000)
    page = context.new_page()
    guard = Guard()
    guard.watch(context, page)
    try:
        yield page, guard
    except BaseException:
        with contextlib.suppress(Exception):
            OUTPUT.mkdir(exist_ok=True)
            page.screenshot(path=str(OUTPUT / f"FAILED-restart-{int(time.time())}.png"), full_page=True)
        raise
    finally:
        context.close()


def code_on_page(page) -> str:
    el = page.locator(".wb-app .wb-code[data-code]")
    el.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    return el.get_attribute("data-code")


def vote_button(page, vote: str):
    return page.get_by_role("button", name=re.compile(rf"^\W*{re.escape(TR(f'purpose.vote.{vote}'))}$"))


def join_write_and_vote(page, server) -> tuple[str, int]:
    """Join the purpose app, submit a statement, vote agree on the first card: (code, statement voted on)."""
    page.goto(app_url(server, server.codes.workshop))
    join = page.get_by_role("button", name=TR("purpose.join.new"), exact=True)
    join.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    join.click()
    code = code_on_page(page)
    assert dl.CODE_RE.match(code), code
    page.get_by_role("textbox", name=TR("purpose.write.label")).fill(STATEMENT)
    page.get_by_role("button", name=TR("purpose.write.submit"), exact=True).click()
    expect(page.locator(".wb-app")).to_contain_text(TR("purpose.write.saved"))
    card = page.locator(".wb-app .wb-statement[data-statement]")
    card.wait_for(state="visible")
    voted = int(card.get_attribute("data-statement"))
    vote_button(page, "agree").click()
    expect(page.locator(".wb-app")).to_contain_text(TR("purpose.vote.saved"))
    expect(card).not_to_have_attribute("data-statement", str(voted))
    # The app put the code into the address, so a reload resumes.
    expect(page).to_have_url(re.compile(rf"[?&]code={re.escape(code)}(&|$)"))
    return code, voted


def assert_in_the_log(project_path: Path, code: str, voted: int) -> tuple[int, int]:
    with workbench.open(project_path) as project:
        assert project.store.verify().ok
        delib = dl.Deliberation.load(project.store)
    mine = [s.text for s in delib.statements.values() if s.author == code]
    assert mine == [STATEMENT], f"{code}'s statements in the log: {mine}"
    cast = {sid: v.value for (voter, sid), v in delib.votes().items() if voter == code and not v.implicit}
    assert cast == {voted: 1}, f"{code}'s votes in the log: {cast}"  # (authors also agree with their own)
    return delib.progress(code)


def assert_resumed(page, guard, project_path: Path, code: str, voted: int) -> None:
    """After a reload: the same code, the vote counted on screen, the voted card not offered again."""
    assert code_on_page(page) == code, "the participant did not resume with their code"
    expect(page).not_to_have_url(re.compile(r"/login"))
    done, total = assert_in_the_log(project_path, code, voted)
    assert done == 1
    expect(page.locator(".wb-app")).to_contain_text(TR("purpose.vote.progress", done=done, total=total))
    card = page.locator(".wb-app .wb-statement[data-statement]")
    card.wait_for(state="visible")
    assert int(card.get_attribute("data-statement")) != voted
    expect(page.get_by_role("button", name=TR("purpose.join.new"), exact=True)).to_be_hidden()
    assert guard.problems() == [], guard.problems()


def kernel_process(server, kernel: str) -> psutil.Process:
    """The server's child running ``kernel`` (its connection file is named after the kernel id)."""
    for child in psutil.Process(server.proc.pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if any(kernel in arg for arg in child.cmdline()):
                return child
    raise AssertionError(f"no process of the server runs kernel {kernel}")


def reload(page, guard) -> None:
    """Reload the tab; what the dead page logged while it went away does not count.

    A page whose kernel or server died logs errors, and more as it unloads (its websocket closing,
    reconnection attempts), racing a plain ``page.reload()``. So the tab first leaves for about:blank,
    the errors so far are forgotten, and then it opens the same address again: a reload, as the server
    sees it, with only the new page's console counted.
    """
    url = page.url
    page.goto("about:blank")
    page.wait_for_timeout(300)
    guard.console_errors.clear()
    guard.page_errors.clear()
    page.goto(url)


@pytest.fixture
def own_server(tmp_path):
    server = _server.start_server(tmp_path, preheated_kernels=0)
    holder = {"server": server}
    yield holder
    _server.stop_server(holder["server"])


def serve_again(old: _server.Server, workdir: Path) -> _server.Server:
    """``workbench serve`` on the same project folder and port, as a facilitator would restart it."""
    log_path = workdir / "serve-again.log"
    log = log_path.open("w", encoding="utf-8")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("WORKBENCH_STORE_URL", None)
    proc = subprocess.Popen(
        [*_server._workbench_command(), "serve", str(old.project_path), "--port", str(old.port), "--ip",
         "127.0.0.1", "--no-qr"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=str(workdir))
    server = _server.Server(old.base_url, old.codes, old.project_path, proc, log_path, log)
    try:
        _server._wait_until_ready(server, _server.START_TIMEOUT_S, wait_for_pool=False)
    except BaseException:
        tail = server.log_text()[-3000:]
        _server.stop_server(server)
        raise RuntimeError(f"workbench serve did not come back on {old.base_url}:\n{tail}")
    return server


# -- (a) a participant's kernel is killed ----------------------------------------------------------------
def test_a_killed_kernel_loses_nothing_and_the_participant_resumes(browser, own_server):
    server = own_server["server"]
    with guarded_page(browser) as (page, guard):
        code, voted = join_write_and_vote(page, server)
        kernel = kernel_id(page)
        proc = kernel_process(server, kernel)  # (the purpose app writes no presence file to find it by)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
        # The server restarts the kernel empty (without this page's widgets) and says so: the page asks
        # for a reload, in the participant's language.
        gone = page.locator(".wb-connection .wb-conn-gone")
        expect(gone).to_be_visible(timeout=30_000)
        expect(gone).to_contain_text(TR("connection.gone"))
        reload(page, guard)
        assert_resumed(page, guard, server.project_path, code, voted)
        assert kernel_id(page) != kernel, "the reloaded page is not on a new kernel"


# -- (b) the server is restarted -----------------------------------------------------------------------------
def test_a_restarted_server_keeps_the_participant_logged_in_and_their_work(browser, own_server, tmp_path):
    server = own_server["server"]
    with guarded_page(browser) as (page, guard):
        code, voted = join_write_and_vote(page, server)
        assert _server.COOKIE_NAME in {c["name"] for c in page.context.cookies()}

        _server.stop_server(server)
        assert server.proc.poll() is not None
        expect(page.locator(".wb-connection .wb-conn-lost")).to_be_visible(timeout=30_000)
        server = own_server["server"] = serve_again(server, tmp_path)
        # The page reaches the new server, which has no kernel of that id: a reload is what helps now.
        expect(page.locator(".wb-connection .wb-conn-gone")).to_be_visible(timeout=60_000)
        reload(page, guard)
        assert_resumed(page, guard, server.project_path, code, voted)  # not sent to /login: the cookie held
        assert server.log_text().count("Commons Workbench: serving") == 1  # the new process served it


# -- many workshops: Voila as a Jupyter Server extension (docs/jupyterhub.md) ---------------------------------
def test_voila_as_a_server_extension_renders_an_app_with_our_template(tmp_path):
    """What a JupyterHub named server runs: ``jupyter server`` with Voila's extension, the project by env.

    Our template (``workbench/serve/share``, found through ``JUPYTER_PATH``) must be the one used, its
    ``skip-voila`` cells left out, and the welcome app must run against the project without an error.
    """
    import http.client
    import sys

    from workbench.serve.net import free_port
    from workbench.serve.server import SHARE, notebooks_dir

    project = workbench.init(tmp_path / "coop", "Cooperativa Hub", ["pt-BR", "en"], "BR", "Hub test.")
    project.close()
    port, token = free_port(), "hub-test-token"
    env = dict(os.environ, WORKBENCH_PROJECT=str(tmp_path / "coop"), JUPYTER_PATH=str(SHARE),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"), PYTHONUNBUFFERED="1")
    env.pop("WORKBENCH_STORE_URL", None)
    args = [sys.executable, "-m", "jupyter_server", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
            f"--ServerApp.root_dir={notebooks_dir()}",
            "--ServerApp.jpserver_extensions={'voila': True, 'jupyterlab': False}",
            "--VoilaConfiguration.template=workbench", "--VoilaConfiguration.show_tracebacks=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    log_path = tmp_path / "jupyter-server.log"
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=str(tmp_path))

    def get(path: str, timeout: float = 60) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Authorization": f"token {token}"})
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", errors="replace")
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text(encoding="utf-8")[-3000:]
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get("/api/status", timeout=5)[0] == 200:
                    break
            assert time.monotonic() < deadline, "jupyter server did not answer in 60 s"
            time.sleep(0.3)
        status, body = get("/voila/render/welcome.ipynb?lang=pt-BR")
        log_text = log_path.read_text(encoding="utf-8")
        assert status == 200, body[:1000]
        assert "voila | extension was successfully loaded" in log_text
        # The participant notebooks name the small frontend's template in their metadata (Voila honours it here
        # too); it extends the workbench template.
        assert "voila/templates/workbench-lite/static/workbench-lite.js" in body, "Voila did not use our template"
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in body
        assert "cdn.jsdelivr.net" not in body, "the stock lab template's CDN links came back"
        assert "celltag_skip-voila" not in body and "skip-voila" not in body
        assert "application/vnd.jupyter.widget-view+json" in body, "the app showed no widget"
        assert "Traceback" not in body and "There was an error" not in body
    finally:
        with contextlib.suppress(psutil.NoSuchProcess):
            tree = psutil.Process(proc.pid).children(recursive=True)
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(15)
            for p in [*tree, psutil.Process(proc.pid)] if proc.poll() is None else tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    p.kill()
        proc.wait(10)
