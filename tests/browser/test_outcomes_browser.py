"""The outcomes app on a 375-pixel phone, in Portuguese, from the real ``workbench serve`` (issue 20).

Opened with the workshop code as a participant would; every section of the demo's finished project shows
its Portuguese heading, the charts are inline SVG that fit the screen, nothing scrolls sideways, and no
request leaves 127.0.0.1 (the page guard in conftest aborts and reports any that tries).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from workbench import apps
from workbench.i18n import Translator

from .test_phone_a11y import SIDEWAYS_JS, settle

pytestmark = pytest.mark.browser

WIDGET_TIMEOUT_MS = 90_000
WIDTH = 375
LANG = "pt-BR"
TR = Translator(LANG)
HEADINGS = ("outcomes.charter.heading", "outcomes.consent.heading", "outcomes.groups.heading",
            "outcomes.results.heading", "outcomes.decisions.heading", "outcomes.card.heading")


def test_outcomes_on_a_phone_in_portuguese(make_page, server, shot):
    page = make_page(viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True,
                     device_scale_factor=2, locale=LANG)
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    target = quote(apps.by_key("outcomes").url("/", LANG), safe="")
    page.goto(f"{server.base_url}/login?code={server.codes.workshop}&next={target}", wait_until="commit")
    app = page.locator(".wb-app").first
    expect(app.locator("h1")).to_have_text(TR("app.outcomes.title"), timeout=WIDGET_TIMEOUT_MS)
    for key in HEADINGS:
        heading = app.get_by_role("heading", name=TR(key), exact=True)
        expect(heading).to_be_visible()
    figure = app.locator(".wb-out figure svg").first
    figure.scroll_into_view_if_needed()
    expect(figure).to_be_visible()
    box = figure.bounding_box()
    assert box and 0 < box["width"] <= WIDTH, box
    expect(app.locator(".wb-reading").first).to_be_visible()  # each chart's sentence
    settle(page)
    sideways = page.evaluate(SIDEWAYS_JS, WIDTH)
    assert not sideways, "\n".join(sideways)
    foreign = [u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
               and urlsplit(u).hostname != "127.0.0.1"]
    assert not foreign, foreign
    shot(page, "outcomes-phone-pt-BR")
