"""The participant page's own connection to its kernel (the workbench-lite frontend), in headless Chromium.

- A dropped websocket (a phone's Wi-Fi blinks) is opened again by the page; what the participant did
  meanwhile reaches the kernel and the log once it is back.
- A kernel slow to answer (a full room) still sends every widget's state in one message: the page
  waits for it instead of asking for each widget separately after 4 s (ipywidgets' default).
- Leaving the page ends its kernel at once (the page tells the server as it goes), not only when the
  culler finds it idle.
"""

from __future__ import annotations

import re
import time

import psutil
import pytest
from playwright.sync_api import Expect

import workbench
from workbench.i18n import Translator
from workbench.purpose import deliberation as dl

from .conftest import kernel_id
from .test_purpose import app_url

pytestmark = pytest.mark.browser

expect = Expect()
expect.set_options(timeout=30_000)
TR = Translator("en")


def kernel_alive(server, kernel: str) -> bool:
    for child in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            if f"kernel-{kernel}.json" in " ".join(child.cmdline()):
                return True
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return False


def shut_down(page, kernel: str) -> None:
    """Shut the page's kernel down from the page's own session, as the culler or Voila's beacon would."""
    page.evaluate("""async (id) => {
        const form = new FormData();
        form.append("_xsrf", (document.cookie.match(/\\b_xsrf=([^;]*)/) || [])[1] || "");
        await fetch(`/voila/api/shutdown/${id}`, {method: "POST", body: form, credentials: "same-origin"});
    }""", kernel)


def join(page, server) -> str:
    page.goto(app_url(server, server.codes.workshop), wait_until="commit")
    page.get_by_role("button", name=TR("purpose.join.new"), exact=True).click()
    code_el = page.locator(".wb-app .wb-code[data-code]")
    code_el.wait_for(state="visible")
    return code_el.get_attribute("data-code")


def test_a_dropped_connection_comes_back_and_nothing_typed_meanwhile_is_lost(make_page, server):
    page = make_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-US")
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws) if "/channels" in ws.url else None)
    code = join(page, server)
    assert len(sockets) == 1
    # The server relays the kernel's messages as they are (the v1 subprotocol), not decoded and re-encoded.
    assert page.evaluate("() => window.workbenchManager.kernel.ws.protocol") == "v1.kernel.websocket.jupyter.org"

    # The connection drops; the participant writes and sends while it is down.
    page.evaluate("() => window.workbenchManager.kernel.ws.close()")
    text = "Reply within a day, even when the network is down."
    page.get_by_role("textbox", name=TR("purpose.write.label")).fill(text)
    page.get_by_role("button", name=TR("purpose.write.submit"), exact=True).click()

    expect(page.locator(".wb-app")).to_contain_text(TR("purpose.write.saved"))
    assert len(sockets) == 2, "the page did not open its kernel's websocket again"
    assert page.evaluate("() => window.workbenchManager.kernel.ws.protocol") == "v1.kernel.websocket.jupyter.org"
    with workbench.open(server.project_path) as project:
        mine = [s.text for s in dl.Deliberation.load(project.store).statements.values() if s.author == code]
    assert mine == [text]


