"""The evaluation app without a browser: choose, run, read the table, record the decision."""

from __future__ import annotations

import pytest

from workbench.evaluation import artifacts, inputs
from workbench.evaluation.footprint import EstimateMeter
from workbench.ui.evaluation.desk import EvaluationView

from .test_evaluation_flow import CRITERIA, data_for, synthetic


@pytest.fixture
def view(project, monkeypatch):
    monkeypatch.setattr(inputs, "from_project", lambda project, at=None: data_for(synthetic()))
    monkeypatch.setattr(inputs, "charter_criteria", lambda project: {"criteria": CRITERIA, "footprint_kwh": 1.0})
    monkeypatch.setattr(artifacts, "model_format", lambda: "joblib")  # the format is tested in test_evaluation_flow
    v = EvaluationView(project, "en", meter=EstimateMeter("BR"), n_boot=100)
    v.background = False
    return v


def test_without_data_the_app_says_why(project):
    v = EvaluationView(project, "en", meter=EstimateMeter())
    assert "no dataset" in v.status.value.lower() and "wb-error" in v.status.value
    assert "No evaluation has run yet." in v.table.value


def test_run_shows_the_criteria_table_and_records_a_decision(view, project):
    for key, box in view.candidates.items():
        box.value = key in ("majority", "tfidf_naive_bayes")
    view.candidates["embeddings_logistic"].value = False
    view.seed.value = 3
    view.run.click()
    store = project.store
    started = store.events(kinds=["evaluation.started"])[-1].payload
    assert started["seed"] == 3 and started["candidates"] == ["majority", "tfidf_naive_bayes"]
    assert 'data-candidate="tfidf_naive_bayes"' in view.table.value
    assert 'data-status="pass"' in view.table.value and 'data-status="fail"' in view.table.value
    assert view.progress.value == view.progress.max
    assert 'data-recommended="tfidf_naive_bayes"' in view.recommendation.value
    kids = view.charts.children  # each chart with its plain reading under it
    assert len(kids) == 4 and "<svg" in kids[0].value and "<svg" in kids[2].value
    assert kids[1].value == '<p class="wb-reading">Only Words (TF-IDF) + naive Bayes passes every criterion.</p>'
    assert kids[3].value.startswith(('<p class="wb-reading">Every group meets', '<p class="wb-reading">Group '))
    assert view.decision.value == "tfidf_naive_bayes"
    view.decision.value = "majority"
    view.reason.value = ""
    view.record.click()
    assert "wb-error" in view.message.value  # the baseline fails a criterion: a reason is needed
    assert not store.events(kinds=["evaluation.decided"])
    view.decision.value = "tfidf_naive_bayes"
    view.record.click()
    assert "has not decided" in view.message.value and not store.events(kinds=["modelcard.written"])
    view.gate.open_vote.click()  # members vote from their phones: the register is empty here
    assert "register is empty" in view.gate.message.value
    gate = view.gate
    gate.present.value, gate.in_favour.value, gate.against.value = 9, 8, 1
    gate.record.click()
    assert "Agreed." in gate.message.value
    view.record.click()
    assert store.events(kinds=["modelcard.written"])[-1].payload["candidate"] == "tfidf_naive_bayes"
    assert "wb-ok" in view.message.value
    # This test's rows bypassed consent (no ledger records): drift flags every training row.
    assert 'data-drift="retrain"' in view.drift.value and "300 training rows from 30 people" in view.drift.value
    view.language_switch.value = "pt-BR"
    assert "Critérios, para cada candidato" in view.table.value


def test_cancel_stops_the_run_and_it_is_logged(view, project):
    for key, box in view.candidates.items():
        box.value = key in ("majority", "naive_bayes", "tfidf_logistic")
    original = view._progress

    def click_cancel(*args):
        original(*args)
        view.cancel.click()

    view._progress = click_cancel
    view.run.click()
    assert project.store.events(prefix="evaluation.")[-1].kind == "evaluation.cancelled"
    assert "cancelled" in view.status.value and not view.run.disabled and view.cancel.disabled


def test_a_background_run_can_be_joined(view, project):
    view.background = True
    for key, box in view.candidates.items():
        box.value = key == "majority"
    view.run.click()
    view.join(60)
    assert not view.running()
    assert project.store.events(prefix="evaluation.")[-1].kind == "evaluation.completed"
