"""The hub in a real browser (issue 25): two phones at 375 px join community A through the hub's proxy with
the workshop code and vote; a facilitator signs in on the hub's own page, opens A's charter desk and is
refused B's. No request leaves 127.0.0.1. The hub itself is tests/_hub.py (see tests/test_hub.py)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest

from .. import _hub
from .conftest import WIDGET_TIMEOUT_MS

pytestmark = [pytest.mark.timeout(600)]

COOKIE = "workbench-access"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    yield from _hub.hub_for_tests(tmp_path_factory)


@pytest.mark.browser
def test_in_chromium_phones_vote_and_a_facilitator_signs_in_through_the_hub(hub, browser):
    from playwright.sync_api import expect

    import workbench
    from workbench.i18n import Translator
    from workbench.purpose import deliberation as dl

    tr = Translator("en")
    a, b = hub.projects["coop-a"], hub.projects["coop-b"]
    foreign: list[str] = []
    target = f"{a.prefix}voila/render/purpose.ipynb?lang=en"
    join = f"{hub.url}{a.prefix}login?code={a.codes.workshop}&next={quote(target, safe='')}"

    def watch(context):
        context.set_default_timeout(WIDGET_TIMEOUT_MS)
        context.on("request", lambda req: foreign.append(req.url) if urlsplit(req.url).hostname != "127.0.0.1"
                   and not req.url.startswith(("data:", "blob:")) else None)
        return context

    # The session's Chromium (tests/browser/conftest.py): one Playwright per test process.
    try:
        phones = [watch(browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                            has_touch=True, locale="en-US")).new_page() for _ in range(2)]
        codes = []
        for page in phones:  # each joins through the proxy with the workshop code, and gets a code
            page.goto(join, wait_until="commit")
            page.get_by_role("button", name=tr("purpose.join.new"), exact=True).click()
            code_el = page.locator(".wb-app .wb-code[data-code]")
            code_el.wait_for(state="visible")
            codes.append(code_el.get_attribute("data-code"))
        text = "Meet on Saturdays, after the market."
        phones[0].get_by_role("textbox", name=tr("purpose.write.label")).fill(text)
        phones[0].get_by_role("button", name=tr("purpose.write.submit"), exact=True).click()
        expect(phones[0].locator(".wb-app")).to_contain_text(tr("purpose.write.saved"), timeout=30_000)
        with workbench.open(a.path) as project:
            sid = next(s.id for s in dl.Deliberation.load(project.store).statements.values() if s.text == text)
        voter = phones[1]
        voter.get_by_role("button", name=tr("purpose.vote.refresh"), exact=True).click()
        expect(voter.locator(f'.wb-app .wb-statement[data-statement="{sid}"]')).to_be_visible(timeout=30_000)
        word = re.escape(tr("purpose.vote.agree")).replace("/", r"\/")
        voter.get_by_role("button", name=re.compile(rf"^\W*{word}$")).click()
        expect(voter.locator(".wb-app")).to_contain_text(tr("purpose.vote.saved"), timeout=30_000)
        with workbench.open(a.path) as project:
            assert dl.Deliberation.load(project.store).votes_by(codes[1]).get(sid) == 1

        # A facilitator signs in with the hub in the browser and opens A's charter desk ...
        desk = watch(browser.new_context(locale="en-US")).new_page()
        desk.goto(f"{hub.url}{a.prefix}voila/render/charter.ipynb", wait_until="load")
        assert urlsplit(desk.url).path == "/hub/login"
        desk.locator("input[name=username]").fill("alice")
        desk.locator("input[name=password]").fill(_hub.PASSWORD)
        desk.locator("input[name=password]").press("Enter")
        desk.wait_for_url(re.compile(rf"{re.escape(a.prefix)}voila/render/charter\.ipynb"))
        desk.locator(".jupyter-widgets").first.wait_for(state="visible")
        assert "Traceback" not in desk.content()
        # ... and is refused B's.
        resp = desk.goto(f"{hub.url}{b.prefix}voila/render/charter.ipynb")
        assert resp.status == 403 and urlsplit(desk.url).path == "/hub/api/oauth2/authorize"
        assert not [c for c in desk.context.cookies() if c["name"] == COOKIE and c["path"].startswith(b.prefix)]
    finally:
        for context in browser.contexts:
            context.close()
    assert foreign == [], f"requests left 127.0.0.1: {foreign[:5]}"
