"""The adapter: a project's curated views (consent enforced), its charter and hashes, as plain pandas inputs."""

from __future__ import annotations

import pytest

from workbench.consent import give, withdraw
from workbench.curation.importer import ColumnMapping, add_file
from workbench.evaluation.footprint import EstimateMeter
from workbench.evaluation.inputs import charter_criteria, from_project
from workbench.evaluation.protocol import evaluate, make_plan, split
from workbench.purpose import charter as ch

from .consent_support import make_scope
from .gates import accept_dataset, publish
from .test_evaluation_flow import synthetic


@pytest.fixture
def project(project, tmp_path):
    p = project  # conftest's, on each backend
    frame = synthetic(n=240)
    frame["received_at"] = [f"2026-03-{1 + i % 28:02d}" for i in range(len(frame))]
    frame["channel"] = ["sms" if i % 2 else "whatsapp" for i in range(len(frame))]
    path = tmp_path / "messages.csv"
    frame.reset_index(names="message_id").to_csv(path, index=False)
    add_file(p, path, ColumnMapping("contributor_id", "label", ("village",), "text"))
    publish(p.store, make_scope())
    for i in range(1, 31):
        choices = {"train": i % 5 != 0, "evaluate": True}  # every fifth person: evaluation only
        give(p.store, f"c-{i:04d}", choices, at="2026-01-01T00:00:00+00:00", method="paper", witness="f-ana",
             paper_ref=f"form {i}")
    charter = ch.Charter(title="T", problem="P", community="C", intended_uses=[ch.Item("sort the queue")],
                         out_of_scope=[ch.Item("decide care")], groups=["village"], footprint_kwh=0.5,
                         criteria=[ch.Criterion("accuracy", 0.8, ">=", "overall")])
    ch.save_draft(p.store, charter, "draft", attributes={"village", "channel"}, labels={"urgent", "routine"})
    ch.record_decision(p.store, present=5, in_favour=5, against=0, abstain=0, rule="two_thirds")
    accept_dataset(p)
    return p


def test_the_adapter_reads_the_curated_views_and_the_agreed_charter(project):
    data = from_project(project)
    assert len(data.test) == 240 and len(data.train) == 192  # 6 of 30 people permit evaluation only
    assert not data.train["contributor_id"].isin([f"c-{i:04d}" for i in (5, 10, 15, 20, 25, 30)]).any()
    assert data.target == "label" and data.text == "text" and data.groups == ["village"]
    assert data.feature_columns() == ["channel"]  # ids, dates, the text, groups and the contributor are not inputs
    assert len(data.snapshot) == 64
    prov = data.provenance
    assert prov["charter"]["status"] == "agreed" and prov["consent_scope"]["version"] == 1
    assert prov["snapshots"]["train"]["rows"] == 192
    doc = charter_criteria(project)
    assert doc["criteria"][0]["metric"] == "accuracy" and doc["footprint_kwh"] == 0.5
    for train_ids, test_ids in split(data, make_plan(data, seed=2)):
        assert train_ids.isin(data.train.index).all() and not train_ids.isin(test_ids).any()
    run = evaluate(data, ["majority", "tfidf_naive_bayes"], criteria=doc["criteria"], budget_kwh=0.5,
                   meter=EstimateMeter(), n_boot=100)
    assert run.results["tfidf_naive_bayes"].passes_all

    import os

    from workbench.cli import run_cli

    os.environ["WORKBENCH_PROGRESS"] = "1"  # the bar, although stderr is captured here (not a terminal)
    try:
        code, out, err = run_cli(["evaluate", str(project.root), "--candidates", "majority,tfidf_naive_bayes",
                                  "--seed", "4"])
    finally:
        del os.environ["WORKBENCH_PROGRESS"]
    assert code == 0, err
    assert "kfold, seed 4, 192 training rows, 240 evaluated" in out and "recommended: tfidf_naive_bayes" in out
    assert "] 14/14 " in err  # the progress bar ends full

    withdraw(project.store, "c-0001", method="paper", witness="f-ana", paper_ref="form 1b")  # views follow the ledger
    assert len(from_project(project).train) == 184
