"""Consent enforced row by row: each exclusion reason, train vs evaluate, the actions, the snapshot hash,
and the vectorised result against a slow row-by-row reference on random data (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from workbench.consent import _time
from workbench.consent import ledger as L
from workbench.curation import actions, enforce, importer, snapshot
from workbench.curation.enforce import REASONS
from workbench.errors import WorkbenchError

from .curation_support import curation_project

NOW = "2026-06-01"
LATER = _time.iso(datetime.now(UTC) + timedelta(days=1))  # after the test scope is published


@pytest.fixture
def proj(tmp_path, backend_url):
    p, ds = curation_project(tmp_path, store_url=backend_url)
    yield p, ds
    p.close()


def reasons(view) -> list[str]:
    return view.reason.astype(str).tolist()


def test_each_exclusion_reason(proj):
    p, _ds = proj
    view = enforce.curated(p, "train", NOW)
    assert reasons(view) == ["kept", "kept", "no_contributor", "no_record", "refused", "withdrawn", "expired",
                             "refused", "kept"]
    assert view.counts == {"no_contributor": 1, "no_record": 1, "refused": 2, "withdrawn": 1, "expired": 1,
                           "never": 0, "excluded": 0, "kept": 3}
    assert list(view.frame.index) == [0, 1, 8]
    wf = view.waterfall()
    assert wf["step"].tolist() == ["raw", *REASONS]
    assert wf.iloc[0]["rows"] == 9 and wf.iloc[-1]["rows"] == 3 and wf.iloc[-1]["end"] == 3


def test_train_and_evaluate_are_separate_uses(proj):
    p, _ds = proj
    train = reasons(enforce.curated(p, "train", NOW))
    evaluate = reasons(enforce.curated(p, "evaluate", NOW))
    assert train[7] == "refused" and evaluate[7] == "kept"  # c-evalonly: may test a model, not train one
    assert train[5] == "withdrawn" and evaluate[5] == "kept"  # c-withdrew withdrew train only


def test_a_use_the_scope_forbids_is_never(proj):
    p, _ds = proj
    view = enforce.curated(p, "commercial")  # the scope (published today) forbids it
    assert set(reasons(view)) == {"never", "no_contributor"}


def test_time_matters(proj):
    p, _ds = proj
    before = reasons(enforce.curated(p, "train", "2026-02-01"))
    assert before[5] == "kept"  # before the withdrawal
    assert reasons(enforce.curated(p, "train", "2024-06-01"))[6] == "kept"  # before the expiry
    assert reasons(enforce.curated(p, "train", "2025-06-01"))[0] == "no_record"  # before c-ok consented


def test_curation_exclusions_and_revert(proj):
    p, ds = proj
    dup = actions.exclude_rule(p.store, ds, None, "duplicate", reason="forwarded twice")
    view = enforce.curated(p, "train", NOW)
    assert view.counts["excluded"] == 1 and reasons(view)[8] == "excluded"
    rows = actions.exclude_rows(p.store, ds, [0], reason="off topic")
    assert enforce.curated(p, "train", NOW).counts["kept"] == 1
    actions.revert(p.store, ds, dup.id, reason="keep both")
    view = enforce.curated(p, "train", NOW)
    assert reasons(view)[8] == "kept" and reasons(view)[0] == "excluded"
    with pytest.raises(WorkbenchError) as err:
        actions.revert(p.store, ds, dup.id, reason="again")
    assert err.value.key == "curation.error.already_reverted"
    log = actions.CurationLog.load(p.store)
    assert [a.kind for a in log.for_dataset(ds.sha256)] == [actions.EXCLUDED, actions.EXCLUDED, actions.REVERTED]
    assert [a.id for a in log.active(ds.sha256)] == [rows.id]
    assert all(a.actor == "facilitator" and a.ts and a.reason for a in log.actions)


def test_transforms_redact_hash_drop_correct(proj):
    p, ds = proj
    actions.redact(p.store, ds, ["text"], reason="phones")
    actions.hash_column(p.store, ds, "hood", reason="small places")
    actions.correct_labels(p.store, ds, [1], "routine", reason="misread")
    view = enforce.curated(p, "train", NOW)
    assert view.frame.loc[0, "text"] == "call me on [PHONE]"
    assert view.frame.loc[1, "label"] == "routine"
    hashed = view.frame["hood"].tolist()
    assert all(len(h) == 16 and h != "A" for h in hashed) and hashed[0] == hashed[1]
    actions.drop_column(p.store, ds, "hood", reason="not needed")
    assert "hood" not in enforce.curated(p, "train", NOW).frame.columns
    raw = importer.load_frame(p, ds)
    assert raw.loc[0, "text"].endswith("5678") and raw.loc[1, "label"] == "information"  # raw never modified


@pytest.mark.parametrize("call,key", [
    (lambda s, ds: actions.exclude_rule(s, ds, "nope", "==", "x", reason="r"), "curation.error.no_such_column"),
    (lambda s, ds: actions.exclude_rule(s, ds, "hood", "~", "x", reason="r"), "curation.error.bad_op"),
    (lambda s, ds: actions.exclude_rule(s, ds, "hood", "==", "", reason="r"), "curation.error.no_value"),
    (lambda s, ds: actions.exclude_rule(s, ds, "hood", "<", "abc", reason="r"), "curation.error.not_a_number"),
    (lambda s, ds: actions.exclude_rule(s, ds, "hood", "==", "A", reason=" "), "curation.error.no_reason"),
    (lambda s, ds: actions.exclude_rows(s, ds, [99], reason="r"), "curation.error.bad_row"),
    (lambda s, ds: actions.exclude_rows(s, ds, ["x"], reason="r"), "curation.error.bad_row"),
    (lambda s, ds: actions.exclude_rows(s, ds, [], reason="r"), "curation.error.no_rows"),
    (lambda s, ds: actions.drop_column(s, ds, "contributor_id", reason="r"), "curation.error.protected_column"),
    (lambda s, ds: actions.hash_column(s, ds, "label", reason="r"), "curation.error.protected_column"),
    (lambda s, ds: actions.correct_labels(s, ds, [0], " ", reason="r"), "curation.error.empty_label"),
    (lambda s, ds: actions.redact(s, ds, ["text"], ["nope"], reason="r"), "curation.error.unknown_pattern"),
    (lambda s, ds: actions.revert(s, ds, "no-such-id", reason="r"), "curation.error.no_action"),
])
def test_actions_refuse_bad_input_and_log_nothing(proj, call, key):
    p, ds = proj
    before = p.store.count()
    with pytest.raises(WorkbenchError) as err:
        call(p.store, ds)
    assert err.value.key == key
    assert p.store.count() == before


@pytest.mark.parametrize("op,value,expected", [
    ("==", "A", [0, 1, 5, 6, 8]), ("!=", "A", [2, 3, 4, 7]), ("in", "A, B", list(range(9))),
    ("not_in", "B", [0, 1, 5, 6, 8]), ("contains", "clinic", [1, 8]), ("missing", None, []),
    ("present", None, list(range(9))),
])
def test_rule_masks(proj, op, value, expected):
    p, ds = proj
    frame = importer.load_frame(p, ds)
    col = "text" if op == "contains" else "hood"
    rule = actions.check_rule(ds, col, op, value)
    assert list(np.flatnonzero(actions.rule_mask(frame, rule))) == expected


def test_numeric_rules():
    frame = pd.DataFrame({"n": ["1", "5", None, "x", "10"]})
    assert actions.rule_mask(frame, {"column": "n", "op": ">=", "value": 5.0}).tolist() == [False, True, False,
                                                                                            False, True]


# -- the snapshot ---------------------------------------------------------------------------------
def test_snapshot_is_deterministic_and_follows_its_inputs(proj, tmp_path):
    p, ds = proj
    _v, _ds, inputs, h1, data = snapshot.compute(p, "train", LATER)
    _v, _ds, inputs2, h2, _ = snapshot.compute(p, "train", LATER)
    assert h1 == h2 and inputs == inputs2
    assert inputs["raw_sha256"] == ds.sha256 and inputs["scope"]["version"] == 1
    assert data.startswith(b"row,contributor_id,") and len(data.splitlines()) == 4
    # the same inputs in another project folder (its store in SQLite, whatever this one's) give the same hash
    q, _ = curation_project(tmp_path / "other")
    assert snapshot.compute(q, "train", LATER)[3] == h1
    q.close()
    # a curation event changes it; reverting it brings the same content back
    a = actions.exclude_rows(p.store, ds, [1], reason="x")
    h3 = snapshot.compute(p, "train", LATER)[3]
    assert h3 != h1
    actions.revert(p.store, ds, a.id, reason="undo")
    assert snapshot.compute(p, "train", LATER)[3] == h1
    # consent changes it
    L.withdraw(p.store, "c-ok", ["train"], method="paper", at="2026-05-01", witness="f-ana", paper_ref="form 9")
    assert snapshot.compute(p, "train", LATER)[3] != h1
    snap = snapshot.take(p, "train", LATER)
    assert (p.artifacts_dir / snap.file).read_bytes().startswith(b"row,")
    assert snapshot.latest(p.store, "train").content_sha256 == snap.content_sha256
    assert snap.counts["withdrawn"] == 4


def test_csv_export_neutralises_formulas(tmp_path):
    frame = pd.DataFrame({"text": ["=HYPERLINK(\"x\")", "+1", "fine", None], "n": [1, 2, 3, 4]})
    out = snapshot.export_csv(frame, tmp_path / "x.csv").read_text()
    assert "'=HYPERLINK" in out and "'+1" in out and "\nfine" not in out and ",fine," not in out or "fine" in out
    back = pd.read_csv(tmp_path / "x.csv", dtype=str)
    assert back["text"].tolist()[:3] == ["'=HYPERLINK(\"x\")", "'+1", "fine"]
