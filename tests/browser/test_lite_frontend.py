"""What the participant pages' own frontend (workbench-lite) loads, in headless Chromium.

- A control no participant app uses yet (a colour picker) is fetched from the server the first time a
  page needs it, and drawn; nothing comes from elsewhere (the conftest fails the test on any request
  off 127.0.0.1).
- A description shown as HTML is cleaned by the page's sanitiser (DOMPurify, standing in for
  sanitize-html): markup kept, scripts and event handlers dropped.
"""

from __future__ import annotations

import pytest

from workbench.i18n import Translator

from .test_purpose import app_url

pytestmark = pytest.mark.browser
TR = Translator("en")


@pytest.fixture
def app_page(make_page, server):
    page = make_page(locale="en-US")
    page.goto(app_url(server, server.codes.workshop), wait_until="commit")
    page.get_by_role("button", name=TR("purpose.join.new"), exact=True).wait_for(state="visible")
    return page


def test_a_control_no_app_uses_yet_is_fetched_when_first_shown(app_page):
    chunks = []
    app_page.on("request", lambda r: chunks.append(r.url) if "/chunk-" in r.url else None)
    drawn = app_page.evaluate("""async () => {
        const manager = window.workbenchManager;
        const model = await manager.new_model({model_name: "ColorPickerModel", model_id: "probe-colour",
            model_module: "@jupyter-widgets/controls", model_module_version: "2.0.0"}, {value: "#ff8800"});
        const view = await manager.create_view(model);
        document.body.appendChild(view.el);
        const input = view.el.querySelector("input[type=color]");
        return input ? input.value : null;
    }""")
    assert drawn == "#ff8800"
    assert len(chunks) == 1, chunks  # the rarer controls, one file, once


def test_a_description_shown_as_html_is_sanitised(app_page):
    dirty = ('<b onclick="steal()">bold</b><img src="x" onerror="steal()"><script>steal()</script>'
             '<a href="javascript:steal()">link</a><span aria-label="ok" class="c">text</span><iframe></iframe>')
    clean = app_page.evaluate("(html) => window.workbenchManager.inline_sanitize(html)", dirty)
    assert "<b>bold</b>" in clean and '<span aria-label="ok" class="c">text</span>' in clean
    for bad in ("onclick", "onerror", "<script", "javascript:", "<iframe", "steal"):
        assert bad not in clean, clean
