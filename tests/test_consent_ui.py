"""Consent widgets without a browser: set values, click, assert on the store."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from workbench.consent import cards
from workbench.consent import ledger as L
from workbench.consent.scope import ScopeHistory
from workbench.errors import NotSaved
from workbench.ui.consent.contributor import ContributorView
from workbench.ui.consent.facilitator import FacilitatorView

from .consent_support import PAPER, card, make_scope, new_project, scoped_project  # noqa: F401
from .gates import publish


def start(view, who: str):
    """Issue ``who`` a card at the desk and type its code into the app's start screen."""
    view.card_code.value = cards.issue(view.project.store, who, actor="facilitator").code
    view.begin.click()


def walk_to_review(view, answers):
    """Click through the form: yes/no on each choosable use, next elsewhere."""
    while view.step.kind != "review":
        if view.step.kind == "use" and view.version.scope.uses[view.step.use] == "chooses":
            (view.yes if answers.get(view.step.use) else view.no).click()
        else:
            view.next.click()


def test_contributor_gives_consent_in_portuguese_and_gets_a_receipt(project):
    view = ContributorView(project, "pt-BR")
    assert view.screen == "start" and view.begin.description == "Começar"
    start(view, "c-0042")
    assert view.screen == "step" and view.step.kind == "holder"
    assert "Test co-op" in view.body.value
    view.next.click()
    assert view.step == view.steps[1] and view.step.use == "train"
    assert view.answer_row in view.controls.children  # one decision: yes / no
    assert "Treinar um modelo" in view.body.value
    walk_to_review(view, {"train": True, "evaluate": False, "share_models": True})
    assert not project.store.events(prefix="consent.")  # nothing written before agreeing
    view.agree.click()
    assert view.screen == "receipt" and "wb-ok" in view.message.value
    led = L.ConsentLedger.load(project.store)
    assert led.permits("c-0042", "train") and led.permits("c-0042", "share_models")
    assert led.explain("c-0042", "evaluate") == L.REFUSED
    ev = project.store.events(prefix="consent.")[-1]
    assert ev.actor == "c-0042" and ev.payload["language"] == "pt-BR" and ev.payload["method"] == "app"
    assert ev.payload["proof"] == "card" and ev.payload["card_id"] == view.proof.card_id
    code = view.last_receipt.code
    assert code in view.receipt.value and "Comprovante" in view.receipt.value
    assert led.contributor_for_code(code) == "c-0042"


def test_back_and_changing_an_answer(project):
    view = ContributorView(project, "en")
    start(view, "c-1")
    view.next.click()
    view.yes.click()  # train: yes
    view.back.click()
    assert view.step.use == "train" and "Your answer: yes" in view.body.value
    view.no.click()  # changed to no
    walk_to_review(view, {"evaluate": True})
    assert "Your answer: no" in view.body.value
    view.agree.click()
    led = L.ConsentLedger.load(project.store)
    assert not led.permits("c-1", "train") and led.permits("c-1", "evaluate")


def test_decline_records_a_refusal(project):
    view = ContributorView(project, "es")
    start(view, "c-9")
    walk_to_review(view, {})
    view.decline.click()
    assert view.screen == "receipt"
    assert L.ConsentLedger.load(project.store).explain("c-9", "train") == L.REFUSED


def test_bad_code_and_unanswered_questions_are_explained(project):
    view = ContributorView(project, "en")
    view.card_code.value = "not a code!"
    view.begin.click()
    assert view.screen == "start" and "12 letters and digits" in view.message.value
    assert "not a code" not in view.message.value  # what was typed is not echoed
    start(view, "c-1")
    view._go(len(view.steps) - 1)  # jump to review without answering
    view.agree.click()
    assert "answer every question" in view.message.value and not project.store.events(prefix="consent.")


def test_not_saved_shows_the_catalog_sentence_and_claims_nothing(project, monkeypatch):
    view = ContributorView(project, "pt-BR")
    start(view, "c-1")
    walk_to_review(view, {"train": True})

    def fail(*a, **k):
        raise NotSaved("Not saved: disk full.", key="error.not_saved")

    monkeypatch.setattr(project.store, "append", fail)
    view.agree.click()
    assert view.screen == "step" and view.tr("error.not_saved") in view.message.value
    assert "wb-ok" not in view.message.value


