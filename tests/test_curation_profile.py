"""Profile numbers against plain pandas; reference shares and small groups; the data-work checks; the datasheet."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from workbench.curation import datasheet, datawork
from workbench.curation import profile as P
from workbench.curation.importer import ColumnMapping
from workbench.errors import WorkbenchError

from .curation_support import curation_project


def random_frame(n=3000, seed=1):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "contributor_id": pd.array(rng.choice([f"c-{i}" for i in range(50)] + [None], n), dtype="str"),
        "label": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]),
        "g": pd.array(rng.choice(["x", "y", "z", None], n, p=[0.7, 0.2, 0.09, 0.01]), dtype="str"),
        "n": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 3, n)),
        "text": pd.array(rng.choice(["short", "a longer message here", None, "x@y.org"], n), dtype="str"),
    })
    return pd.concat([frame, frame.iloc[:40]], ignore_index=True)  # 40 exact duplicates at least


def test_profile_matches_pandas():
    frame = random_frame()
    prof = P.profile(frame, ColumnMapping("contributor_id", "label", ("g",), "text"), min_group_size=400)
    assert prof.rows == len(frame) and prof.columns == 5
    assert prof.duplicates == int(frame.duplicated().sum())
    table = prof.column_table.set_index("column")
    for col in frame.columns:
        assert table.loc[col, "missing"] == frame[col].isna().sum()
        assert table.loc[col, "distinct"] == frame[col].nunique(dropna=True)
    assert table.loc["n", "kind"] == "number" and table.loc["text", "kind"] == "text"
    counts = frame["label"].value_counts()
    assert dict(zip(prof.labels["label"], prof.labels["count"], strict=True)) == counts.to_dict()
    g = prof.groups.set_index("group", drop=False)
    assert g.loc["x", "count"] == (frame["g"] == "x").sum()
    assert prof.groups["group"].isna().sum() == 1  # missing values are a visible group
    assert set(prof.small_groups["group"]) == {"z"}
    lengths = frame["text"].str.len()
    assert prof.text_length.iloc[0]["mean"] == pytest.approx(lengths.mean())
    assert prof.text_histogram["rows"].sum() == lengths.notna().sum()
    assert prof.pii.to_dict(orient="records") == [{"column": "text", "kind": "email",
                                                   "rows": int((frame["text"] == "x@y.org").sum())}]


def test_duplicates_with_many_distinct_columns_use_the_hash_path():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"c{i}": rng.integers(0, 10**6, 5000) for i in range(8)})
    frame = pd.concat([frame, frame.iloc[:7]], ignore_index=True)
    _table, dupes = P.columns_and_duplicates(frame)
    assert dupes == int(frame.duplicated().sum()) == 7


def test_reference_shares(tmp_path, backend_url):
    p, ds = curation_project(tmp_path, store_url=backend_url)
    P.set_reference(p.store, "hood", P.parse_shares("A = 0.5\nB=0.4, C: 0.1"), "census 2022")
    prof = P.project_profile(p)
    g = prof.groups.set_index("group")
    assert g.loc["A", "reference"] == 0.5 and g.loc["C", "count"] == 0 and g.loc["C", "small"]
    assert g.loc["A", "gap"] == pytest.approx(5 / 9 - 0.5)
    for text, key in (("A=0.5", "curation.error.share_total"), ("A=x, B=1", "curation.error.share_number"),
                      ("A=1.5", "curation.error.share_range")):
        with pytest.raises(WorkbenchError) as err:
            P.set_reference(p.store, "hood", P.parse_shares(text))
        assert err.value.key == key
    with pytest.raises(WorkbenchError) as err:
        P.parse_shares("just words")
    assert err.value.key == "curation.error.share_format"
    assert P.charter_min_group_size(p.store) == P.DEFAULT_MIN_GROUP_SIZE
    p.close()


# -- data work ----------------------------------------------------------------------------------
def test_datawork_checks(tmp_path, backend_url):
    p, _ds = curation_project(tmp_path, store_url=backend_url)
    s = p.store
    today = date(2026, 6, 30)
    datawork.set_terms(s, 25, "brl", 30, "A share of grants.")
    datawork.record(s, "labelling", "w-1", hours=10, pay=300, currency="BRL", on="2026-05-01", paid_on="2026-05-05")
    datawork.record(s, "labelling", "w-2", hours=10, pay=150, currency="BRL", on="2026-05-01", paid_on="2026-05-05")
    # pay for items alone (no hours) must not raise w-2's hourly pay above what their hours earned
    datawork.record(s, "labelling", "w-2", items=500, pay=400, currency="BRL", on="2026-05-02", paid_on="2026-05-05")
    late = datawork.record(s, "translation", "w-3", hours=4, pay=100, currency="BRL", on="2026-05-01")
    datawork.record(s, "facilitation", "w-4", hours=2, pay=0, currency="BRL", on="2026-06-01")
    datawork.record(s, "transcription", "w-5", items=40, pay=80, currency="USD", on="2026-06-01",
                    paid_on="2026-06-02")
    gone = datawork.record(s, "cleaning", "w-9", hours=1, pay=1, currency="BRL", on="2026-06-01")
    datawork.void(s, gone.payload["id"], "typed twice")
    c = datawork.check(p, today)
    w = c.workers.set_index("worker")
    assert w.loc["w-1", "hourly"] == 30 and not w.loc["w-1", "below_floor"]
    assert w.loc["w-2", "hourly"] == 15 and w.loc["w-2", "below_floor"]
    assert w.loc["w-3", "late_entries"] == 1 and w.loc["w-4", "unpaid_entries"] == 1
    assert "w-9" not in w.index
    sm = c.summary
    assert w.loc["w-2", "pay"] == 550  # all pay counts in the total
    assert sm["workers"] == 5 and sm["unpaid_entries"] == 1 and sm["late_entries"] == 1
    assert sm["other_currency_entries"] == 1 and sm["hourly_floor"] == 25 and sm["currency"] == "BRL"
    assert sm["share_at_or_above_floor"] == pytest.approx(2 / 4)  # w-1, w-3 (25/h) of w-1..w-4
    datawork.mark_paid(s, late.payload["id"], "2026-06-20")
    assert datawork.check(p, today).summary["late_entries"] == 1  # paid, but after the 30 days
    datawork.mark_paid(s, late.payload["id"], "2026-05-20")
    assert datawork.check(p, today).summary["late_entries"] == 0
    out = datawork.export_csv(p, tmp_path / "work.csv").read_text()
    assert "w-1" in out and "Typed" not in out
    p.close()


@pytest.mark.parametrize("kwargs,key", [
    ({"task": "coding"}, "curation.work.error.task"),
    ({"worker": "Maria Silva"}, "curation.work.error.worker"),
    ({"worker": "=cmd|' /C calc'!A0"}, "curation.work.error.worker"),
    ({"hours": None, "items": None}, "curation.work.error.amount"),
    ({"hours": "-1"}, "curation.work.error.number"),
    ({"pay": "lots"}, "curation.work.error.number"),
    ({"currency": "R$"}, "curation.work.error.currency"),
    ({"on": "yesterday"}, "curation.work.error.date"),
    ({"paid_on": "2026-04-01"}, "curation.work.error.paid_before"),
    ({"hours": 10_000}, "curation.work.error.hours"),
])
def test_datawork_refuses_bad_entries(tmp_path, kwargs, key):
    p, _ds = curation_project(tmp_path)
    args = {"task": "labelling", "worker": "w-1", "hours": 2, "items": None, "pay": 50, "currency": "BRL",
            "on": "2026-05-01", "paid_on": None} | kwargs
    before = p.store.count()
    with pytest.raises(WorkbenchError) as err:
        datawork.record(p.store, args.pop("task"), args.pop("worker"), **args)
    assert err.value.key == key and p.store.count() == before
    p.close()


def test_terms_from_workbench_toml(tmp_path):
    p, _ds = curation_project(tmp_path)
    cfg = p.root / "workbench.toml"
    cfg.write_text(cfg.read_text() + '\n[datawork]\nhourly_floor = 20\ncurrency = "ars"\n')
    t = datawork.terms(p)
    assert t.hourly_floor == 20 and t.currency == "ARS" and t.payment_days == 30
    with pytest.raises(WorkbenchError):
        datawork.set_terms(p.store, 0, "BRL")
    p.close()


# -- the datasheet --------------------------------------------------------------------------------
HOSTILE = '<script>alert(1)</script> | =cmd'


def test_datasheet_fills_facts_and_answers_and_escapes(tmp_path, backend_url):
    p, ds = curation_project(tmp_path, store_url=backend_url)
    datasheet.answer(p.store, "motivation", "purpose", HOSTILE, "en")
    datasheet.answer(p.store, "uses", "avoid", "Never to deny care.", "en")
    datasheet.answer(p.store, "uses", "avoid", "", "en")  # cleared
    datawork.set_terms(p.store, 25, "BRL")
    datawork.record(p.store, "labelling", "w-1", hours=10, pay=150, currency="BRL", on=date.today() - timedelta(1))
    md_path, html_path = datasheet.write(p, "pt-BR")
    md, html = md_path.read_text(), html_path.read_text()
    snaps = {s.use: s.content_sha256 for s in __import__("workbench.curation.snapshot", fromlist=["x"]).history(p.store)}
    assert set(snaps) == {"train", "evaluate"}
    for text in (md, html):
        assert snaps["train"] in text and ds.sha256 in text
        for section in datasheet.SECTIONS:
            assert f"curation.ds.section.{section}" not in text  # every title translated
        assert "Motivação" in text and "Ficha técnica" in text
        assert "<script>" not in text
        assert "Ainda sem resposta." in text  # the visible placeholder
        assert "Never to deny care." not in text
    assert "&lt;script&gt;" in html and "\\|" in md
    assert "25.00 BRL" in md  # the floor
    assert p.store.events(kinds=["datasheet.written"])[-1].payload["snapshots"]["train"] == snaps["train"]
    stages = {s.stage.key: s.status for s in p.stages()}
    assert stages["curation"] == "in_progress"  # done once the community accepts the data with its datasheet
    from .gates import accept_dataset

    accept_dataset(p)
    assert {s.stage.key: s.status for s in p.stages()}["curation"] == "done"
    with pytest.raises(WorkbenchError) as err:
        datasheet.answer(p.store, "nope", "purpose", "x")
    assert err.value.key == "curation.error.ds_section"
    with pytest.raises(WorkbenchError) as err:
        datasheet.answer(p.store, "uses", "purpose", "x")
    assert err.value.key == "curation.error.ds_question"
    p.close()


def test_every_datasheet_question_has_text_in_every_language():
    from workbench.i18n import catalog

    for lang in ("en", "pt-BR", "es"):
        cat = catalog(lang)
        for section, questions in datasheet.SECTIONS.items():
            assert f"curation.ds.section.{section}" in cat
            for q in questions:
                assert f"curation.ds.q.{q}" in cat
