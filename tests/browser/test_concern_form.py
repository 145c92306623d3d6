"""The concern app in headless Chromium against the real ``workbench serve`` (issue 20).

A person with no workshop code opens the concern app on a 375-pixel-wide phone, sends a concern and gets a
tracking code; a facilitator triages it (through the domain, as the desk does); the person's later lookup
with that code shows the new status and the answer. Every page is guarded (conftest): a request to any host
but 127.0.0.1, a console error or an uncaught page error fails the test.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Expect

import workbench
from workbench import concerns as C
from workbench.i18n import Translator

pytestmark = pytest.mark.browser

expect = Expect()
expect.set_options(timeout=30_000)

WIDGET_TIMEOUT_MS = 90_000
LANG = "pt-BR"
TR = Translator(LANG)
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "pt-BR"}
CODE_RE = re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}$")
WORDS = "O modelo erra mensagens em guarani <img src=x onerror=alert(1)>"


def test_a_person_without_a_code_raises_a_concern_and_follows_it(make_page, server, shot):
    dialogs: list[str] = []
    phone = make_page(**PHONE)
    phone.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    phone.goto(f"{server.base_url}/voila/render/concern.ipynb?lang={LANG}", wait_until="commit")
    text = phone.locator(".wb-app .wb-concern-text textarea")
    text.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    assert "/login" not in phone.url  # no code was asked for
    expect(phone.locator("div.widget-vbox.wb-app h1")).to_have_text(TR("concerns.app.title"))

    phone.get_by_role("button", name=TR("concerns.about.model"), exact=True).click()
    text.fill(WORDS)
    phone.get_by_role("button", name=TR("concerns.form.submit"), exact=True).click()
    shown = phone.locator(".wb-app .wb-tracking-code")
    expect(shown).to_be_visible()
    code = shown.inner_text().strip()
    assert CODE_RE.match(code), code
    expect(phone.locator(".wb-app .wb-receipt .wb-words")).to_have_text(WORDS)  # text, not markup
    assert phone.evaluate("() => document.querySelectorAll('.wb-app img').length") == 0
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width}px"
    shot(phone, "concern-sent-phone")

    # At the desk: the facilitator acknowledges, then resolves it with an answer.
    with workbench.open(server.project_path) as project:
        found = C.status_for_code(project.store, code, secret=C.project_secret(project))
        assert found is not None and found["status"] == "received"
        concern = C.Concerns.load(project.store).get(found["id"])
        assert (concern.channel, concern.proof, concern.text) == ("public", "none", WORDS)
        C.triage(project.store, concern.id, "acknowledged")
        C.triage(project.store, concern.id, "resolved", "Vamos incluir mensagens em guarani.")

    # Later, the same person looks it up with the code.
    phone.locator(".wb-app .wb-check-code input").fill(code.lower())
    phone.get_by_role("button", name=TR("concerns.check.submit"), exact=True).click()
    status = phone.locator('.wb-app .wb-status[data-status="resolved"]')
    expect(status).to_be_visible()
    expect(status).to_contain_text(TR("concerns.status.resolved"))
    expect(status.locator(".wb-response")).to_have_text("Vamos incluir mensagens em guarani.")
    assert WORDS not in status.inner_text()
    shot(phone, "concern-checked-phone")
    assert dialogs == []


def test_the_public_cookie_opens_no_other_app(server):
    """Without a code: the concern app renders; a workshop app does not, with or without the cookie it got."""
    from http.cookies import SimpleCookie

    status, headers, body = server.request("GET", "/voila/render/concern.ipynb?lang=es", timeout=180)
    assert status == 200 and '"kernelId"' in body
    jar = SimpleCookie()
    for line in headers.get("set-cookie", "").split("\n"):
        jar.load(line)
    assert "workbench-access" in jar
    cookie = "; ".join(f"{k}={m.coded_value}" for k, m in jar.items())
    for path in ("/voila/render/welcome.ipynb", "/voila/render/consent.ipynb", "/voila/render/purpose.ipynb",
                 "/voila/render/concerns_triage.ipynb"):
        for headers_sent in ({}, {"Cookie": cookie}):
            status, answer, _ = server.request("GET", path, headers=headers_sent)
            assert status in (302, 403), (path, headers_sent, status)
            if status == 302:
                assert "/login" in answer["location"], answer["location"]
