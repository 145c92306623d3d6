"""The consent form and receipts: three languages, escaping, hashes, one decision per screen."""

from __future__ import annotations

import json

import pytest

from workbench.consent import ledger as L
from workbench.consent.form import ConsentForm, receipt_html, receipt_markdown, write_forms
from workbench.consent.scope import Conditions, ScopeHistory

from .consent_support import make_scope, new_project
from .gates import publish

LANGS = ("en", "pt-BR", "es")


@pytest.mark.parametrize("lang", LANGS)
def test_form_says_everything_the_issue_asks_in_each_language(lang):
    scope = make_scope(conditions=Conditions(expiry_months=24, benefit_sharing="Uma festa",
                                             new_use_approver="Assembleia", derived_data_returned=True))
    form = ConsentForm(scope, lang, "Vila")
    md, html = form.markdown(), form.html()
    tr = form.tr
    for text in (md, html):
        assert "[consent." not in text and "?]" not in text  # no missing key, no unfilled field
        assert scope.holder in text  # who holds the data
        for key in scope.offered():
            assert tr(f"consent.use.{key}.explain") in text  # what each use means
        assert tr("consent.form.withdraw_text") in text  # how to withdraw
        assert tr("consent.cond.expiry", months=24) in text and "Assembleia" in text
        assert tr("consent.label.bc_provenance.name") in text
        assert tr("consent.use.commercial.title") in text  # never: listed as never
    assert scope.content_hash in md and f'data-scope-hash="{scope.content_hash}"' in html


def test_languages_differ_and_english_is_not_leaking():
    scope = make_scope()
    en, pt, es = (ConsentForm(scope, lang).markdown() for lang in LANGS)
    assert len({en, pt, es}) == 3
    assert "Treinar um modelo" in pt and "Entrenar un modelo" in es and "Train a model" not in pt


def test_html_escapes_the_communitys_free_text():
    evil = '<script>alert("x")</script>'
    scope = make_scope(holder=evil, conditions=Conditions(benefit_sharing=evil))
    html = ConsentForm(scope, "en").html()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_one_decision_per_screen():
    scope = make_scope()
    steps = ConsentForm(scope, "en").steps()
    kinds = [s.kind for s in steps]
    assert kinds[0] == "holder" and kinds[-1] == "review"
    assert [s.use for s in steps if s.kind == "use"] == list(scope.offered())
    assert {"conditions", "labels", "withdraw", "never"} <= set(kinds)


def test_receipt_printable_in_language_with_code(tmp_path, backend_url):
    with new_project(tmp_path, store_url=backend_url) as p:
        publish(p.store, make_scope())
        r = L.give(p.store, "c-1", {"train": True, "evaluate": False}, method="spoken", witness="f-ana",
                   paper_ref="notebook p. 3")
        md = receipt_markdown(r, "pt-BR", "Vila")
        assert r.code in md and "Testemunha: f-ana" in md and "Treinar um modelo: Sim" in md
        assert "Papel guardado em: notebook p. 3" in md  # a facilitator's record says where the paper is
        html = receipt_html(r, "es", "<b>Vila</b>")
        assert r.code in html and "&lt;b&gt;Vila" in html and 'data-use="evaluate" data-answer="no"' in html
        # read back from the log the code is gone (only its hash was stored)
        again = L.ConsentLedger.load(p.store).receipts[0]
        assert again.code is None and r.code not in receipt_markdown(again, "en")
        record = r.record(holder="Co-op", jurisdiction="BR", service="Vila")
        assert record["consentReceiptID"] == r.receipt_id and record["jurisdiction"] == "BR"
        assert {x["purpose"] for x in record["services"][0]["purposes"]} == set(r.choices)
        json.dumps(record)


def test_write_forms_names_files_by_version_and_hash(tmp_path, backend_url):
    with new_project(tmp_path, store_url=backend_url) as p:
        publish(p.store, make_scope())
        v = ScopeHistory.load(p.store).latest
        paths = write_forms(p)
        names = sorted(x.name for x in paths)
        assert f"form-v1-{v.hash[:12]}.pt-BR.md" in names and f"form-v1-{v.hash[:12]}.es.html" in names
        assert len(names) == 7
        exported = json.loads((p.artifacts_dir / "consent" / f"scope-v1-{v.hash[:12]}.json").read_text())
        assert exported["hash"] == v.hash and exported["version"] == 1


def test_a_receipt_discloses_third_parties_for_the_uses_that_share(tmp_path, backend_url):
    from workbench.consent.uses import USES

    with new_project(tmp_path, store_url=backend_url) as p:
        publish(p.store, make_scope())
        r = L.give(p.store, "c-2", {"train": True, "share_models": True}, method="spoken", witness="f-ana",
                   paper_ref="notebook p. 4")
        disclosed = {x["purpose"]: x["thirdPartyDisclosure"] for x in r.record()["services"][0]["purposes"]}
        assert disclosed["train"] is False and disclosed["share_models"] is True
        assert {k for k, u in USES.items() if u.third_party} == {"share_data", "share_models"}
