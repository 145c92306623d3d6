"""The scope: validation, versions, content hash, export with DUO/DPV terms."""

from __future__ import annotations

import json

import pytest

from workbench.consent import ledger as L
from workbench.consent.scope import ALWAYS, CHOOSES, NEVER, Conditions, Scope, ScopeHistory, save_draft
from workbench.consent.uses import LABELS, USE_KEYS, USES
from workbench.errors import WorkbenchError
from workbench.i18n import Translator, available

from .consent_support import make_scope, new_project
from .gates import publish


def test_hash_is_stable_and_ignores_order_and_whitespace():
    a = make_scope()
    b = make_scope(uses=dict(reversed(list(a.uses.items()))), holder="  Test co-op,   on its own laptop ",
                   labels=tuple(reversed(a.labels)))
    assert a.content_hash == b.content_hash
    # A known value: the hash is part of every grant, so it must not drift between releases.
    assert Scope.from_dict(json.loads(json.dumps(a.to_dict()))).content_hash == a.content_hash
    assert len(a.content_hash) == 64


def test_hash_changes_with_any_content():
    base = make_scope()
    changed = [
        make_scope(holder="Another holder"),
        make_scope(uses={**base.uses, "commercial": CHOOSES}),
        make_scope(conditions=Conditions(expiry_months=12)),
        make_scope(labels=("tk_non_commercial",)),
        make_scope(contact="Somewhere else"),
    ]
    hashes = {base.content_hash, *(s.content_hash for s in changed)}
    assert len(hashes) == 1 + len(changed)


def test_unmentioned_uses_are_never():
    s = Scope(holder="x", uses={"train": CHOOSES})
    assert s.uses["commercial"] == NEVER and s.never() == tuple(k for k in USE_KEYS if k != "train")
    assert s.offered() == ("train",) and s.choosable() == ("train",)


@pytest.mark.parametrize("bad", [
    {"uses": {"train": "maybe"}},
    {"uses": {"fly": CHOOSES}},
    {"uses": dict.fromkeys(USE_KEYS, NEVER)},
    {"holder": "   "},
    {"labels": ("tk_made_up",)},
    {"conditions": Conditions.__new__(Conditions)},
])
def test_invalid_scopes_are_refused_with_a_sentence(bad):
    if "conditions" in bad:
        with pytest.raises(WorkbenchError):
            Conditions(expiry_months=0)
        with pytest.raises(WorkbenchError):
            Conditions(expiry_months=True)
        return
    with pytest.raises(WorkbenchError) as err:
        make_scope(**bad)
    assert err.value.sentence.endswith(".") and "\n" not in err.value.sentence


def test_publish_versions_and_refuses_unchanged(tmp_path, backend_url):
    with new_project(tmp_path, store_url=backend_url) as p:
        v1 = publish(p.store, make_scope())
        assert v1.version == 1
        with pytest.raises(WorkbenchError, match="same as version 1"):
            publish(p.store, make_scope())
        v2 = publish(p.store, make_scope(conditions=Conditions(expiry_months=12)))
        assert v2.version == 2 and v2.hash != v1.hash
        history = ScopeHistory.load(p.store)
        assert [v.version for v in history.versions] == [1, 2]
        assert history.by_hash(v1.hash).scope.conditions.expiry_months == 24
        assert p.stages()[1].status == "done"


def test_draft_survives_and_is_cleared_by_publishing(tmp_path, backend_url):
    with new_project(tmp_path, store_url=backend_url) as p:
        save_draft(p.store, make_scope(holder="Draft holder"))
        assert ScopeHistory.load(p.store).draft.holder == "Draft holder"
        publish(p.store, make_scope())
        assert ScopeHistory.load(p.store).draft is None


def test_new_version_never_rewrites_given_consent(tmp_path, backend_url):
    with new_project(tmp_path, store_url=backend_url) as p:
        v1 = publish(p.store, make_scope())
        L.give(p.store, "c-1", {"train": True}, at="2026-01-10", method="paper", witness="f-ana", paper_ref="form 1")
        before = [e.hash for e in p.store.events(prefix="consent.")]
        # v2 makes training 'always' and shortens expiry: the old grant keeps v1's terms.
        publish(p.store, make_scope(uses={**make_scope().uses, "train": ALWAYS, "evaluate": ALWAYS},
                                    conditions=Conditions(expiry_months=6)))
        assert [e.hash for e in p.store.events(prefix="consent.")] == before
        led = L.ConsentLedger.load(p.store)
        assert led.receipts[0].scope_hash == v1.hash
        assert led.permits("c-1", "train", "2027-06-01")  # v1: 24 months, not v2's 6
        assert led.explain("c-1", "evaluate", "2027-06-01") == L.REFUSED  # said no under v1; v2 does not add it
        assert led.explain("c-1", "train", "2028-01-10") == L.EXPIRED


def test_export_maps_uses_and_conditions_to_duo_and_dpv():
    s = make_scope(conditions=Conditions(expiry_months=24, collaboration_required=True,
                                         derived_data_returned=True, new_use_approver="Assembly"))
    out = s.export(version=3, published_at="2026-01-01T00:00:00+00:00")
    json.dumps(out)  # plain JSON
    assert out["hash"] == s.content_hash and out["version"] == 3
    assert out["legal_basis"]["id"] == "dpv:Consent"
    assert [t["id"] for t in out["mapping"]["commercial"]["duo"]] == ["DUO:0000046"]  # never -> NCU
    assert out["mapping"]["commercial"]["dpv"]["prohibited"] is True
    assert out["mapping"]["commercial"]["dpv"]["purposes"][0]["id"] == "dpv:CommercialPurpose"
    assert out["mapping"]["train"]["duo"][0]["id"] == "DUO:0000042"
    mods = {m["term"]["shorthand"]: m for m in out["duo_modifiers"]}
    assert mods["TS"]["value"] == 24 and mods["TS"]["term"]["id"] == "DUO:0000025"
    assert mods["GS"]["term"]["id"] == "DUO:0000022"
    assert mods["RTN"]["term"]["id"] == "DUO:0000029" and mods["COL"]["term"]["id"] == "DUO:0000020"
    assert mods["IRB"]["value"] == "Assembly"
    assert {lb["name"] for lb in out["labels_detail"]} == {"BC Provenance", "TK Community Use Only"}
    for use in USES.values():
        assert use.note  # every mapping says how near it is
        assert out["mapping"][use.key]["duo"][0]["iri"].startswith("http://purl.obolibrary.org/obo/DUO_") \
            if out["mapping"][use.key]["duo"] else True


@pytest.mark.parametrize("lang", available())
def test_every_use_label_and_condition_has_text_in_every_language(lang):
    tr = Translator(lang)
    src = Translator("en")
    for use in USES.values():
        for key in (use.title_key, use.explain_key):
            assert key in tr._messages, (lang, key)
    for lb in LABELS.values():
        for key in (lb.name_key, lb.explain_key):
            assert key in tr._messages, (lang, key)
    # Every consent key in English exists in this language.
    missing = [k for k in src._messages if k.startswith(("consent.", "app.consent", "app.scope"))
               and k not in tr._messages]
    assert not missing, missing
