"""``<html lang>`` and ``<title>`` follow the person's language: the page's ``?lang=`` before the app is
drawn, then the app's own language switch (issue 19)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from workbench.i18n import catalog
from workbench.ui.page import title

pytestmark = pytest.mark.browser


def test_the_pages_language_and_title_follow_the_person(server, page):
    page.goto(f"{server.base_url}/login?code={server.codes.workshop}")
    page.wait_for_url("**/welcome.ipynb**")
    page.goto(f"{server.base_url}/voila/render/purpose.ipynb?lang=pt_br")  # normalised as the app does
    assert page.evaluate("document.documentElement.lang") == "pt-BR"
    assert page.title() == title("purpose", "pt-BR")
    page.goto(f"{server.base_url}/voila/render/purpose.ipynb?lang=es")
    assert page.evaluate("document.documentElement.lang") == "es"  # before any widget is drawn
    assert page.title() == title("purpose", "es")
    switch = page.locator(".wb-lang button", has_text=catalog("en")["language.name"])
    switch.wait_for(state="visible")
    switch.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title(title("purpose", "en"))
