"""'May we use model X for our purpose?' on hand-made scopes: yes, no or ask them, with the reasons."""

from __future__ import annotations

import pytest

from workbench.consent.scope import ALWAYS, CHOOSES, NEVER, Conditions, Scope
from workbench.errors import WorkbenchError
from workbench.federation.usecheck import ASK, NO, YES, OurUse, check_use
from workbench.i18n import Translator

OPEN = {"train": ALWAYS, "evaluate": ALWAYS, "share_models": ALWAYS, "commercial": ALWAYS}
INFO = {"consent_valid_until": "2030-01-01T00:00:00Z"}


def scope(uses=None, labels=(), **conditions) -> dict:
    conditions.setdefault("stays_on_machine", False)
    return Scope(holder="Their co-op", contact="Fridays at the hall", uses={**OPEN, **(uses or {})},
                 conditions=Conditions(**conditions), labels=tuple(labels)).export(1)


def answer(sc, ours=None, **kw):
    return check_use(sc, ours or OurUse(commercial=False), model_info=kw.pop("model_info", INFO),
                     at=kw.pop("at", "2026-06-01"), **kw)


def test_an_open_scope_says_yes():
    a = answer(scope())
    assert a.answer == YES and a.reason_keys() == ["federation.use.models_shared"]
    assert a.contact == "Fridays at the hall"


def test_no_model_sharing_or_a_withheld_model_says_no():
    a = answer(scope({"share_models": NEVER}))
    assert a.answer == NO and "federation.use.no_model_sharing" in a.reason_keys()
    b = answer(scope(), model_shared=False,
               withheld={"part": "model", "reason": "federation.reason.model_consent", "params": {"people": 2,
                                                                                            "total": 9}})
    assert b.answer == NO and b.reason_keys()[:2] == ["federation.use.model_withheld",
                                                       "federation.reason.model_consent"]
    assert "2 of the 9 people" in b.sentence(Translator("en"))


@pytest.mark.parametrize(("uses", "labels", "commercial", "expected", "key"), [
    ({"commercial": NEVER}, (), True, NO, "federation.use.ncu"),
    ({}, ("tk_non_commercial",), True, NO, "federation.use.ncu"),
    ({}, ("bc_non_commercial",), True, NO, "federation.use.ncu"),
    ({"commercial": CHOOSES}, (), True, ASK, "federation.use.commercial_chooses"),
    ({"commercial": ALWAYS}, (), True, YES, "federation.use.commercial_ok"),
    ({"commercial": NEVER}, (), None, ASK, "federation.use.commercial_unknown"),
    ({"commercial": NEVER}, (), False, YES, "federation.use.non_commercial"),
    ({}, ("bc_research_use",), True, NO, "federation.use.research_only"),
])
def test_commercial_use(uses, labels, commercial, expected, key):
    a = answer(scope(uses, labels), OurUse(commercial=commercial))
    assert a.answer == expected and key in a.reason_keys()


def test_data_that_must_stay():
    stays = scope(stays_on_machine=True)
    assert answer(stays).answer == YES and "federation.use.data_stays_ok" in answer(stays).reason_keys()
    a = answer(stays, OurUse(commercial=False, needs_their_data=True))
    assert a.answer == NO and "federation.use.data_stays" in a.reason_keys()
    assert "federated evaluation" in a.sentence(Translator("en"))
    b = answer(scope(), OurUse(commercial=False, needs_their_data=True))
    assert b.answer == NO and "federation.use.no_data_sharing" in b.reason_keys()  # share_data not mentioned
    c = answer(scope({"share_data": CHOOSES}), OurUse(commercial=False, needs_their_data=True))
    assert c.answer == ASK and "federation.use.data_shared" in c.reason_keys()


def test_collaboration_benefit_sharing_and_approval():
    sc = scope(collaboration_required=True, benefit_sharing="10% of any grant to our health fund.")
    a = answer(sc)
    assert a.answer == ASK
    assert {"federation.use.collaboration", "federation.use.benefit_sharing"} <= set(a.reason_keys())
    assert "10% of any grant to our health fund." in a.sentence(Translator("en"))
    agreed = answer(sc, OurUse(commercial=False, will_collaborate=True, accepts_benefit_sharing=True))
    assert agreed.answer == YES and {"federation.use.collaboration_agreed", "federation.use.benefit_accepted"} <= \
        set(agreed.reason_keys())
    approver = answer(scope(new_use_approver="The general assembly"))
    assert approver.answer == ASK and "The general assembly" in approver.sentence(Translator("en"))
    assert answer(scope(derived_data_returned=True)).answer == YES


def test_labels():
    assert answer(scope(labels=("tk_community_use_only",))).answer == ASK
    a = answer(scope(labels=("tk_attribution",)))
    assert a.answer == YES and "federation.use.attribution" in a.reason_keys()


def test_expiry():
    sc = scope(expiry_months=24)
    fine = answer(sc, at="2029-12-31")
    assert fine.answer == YES and "federation.use.expiry" in fine.reason_keys()
    lapsed = answer(sc, at="2030-02-01")
    assert lapsed.answer == ASK and "federation.use.expired" in lapsed.reason_keys()
    assert "2030-01-01" in lapsed.sentence(Translator("pt-BR"))
    assert "federation.use.expiry_months" in answer(sc, model_info=None).reason_keys()


def test_no_beats_ask_beats_yes_and_every_reason_is_kept():
    a = answer(scope({"commercial": NEVER}, collaboration_required=True), OurUse(commercial=True))
    assert a.answer == NO
    assert {r.outcome for r in a.reasons} == {YES, NO, ASK}
    text = a.sentence(Translator("es"))
    assert text.startswith("No:") and "[" not in text


def test_a_foreign_scope_with_an_unknown_use_or_format_is_refused():
    raw = scope()
    with pytest.raises(WorkbenchError, match="not a use the workbench knows"):
        check_use({**raw, "uses": {**raw["uses"], "sell_to_advertisers": "always"}}, OurUse())
    with pytest.raises(WorkbenchError, match="format"):
        check_use({**raw, "schema": "someone-else/2"}, OurUse())


@pytest.mark.parametrize("lang", ["en", "pt-BR", "es"])
def test_every_reason_reads_in_every_language(lang):
    tr = Translator(lang)
    sc = scope({"commercial": CHOOSES, "share_data": CHOOSES}, ("tk_community_use_only", "bc_provenance",
                                                                "bc_research_use"),
               collaboration_required=True, benefit_sharing="x", new_use_approver="y", derived_data_returned=True,
               expiry_months=12, stays_on_machine=True)
    for ours in (OurUse(commercial=True, needs_their_data=True), OurUse(commercial=None)):
        a = answer(sc, ours)
        for r in a.reasons:
            text = tr(r.key, **r.params)
            assert not text.startswith("[") and "{" not in text
        assert tr(f"federation.use.answer.{a.answer}", community="X").count("X") == 1
