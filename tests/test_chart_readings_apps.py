"""The plain reading under the consent coverage chart, the personal-data chart and the report's charts.

Widget tests set values and click, then look for the reading in the language shown; the report is built
from a small project and its HTML must carry one escaped reading under each chart.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from workbench.consent import ledger as L
from workbench.ui.consent.facilitator import FacilitatorView

from .consent_support import PAPER, scoped_project  # noqa: F401
from .curation_support import curation_project

READING = re.compile(r'<p class="wb-reading">([^<]+)</p>')


def test_consent_coverage_chart_reads_the_drop_after_a_withdrawal_in_each_language(project):
    days_ago = [(datetime.now(UTC) - timedelta(days=d)).isoformat() for d in (30, 20, 10)]
    L.give(project.store, "c-1", {"train": True}, at=days_ago[0], **PAPER)
    L.give(project.store, "c-2", {"train": True}, at=days_ago[1], **PAPER)
    L.withdraw(project.store, "c-2", ["train"], at=days_ago[2], **PAPER)
    view = FacilitatorView(project, "en")
    view.refresh.click()
    html = view.coverage_chart.value
    assert html.count("<svg") == 1
    assert READING.findall(html) == [
        "People who permit “Train a model”: 1 now, down from 2 after withdrawals or expiries."]
    view.language_switch.value = "pt-BR"
    assert READING.findall(view.coverage_chart.value) == [
        "Pessoas que permitem “Treinar um modelo”: 1 agora, eram 2 antes de retiradas ou vencimentos."]
    view.language_switch.value = "es"
    assert READING.findall(view.coverage_chart.value) == [
        "Personas que permiten “Entrenar un modelo”: 1 ahora, eran 2 antes de retiros o vencimientos."]


def test_consent_coverage_without_a_drop_names_the_most_and_least_permitted(project):
    L.give(project.store, "c-1", {"train": True, "evaluate": True}, **PAPER)
    L.give(project.store, "c-2", {"train": False, "evaluate": True}, **PAPER)
    view = FacilitatorView(project, "en")
    (line,) = READING.findall(view.coverage_chart.value)
    assert line.startswith("Most permitted now: “") and line.endswith("(0).")
    assert FacilitatorView(project, "en", chart=False).coverage_chart.value == ""  # no chart, no reading


def test_curation_profile_shows_the_personal_data_chart_with_its_reading(tmp_path):
    from workbench.ui.curation.view import CurationView

    p, _ds = curation_project(tmp_path)
    try:
        view = CurationView(p, "facilitator", "en", charts=True)
        view.profile_button.click()
        charts = view.profile_charts.value
        pii = view._profile.pii  # the table the chart draws: one phone number, in one row
        assert pii[["kind", "rows"]].values.tolist() == [["phone_intl", 1]]
        phone = view.tr("curation.pii.phone_intl")
        assert charts.count("<svg") == len(READING.findall(charts)) == 5
        assert READING.findall(charts)[-1] == f"Personal data was found. Most often: {phone}, in 1 row."
        assert phone in charts.rsplit("<svg", 1)[1]  # the last chart draws it, its reading follows
        for lang, start in (("pt-BR", "Foram encontrados dados pessoais."), ("es", "Se encontraron datos personales.")):
            view.language_switch.value = lang
            view.profile_button.click()
            assert any(line.startswith(start) for line in READING.findall(view.profile_charts.value)), lang
    finally:
        p.close()


def test_the_report_has_a_reading_under_every_chart_in_its_language(tmp_path):
    from workbench.charts import readings as R
    from workbench.demo import build_demo
    from workbench.i18n import Translator
    from workbench.project import Project
    from workbench.purpose.analysis import analyse
    from workbench.purpose.deliberation import Deliberation
    from workbench.runs.report import build_report

    build_demo(tmp_path / "demo", n=120).close()  # with its evaluation: every section has its charts
    html = build_report(tmp_path / "demo", language="es")
    figures = re.findall(r"<figure>.*?</figure>", html, re.S)
    lines = [re.findall(r'<p class="reading">([^<]*)</p>', f) for f in figures]
    assert len(figures) == 7 and all(f.count("<svg") == 1 for f in figures)
    assert all(len(found) == 1 for found in lines), lines  # one reading under each chart, inside its figure
    lines = [unescape(found[0]) for found in lines]
    with Project.open(tmp_path / "demo") as p:  # the deliberation chart's reading, from the same table
        table = analyse(Deliberation.load(p.store), seed=0).statements
    assert lines[0] == R.consensus_reading(table, Translator("es"))
    assert re.fullmatch(r"Más acuerdo entre los grupos: “.+” \(consenso 0,\d\d\)\.", lines[0])
    assert lines[1].startswith(("Más permitido ahora: “", "Personas que permiten “"))
    assert re.fullmatch(r"Se conservan \d+ de 1\d\d filas\. La mayor pérdida: .+ \(\d+ filas\)\.", lines[2])
    assert re.fullmatch(r"\d+ de \d+ trabajadores cobran menos del mínimo\.", lines[-1])
    assert not any(re.search(r"\d\.\d{1,2}\b", x) for x in lines), lines  # es writes 0,83, not 0.83
