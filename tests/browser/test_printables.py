"""Printables (issue 24): the consent form to fill in by hand, the charter, and the contributor cards,
printed to PDF by real Chromium at A4 and Letter, and read on a 375 px phone without sideways scrolling."""

from __future__ import annotations

import re

import pytest

from workbench.consent.form import write_forms
from workbench.demo import build_demo
from workbench.purpose.render import write_charter

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def printables(tmp_path_factory):
    root = tmp_path_factory.mktemp("printables") / "demo"
    project = build_demo(root, n=200)
    forms = [p for p in write_forms(project) if p.suffix == ".html"]
    _version, charter = write_charter(project, language="pt-BR")
    from workbench.consent import cards

    issued = cards.issue_all(project.store, [f"c-{i:04d}" for i in range(1, 13)])
    sheet = cards.sheet_html(project.name, issued, "es")
    project.close()
    return {"forms": forms, "charter": [p for p in charter if p.suffix == ".html"][0], "cards": sheet,
            "issued": len(issued)}


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def _check(make_page, html: str) -> None:
    phone = make_page(viewport={"width": 375, "height": 740})
    phone.set_content(html, wait_until="load")
    assert phone.evaluate("document.querySelector('meta[name=viewport]') !== null")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{width} px wide on a 375 px phone"
    paper = make_page()
    paper.set_content(html, wait_until="load")
    paper.emulate_media(media="print")
    for size in ("A4", "Letter"):
        pdf = paper.pdf(format=size, print_background=False)
        assert pdf.startswith(b"%PDF") and 1 <= _pages(pdf) <= 6, (size, _pages(pdf))


def test_the_consent_form_prints_with_tick_boxes_and_signature_lines(printables, make_page):
    assert len(printables["forms"]) == 3  # one per project language
    for path in printables["forms"]:
        html = path.read_text(encoding="utf-8")
        assert html.count('class="box"') >= 4 and html.count('class="line"') == 5
        _check(make_page, html)


def test_the_charter_prints_and_fits_a_phone(printables, make_page):
    _check(make_page, printables["charter"].read_text(encoding="utf-8"))


def test_the_contributor_cards_print_and_fit_a_phone(printables, make_page):
    html = printables["cards"]
    assert printables["issued"] >= 1 and html.count("<svg") == printables["issued"]  # a QR per card, inline
    _check(make_page, html)