def test_withdraw_later_with_the_receipt_code(project):
    receipt = L.give(project.store, card(project.store, "c-5"), {"train": True, "evaluate": True})
    view = ContributorView(project, "pt-BR")
    view.receipt_code.value = "xxxxx-xxxxx"
    view.open_receipt.click()
    assert view.screen == "start" and "não foi encontrado" in view.message.value
    view.receipt_code.value = receipt.code.lower()
    view.open_receipt.click()
    assert view.screen == "mine" and 'data-use="train" data-reason="ok"' in view.body.value
    view.withdraw_selected.click()
    assert "Marque" in view.message.value  # nothing ticked
    view.withdraw_boxes["train"].value = True
    view.withdraw_selected.click()
    assert view.screen == "receipt" and "wb-ok" in view.message.value
    led = L.ConsentLedger.load(project.store)
    assert led.explain("c-5", "train") == L.WITHDRAWN and led.permits("c-5", "evaluate")
    # and later everything
    view.finish.click()
    view.receipt_code.value = receipt.code
    view.open_receipt.click()
    view.withdraw_all.click()  # asks once more, in the person's language
    assert view.screen == "confirm_all" and "Retirar tudo?" in view.body.value
    assert L.ConsentLedger.load(project.store).permits("c-5", "evaluate")
    view.confirm_no.click()
    assert view.screen == "mine" and L.ConsentLedger.load(project.store).permits("c-5", "evaluate")
    view.withdraw_all.click()
    view.confirm_yes.click()
    led = L.ConsentLedger.load(project.store)
    assert not any(led.permits("c-5", u) for u in ("train", "evaluate", "publish_aggregates"))
    assert [r.kind for r in led.history("c-5")] == ["granted", "withdrawn", "withdrawn"]


def test_participant_text_is_escaped(tmp_path, backend_url):
    with new_project(tmp_path, "evil", backend_url) as p:
        publish(p.store, make_scope(holder='<img src=x onerror="alert(1)">'))
        view = ContributorView(p, "en")
        start(view, "c-1")
        assert "<img" not in view.body.value and "&lt;img" in view.body.value


def test_no_scope_yet(tmp_path):
    with new_project(tmp_path, "empty") as p:
        view = ContributorView(p, "en")
        start(view, "c-1")
        assert view.screen == "no_scope" and "not published" in view.body.value


def test_language_switch_relabels_the_current_screen(project):
    view = ContributorView(project, "en")
    start(view, "c-1")
    view.next.click()
    view.language_switch.value = "es"
    assert "Entrenar un modelo" in view.body.value and view.yes.description == "Sí"


