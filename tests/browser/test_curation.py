"""The curation app in headless Chromium on the demo project: the consent waterfall and the profile, offline.

A facilitator opens the app, asks which rows training may take (the waterfall: raw rows, each
reason rows are lost, the rows kept) and profiles the data; the numbers on screen are the domain's,
and the charts arrive as static SVG. The page is guarded (see conftest).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Expect

import workbench
from workbench.curation.enforce import curated
from workbench.curation.importer import current
from workbench.i18n import Translator

pytestmark = pytest.mark.browser

# This module's own expect: a kernel answers a click in well under a second on a quiet laptop, in
# seconds when other kernels start or import on a busy 2-core machine (Playwright's default is 5 s).
expect = Expect()
expect.set_options(timeout=30_000)

WIDGET_TIMEOUT_MS = 120_000  # not preheated: a fresh kernel that imports pandas
COMPUTE_TIMEOUT_MS = 60_000  # the kernel computes and draws (vl-convert) after a click
LANG = "en"
TR = Translator(LANG)


def test_facilitator_sees_the_waterfall_and_the_profile_of_the_demo(make_page, server, shot):
    page = make_page(locale="en-US")
    target = quote(f"/voila/render/curation.ipynb?lang={LANG}", safe="")
    page.goto(f"{server.base_url}/login?code={server.codes.facilitator}&next={target}", wait_until="commit")
    app = page.locator(".wb-app").first  # the data-work panel is a view of its own inside
    consent_tab = page.get_by_role("tab", name=TR("curation.tab.consent"), exact=True)
    consent_tab.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    expect(app.locator("h1").first).to_contain_text(TR("app.curation.title"))

    # The waterfall for training, as of now: the same numbers as the domain's.
    consent_tab.click()
    with workbench.open(server.project_path) as project:
        dataset = current(project.store)
        steps = curated(project, "train", None).waterfall()
    assert dataset is not None, "the demo has a dataset"
    page.get_by_role("button", name=TR("curation.consent.show"), exact=True).click()
    kept = page.locator(".wb-app [data-kept]")
    expect(kept).to_be_visible(timeout=COMPUTE_TIMEOUT_MS)
    counts = dict(zip(steps["step"], (abs(int(n)) for n in steps["rows"]), strict=True))
    expect(kept).to_have_attribute("data-kept", str(counts["kept"]))
    expect(kept).to_have_text(TR("curation.consent.kept", kept=counts["kept"], raw=dataset.rows))
    assert counts["raw"] == dataset.rows
    table = kept.locator("xpath=preceding-sibling::table[1]")
    for step, rows in counts.items():
        row = table.locator("tr").filter(has=page.get_by_role("cell", name=TR(f"curation.reason.{step}"), exact=True))
        expect(row.locator("td").nth(1)).to_have_text(f"{rows:,}")
    waterfall = page.locator(".wb-app .wb-chart svg").first
    expect(waterfall).to_be_visible(timeout=COMPUTE_TIMEOUT_MS)
    assert waterfall.bounding_box()["height"] > 50
    shot(page, "curation-waterfall-en")

    # The profile: rows, columns, the label balance and the groups, with its charts.
    page.get_by_role("tab", name=TR("curation.tab.profile"), exact=True).click()
    page.get_by_role("button", name=TR("curation.profile.run"), exact=True).click()
    profile = app.locator("h2", has_text=TR("curation.profile.heading"))
    expect(profile).to_be_visible(timeout=COMPUTE_TIMEOUT_MS)
    with workbench.open(server.project_path) as project:
        from workbench.curation.profile import project_profile

        prof = project_profile(project)
    contributors = int(prof.column_table.set_index("column").loc[dataset.mapping.contributor, "distinct"])
    expect(app).to_contain_text(TR("curation.ds.f.rows", rows=prof.rows, columns=prof.columns,
                                   contributors=contributors))
    for label in prof.labels["label"]:
        expect(app.get_by_role("cell", name=str(label), exact=True).first).to_be_visible()
    for attribute in dataset.mapping.groups:
        expect(app.get_by_role("cell", name=attribute, exact=True).first).to_be_visible()
    charts = page.locator(".wb-app .wb-chart svg:visible")
    # missing values, labels, one per group, text lengths, and personal data when any was found
    expect(charts).to_have_count(2 + len(dataset.mapping.groups) + (prof.text_histogram is not None)
                                 + (prof.pii is not None and len(prof.pii) > 0), timeout=COMPUTE_TIMEOUT_MS)
    expect(page.locator(".wb-app .wb-reading:visible")).to_have_count(charts.count())
    shot(page, "curation-profile-en")
