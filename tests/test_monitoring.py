"""After adoption: batches of outcomes from use, consent to monitoring, stored numbers, the under-review rule,
refusals, the lifetime footprint, and the facilitator's view, on a real demo project with an adopted model."""

from __future__ import annotations

import csv
import shutil

import pytest

import workbench
from workbench.errors import WorkbenchError
from workbench.evaluation.footprint import EstimateMeter
from workbench.i18n import Translator
from workbench.monitoring import (
    BELOW,
    HOLDS,
    INSUFFICIENT,
    add_batch,
    judge,
    lifetime_footprint,
    measure_inference,
    server_energy,
    status,
    under_review_reasons,
)

COLUMNS = ("date", "contributor_id", "neighbourhood", "age_band", "language", "prediction", "outcome")


def build_monitored_demo(root):
    """The demo (400 messages) with a scope that offers monitoring, so the residents who chose every use also
    chose monitoring (the demo grants every choosable use to them)."""
    from workbench.consent.scope import CHOOSES
    from workbench.demo import build_demo
    from workbench.demo import consent as demo_consent

    original = demo_consent.demo_scope

    def with_monitoring():
        scope = original()
        return scope.replace(uses={**scope.uses, "monitor": CHOOSES})

    import workbench.demo as demo_pkg

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo_consent, "demo_scope", with_monitoring)
        # up to the adoption: the demo's own "afterwards" stage adds a batch of its own
        mp.setattr(demo_pkg, "STAGE_MODULES", tuple(s for s in demo_pkg.STAGE_MODULES if s != "afterwards"))
        build_demo(root, n=400).close()
    return root


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    return build_monitored_demo(tmp_path_factory.mktemp("monitoring") / "demo")


@pytest.fixture
def demo(demo_root, tmp_path):
    """A private copy of the demo project (each test adds its own batches)."""
    path = tmp_path / "demo"
    shutil.copytree(demo_root, path, ignore=shutil.ignore_patterns("*.writelock"))
    project = workbench.open(path)
    yield project
    project.close()


def _batch(project, path, **kw):
    from workbench.demo.monitoring import demo_batch

    return demo_batch(project, path, **kw)


def _rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path, rows, columns=COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# -- the rule -------------------------------------------------------------------------------------------------
def test_the_under_review_rule_needs_enough_rows_and_the_whole_interval_on_the_failing_side():
    assert judge(0.4, 0.26, 0.55, ">=", 0.7, 183, 30) == (BELOW, "monitor.reason.below")
    assert judge(0.4, 0.26, 0.55, ">=", 0.7, 29, 30)[0] == INSUFFICIENT  # too few rows, however low
    assert judge(0.6, 0.45, 0.75, ">=", 0.7, 100, 30) == (INSUFFICIENT, "monitor.reason.unsure")  # reaches across
    assert judge(0.75, 0.5, 0.9, ">=", 0.7, 100, 30)[0] == HOLDS
    assert judge(None, None, None, ">=", 0.7, 100, 30)[0] == INSUFFICIENT
    assert judge(0.6, None, None, ">=", 0.7, 100, 30)[0] == INSUFFICIENT  # no interval: cannot confirm
    # "at most": the whole interval above the threshold
    assert judge(0.5, 0.35, 0.65, "<=", 0.3, 40, 20)[0] == BELOW
    assert judge(0.5, 0.25, 0.65, "<=", 0.3, 40, 20)[0] == INSUFFICIENT
    assert judge(0.2, 0.1, 0.4, "<=", 0.3, 40, 20)[0] == HOLDS