def test_a_page_without_its_connection_says_so_and_offers_a_reload_that_resumes(make_page, server, shot):
    page = make_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-US")
    cut = [False]  # while set, every new websocket to a kernel is closed at once (the Wi-Fi is down)

    def route(ws):
        if cut[0]:
            ws.close()
        else:
            ws.connect_to_server()

    page.route_web_socket(re.compile(r"/channels"), route)
    code = join(page, server)
    notice = page.locator(".wb-connection")
    expect(notice).to_be_hidden()

    # The connection drops and does not come back at once: the page says so, in the catalog's words.
    cut[0] = True
    page.evaluate("() => window.workbenchManager.kernel.ws.close()")
    expect(notice.locator(".wb-conn-lost")).to_have_text(f"⚠ {TR('connection.lost')}")
    expect(notice.locator(".wb-conn-lost")).to_be_in_viewport()
    shot(page, "connection-lost-en")
    text = "Keep working when the network is down."
    page.get_by_role("textbox", name=TR("purpose.write.label")).fill(text)
    page.get_by_role("button", name=TR("purpose.write.submit"), exact=True).click()
    page.wait_for_timeout(1500)  # a try or two fails meanwhile
    expect(notice).to_be_visible()

    # The network is back (the phone says so): the page connects now, the notice goes, the statement is sent.
    cut[0] = False
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(notice).to_be_hidden()
    expect(page.locator(".wb-app")).to_contain_text(TR("purpose.write.saved"))

    # Down for longer than the page keeps trying: it offers a reload, which resumes with the same code.
    cut[0] = True
    page.evaluate("() => { const k = window.workbenchManager.kernel; k.maxTries = 0; k.ws.close(); }")
    reload = notice.get_by_role("link", name=TR("connection.reload"))
    expect(notice.locator(".wb-conn-gone")).to_contain_text(TR("connection.gone"))
    expect(notice.locator(".wb-conn-lost")).to_be_hidden()
    shot(page, "connection-gone-en")
    cut[0] = False
    reload.click()
    code_el = page.locator(".wb-app .wb-code[data-code]")
    expect(code_el).to_have_text(code)
    expect(notice).to_be_hidden()
    with workbench.open(server.project_path) as project:
        mine = [s.text for s in dl.Deliberation.load(project.store).statements.values() if s.author == code]
    assert mine == [text]


def test_a_page_whose_kernel_was_culled_meanwhile_offers_the_reload_at_once(make_page, server):
    # A phone that slept past the culler's idle time: its kernel is gone, trying again cannot help.
    # (The browser logs the refused websockets and the 404s of the page asking whether its kernel is there.)
    page = make_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-US",
                     allowed_errors=re.compile(r"WebSocket connection to .*/channels|status of 404"))
    cut = [False]
    page.route_web_socket(re.compile(r"/channels"), lambda ws: ws.close() if cut[0] else ws.connect_to_server())
    code = join(page, server)
    kernel = kernel_id(page)
    cut[0] = True  # asleep: the connection is gone, and then the kernel (as the culler does it)
    page.evaluate("() => window.workbenchManager.kernel.ws.close()")
    notice = page.locator(".wb-connection")
    expect(notice.locator(".wb-conn-lost")).to_be_visible()
    shut_down(page, kernel)
    cut[0] = False  # awake: the network is there, the kernel is not
    started = time.monotonic()
    expect(notice.locator(".wb-conn-gone")).to_be_visible(timeout=30_000)
    assert time.monotonic() - started < 20, "the reload came only after the page ran out of tries"
    kernel_state = "() => [window.workbenchManager.kernel.tries, window.workbenchManager.kernel.maxTries]"
    tries, max_tries = page.evaluate(kernel_state)
    assert tries == max_tries, "the page still tries a kernel that is gone"
    notice.get_by_role("link", name=TR("connection.reload")).click()
    expect(page.locator(".wb-app .wb-code[data-code]")).to_have_text(code)
    expect(notice).to_be_hidden()
    assert kernel_id(page) != kernel


def test_a_page_that_cannot_reach_its_kernel_at_first_says_so_and_draws_once_it_can(make_page, server):
    # The page arrived, then the Wi-Fi dropped before its websocket opened: no widget can be drawn yet.
    page = make_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-US")
    cut = [True]
    page.route_web_socket(re.compile(r"/channels"), lambda ws: ws.close() if cut[0] else ws.connect_to_server())
    page.goto(app_url(server, server.codes.workshop), wait_until="commit")
    notice = page.locator(".wb-connection")
    expect(notice.locator(".wb-conn-lost")).to_have_text(f"⚠ {TR('connection.lost')}")
    expect(notice.locator(".wb-conn-lost")).to_be_in_viewport()
    assert page.evaluate("() => performance.getEntriesByName('workbench:kernel-open').length") == 0  # never

    cut[0] = False
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.get_by_role("button", name=TR("purpose.join.new"), exact=True).click()
    expect(page.locator(".wb-app .wb-code[data-code]")).to_be_visible()
    expect(page.locator(".wb-placeholder")).to_have_count(0)  # the widgets' own notice took over
    expect(notice).to_have_count(1)
    expect(notice).to_be_hidden()


