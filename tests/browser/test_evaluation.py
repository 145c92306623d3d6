"""The evaluation app in headless Chromium on the demo project: the criteria table is there, offline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import workbench
from workbench.evaluation.protocol import latest_run
from workbench.i18n import Translator

pytestmark = pytest.mark.browser

WIDGET_TIMEOUT_MS = 120_000


def test_facilitator_sees_the_criteria_table_of_the_demo(make_page, server, shot):
    page = make_page(locale="en-US")
    page.goto(f"{server.base_url}/login?code={server.codes.facilitator}")
    page.wait_for_url(re.compile(r"/voila/render/welcome\.ipynb"))
    page.goto(f"{server.base_url}/voila/render/evaluation.ipynb?lang=en")
    table = page.locator("table.wb-criteria")
    table.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    with workbench.open(server.project_path) as project:
        run = latest_run(project.store)
    assert run is not None and run["status"] == "completed"
    tr = Translator("en")
    app = page.locator(".wb-app")
    expect(app.locator("h1")).to_have_text(tr("app.evaluation.title"))
    expect(app).to_contain_text(tr("evaluation.ui.criteria_table"))
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(run["candidates"]))
    for key in run["candidates"]:
        expect(table.locator(f'tr[data-candidate="{key}"]')).to_contain_text(
            tr(f"evaluation.candidate.{key}.title"))
    statuses = table.locator("td[data-status]")
    assert statuses.count() >= len(run["candidates"])
    assert {s.get_attribute("data-status") for s in statuses.all()} <= {"pass", "fail", "not_enough_evidence"}
    expect(page.locator(".wb-app svg").first).to_be_visible()  # charts arrive as static SVG, no CDN
    shot(page, "evaluation-facilitator-en")
    from .conftest import OUTPUT

    table.scroll_into_view_if_needed()
    page.locator(".wb-app").screenshot(path=str(OUTPUT / "evaluation-facilitator-en-app.png"))
