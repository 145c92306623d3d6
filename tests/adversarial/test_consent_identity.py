"""Issue 19, contributor identity: an id from the data proves nothing; codes are limited and never echoed.

The attack that was found: typing a contributor id (``c-0179``; ids are sequential) into the consent app
and walking to "I give my consent" turned that person's refused and expired decisions into ``ok``; any
made-up id got a receipt; a U+202E in a code box reversed the error sentence and 20,000 typed characters
came back in it; "Withdraw everything" acted on one tap; receipt codes could be guessed ~100 times a
second. Widgets are driven as in a kernel (``.value``, ``.click()``), assertions are on the store.
"""

from __future__ import annotations

import pytest

from workbench.consent import cards
from workbench.consent import ledger as L
from workbench.errors import WorkbenchError
from workbench.limits import CODE_LIMITS
from workbench.ui.consent.contributor import ContributorView

from ..consent_support import PAPER, card, make_scope, new_project
from ..gates import publish

VICTIM = "c-0179"
HOSTILE = ["c-0179", "c-0180", " C-0179 ", "c-0179\x00", "\u202ec-0179", "0179", "c-9999",
           "c-0179' OR '1'='1", "<img src=x onerror=alert(1)>", "A" * 20_000]


@pytest.fixture(name="project")
def victim_project(tmp_path):
    """A project where the victim refused on paper long ago and a neighbour's consent has expired."""
    p = new_project(tmp_path)
    publish(p.store, make_scope())
    L.refuse(p.store, VICTIM, at="2025-06-01", **PAPER)
    L.give(p.store, "c-0180", {"train": True}, at="2023-01-01", **PAPER)  # 24 months: expired
    yield p
    p.close()


def _consent_state(project):
    return [(e.kind, e.payload.get("contributor")) for e in project.store.events(prefix="consent.")]


def _isolated_client(monkeypatch, n: int) -> None:
    """A fresh client for the shared limiter (another address and kernel)."""
    monkeypatch.setenv("HTTP_X_WORKBENCH_CLIENT", f"10.0.0.{n}")
    monkeypatch.setenv("VOILA_KERNEL_ID", f"kernel-{n}")


# -- impersonation by contributor id --------------------------------------------------------------
@pytest.mark.parametrize("typed", HOSTILE, ids=lambda t: repr(t)[:20])
def test_a_contributor_id_typed_into_the_app_never_reaches_the_form(project, monkeypatch, typed):
    _isolated_client(monkeypatch, 1)
    before = _consent_state(project)
    view = ContributorView(project, "en")
    view.card_code.value = typed
    view.begin.click()
    assert view.screen == "start" and view.form is None and view.proof is None and view.who is None
    for button in (view.agree, view.decline, view.withdraw_all, view.confirm_yes, view.withdraw_selected):
        button.click()  # a page that sends clicks for controls it does not show
    assert _consent_state(project) == before
    led = L.ConsentLedger.load(project.store)
    assert led.explain(VICTIM, "train") == L.REFUSED and led.explain("c-0180", "train") == L.EXPIRED


