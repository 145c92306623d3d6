"""The vectorised enforcement against a slow row-by-row reference, on random ledgers and tables (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from workbench.consent import _time
from workbench.consent import ledger as L
from workbench.consent.scope import ALWAYS, CHOOSES, NEVER, Conditions
from workbench.curation import actions, enforce, importer

from .consent_support import fake_events, make_scope, published_version

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


def reasons(view) -> list[str]:
    return view.reason.astype(str).tolist()


# -- vectorised == row by row, on random data -----------------------------------------------------
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def _random_case(seed: int, n_rows: int, n_people: int, n_events: int):
    import random

    from workbench.consent.uses import USE_KEYS

    rng = random.Random(seed)
    items = []
    versions = []
    for k in range(2):
        uses = {u: rng.choice([ALWAYS, CHOOSES, CHOOSES, NEVER]) for u in USE_KEYS}
        uses["train"], uses["evaluate"] = CHOOSES, CHOOSES
        scope = make_scope(uses=uses, conditions=Conditions(expiry_months=rng.choice([None, 1, 6])))
        v, ev = published_version(scope, _time.iso(BASE + timedelta(days=100 * k)))
        versions.append(v)
        items.append(ev)
    for _ in range(n_events):
        who = f"c-{rng.randrange(n_people)}"
        v = rng.choice(versions)
        at = BASE + timedelta(days=rng.randrange(400), hours=rng.randrange(24))
        roll = rng.random()
        if roll < 0.6:
            choices = {u: rng.random() < 0.7 for u in v.scope.choosable()}
            items.append(("consent.granted", L.grant_payload(v, who, choices, method="paper", at=at), _time.iso(at)))
        elif roll < 0.75:
            items.append(("consent.refused", {"contributor": who, "at": _time.iso(at), "method": "paper"},
                          _time.iso(at)))
        else:
            uses = None if rng.random() < 0.3 else rng.sample(list(USE_KEYS), rng.randint(1, 3))
            items.append(("consent.withdrawn", L.withdraw_payload(who, uses, method="paper", at=at), _time.iso(at)))
    ledger = L.ConsentLedger.from_events(fake_events(items))
    ids = [rng.choice([f"c-{rng.randrange(n_people + 3)}", None, "", " "]) if rng.random() < 0.1
           else f"c-{rng.randrange(n_people + 3)}" for _ in range(n_rows)]
    frame = pd.DataFrame({"contributor_id": pd.array(ids, dtype="str"),
                          "g": [rng.choice("ABC") for _ in range(n_rows)],
                          "label": [rng.choice("xy") for _ in range(n_rows)]})
    excluded_rows = sorted(rng.sample(range(n_rows), k=min(n_rows, rng.randint(0, 3))))
    return ledger, frame, excluded_rows


def _slow_reference(ledger, frame, use, at, excluded_g, excluded_rows):
    out = []
    for i, (cid, g) in enumerate(zip(frame["contributor_id"], frame["g"], strict=True)):
        if cid is None or (isinstance(cid, float) and cid != cid) or not str(cid).strip():
            out.append("no_contributor")
            continue
        why = ledger.explain(str(cid), use, at)
        if why != "ok":
            out.append(why)
        elif g == excluded_g or i in excluded_rows:
            out.append("excluded")
        else:
            out.append("kept")
    return out


def _dataset(frame):
    return importer.Dataset("0" * 64, "x.csv", "csv", len(frame), tuple(frame.columns),
                            importer.ColumnMapping("contributor_id", "label", ("g",)))


def _actions(ds, excluded_g, excluded_rows):
    items = [("curation.excluded", {"id": "a1", "dataset": ds.sha256, "reason": "r",
                                    "rule": {"column": "g", "op": "==", "value": excluded_g}}, "2024-01-01")]
    if excluded_rows:
        items.append(("curation.excluded", {"id": "a2", "dataset": ds.sha256, "reason": "r", "rows": excluded_rows},
                      "2024-01-01"))
    return actions.CurationLog.from_events(fake_events(items)).active(ds.sha256)


@hypothesis.settings(max_examples=40, deadline=None)
@hypothesis.given(seed=st.integers(0, 10_000), n_rows=st.integers(1, 60), n_people=st.integers(1, 12),
                  n_events=st.integers(0, 40), use=st.sampled_from(["train", "evaluate", "publish_examples"]),
                  day=st.integers(-10, 500), excluded_g=st.sampled_from(["A", "B", "Z"]))
def test_enforcement_matches_a_slow_reference(seed, n_rows, n_people, n_events, use, day, excluded_g):
    ledger, frame, excluded_rows = _random_case(seed, n_rows, n_people, n_events)
    at = BASE + timedelta(days=day, hours=12)
    ds = _dataset(frame)
    view = enforce.enforce(frame, ds, ledger, use, at, _actions(ds, excluded_g, excluded_rows))
    expected = _slow_reference(ledger, frame, use, at, excluded_g, excluded_rows)
    assert reasons(view) == expected
    assert list(view.frame.index) == [i for i, r in enumerate(expected) if r == "kept"]
    assert sum(view.counts.values()) == len(frame)