def test_the_facilitators_room_says_when_it_lost_its_kernel_too(make_page, server):
    # Voila's own frontend (facilitator pages) reconnects by itself; our template's script tells the page.
    # (Voila logs "Connection lost, reconnecting" as an error, and the browser the refused websockets and 404s.)
    page = make_page(locale="en-US",
                     allowed_errors=re.compile(r"WebSocket connection to .*/channels|status of 404|Connection lost"))
    routes, cut = [], [False]

    def route(ws):
        routes.append(ws)
        if cut[0]:
            ws.close()
        else:
            ws.connect_to_server()

    page.route_web_socket(re.compile(r"/channels"), route)
    page.goto(f"{server.base_url}/login?code={server.codes.facilitator}")
    page.goto(f"{server.base_url}/voila/render/room.ipynb?lang=en")
    page.wait_for_selector(".wb-app .wb-ok", state="visible", timeout=90_000)
    notice = page.locator(".wb-connection")
    expect(notice).to_be_hidden()
    kernel = kernel_id(page)

    cut[0] = True  # the laptop's browser lost the server for a while
    routes[-1].close()
    expect(notice.locator(".wb-conn-lost")).to_have_text(f"⚠ {TR('connection.lost')}")
    expect(notice.locator(".wb-conn-lost")).to_be_in_viewport()
    cut[0] = False  # back: Voila's next try connects and the notice goes
    expect(notice).to_be_hidden(timeout=30_000)

    cut[0] = True  # away again, and meanwhile the kernel was shut down: only a reload can help
    routes[-1].close()
    shut_down(page, kernel)
    expect(notice.locator(".wb-conn-gone")).to_be_visible(timeout=30_000)
    cut[0] = False
    notice.get_by_role("link", name=TR("connection.reload")).click()
    page.wait_for_selector(".wb-app .wb-ok", state="visible", timeout=90_000)
    expect(notice).to_be_hidden()
    assert kernel_id(page) != kernel


def test_a_slow_kernel_still_sends_every_widget_state_in_one_message(make_page, server):
    page = make_page(locale="en-US")
    routes, held, asked = [], [], []

    def raw(message) -> bytes:
        return message if isinstance(message, bytes) else message.encode()

    def route(ws):
        kernel = ws.connect_to_server()
        routes.append(ws)

        def to_page(message):
            # The kernel's reply holding every widget's state is held back; the rest goes through.
            (held.append if b'"update_states"' in raw(message) else ws.send)(message)

        def to_kernel(message):
            asked.extend(m for m in ("request_states", "request_state") if re.search(
                rb'"method":\s*"%s"' % m.encode(), raw(message)))
            kernel.send(message)

        kernel.on_message(to_page)
        ws.on_message(to_kernel)

    page.route_web_socket(re.compile(r"/channels"), route)
    page.goto(app_url(server, server.codes.workshop), wait_until="commit")
    deadline = time.monotonic() + 30
    while not held:
        assert time.monotonic() < deadline, "the kernel never sent the widget states"
        page.wait_for_timeout(100)
    page.wait_for_timeout(6000)  # longer than the 4 s ipywidgets' own manager waits before asking widget by widget
    for message in held:
        routes[0].send(message)
    expect(page.get_by_role("button", name=TR("purpose.join.new"), exact=True)).to_be_enabled()
    assert asked == ["request_states"], f"the page asked for {asked}"


def test_leaving_the_page_ends_its_kernel(make_page, server):
    page = make_page(locale="en-US")
    join(page, server)
    kernel = kernel_id(page)
    assert kernel_alive(server, kernel)
    page.goto("about:blank")  # leaving the page (pagehide), as a closing tab does
    deadline = time.monotonic() + 30
    while kernel_alive(server, kernel):
        assert time.monotonic() < deadline, "the left page's kernel is still running after 30 s"
        time.sleep(0.3)