def test_the_domain_refuses_a_decision_without_a_card(project):
    before = _consent_state(project)
    for method in (None, "app"):
        for act in (lambda m: L.give(project.store, VICTIM, {"train": True}, method=m),
                    lambda m: L.refuse(project.store, VICTIM, method=m),
                    lambda m: L.withdraw(project.store, "c-0180", method=m)):
            with pytest.raises(WorkbenchError) as exc:
                act(method)
            assert exc.value.key == "consent.error.card_needed"
    # Paper needs a facilitator's record: a witness and the paper's reference, never the person as actor.
    for kwargs, key in (({"method": "paper"}, "consent.error.witness_needed"),
                        ({"method": "paper", "witness": "f-ana"}, "consent.error.paper_ref_needed"),
                        ({**PAPER, "actor": VICTIM}, "consent.error.self_recorded")):
        with pytest.raises(WorkbenchError) as exc:
            L.give(project.store, VICTIM, {"train": True}, **kwargs)
        assert exc.value.key == key
    # A forged proof: an unknown card, a real card id with a made-up code, a receipt used to give.
    victim_card = cards.issue(project.store, VICTIM)
    for forged in (cards.CardProof("nope", VICTIM, "0000-0000-0000"),
                   cards.CardProof(victim_card.card.card_id, VICTIM, cards.new_code()),
                   cards.CardProof(victim_card.card.card_id, VICTIM, "c-0179")):
        with pytest.raises(WorkbenchError) as exc:
            L.give(project.store, forged, {"train": True})
        assert exc.value.key == "consent.card.not_live"
    receipt = L.refuse(project.store, cards.verify(project.store, victim_card.code))
    proof = L.verify_receipt(project.store, receipt.code)
    with pytest.raises(WorkbenchError) as exc:
        L.give(project.store, proof, {"train": True})
    assert exc.value.key == "consent.error.card_needed"
    with pytest.raises(WorkbenchError) as exc:  # a card proves an app decision, not a paper one
        L.give(project.store, cards.verify(project.store, victim_card.code), {"train": True}, **PAPER)
    assert exc.value.key == "consent.error.proof_is_app"
    assert [k for k, _ in _consent_state(project)[len(before):]] == ["consent.refused"]


def test_one_persons_card_cannot_change_anothers(project):
    mine = cards.issue(project.store, "c-0001")
    proof = cards.verify(project.store, mine.code)
    swapped = cards.CardProof(proof.card_id, VICTIM, proof.code)
    with pytest.raises(WorkbenchError):
        L.give(project.store, swapped, {"train": True})
    other = cards.issue(project.store, VICTIM)
    with pytest.raises(WorkbenchError):  # another live card's id with my code
        L.give(project.store, cards.CardProof(other.card.card_id, VICTIM, mine.code), {"train": True})
    L.give(project.store, proof, {"train": True})
    led = L.ConsentLedger.load(project.store)
    assert led.permits("c-0001", "train") and led.explain(VICTIM, "train") == L.REFUSED
    # in the app: my card leads to my form, whatever else is typed
    view = ContributorView(project, "en")
    view.card_code.value = mine.code
    view.begin.click()
    assert view.screen == "step" and view.who == "c-0001"


def test_a_revoked_card_no_longer_works_even_mid_form(project, monkeypatch):
    _isolated_client(monkeypatch, 2)
    old = cards.issue(project.store, VICTIM)
    view = ContributorView(project, "en")
    view.card_code.value = old.code
    view.begin.click()
    assert view.screen == "step"
    new = cards.issue(project.store, VICTIM, witness="f-ana", reason="lost")  # reissued while she reads
    while view.step.kind != "review":
        (view.yes if view.step.kind == "use" and view.answer_row in view.controls.children else view.next).click()
    view.agree.click()
    assert view.screen == "step" and "no longer works" in view.message.value
    assert L.ConsentLedger.load(project.store).explain(VICTIM, "train") == L.REFUSED
    fresh = ContributorView(project, "en")
    fresh.card_code.value = old.code
    fresh.begin.click()
    assert fresh.screen == "start" and "not found" in fresh.message.value
    fresh.card_code.value = new.code
    fresh.begin.click()
    assert fresh.screen == "step" and fresh.who == VICTIM


# -- guessing hits the shared limiter -------------------------------------------------------------
@pytest.mark.parametrize("box", ["card", "receipt"])
def test_guessing_codes_hits_the_limiter_after_ten_wrong_tries(project, monkeypatch, box):
    _isolated_client(monkeypatch, 3)
    good = cards.issue(project.store, "c-0001").code
    if box == "receipt":
        good = L.give(project.store, cards.verify(project.store, good), {"train": True}).code
    limit = CODE_LIMITS[0][0]
    view = ContributorView(project, "pt-BR")
    too_many = view.tr("error.too_many_tries", minutes=1)
    field, button = ((view.card_code, view.begin) if box == "card" else (view.receipt_code, view.open_receipt))
    for _ in range(limit):
        field.value = cards.new_code() if box == "card" else L.new_receipt_code()
        button.click()
        assert view.screen == "start" and too_many not in view.message.value
    field.value = good  # even the right code waits now: the limiter answers before the code is looked at
    button.click()
    assert view.screen == "start" and too_many in view.message.value
    # A new page (a new kernel) from the same address is still limited: the address is one of the keys.
    monkeypatch.setenv("VOILA_KERNEL_ID", "kernel-3b")
    again = ContributorView(project, "pt-BR")
    field, button = ((again.card_code, again.begin) if box == "card" else (again.receipt_code, again.open_receipt))
    field.value = good
    button.click()
    assert again.screen == "start" and too_many in again.message.value
    # Another address is not.
    _isolated_client(monkeypatch, 4)
    other = ContributorView(project, "pt-BR")
    field, button = ((other.card_code, other.begin) if box == "card" else (other.receipt_code, other.open_receipt))
    field.value = good
    button.click()
    assert other.screen in ("step", "mine")


