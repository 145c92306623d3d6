"""The ledger: grants, refusals, withdrawals, expiry; per-person and vectorised answers agree."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from workbench.consent import _time
from workbench.consent import ledger as L
from workbench.consent.scope import ALWAYS, CHOOSES, NEVER, Conditions
from workbench.consent.uses import USE_KEYS
from workbench.errors import NotSaved, WorkbenchError

from .consent_support import (  # noqa: F401
    PAPER,
    card,
    fake_events,
    make_scope,
    new_project,
    published_version,
    scoped_project,
)
from .gates import publish


def test_grant_gives_a_receipt_and_permits(project):
    r = L.give(project.store, card(project.store, "c-1"), {"train": True, "evaluate": False}, language="pt-BR")
    assert r.code and len(r.code) == 11 and r.kind == "granted"
    assert r.choices == {"train": True, "evaluate": False, "publish_aggregates": True, "share_models": False}
    led = L.ConsentLedger.load(project.store)
    assert led.permits("c-1", "train") and led.permits("c-1", "publish_aggregates")
    assert led.explain("c-1", "evaluate") == L.REFUSED
    assert led.explain("c-1", "commercial") == L.NEVER_REASON
    assert led.explain("c-2", "train") == L.NO_RECORD
    assert led.status("c-1", "train") == "given" and led.status("c-2", "train") == "none"
    assert led.contributor_for_code(r.code) == "c-1"
    assert led.contributor_for_code(r.code.lower().replace("-", " ")) == "c-1"
    assert led.contributor_for_code("AAAAA-AAAAA") is None
    # The log keeps a hash of the code, never the code.
    assert r.code not in str([e.payload for e in project.store.events()])


def test_never_uses_cannot_be_granted_and_always_uses_cannot_be_declined(project):
    proof = card(project.store, "c-1")
    with pytest.raises(WorkbenchError, match="nobody can grant"):
        L.give(project.store, proof, {"commercial": True})
    with pytest.raises(WorkbenchError, match="part of taking part"):
        L.give(project.store, proof, {"publish_aggregates": False})
    with pytest.raises(WorkbenchError, match="not a use"):
        L.give(project.store, proof, {"fly": True})
    assert not project.store.events(prefix="consent.")


@pytest.mark.parametrize("who", ["", "   ", "a b", "x" * 65, "c/1", None])
def test_bad_contributor_codes_are_refused(project, who):
    with pytest.raises(WorkbenchError):
        L.give(project.store, who, {"train": True}, **PAPER)


def test_spoken_consent_needs_a_witness_and_paper_is_marked(project):
    with pytest.raises(WorkbenchError, match="witness"):
        L.give(project.store, "c-1", {"train": True}, method="spoken", paper_ref="notebook p. 3")
    with pytest.raises(WorkbenchError, match="paper's reference"):
        L.give(project.store, "c-1", {"train": True}, method="spoken", witness="f-ana")
    r = L.give(project.store, "c-1", {"train": True}, method="spoken", witness="f-ana", paper_ref="notebook p. 3")
    assert r.witness == "f-ana" and r.recorded_by == "facilitator" and r.paper_ref == "notebook p. 3"
    assert r.proof == "witness"
    r2 = L.give(project.store, "c-2", {"train": True}, **PAPER, at="2026-01-02")
    assert r2.method == "paper" and r2.recorded_by == "facilitator" and r2.at.startswith("2026-01-02")
    with pytest.raises(WorkbenchError, match="future"):
        L.give(project.store, "c-3", {"train": True}, **PAPER, at=datetime.now(UTC) + timedelta(days=2))


def test_expiry_follows_calendar_months(project):
    L.give(project.store, "c-1", {"train": True}, **PAPER, at="2024-01-31")
    led = L.ConsentLedger.load(project.store)
    assert led.receipts[0].expires.startswith("2026-01-31")
    assert led.permits("c-1", "train", "2026-01-30T23:59:59")
    assert led.explain("c-1", "train", "2026-01-31") == L.EXPIRED
    assert led.status("c-1", "train", "2026-02-01") == "expired"
    assert _time.add_months("2024-01-31", 1).date().isoformat() == "2024-02-29"


def test_partial_withdrawal_then_regrant(project):
    L.give(project.store, "c-1", {"train": True, "evaluate": True}, **PAPER, at="2026-01-01")
    L.withdraw(project.store, "c-1", ["train"], **PAPER, at="2026-02-01")
    led = L.ConsentLedger.load(project.store)
    assert led.permits("c-1", "train", "2026-01-15")  # earlier grant stays in force for its time
    assert led.explain("c-1", "train", "2026-02-01") == L.WITHDRAWN
    assert led.permits("c-1", "evaluate", "2026-03-01")
    L.give(project.store, "c-1", {"train": True}, **PAPER, at="2026-03-01")
    led = L.ConsentLedger.load(project.store)
    assert led.permits("c-1", "train", "2026-03-02")
    assert led.explain("c-1", "evaluate", "2026-03-02") == L.REFUSED  # the new form said no to it
    assert len(led.history("c-1")) == 3


def test_withdraw_everything_and_refusal(project):
    L.give(project.store, "c-1", {"train": True}, **PAPER, at="2026-01-01")
    L.withdraw(project.store, "c-1", at="2026-01-05", **PAPER)
    L.refuse(project.store, "c-2", **PAPER, at="2026-01-01")
    led = L.ConsentLedger.load(project.store)
    assert set(led.current("c-1", "2026-02-01").values()) <= {L.WITHDRAWN, L.NEVER_REASON}
    assert {led.explain("c-2", u, "2026-02-01") for u in ("train", "evaluate")} == {L.REFUSED}
    with pytest.raises(WorkbenchError):
        L.withdraw(project.store, "c-1", [])


def test_narrowing_the_scope_binds_at_once_but_does_not_rewrite(project):
    L.give(project.store, card(project.store, "c-1"), {"train": True, "share_models": True})
    led = L.ConsentLedger.load(project.store)
    assert led.permits("c-1", "share_models")
    publish(project.store, make_scope(uses={**make_scope().uses, "share_models": NEVER}))
    led = L.ConsentLedger.load(project.store)
    assert led.explain("c-1", "share_models") == L.NEVER_REASON
    assert led.status("c-1", "share_models") == "given"  # the person's consent is unchanged
    mask, reason = led.permitted_mask(pd.Series(["c-1"]), "share_models")
    assert not mask.iloc[0] and reason.iloc[0] == L.NEVER_REASON


def test_no_scope_no_consent(tmp_path, backend_url):
    with new_project(tmp_path, "empty", backend_url) as p, pytest.raises(WorkbenchError, match="not published"):
        L.give(p.store, "c-1", {"train": True}, **PAPER)


def test_not_saved_is_raised_not_swallowed(project, monkeypatch):
    def boom(*a, **k):
        raise NotSaved("Not saved: disk full.", key="error.not_saved")

    proof = card(project.store, "c-1")
    monkeypatch.setattr(project.store, "append", boom)
    with pytest.raises(NotSaved):
        L.give(project.store, proof, {"train": True})


# -- per-row and vectorised answers agree ---------------------------------------------------------
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def random_history(rng: random.Random, contributors: int, events: int, scopes: int = 2):
    """A seeded random log: scope versions (some narrowing), grants, refusals, withdrawals, out of order in time."""
    items, versions = [], []
    for k in range(scopes):
        uses = {u: rng.choice([ALWAYS, CHOOSES, CHOOSES, NEVER]) for u in USE_KEYS}
        uses["train"] = CHOOSES
        scope = make_scope(uses=uses, conditions=Conditions(expiry_months=rng.choice([None, 1, 6, 24])))
        ts = _time.iso(BASE + timedelta(days=200 * k))
        v, ev = published_version(scope, ts)
        versions.append(v)
        items.append(ev)
    for _ in range(events):
        who = f"c-{rng.randrange(contributors)}"
        v = rng.choice(versions)
        at = BASE + timedelta(days=rng.randrange(900), hours=rng.randrange(24))
        roll = rng.random()
        if roll < 0.6:
            choices = {u: rng.random() < 0.7 for u in v.scope.choosable()}
            items.append(("consent.granted", L.grant_payload(v, who, choices, method="paper", at=at), _time.iso(at)))
        elif roll < 0.75:
            items.append(("consent.refused", {"contributor": who, "at": _time.iso(at), "method": "paper"},
                          _time.iso(at)))
        else:
            uses = None if rng.random() < 0.3 else rng.sample(USE_KEYS, rng.randint(1, 3))
            items.append(("consent.withdrawn", L.withdraw_payload(who, uses, method="paper", at=at),
                          _time.iso(at)))
    # scope events must come first in time order for the 'never' timeline; consent events keep log order
    return fake_events(items)


def assert_mask_matches_rows(led, ids: pd.Series, use: str, at):
    mask, reason = led.permitted_mask(ids, use, at)
    assert mask.index.equals(ids.index) and reason.index.equals(ids.index)
    expected = [led.explain(c if isinstance(c, str) else "", use, at) for c in ids]
    assert reason.astype(str).tolist() == expected
    assert mask.tolist() == [e == L.OK for e in expected]


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_mask_equals_per_row_answer(seed):
    rng = random.Random(seed)
    led = L.ConsentLedger.from_events(random_history(rng, contributors=40, events=300))
    ids = pd.Series([f"c-{rng.randrange(50)}" for _ in range(400)] + [None, "", "unknown"],
                    index=np.arange(403) * 3 + 7)  # a non-default index must be kept
    for _ in range(6):
        at = BASE + timedelta(days=rng.randrange(-10, 1000), hours=rng.randrange(24))
        use = rng.choice(USE_KEYS)
        assert_mask_matches_rows(led, ids, use, at)
        assert_mask_matches_rows(led, ids.astype("category"), use, at)


def test_mask_on_an_empty_ledger_and_empty_series():
    led = L.ConsentLedger.from_events([])
    mask, reason = led.permitted_mask(pd.Series(["a", None]), "train", BASE)
    assert mask.tolist() == [False, False] and reason.tolist() == [L.NO_RECORD, L.NO_RECORD]
    mask, reason = led.permitted_mask(pd.Series([], dtype=object), "train", BASE)
    assert len(mask) == 0 and len(reason) == 0
    with pytest.raises(WorkbenchError):
        led.permitted_mask(pd.Series(["a"]), "fly", BASE)


@pytest.mark.parametrize("seed", range(4))
def test_status_table_equals_per_person_status(seed):
    rng = random.Random(100 + seed)
    led = L.ConsentLedger.from_events(random_history(rng, contributors=25, events=150))
    at = BASE + timedelta(days=rng.randrange(900))
    table = led.statuses(at)
    assert list(table.columns) == list(USE_KEYS) and list(table.index) == led.contributors
    for who in led.contributors:
        for use in USE_KEYS:
            assert table.loc[who, use] == led.status(who, use, at)
    assert set(table.to_numpy().ravel()) <= set(L.DPV_STATUS)
    assert L.DPV_STATUS["withdrawn"] == "dpv:ConsentWithdrawn"