# -- consent --------------------------------------------------------------------------------------------------
def test_only_rows_whose_contributor_consented_to_monitoring_at_the_batch_time_are_kept(demo, tmp_path):
    from workbench.consent.ledger import ConsentLedger, withdraw

    path = _batch(demo, tmp_path / "b.csv")
    rows = _rows(path)
    ledger = ConsentLedger.load(demo.store)
    permitted = {r["contributor_id"] for r in rows if ledger.permits(r["contributor_id"], "monitor")}
    assert 0 < len(permitted) < len({r["contributor_id"] for r in rows})  # some did not consent
    # One resident who consented withdraws monitoring today: their rows go from a batch checked now...
    gone = sorted(permitted)[0]
    withdraw(demo.store, gone, ["monitor"], method="paper", actor="facilitator", witness="f-ana",
             paper_ref="ficha 9")
    ev = add_batch(demo, path)
    p = ev.payload
    expected = sum(1 for r in rows if r["contributor_id"] in permitted - {gone})
    assert p["rows"] == len(rows) and p["kept"] == expected
    assert p["dropped_no_consent"] == len(rows) - expected == sum(p["dropped_by_reason"].values())
    assert p["dropped_by_reason"]["withdrawn"] >= sum(1 for r in rows if r["contributor_id"] == gone)
    assert set(p["dropped_by_reason"]) <= {"no_contributor", "no_record", "refused", "withdrawn", "expired", "never"}
    # ... and the stored counts per group add up to the kept rows, not the file's
    for counts in p["groups"].values():
        assert sum(g["rows"] for g in counts) == p["kept"]
    # the raw file is stored under data/ by its content hash
    import hashlib

    stored = demo.data_dir / p["file"]
    assert p["file"] == f"{p['sha256']}.csv" and hashlib.sha256(stored.read_bytes()).hexdigest() == p["sha256"]


def test_a_scope_that_does_not_offer_monitoring_keeps_no_row(tmp_path):
    import workbench.demo as demo_pkg
    from workbench.consent.scope import NEVER
    from workbench.demo import build_demo
    from workbench.demo import consent as demo_consent

    original = demo_consent.demo_scope
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo_consent, "demo_scope", lambda: original().replace(uses={**original().uses,
                                                                               "monitor": NEVER}))
        mp.setattr(demo_pkg, "STAGE_MODULES", tuple(s for s in demo_pkg.STAGE_MODULES if s != "afterwards"))
        project = build_demo(tmp_path / "plain", n=400)
    try:
        p = add_batch(project, _batch(project, tmp_path / "b.csv")).payload
        assert p["kept"] == 0 and p["dropped_by_reason"] == {"never": p["rows"]} and p["results"] == []
    finally:
        project.close()


# -- stored numbers -------------------------------------------------------------------------------------------
def test_the_demo_batch_puts_one_group_under_review_and_everything_else_holds(demo, tmp_path):
    ev = add_batch(demo, _batch(demo, tmp_path / "b.csv"))
    results = ev.payload["results"]
    below = [r for r in results if r["status"] == BELOW]
    assert [(r["attribute"], r["group"], r["metric"]) for r in below] == [("neighbourhood", "Campo Verde", "recall")]
    assert all(r["status"] == HOLDS for r in results if r not in below)
    assert {r["criterion"] for r in results} == {c["id"] for c in ev.payload["criteria"]}
    cv = below[0]
    assert cv["n"] >= cv["min_group_size"] and cv["hi"] < cv["threshold"]
    assert cv["evaluated"]["value"] is not None  # the adopted model's own figure at evaluation, for comparison
    # The stored value is the recall of "urgent" among Campo Verde's consented rows with a known outcome.
    from workbench.consent.ledger import ConsentLedger

    ledger = ConsentLedger.load(demo.store)
    mine = [r for r in _rows(tmp_path / "b.csv") if r["neighbourhood"] == "Campo Verde" and r["outcome"] == "urgent"
            and ledger.permits(r["contributor_id"], "monitor")]
    assert cv["value"] == pytest.approx(sum(r["prediction"] == "urgent" for r in mine) / len(mine), abs=1e-6)
    assert ev.payload["model"]["candidate"] == demo.store.events(kinds=["modelcard.written"])[-1].payload["candidate"]
    reasons = under_review_reasons(demo, since_seq=0)
    assert [(r["batch"], r["group"], r["criterion"]) for r in reasons] == [(ev.seq, "Campo Verde", cv["criterion"])]
    assert under_review_reasons(demo, since_seq=ev.seq) == []


