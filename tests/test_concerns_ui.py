"""The concern form and the facilitators' triage desk, driven as a person would (set .value, .click())."""

from __future__ import annotations

import re

import pytest

from workbench import concerns as C
from workbench.consent import cards
from workbench.i18n import Translator
from workbench.purpose import deliberation as D
from workbench.text import esc
from workbench.ui.concerns.form import ConcernView
from workbench.ui.concerns.triage import TriageView

PAYLOAD = '<img src=x onerror=alert(1)> "><script>alert(2)</script>'


@pytest.fixture
def proj(sqlite_project):
    return sqlite_project


def _send(view, about="model", text="It ignores messages in Guarani.", code="", share=False):
    view.about.value = about
    view.text.value = text
    view.my_code.value = code
    view.share.value = share
    view.submit.click()


def _shown_code(view) -> str:
    match = re.search(r'class="wb-tracking-code">([0-9A-Z-]+)<', view.receipt.value)
    assert match, view.receipt.value + view.message.value
    return match.group(1)


def test_a_person_without_a_code_sends_a_concern_and_checks_it(proj):
    view = ConcernView(proj, "es")
    tr = Translator("es")
    _send(view, text=PAYLOAD, share=True)
    code = _shown_code(view)
    concern = list(C.Concerns.load(proj.store).concerns.values())[-1]
    assert (concern.about, concern.channel, concern.text, concern.share_text) == ("model", "public", PAYLOAD, True)
    assert esc(tr("concerns.sent.title")) in view.message.value and esc(tr("concerns.sent.keep")) in view.receipt.value
    # what they typed comes back as text, never as markup
    assert "<img" not in view.receipt.value and "<script" not in view.receipt.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in view.receipt.value
    assert view.text.value == "" and view.about.value is None  # ready for another
    view.check_code.value = code.lower()
    view.check.click()
    assert 'data-status="received"' in view.check_result.value
    assert esc(tr("concerns.status.received")) in view.check_result.value
    C.triage(proj.store, concern.id, "resolved", "Respuesta <b>clara</b>")
    view.check.click()
    assert 'data-status="resolved"' in view.check_result.value
    assert "Respuesta &lt;b&gt;clara&lt;/b&gt;" in view.check_result.value
    assert "onerror" not in view.check_result.value  # the lookup never shows the concern's words


def test_a_wrong_code_gets_a_sentence_not_silence(proj):
    view = ConcernView(proj, "pt-BR")
    tr = Translator("pt-BR")
    before = proj.store.count()
    _send(view, code="rio-coral-lua-0000")
    assert esc(tr("concerns.error.code_unknown")) in view.message.value and view.receipt.value == ""
    assert proj.store.count() == before
    view.check_code.value = "ZZZZZ-ZZZZZ-ZZZZZ"
    view.check.click()
    assert esc(tr("concerns.check.unknown")) in view.check_result.value
    view.about.value = None
    view.text.value = "words"
    view.submit.click()
    assert esc(tr("concerns.form.choose_about")) in view.message.value
    _send(view, text="   ")
    assert esc(tr("concerns.error.empty")) in view.message.value
    assert proj.store.count() == before


def test_codes_prove_a_participant_and_a_contributor(proj):
    view = ConcernView(proj, "en")
    participant = D.join(proj.store, "en")
    _send(view, about="process", code=participant)
    card = cards.issue(proj.store, "c-0007")
    _send(view, about="data", code=card.code)
    got = [(c.channel, c.proof, c.actor) for c in C.Concerns.load(proj.store).concerns.values()]
    assert got == [("participant", "participant_code", participant), ("contributor", "card", "c-0007")]


def test_the_sixth_concern_without_a_code_in_an_hour_is_refused_in_the_persons_language(proj):
    view = ConcernView(proj, "pt-BR")
    for i in range(5):
        _send(view, text=f"concern {i}")
        assert _shown_code(view)
    before = proj.store.count()
    _send(view, text="one too many")
    assert "concerns.error.too_many" not in view.message.value and "[" not in view.message.value
    assert esc(Translator("pt-BR")("concerns.error.too_many", minutes=60)[:20]) in view.message.value
    assert view.receipt.value == "" and proj.store.count() == before


def test_the_form_follows_the_language_switch(proj):
    view = ConcernView(proj, "en")
    view.language_switch.value = "es"
    assert esc(Translator("es")("concerns.app.title")) in view.header.value
    assert view.submit.description == Translator("es")("concerns.form.submit")
    assert [label for label, _ in view.about.options][0] == Translator("es")("concerns.about.data")


def test_facilitators_triage_from_the_desk(proj):
    secret = C.project_secret(proj)
    first = C.raise_concern(proj.store, "model", PAYLOAD, secret=secret).concern
    second = C.raise_concern(proj.store, "data", "rows are wrong", secret=secret).concern
    desk = TriageView(proj, "en")
    assert [v for _, v in desk.pick.options] == [first.id, second.id]
    assert "&lt;img" in desk.detail.value and "<img" not in desk.detail.value
    desk.pick.value = first.id
    desk.new_status.value = "upheld"
    desk.response.value = ""
    desk.save.click()
    assert esc(Translator("en")("concerns.error.response_needed")) in desk.message.value
    desk.response.value = "We retrain with Guarani messages."
    desk.save.click()
    now = C.Concerns.load(proj.store).get(first.id)
    assert (now.status, now.response, now.decided_by) == ("upheld", "We retrain with Guarani messages.", "facilitator")
    assert 'data-status="upheld"' in desk.detail.value
    desk.show.value = "received"
    assert [v for _, v in desk.pick.options] == [second.id]
    desk.new_status.value = "acknowledged"
    desk.save.click()
    assert C.Concerns.load(proj.store).get(second.id).status == "acknowledged"
    desk.show.value = ""
    desk.pick.value = second.id
    desk.new_status.value = "acknowledged"
    desk.save.click()  # acknowledged twice: refused with a sentence
    assert "wb-error" in desk.message.value and C.Concerns.load(proj.store).get(second.id).history[-1]["seq"]