def test_contributor_app_imports_no_heavy_libraries():
    code = ("import sys, workbench.ui.consent.contributor; "
            "print(','.join(m for m in ('pandas', 'altair', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# -- facilitator ----------------------------------------------------------------------------------
def test_facilitator_edits_and_publishes_a_new_version(project):
    view = FacilitatorView(project, "en", chart=False)
    assert view.use_choice["train"].value == "chooses" and view.expiry.value == 24
    assert 'data-version="1"' in view.status.value
    view.publish.click()
    assert "same as version 1" in view.message.value
    view.use_choice["commercial"].value = "chooses"
    view.expiry.value = 12
    view.label_boxes["tk_non_commercial"].value = True
    view.preview_button.click()
    assert "Commercial use" in view.preview.value
    view.publish.click()  # a gate: nothing is published that the community did not agree
    assert "has not decided" in view.message.value and len(ScopeHistory.load(project.store).versions) == 1
    box = view.decision
    box.present.value, box.in_favour.value, box.against.value, box.abstain.value = 12, 7, 5, 0
    box.record.click()  # 7 of 12 is not two thirds
    assert "Not agreed" in box.message.value and "not agreed" in box.status.value.lower()
    view.publish.click()
    assert "did not agree" in view.message.value
    view.expiry.value = 18  # the room asked for a shorter time; a new proposal
    box.present.value, box.in_favour.value, box.against.value, box.abstain.value = 12, 10, 1, 1
    box.outcome.value = "Agreed with 18 months."
    box.record.click()
    assert "Agreed." in box.message.value and "10 for, 1 against" in box.status.value
    view.publish.click()
    assert "version 2" in view.message.value and 'data-version="2"' in view.status.value
    v2 = ScopeHistory.load(project.store).latest
    assert v2.scope.uses["commercial"] == "chooses" and v2.scope.conditions.expiry_months == 18
    assert "tk_non_commercial" in v2.scope.labels
    assert any(project.artifacts_dir.joinpath("consent").glob("form-v2-*.pt-BR.html"))


def test_facilitator_invalid_scope_and_draft(project):
    view = FacilitatorView(project, "pt-BR", chart=False)
    view.holder.value = " "
    view.publish.click()
    assert "wb-error" in view.message.value and "guarda os dados" in view.message.value
    view.holder.value = "Nova cooperativa"
    view.save_draft.click()
    assert ScopeHistory.load(project.store).draft.holder == "Nova cooperativa"
    assert FacilitatorView(project, "en", chart=False).holder.value == "Nova cooperativa"


def test_coverage_counts_change_with_a_withdrawal(project):
    L.give(project.store, card(project.store, "c-1"), {"train": True})
    L.give(project.store, "c-2", {"train": True}, **PAPER)
    view = FacilitatorView(project, "en")
    assert '<tr data-use="train"><td>Train a model</td><td data-reason="ok">2</td>' in view.coverage.value
    L.withdraw(project.store, "c-2", ["train"], **PAPER)
    view.refresh.click()
    assert '<td data-reason="ok">1</td>' in view.coverage.value
    assert '<td data-reason="withdrawn">1</td>' in view.coverage.value
    assert "<svg" in view.coverage_chart.value


def test_facilitator_imports_paper_records(project):
    view = FacilitatorView(project, "en", chart=False)
    data = b"contributor_id,date,choices,witness\nc-1,2026-01-10,train,f-ana\n,2026-01-10,train,f-ana\n"
    view.upload.value = ({"name": "paper.csv", "type": "text/csv", "size": len(data), "content": memoryview(data),
                          "last_modified": datetime.now(UTC)},)
    assert "1 good rows, 1 bad rows" in view.import_report.value and 'data-row="3"' in view.import_report.value
    view.import_all.click()
    assert "nothing was imported" in view.message.value and not project.store.events(prefix="consent.")
    view.import_good.click()
    assert "Imported 1 records" in view.message.value
    assert L.ConsentLedger.load(project.store).permits("c-1", "train", "2026-02-01")


def test_facilitator_records_a_paper_form_marked_as_such(project):
    from datetime import date

    view = ContributorView(project, "en", role="facilitator")
    assert view.method in view.controls.children and view.paper_ref in view.controls.children
    view.contributor.value = "c-77"
    view.method.value = "spoken"
    view.begin_paper.click()  # no witness, no paper reference: refused before the form
    assert view.screen == "start" and "witness" in view.message.value
    view.witness.value = "f-ana"
    view.begin_paper.click()
    assert view.screen == "start" and "reference" in view.message.value
    view.paper_ref.value = "folder A, form 12"
    view.method.value = "paper"
    view.date.value = date(2026, 1, 5)
    view.begin_paper.click()
    assert view.screen == "step"
    walk_to_review(view, {"train": True})
    view.agree.click()
    ev = project.store.events(prefix="consent.")[-1]
    assert ev.actor == "facilitator" and ev.payload["method"] == "paper" and ev.payload["at"].startswith("2026-01-05")
    assert ev.payload["witness"] == "f-ana" and ev.payload["paper_ref"] == "folder A, form 12"
    assert ev.payload["proof"] == "witness" and "card_id" not in ev.payload
    participant = ContributorView(project, "en")
    assert participant.method not in participant.controls.children
    assert participant.contributor not in participant.controls.children
    participant.contributor.value = "c-78"  # even if a participant's page sent these clicks
    participant.witness.value, participant.paper_ref.value = "me", "x"
    participant.begin_paper.click()
    assert participant.screen == "start"


def test_facilitator_issues_and_reissues_a_card_with_a_witness(project):
    desk = ContributorView(project, "en", role="facilitator")
    desk.card_for.value = "c-5"
    desk.issue_card.click()
    assert "wb-ok" in desk.message.value and "<svg" in desk.card_shown.value
    code = cards.CardRegister.load(project.store).live("c-5")
    first = desk.card_shown.value.split('wb-card-code">')[1].split("<")[0]
    assert code is not None and first not in str([e.payload for e in project.store.events()])
    desk.card_for.value = "c-5"
    desk.issue_card.click()  # already has one: a replacement needs a witness
    assert "witness" in desk.message.value
    desk.card_for.value, desk.card_witness.value = "c-5", "f-ana"
    desk.issue_card.click()
    second = desk.card_shown.value.split('wb-card-code">')[1].split("<")[0]
    assert second != first and "no longer works" in desk.message.value
    assert cards.verify(project.store, first) is None and cards.verify(project.store, second).contributor == "c-5"
    revoked = project.store.events(kinds=[cards.REVOKED])[-1]
    assert revoked.payload["witness"] == "f-ana" and revoked.actor == "facilitator"
    participant = ContributorView(project, "en")
    assert participant.issue_card not in participant.controls.children
    participant.card_for.value = "c-6"
    participant.issue_card.click()
    assert cards.CardRegister.load(project.store).live("c-6") is None


def test_choices_have_icons_and_code_fields_have_labels_tied_to_them(project):
    from workbench.ui.icons import ICON_STYLE

    view = ContributorView(project, "es")
    assert ICON_STYLE in view.style.value
    for button, icon in ((view.yes, "yes"), (view.no, "no"), (view.agree, "give"), (view.decline, "decline"),
                         (view.withdraw_selected, "withdraw"), (view.withdraw_all, "withdraw")):
        assert f"wb-icon-{icon}" in button._dom_classes
        assert button.description and button.description[0] not in "✓✗↩→←"  # the word alone names the button
    # The description is what ipywidgets draws as <label for=...> of the <input> (checked in the browser).
    assert view.card_code.description == view.tr("consent.card.code_label") == "Código de tu tarjeta de consentimiento"
    assert view.receipt_code.description == view.tr("consent.app.receipt_label")
    view.language_switch.value = "pt-BR"
    assert view.card_code.description == view.tr("consent.card.code_label") != ""
    assert view.card_code in view.controls.children and view.receipt_code in view.controls.children
    facilitator = ContributorView(project, "en", role="facilitator")
    assert facilitator.witness.description == "Witness: who saw the person decide"
    assert facilitator.date.description and facilitator.date in facilitator.controls.children