def test_status_reads_the_logged_numbers_and_never_recomputes(demo, tmp_path, monkeypatch):
    ev = add_batch(demo, _batch(demo, tmp_path / "b.csv"))
    import workbench.evaluation.metrics as metrics

    def refuse(*a, **k):
        raise AssertionError("status recomputed the metrics")

    monkeypatch.setattr(metrics, "group_metrics", refuse)
    st = status(demo)
    assert [b["seq"] for b in st["batches"]] == [ev.seq]
    assert [r["value"] for r in st["rows"]] == [r["value"] for r in ev.payload["results"]]
    assert [r["group"] for r in st["under_review"]] == ["Campo Verde"]
    assert st["groups"]["neighbourhood"]["Campo Verde"][0]["batch"] == ev.seq


def test_a_small_group_that_looks_bad_is_not_enough_evidence(demo, tmp_path):
    rows = _rows(_batch(demo, tmp_path / "full.csv"))
    cv = [r for r in rows if r["neighbourhood"] == "Campo Verde"][:20]  # fewer rows than the criterion's 30
    small = _write(tmp_path / "small.csv", [r for r in rows if r["neighbourhood"] != "Campo Verde"] + cv)
    ev = add_batch(demo, small)
    row = next(r for r in ev.payload["results"] if r["group"] == "Campo Verde")
    assert row["n"] < row["min_group_size"] and row["status"] == INSUFFICIENT
    assert row["reason"] == "evaluation.reason.too_few_rows"
    assert under_review_reasons(demo, 0) == []


# -- refusals -------------------------------------------------------------------------------------------------
def _good(demo, tmp_path):
    return _rows(_batch(demo, tmp_path / "good.csv"))


def test_bad_batches_are_refused_with_one_sentence_and_nothing_logged(demo, tmp_path):
    rows = _good(demo, tmp_path)
    before = demo.store.count()
    cases = [
        (_write(tmp_path / "nocol.csv", rows, [c for c in COLUMNS if c != "language"]), "monitor.error.no_column",
         "no column 'language'"),
        (_write(tmp_path / "date.csv", [*rows[:5], {**rows[5], "date": "05/11/2026"}, *rows[6:]]),
         "monitor.error.bad_date", "Line 7"),
        (_write(tmp_path / "future.csv", [{**rows[0], "date": "2999-01-01"}, *rows[1:]]), "monitor.error.future_date",
         "Line 2"),
        (_write(tmp_path / "nopred.csv", [*rows[:2], {**rows[2], "prediction": " "}, *rows[3:]]),
         "monitor.error.no_prediction", "Line 4"),
        (tmp_path / "missing.csv", "file.error.missing", "There is no file"),
    ]
    for path, key, words in cases:
        with pytest.raises(WorkbenchError) as info:
            add_batch(demo, path)
        assert info.value.key == key and words in info.value.sentence, (key, info.value.sentence)
        assert "\n" not in info.value.sentence
    assert demo.store.count() == before
    received = {e.payload["file"] for e in demo.store.events(kinds=["data.received"])}
    assert {p.name for p in demo.data_dir.iterdir()} == received  # no batch file was stored


def test_a_file_over_the_projects_limit_is_refused_before_it_is_read(demo, tmp_path):
    rows = _good(demo, tmp_path)
    big = _write(tmp_path / "big.csv", rows * 40)
    assert big.stat().st_size > 1_000_000
    demo.config.limits.data_file_mb = 1
    with pytest.raises(WorkbenchError) as info:
        add_batch(demo, big)
    assert info.value.key == "file.error.too_big"


def test_the_same_batch_twice_and_a_project_without_an_adopted_model_are_refused(demo, project, tmp_path):
    path = _batch(demo, tmp_path / "b.csv")
    ev = add_batch(demo, path)
    with pytest.raises(WorkbenchError, match=f"already added \\(event {ev.seq}\\)"):
        add_batch(demo, path)
    with pytest.raises(WorkbenchError) as info:
        add_batch(project, path)  # a fresh project: nothing adopted
    assert info.value.key == "monitor.error.no_model"


