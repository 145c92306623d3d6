"""The welcome and room apps in headless Chromium against the real ``workbench serve``.

Every page here is guarded (see conftest): a console error or a request to any
host but 127.0.0.1 fails the test.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

import workbench
from workbench.i18n import Translator, catalog
from workbench.stages import STAGES

from .conftest import kernel_id

pytestmark = pytest.mark.browser

WIDGET_TIMEOUT_MS = 90_000  # kernels take seconds to start on a 2-core laptop
PHONE = {"width": 375, "height": 740}
MIN_TOUCH_PX = 44


def language_button(page, tag: str):
    return page.locator(".wb-lang button", has_text=catalog(tag)["language.name"])


def open_welcome(page, server, code: str, lang: str | None = None):
    """Join with a code, as the join link / QR code does; wait until the widgets are there."""
    page.goto(f"{server.base_url}/login?code={code}")
    expected = f"/voila/render/welcome.ipynb?lang={lang}" if lang else "/voila/render/welcome.ipynb"
    expect(page).to_have_url(re.compile(re.escape(server.base_url + expected)))
    page.wait_for_selector(".wb-lang", state="visible", timeout=WIDGET_TIMEOUT_MS)
    return page.locator(".wb-app")


def assert_kernel_gone(page, server, kernel: str, timeout_s: float = 30.0) -> None:
    """Poll the kernel's REST resource (as the page's own session) until it is gone."""
    deadline = time.monotonic() + timeout_s
    status = None
    while time.monotonic() < deadline:
        status = page.request.get(f"{server.base_url}/api/kernels/{kernel}").status
        if status == 404:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"kernel {kernel} of a page that was left still runs (last status {status})")


def assert_welcome_in(app, lang: str, project_name: str, role: str = "participant") -> None:
    tr = Translator(lang)
    expect(app.locator("h1")).to_have_text(project_name)
    expect(app).to_contain_text(tr("welcome.intro"))
    expect(app).to_contain_text(tr(f"welcome.role.{role}"))
    expect(app).to_contain_text(tr("welcome.stages_heading"))
    cards = app.locator(".wb-stage")
    expect(cards).to_have_count(len(STAGES))
    for card, stage in zip(cards.all(), STAGES, strict=True):
        assert card.get_attribute("data-stage") == stage.key
        assert card.get_attribute("data-status") in ("not_started", "in_progress", "done")
        expect(card).to_be_visible()
        expect(card).to_contain_text(f"{tr('stage.number', number=stage.number)}: {tr(stage.title_key)}")
        expect(card).to_contain_text(tr(stage.summary_key))


def test_participant_joins_and_switches_language(make_page, server, shot):
    # A phone set to Portuguese: the join link lands in Portuguese.
    page = make_page(locale="pt-BR")
    app = open_welcome(page, server, server.codes.workshop, lang="pt-BR")
    name = workbench.open(server.project_path).name
    assert_welcome_in(app, "pt-BR", name)
    expect(language_button(page, "pt-BR")).to_have_class(re.compile(r"\bmod-active\b"))
    # Participants see no facilitator app.
    expect(app.locator('a[data-app="room"]')).to_have_count(0)
    shot(page, "welcome-participant-pt-BR")

    language_button(page, "es").click()
    assert_welcome_in(app, "es", name)
    expect(app).not_to_contain_text(Translator("pt-BR")("welcome.stages_heading"))
    expect(language_button(page, "es")).to_have_class(re.compile(r"\bmod-active\b"))
    shot(page, "welcome-participant-es")

    language_button(page, "en").click()
    assert_welcome_in(app, "en", name)


def test_phone_width_one_column_and_touch_targets(make_page, server, shot):
    page = make_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="es")
    app = open_welcome(page, server, server.codes.workshop, lang="es")
    expect(app.locator(".wb-stage")).to_have_count(len(STAGES))

    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone: {width}px > {PHONE['width']}px"
    # Nothing of the app sticks out past the right edge of the screen either.
    sticking_out = page.evaluate(
        """(limit) => [...document.querySelectorAll('.wb-app *')]
             .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > limit + 0.5; })
             .map(el => `${el.tagName}.${el.className} right=${el.getBoundingClientRect().right}`)""",
        PHONE["width"],
    )
    assert sticking_out == []

    buttons = page.locator(".wb-lang button")
    expect(buttons).to_have_count(3)
    for button in buttons.all():
        box = button.bounding_box()
        assert box is not None
        label = button.inner_text()
        assert box["height"] >= MIN_TOUCH_PX, f"{label!r} is {box['height']}px tall; touch targets need 44px"
        assert box["width"] >= MIN_TOUCH_PX, f"{label!r} is {box['width']}px wide; touch targets need 44px"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5
    shot(page, "welcome-phone-es")

    language_button(page, "pt-BR").tap()
    expect(app).to_contain_text(Translator("pt-BR")("welcome.stages_heading"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "welcome-phone-pt-BR")


def test_facilitator_opens_the_room_from_welcome(make_page, server, shot):
    page = make_page(locale="en-US")
    app = open_welcome(page, server, server.codes.facilitator, lang="en")
    name = workbench.open(server.project_path).name
    assert_welcome_in(app, "en", name, role="facilitator")
    welcome_kernel = kernel_id(page)
    room_link = app.locator('a[data-app="room"]')
    expect(room_link).to_have_count(1)
    room_link.click()

    expect(page).to_have_url(re.compile(r"/voila/render/room\.ipynb\?lang=en$"))
    page.wait_for_selector(".wb-app .wb-ok", state="visible", timeout=WIDGET_TIMEOUT_MS)
    with workbench.open(server.project_path) as project:
        events = project.store.count()
        assert project.store.verify().ok
    tr = Translator("en")
    room = page.locator(".wb-app")
    expect(room.locator("h1")).to_contain_text(f"{tr('room.title')}: {name}")
    expect(room).to_contain_text(tr("room.codes", workshop=server.codes.workshop,
                                    facilitator=server.codes.facilitator))
    expect(room.locator(".wb-ok")).to_contain_text(tr("room.chain_ok", count=events))
    expect(room).to_contain_text("log is intact")
    shot(page, "room-facilitator-en")
    # Leaving the welcome page shut its kernel down (Voila's beacon passed the XSRF check).
    assert_kernel_gone(page, server, welcome_kernel)


def test_spoofed_role_header_leaves_a_participant(make_page, server):
    """A browser (or proxy) adding X-Workbench-Role: facilitator gains nothing."""
    page = make_page(locale="en-US", extra_http_headers={"X-Workbench-Role": "facilitator"})
    app = open_welcome(page, server, server.codes.workshop, lang="en")
    expect(app).to_contain_text(Translator("en")("welcome.role.participant"))
    expect(app.locator('a[data-app="room"]')).to_have_count(0)

    page.goto(f"{server.base_url}/voila/render/room.ipynb")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fvoila%2Frender%2Froom\.ipynb"))
    expect(page.locator("p.msg")).to_have_text(Translator("en")("login.facilitator_needed"))


def test_skip_voila_cells_never_reach_a_participant(server):
    cookie = server.login(server.codes.workshop)
    status, _, body = server.request("GET", "/voila/render/welcome.ipynb?lang=en", headers={"Cookie": cookie})
    assert status == 200
    assert "celltag_skip-voila" not in body
    assert "The project&#39;s welcome app" not in body and "The project's welcome app" not in body


def test_app_box_does_not_scroll_sideways_on_a_phone(make_page, server):
    page = make_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
    open_welcome(page, server, server.codes.workshop, lang="en")
    overflow = page.eval_on_selector(".wb-app", "el => el.scrollWidth - el.clientWidth")
    assert overflow <= 0, f"the app box scrolls sideways by {overflow}px"