# -- the other app's code -------------------------------------------------------------------------
def test_a_participant_code_from_the_discussion_is_refused_by_name(project, monkeypatch):
    from workbench.purpose.deliberation import new_participant_code

    _isolated_client(monkeypatch, 5)
    view = ContributorView(project, "es")
    typed = new_participant_code()
    view.card_code.value = typed
    view.begin.click()
    assert view.screen == "start" and view.tr("consent.card.participant_code") in view.message.value
    assert typed not in view.message.value
    view.receipt_code.value = typed
    view.open_receipt.click()
    assert view.screen == "start" and view.tr("consent.app.unknown_code") in view.message.value
    # The two things have different names in every language.
    for lang in ("en", "es", "pt-BR"):
        t = ContributorView(project, lang).tr
        assert t("consent.card.code_label") != t("purpose.join.code_label")
        assert t("consent.card.name").lower() not in t("purpose.join.code_label").lower()


# -- nothing typed is echoed raw ------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["\u202eevil", "c-0179\x00", "x" * 20_000, "\u2066" + "A" * 500 + "\u2069",
                                   "<script>alert(1)</script>"], ids=["rlo", "nul", "20k", "isolate", "script"])
def test_typed_text_is_never_echoed_raw(project, monkeypatch, typed):
    _isolated_client(monkeypatch, 6)
    view = ContributorView(project, "en", role="facilitator")
    for field, button in ((view.card_code, view.begin), (view.receipt_code, view.open_receipt),
                          (view.contributor, view.begin_paper), (view.card_for, view.issue_card)):
        field.value = typed
        if field is view.contributor:
            view.witness.value, view.paper_ref.value = "f-ana", "form 1"
        button.click()
        shown = view.message.value
        assert view.screen == "start" and "wb-error" in shown, shown[:200]
        assert len(shown) < 400 and "\u202e" not in shown and "\x00" not in shown and "\u2066" not in shown
        assert "<script" not in shown and typed[:30] not in shown
    # the domain's own sentence (CLI, facilitator API) keeps at most a short, cleaned snippet
    with pytest.raises(WorkbenchError) as exc:
        L.check_contributor(typed)
    assert len(exc.value.sentence) < 200 and "\u202e" not in exc.value.sentence
    assert "\x00" not in exc.value.sentence and "\u2066" not in exc.value.sentence


def test_withdraw_everything_asks_once_more_in_the_persons_language(project, monkeypatch):
    _isolated_client(monkeypatch, 7)
    receipt = L.give(project.store, card(project.store, "c-0001"), {"train": True, "evaluate": True})
    view = ContributorView(project, "es")
    view.receipt_code.value = receipt.code
    view.open_receipt.click()
    assert view.screen == "mine"
    view.withdraw_all.click()
    assert view.screen == "confirm_all" and "¿Retirar todo?" in view.body.value
    assert view.confirm_yes.description == "Sí, retirar todo" and view.confirm_no.description == "No, volver"
    assert L.ConsentLedger.load(project.store).permits("c-0001", "train")  # one tap changed nothing
    view.confirm_yes.click()
    led = L.ConsentLedger.load(project.store)
    assert not led.permits("c-0001", "train") and not led.permits("c-0001", "evaluate")
    ev = project.store.events(prefix="consent.")[-1]
    assert ev.payload["proof"] == "receipt" and ev.payload["via_receipt"] == receipt.receipt_id