# -- footprint --------------------------------------------------------------------------------------------------
def test_the_lifetime_footprint_adds_training_evaluation_inference_and_the_server(demo, tmp_path):
    ev = add_batch(demo, _batch(demo, tmp_path / "b.csv"))
    rows = ev.payload["rows"]
    recorded = [e.payload["footprint"] for e in demo.store.events(kinds=["evaluation.recorded"])]
    f = lifetime_footprint(demo)
    assert f["training_kwh"] == pytest.approx(sum(x["train_kwh"] for x in recorded))
    assert f["evaluation_kwh"] == pytest.approx(sum(x["eval_kwh"] for x in recorded))
    assert f["inference_kwh"] == 0 and f["predictions"] == f["predictions_unmeasured"] == rows
    m = measure_inference(demo, n=300, meter=EstimateMeter("BR")).payload
    assert m["n"] == 300 and m["kwh_per_1000"] >= 0 and m["method"] == "estimate"
    server_energy(demo, 0.2, "plug meter, November")
    server_energy(demo, "0.35", "plug meter, December")
    with pytest.raises(WorkbenchError) as info:
        server_energy(demo, -1)
    assert info.value.key == "monitor.error.bad_kwh"
    f = lifetime_footprint(demo)
    assert f["predictions_unmeasured"] == 0 and f["server_kwh"] == pytest.approx(0.55) and f["server_records"] == 2
    assert f["inference_kwh"] == pytest.approx(rows / 1000 * m["kwh_per_1000"])
    assert f["total_kwh"] == pytest.approx(f["training_kwh"] + f["evaluation_kwh"] + f["inference_kwh"] + 0.55)
    assert f["budget_kwh"] == 0.5 and f["within"] is False  # the demo charter's budget: 0.5 kWh
    assert f["share_of_budget"] == pytest.approx(f["total_kwh"] / 0.5)


# -- the view ---------------------------------------------------------------------------------------------------
def test_the_view_adds_a_batch_shows_the_flag_and_the_footprint(demo, tmp_path):
    from workbench.ui.evaluation.monitoring import MonitoringView

    view = MonitoringView(demo, language="en", meter=EstimateMeter("BR"))
    assert "No batch" in view.table.value or "no batch" in view.table.value.lower()
    view.path.value = str(tmp_path / "nothing.csv")
    view.add.click()
    assert "wb-error" in view.status.value and not demo.store.events(kinds=["monitor.batch_added"])
    data = _batch(demo, tmp_path / "b.csv").read_bytes()
    ev = view.add_bytes(data, "lote-novembro.csv")
    assert ev is not None and ev.payload["original_name"] == "lote-novembro.csv"
    assert 'data-under-review="1"' in view.table.value and 'data-status="below"' in view.table.value
    assert "Campo Verde" in view.table.value and "[monitor." not in view.table.value
    view.server_kwh.value = "1,5"
    view.server_add.click()
    assert demo.store.events(kinds=["monitor.server_energy"])[-1].payload["kwh"] == 1.5
    assert 'data-within="False"' in view.footprint.value and "[monitor." not in view.footprint.value
    view.measure.click()
    assert demo.store.events(kinds=["monitor.inference_measured"])
    view.set_language("pt-BR")
    assert "[monitor." not in view.widget.children[1].value + view.table.value + view.footprint.value
    refused = MonitoringView(demo, role="participant", language="es")
    assert Translator("es")("monitor.ui.facilitators_only") in refused.status.value
    assert "data-within" not in refused.footprint.value  # nothing of the model is shown


def test_the_view_retires_the_model_only_after_the_communitys_decision(demo):
    from workbench.evaluation.lifecycle import in_use
    from workbench.ui.evaluation.monitoring import MonitoringView

    view = MonitoringView(demo, language="en", meter=EstimateMeter("BR"))
    view.retire_reason.value = "Campo Verde's urgent messages are missed."
    view.retire.click()
    assert "has not decided to retire" in view.status.value and in_use(demo.store) is not None
    gate = view.retire_gate
    gate.present.value, gate.in_favour.value, gate.against.value, gate.abstain.value = 16, 14, 1, 1
    gate.record.click()
    assert "Agreed." in gate.message.value
    view.retire.click()
    assert "is retired, as the community decided" in view.status.value and in_use(demo.store) is None
