"""Consent apps: the contributor's form (phone, one decision per screen) and the facilitator's scope editor.

``ContributorView(project)``: a person types the code on their contributor card, reads who holds the data, answers
yes / no for each use the community lets them choose, reads the conditions, the labels and how to
withdraw, then gives (or refuses) consent and gets a receipt code. With that code they come back, see
their consent now and withdraw all or part of it. A choice is confirmed on screen only after the store
committed it.

``FacilitatorView(project)``: edit the scope, save a draft, publish a new version (forms are written to
``artifacts/consent/``), see coverage per use and over time, import paper records.

The contributor path imports no pandas, Altair or scikit-learn; the facilitator's coverage does, lazily.
"""

from __future__ import annotations

import ipywidgets as w

from .. import apps
from ..consent import ledger as L
from ..consent.form import ConsentForm, receipt_html
from ..consent.scope import CHOICES, CHOOSES, NEVER, Conditions, Scope, ScopeHistory
from ..consent.uses import LABELS, USE_KEYS, USES
from ..errors import WorkbenchError
from ..i18n import available
from ..text import bdi
from ._base import STYLE, View, esc, language_switch, refusal_text
from .icons import ICON_STYLE, with_icon

CONSENT_STYLE = """
<style>
.wb-app .wb-big button, .wb-app button.wb-big { min-height: 60px; font-size: 20px; font-weight: 600; width: 100%; }
.wb-app .wb-answer button { min-height: 64px; font-size: 22px; }
.wb-app .wb-controls { width: 100%; gap: 8px; }
.wb-app .wb-controls .widget-text, .wb-app .wb-controls .widget-textarea { width: 100%; }
.wb-app .wb-controls input[type=text] { min-height: 48px; font-size: 20px; }
.wb-app .wb-check .widget-label-basic, .wb-app .wb-check label { font-size: 18px; }
.wb-app .wb-check input[type=checkbox] { width: 28px; height: 28px; }
.wb-app .wb-receipt-code { font-size: 1.6em; font-weight: 700; letter-spacing: 0.08em; }
/* A text field's label (its ipywidgets description, a <label for=...> tied to the <input>) on its own line. */
.wb-app .wb-labelled { flex-wrap: wrap; width: 100%; }
.wb-app .wb-labelled > label.widget-label { width: 100%; max-width: 100%; text-align: left; white-space: normal;
  overflow: visible; font-size: 17px; margin: 0 0 4px 0; }
.wb-app .wb-labelled > input { flex: 1 1 100%; }
</style>
"""


_error_text = refusal_text  # the one rule (ui/_base.py)


def _button(description: str = "", big: bool = True, style: str = "") -> w.Button:
    b = w.Button(description=description, button_style=style, layout=w.Layout(width="100%", min_height="56px"))
    if big:
        b.add_class("wb-big")
    return b


def _text() -> w.Text:
    """A full-width text field whose description is its label, drawn on its own line above it."""
    box = w.Text(layout=w.Layout(width="100%"), style={"description_width": "initial"})
    box.add_class("wb-labelled")
    return box


def _label(text: str) -> w.HTML:
    return w.HTML(f"<label>{esc(text)}</label>")


class ContributorView(View):
    """The contributor's consent app. Controls are attributes (tests set ``.value`` and ``.click()``).

    Start: ``card_code`` (Text, the contributor card) + ``begin``; ``receipt_code`` (Text) + ``open_receipt``.
    Both codes are checked through the shared limiter (:mod:`workbench.limits`) before anything else; a
    contributor id typed there proves nothing and reaches nothing.
    Steps: ``next`` / ``back``; for a use the person chooses, ``yes`` / ``no``; at the end ``agree`` / ``decline``.
    Receipt: ``receipt`` (HTML), ``finish``. Their consent: ``withdraw_boxes`` {use: Checkbox},
    ``withdraw_selected``, ``withdraw_all`` (which asks once more: ``confirm_yes`` / ``confirm_no``).
    Facilitators also see: a paper or spoken decision (``contributor`` id, ``method``, ``witness``,
    ``paper_ref``, ``date``, ``begin_paper``) and the card desk (``card_for``, ``card_witness``,
    ``issue_card``; the new code shows once in ``card_shown``).
    ``screen`` names the screen shown; ``message`` shows results.
    """

    def __init__(self, project, language: str | None = None, role: str = apps.PARTICIPANT):
        lang = language if language in available() else project.config.default_language
        super().__init__(lang)
        self.project = project
        self.role = role
        self.style = w.HTML(STYLE + CONSENT_STYLE + ICON_STYLE)
        self.header = w.HTML()
        self.language_switch = language_switch(lang)
        self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
        self.progress = w.HTML()
        self.body = w.HTML()
        self.message = w.HTML()
        self.controls = w.VBox(layout=w.Layout(width="100%"))
        self.controls.add_class("wb-controls")

        # Text fields are named by their description: ipywidgets draws it as a <label for=...> tied to the <input>.
        self.receipt_label = w.HTML()
        self.card_code = _text()
        self.card_code.add_class("wb-consent-code")
        self.begin = _button(style="primary")
        # Facilitators record paper and spoken consent for a contributor id, with a witness and the paper's
        # reference, marked as such in the ledger; and issue or reissue contributor cards.
        self.paper_heading = w.HTML()
        self.contributor = _text()
        self.contributor.add_class("wb-contributor-id")
        self.method_label = w.HTML()
        self.method = w.ToggleButtons(options=[(m, m) for m in L.RECORDED_METHODS], value="paper",
                                      layout=w.Layout(width="100%"))
        self.witness = _text()
        self.paper_ref = _text()
        self.date = w.DatePicker(layout=w.Layout(width="100%"), style={"description_width": "initial"})
        self.date.add_class("wb-labelled")
        self.begin_paper = _button(big=False)
        self.cards_heading = w.HTML()
        self.card_for = _text()
        self.card_witness = _text()
        self.issue_card = _button(big=False)
        self.card_shown = w.HTML()
        self.receipt_code = _text()
        self.receipt_code.add_class("wb-receipt-input")
        self.open_receipt = _button()
        self.yes, self.no = _button(style="success"), _button(style="info")
        self.answer_row = w.HBox([self.yes, self.no], layout=w.Layout(width="100%"))
        self.answer_row.add_class("wb-answer")
        self.next, self.back = _button(style="primary"), _button(big=False)
        self.agree, self.decline = _button(style="success"), _button(style="warning")
        self.receipt = w.HTML()
        self.finish = _button(style="primary")
        self.withdraw_boxes: dict[str, w.Checkbox] = {
            u: w.Checkbox(value=False, indent=False, layout=w.Layout(width="100%")) for u in USE_KEYS}
        for box in self.withdraw_boxes.values():
            box.add_class("wb-check")
        self.withdraw_selected, self.withdraw_all = _button(style="warning"), _button(style="danger")
        self.confirm_yes, self.confirm_no = _button(style="danger"), _button(style="primary")
        # ✓ ✗ ↩ → ← beside the words (CSS, out of the buttons' accessible names).
        for button, icon in ((self.yes, "yes"), (self.no, "no"), (self.agree, "give"), (self.decline, "decline"),
                             (self.withdraw_selected, "withdraw"), (self.withdraw_all, "withdraw"),
                             (self.confirm_yes, "withdraw"), (self.confirm_no, "back"),
                             (self.next, "next"), (self.back, "back"), (self.begin, "open"),
                             (self.open_receipt, "open")):
            with_icon(button, icon)

        self.begin.on_click(lambda _b: self._on_begin())
        self.begin_paper.on_click(lambda _b: self._on_begin_paper())
        self.issue_card.on_click(lambda _b: self._on_issue_card())
        self.open_receipt.on_click(lambda _b: self._on_open_receipt())
        self.yes.on_click(lambda _b: self._on_answer(True))
        self.no.on_click(lambda _b: self._on_answer(False))
        self.next.on_click(lambda _b: self._go(self.step_index + 1))
        self.back.on_click(lambda _b: self._on_back())
        self.agree.on_click(lambda _b: self._on_agree())
        self.decline.on_click(lambda _b: self._on_decline())
        self.finish.on_click(lambda _b: self._restart())
        self.withdraw_selected.on_click(lambda _b: self._on_withdraw(all_uses=False))
        self.withdraw_all.on_click(lambda _b: self._on_withdraw_all())
        self.confirm_yes.on_click(lambda _b: self._on_withdraw(all_uses=True))
        self.confirm_no.on_click(lambda _b: self._on_confirm_no())

        self.widget.children = [self.style, self.header, self.language_switch, self.progress, self.body,
                                self.controls, self.message]
        self._restart()

    # -- state ---------------------------------------------------------------------
    def _restart(self) -> None:
        self.screen = "start"
        self.step_index = 0
        self.answers: dict[str, bool] = {}
        self.who: str | None = None
        self.proof = None  # the person's verified card (or receipt, to withdraw): never a typed id
        self.recording: dict | None = None  # a facilitator's paper/spoken record: method, witness, paper_ref, at
        self.version = None
        self.form: ConsentForm | None = None
        self.last_receipt: L.Receipt | None = None
        self.card_code.value = ""
        self.receipt_code.value = ""
        self.contributor.value = ""
        self.message.value = ""
        self.render()

    def _say(self, text: str, ok: bool = False) -> None:
        cls = "wb-ok" if ok else "wb-error"
        self.message.value = f'<p class="{cls}" role="status">{esc(text)}</p>'

    @property
    def steps(self):
        return self.form.steps() if self.form else []

    @property
    def step(self):
        return self.steps[self.step_index] if self.form else None

    @property
    def facilitator(self) -> bool:
        return self.role == apps.FACILITATOR

    # -- codes ---------------------------------------------------------------------
    def _limited(self, check):
        """Run ``check()`` (a proof or None) through the shared limiter; (refused, proof)."""
        from ..limits import Limiter, TooManyTries
        from .context import client_keys

        try:
            return False, Limiter(self.project.root).attempt(client_keys(), check)
        except TooManyTries as exc:
            self._say(_error_text(self.tr, exc))
            return True, None

    def _on_begin(self) -> None:
        from ..consent import cards

        typed = self.card_code.value
        refused, proof = self._limited(lambda: cards.verify(self.project.store, typed))
        if refused:
            return
        if proof is None:  # never echoes what was typed
            if cards.looks_like_participant_code(typed):
                self._say(self.tr("consent.card.participant_code"))
            elif cards.normalise(typed) is None:
                self._say(self.tr("consent.card.bad_shape"))
            else:
                self._say(self.tr("consent.card.unknown"))
            return
        self.proof, self.recording = proof, None
        self._start_form(proof.contributor)

    def _on_begin_paper(self) -> None:
        if not self.facilitator:
            return
        try:
            who, method, witness, _actor, proof = L.check_recording(
                self.contributor.value, method=self.method.value, witness=self.witness.value,
                paper_ref=self.paper_ref.value, actor="facilitator")
        except WorkbenchError as exc:
            self._say(_error_text(self.tr, exc))
            return
        self.proof = None
        self.recording = {"method": method, "witness": witness, "paper_ref": proof["paper_ref"],
                          "at": self.date.value, "actor": "facilitator"}
        self._start_form(who)

    def _start_form(self, who: str) -> None:
        version = ScopeHistory.load(self.project.store).latest
        if version is None:
            self.screen = "no_scope"
            self.render()
            return
        self.who, self.version, self.answers = who, version, {}
        self.form = ConsentForm(version, self.language, self.project.name)
        self.answers.update(dict.fromkeys(version.scope.always(), True))
        self.message.value = ""
        self._go(0)

    def _on_issue_card(self) -> None:
        from ..consent import cards

        if not self.facilitator:
            return
        try:
            issued = cards.issue(self.project.store, self.card_for.value, actor="facilitator",
                                 witness=self.card_witness.value)
        except WorkbenchError as exc:
            self.card_shown.value = ""
            self._say(_error_text(self.tr, exc))
            return
        key = "consent.card.reissued" if issued.card.replaces else "consent.card.issued"
        self._say(self.tr(key, contributor=issued.card.contributor), ok=True)
        self.card_shown.value = (
            f'<div class="wb-card wb-new-card" data-contributor="{esc(issued.card.contributor)}">'
            f"<p><strong>{esc(self.tr('consent.card.name'))}</strong> · {bdi(issued.card.contributor)}</p>"
            f'<p class="wb-receipt-code wb-card-code">{esc(issued.code)}</p>'
            f'<div style="max-width:180px">{cards.qr_svg(issued.code)}</div>'
            f'<p class="wb-muted">{esc(self.tr("consent.card.shown_once"))}</p></div>')
        self.card_for.value = ""
        self.card_witness.value = ""

    def _go(self, index: int) -> None:
        self.screen = "step"
        self.step_index = max(0, min(index, len(self.steps) - 1))
        self.render()

    def _on_back(self) -> None:
        if self.screen == "step" and self.step_index > 0:
            self._go(self.step_index - 1)
        else:
            self._restart()

    def _on_answer(self, value: bool) -> None:
        step = self.step
        if self.screen != "step" or step is None or step.kind != "use":
            return
        self.answers[step.use] = value
        self.message.value = ""
        self._go(self.step_index + 1)

    def _unanswered(self) -> list[str]:
        return [u for u in self.version.scope.choosable() if u not in self.answers]

    def _deciding(self) -> tuple[object, dict]:
        """Who decides and how: the person's card, or a facilitator's record of a paper/spoken decision."""
        if self.recording is not None and self.facilitator:
            return self.who, dict(self.recording)
        return self.proof, {}

    def _on_agree(self) -> None:
        if self.screen != "step" or self.step.kind != "review":
            return
        if self._unanswered():
            self._say(self.tr("consent.app.need_answers"))
            return
        who, how = self._deciding()
        try:
            receipt = L.give(self.project.store, who, self.answers, scope=self.version, language=self.language,
                             **how)
        except WorkbenchError as exc:  # NotSaved included: nothing is claimed
            self._say(_error_text(self.tr, exc))
            return
        self._show_receipt(receipt, "consent.app.saved_granted")

    def _on_decline(self) -> None:
        if self.screen != "step" or self.step.kind != "review":
            return
        who, how = self._deciding()
        try:
            receipt = L.refuse(self.project.store, who, scope=self.version, language=self.language, **how)
        except WorkbenchError as exc:
            self._say(_error_text(self.tr, exc))
            return
        self._show_receipt(receipt, "consent.app.saved_refused")

    def _show_receipt(self, receipt: L.Receipt, key: str) -> None:
        self.last_receipt = receipt
        self.screen = "receipt"
        self._say(self.tr(key), ok=True)
        self.render()

    def _on_open_receipt(self) -> None:
        typed = self.receipt_code.value
        refused, proof = self._limited(lambda: L.verify_receipt(self.project.store, typed))
        if refused:
            return
        if proof is None:
            self._say(self.tr("consent.app.unknown_code"))
            return
        self.proof, self.recording, self.who = proof, None, proof.contributor
        self.message.value = ""
        self.screen = "mine"
        self.render()

    def _given(self) -> list[str]:
        current = L.ConsentLedger.load(self.project.store).current(self.who)
        return [u for u, reason in current.items() if reason == L.OK]

    def _on_withdraw_all(self) -> None:
        if self.screen != "mine":
            return
        if not self._given():
            self._say(self.tr("consent.app.nothing_given"))
            return
        self.message.value = ""
        self.screen = "confirm_all"
        self.render()

    def _on_confirm_no(self) -> None:
        if self.screen == "confirm_all":
            self.screen = "mine"
            self.render()

    def _on_withdraw(self, all_uses: bool) -> None:
        if self.screen != ("confirm_all" if all_uses else "mine") or self.proof is None:
            return
        given = self._given()
        chosen = given if all_uses else [u for u in given if self.withdraw_boxes[u].value]
        if not given:
            self._say(self.tr("consent.app.nothing_given"))
            return
        if not chosen:
            self._say(self.tr("consent.app.choose_one"))
            return
        try:
            receipt = L.withdraw(self.project.store, self.proof, chosen, language=self.language)
        except WorkbenchError as exc:
            self._say(_error_text(self.tr, exc))
            return
        self._show_receipt(receipt, "consent.app.saved_withdrawn")

    # -- rendering -----------------------------------------------------------------
    def render(self) -> None:
        tr = self.tr
        if self.form is not None and self.form.language != self.language:
            self.form = ConsentForm(self.version, self.language, self.project.name)
        self.header.value = (f'<p class="wb-muted">{esc(tr("app.name"))} · {esc(self.project.name)}</p>'
                             f"<h1>{esc(tr('consent.app.title'))}</h1>")
        self.begin.description = tr("consent.app.begin")
        self.open_receipt.description = tr("consent.app.open_receipt")
        self.yes.description, self.no.description = tr("consent.form.yes"), tr("consent.form.no")
        self.next.description, self.back.description = tr("consent.app.next"), tr("consent.app.back")
        self.agree.description, self.decline.description = tr("consent.app.agree"), tr("consent.app.decline")
        self.finish.description = tr("consent.app.start_over")
        self.withdraw_selected.description = tr("consent.app.withdraw_selected")
        self.withdraw_all.description = tr("consent.app.withdraw_all")
        self.confirm_yes.description = tr("consent.app.confirm_all_yes")
        self.confirm_no.description = tr("consent.app.confirm_all_no")
        for u, box in self.withdraw_boxes.items():
            box.description = tr(USES[u].title_key)
        self.receipt_label.value = f"<p>{esc(tr('consent.app.have_receipt'))}</p>"
        self.card_code.description = tr("consent.card.code_label")
        self.receipt_code.description = tr("consent.app.receipt_label")
        self.paper_heading.value = f"<h2>{esc(tr('consent.app.paper_heading'))}</h2>"
        self.contributor.description = tr("consent.app.contributor_id_label")
        self.method_label.value = f"<p>{esc(tr('consent.app.method_label'))}</p>"
        self.witness.description = tr("consent.app.witness_who_label")
        self.paper_ref.description = tr("consent.app.paper_ref_label")
        self.date.description = tr("consent.app.date_label")
        self.begin_paper.description = tr("consent.app.begin_paper")
        self.cards_heading.value = (f"<h2>{esc(tr('consent.card.desk_heading'))}</h2>"
                                    f'<p class="wb-muted">{esc(tr("consent.card.desk_help"))}</p>')
        self.card_for.description = tr("consent.app.contributor_id_label")
        self.card_witness.description = tr("consent.card.witness_label")
        self.issue_card.description = tr("consent.card.issue")
        method = self.method.value
        self.method.options = [(tr(f"consent.receipt.method.{m}"), m) for m in L.RECORDED_METHODS]
        self.method.value = method
        getattr(self, f"_render_{self.screen}")()

    def _render_start(self) -> None:
        tr = self.tr
        self.progress.value = ""
        self.body.value = (f"<p>{esc(tr('consent.form.intro'))}</p>"
                           f"<p>{esc(tr('consent.card.start_help'))}</p>")
        desk = []
        if self.facilitator:
            desk = [self.paper_heading, self.contributor, self.method_label, self.method, self.witness,
                    self.paper_ref, self.date, self.begin_paper,
                    self.cards_heading, self.card_for, self.card_witness, self.issue_card, self.card_shown]
        self.controls.children = [self.card_code, self.begin, self.receipt_label, self.receipt_code,
                                  self.open_receipt, *desk]

    def _render_confirm_all(self) -> None:
        tr = self.tr
        self.progress.value = ""
        self.body.value = (f'<div class="wb-card" data-confirm="withdraw_all">'
                           f"<h2>{esc(tr('consent.app.confirm_all_heading'))}</h2>"
                           f"<p>{esc(tr('consent.app.confirm_all_text'))}</p></div>")
        self.controls.children = [self.confirm_yes, self.confirm_no]

    def _render_no_scope(self) -> None:
        self.progress.value = ""
        self.body.value = f'<div class="wb-card"><p>{esc(self.tr("consent.app.no_scope"))}</p></div>'
        self.controls.children = [self.back]

    def _render_step(self) -> None:
        tr, form, step = self.tr, self.form, self.step
        self.progress.value = (f'<p class="wb-muted" data-step="{step.kind}" data-use="{esc(step.use or "")}">'
                               f"{esc(tr('consent.app.step', number=self.step_index + 1, total=len(self.steps)))}"
                               f"</p>")
        nav = [self.next, self.back]
        if step.kind == "holder":
            contact = (f"<p>{esc(tr('consent.form.contact', contact=form.scope.contact))}</p>"
                       if form.scope.contact else "")
            body = (f"<h2>{esc(tr('consent.form.holder_heading'))}</h2>"
                    f'<div class="wb-card"><p>{esc(form.scope.holder)}</p>{contact}</div>')
        elif step.kind == "use":
            u = form.use_text(step.use)
            answer = ""
            if u["choice"] == CHOOSES and step.use in self.answers:
                answer = f'<p class="wb-muted">{esc(form.answer_text(step.use, self.answers[step.use]))}</p>'
            ask = f"<p><strong>{esc(tr('consent.form.ask'))}</strong></p>" if u["choice"] == CHOOSES else ""
            body = (f'<div class="wb-card" data-use="{esc(step.use)}" data-choice="{esc(u["choice"])}">'
                    f"<h2>{esc(u['title'])}</h2><p>{esc(u['explain'])}</p>"
                    f'<p class="wb-muted">{esc(u["note"])}</p>{ask}{answer}</div>')
            if u["choice"] == CHOOSES:
                nav = [self.answer_row, self.back]
        elif step.kind == "never":
            items = "".join(f"<li>{esc(u['title'])}</li>" for u in form.never())
            body = f"<h2>{esc(tr('consent.form.never_heading'))}</h2><ul>{items}</ul>"
        elif step.kind == "conditions":
            items = "".join(f"<li>{esc(c)}</li>" for c in form.conditions())
            body = f"<h2>{esc(tr('consent.form.conditions_heading'))}</h2><ul>{items}</ul>"
        elif step.kind == "labels":
            items = "".join(f'<li data-label="{esc(lb["key"])}"><strong>{esc(lb["name"])}</strong> '
                            f'({esc(lb["code"])}): {esc(lb["explain"])}</li>' for lb in form.labels())
            body = (f"<h2>{esc(tr('consent.form.labels_heading'))}</h2>"
                    f"<p>{esc(tr('consent.form.labels_intro'))}</p><ul>{items}</ul>")
        elif step.kind == "withdraw":
            body = (f"<h2>{esc(tr('consent.form.withdraw_heading'))}</h2>"
                    f"<p>{esc(tr('consent.form.withdraw_text'))}</p>")
        else:  # review
            rows = "".join(
                f'<tr data-use="{esc(u["key"])}"><td>{esc(u["title"])}</td>'
                f"<td><strong>{esc(form.answer_text(u['key'], self.answers.get(u['key'])))}</strong></td></tr>"
                for u in form.uses())
            body = (f"<h2>{esc(tr('consent.app.review_heading'))}</h2><table>{rows}</table>"
                    f'<p class="wb-muted">{esc(tr("consent.form.version", version=form.version, hash=form.hash[:12]))}'
                    f"</p>")
            nav = [self.agree, self.decline, self.back]
        self.body.value = body
        self.controls.children = nav

    def _render_receipt(self) -> None:
        r = self.last_receipt
        self.progress.value = ""
        self.receipt.value = receipt_html(r, self.language, self.project.name)
        self.body.value = ""
        self.controls.children = [self.receipt, self.finish]

    def _render_mine(self) -> None:
        tr = self.tr
        self.progress.value = ""
        current = L.ConsentLedger.load(self.project.store).current(self.who)
        rows = "".join(f'<tr data-use="{u}" data-reason="{reason}"><td>{esc(tr(USES[u].title_key))}</td>'
                       f"<td>{esc(tr('consent.app.status.' + reason))}</td></tr>"
                       for u, reason in current.items() if reason != L.NEVER_REASON)
        self.body.value = (f"<h2>{esc(tr('consent.app.my_consent_heading'))}</h2><table>{rows}</table>"
                           f"<h2>{esc(tr('consent.app.withdraw_heading'))}</h2>"
                           f"<p>{esc(tr('consent.app.withdraw_help'))}</p>")
        boxes = []
        for u, box in self.withdraw_boxes.items():
            box.value = False
            if current[u] == L.OK:
                boxes.append(box)
        if not boxes:
            self.body.value += f"<p>{esc(tr('consent.app.nothing_given'))}</p>"
            self.controls.children = [self.finish]
            return
        self.controls.children = [*boxes, self.withdraw_selected, self.withdraw_all, self.finish]


class FacilitatorView(View):
    """The facilitator's scope editor. Controls are attributes:

    ``holder``, ``contact`` (Text); ``use_choice`` {use: ToggleButtons always/chooses/never}; ``expiry``
    (BoundedIntText, 0 = no end); ``stays_on_machine``, ``collaboration_required``, ``derived_data_returned``
    (Checkbox); ``benefit_sharing`` (Textarea); ``new_use_approver`` (Text); ``label_boxes`` {label: Checkbox};
    ``save_draft``, ``publish``, ``preview_button``; ``status``, ``preview``, ``coverage``, ``message`` (HTML);
    ``upload`` (FileUpload), ``import_all``, ``import_good``, ``import_report``.
    """

    def __init__(self, project, language: str | None = None, chart: bool = True):
        lang = language if language in available() else project.config.default_language
        super().__init__(lang)
        self.project = project
        self.show_chart = chart
        self.style = w.HTML(STYLE + CONSENT_STYLE)
        self.title = w.HTML()
        self.language_switch = language_switch(lang)
        self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
        self.status, self.message, self.preview = w.HTML(), w.HTML(), w.HTML()
        full = w.Layout(width="100%")
        self.holder_label, self.contact_label = w.HTML(), w.HTML()
        self.holder, self.contact = w.Text(layout=full), w.Text(layout=full)
        self.uses_heading, self.conditions_heading, self.labels_heading = w.HTML(), w.HTML(), w.HTML()
        self.use_labels = {u: w.HTML() for u in USE_KEYS}
        self.use_choice = {u: w.ToggleButtons(options=[(c, c) for c in CHOICES], value=NEVER, layout=full)
                           for u in USE_KEYS}
        self.expiry_label = w.HTML()
        self.expiry = w.BoundedIntText(value=24, min=0, max=600, layout=w.Layout(width="10em"))
        self.stays_on_machine = w.Checkbox(value=True, indent=False, layout=full)
        self.collaboration_required = w.Checkbox(value=False, indent=False, layout=full)
        self.derived_data_returned = w.Checkbox(value=False, indent=False, layout=full)
        self.benefit_label, self.approver_label = w.HTML(), w.HTML()
        self.benefit_sharing = w.Textarea(layout=full)
        self.new_use_approver = w.Text(layout=full)
        self.label_boxes = {k: w.Checkbox(value=False, indent=False, layout=full) for k in LABELS}
        self.save_draft, self.publish = _button(big=False), _button(big=False, style="primary")
        self.preview_button = _button(big=False)
        self.coverage_heading, self.coverage, self.coverage_chart = w.HTML(), w.HTML(), w.HTML()
        self.refresh = _button(big=False)
        self.import_heading, self.import_report = w.HTML(), w.HTML()
        self.upload = w.FileUpload(accept=".csv,.xlsx", multiple=False)
        self.import_all, self.import_good = _button(big=False), _button(big=False, style="warning")
        self._report = None

        self.save_draft.on_click(lambda _b: self._on_save_draft())
        self.publish.on_click(lambda _b: self._on_publish())
        self.preview_button.on_click(lambda _b: self._on_preview())
        self.refresh.on_click(lambda _b: self.render())
        self.upload.observe(lambda _ch: self._on_upload(), names="value")
        self.import_all.on_click(lambda _b: self._on_import(good_only=False))
        self.import_good.on_click(lambda _b: self._on_import(good_only=True))

        from ..decisions import subjects
        from .decide import DecisionBox

        # Publishing is a gate: the room's decision on exactly the scope on screen (workbench.decisions).
        self.decision = DecisionBox(project, self.tr, "scope", lambda: subjects.scope(self.scope_from_controls()))
        uses_box = []
        for u in USE_KEYS:
            uses_box += [self.use_labels[u], self.use_choice[u]]
        self.widget.children = [
            self.style, self.title, self.language_switch, self.status,
            self.holder_label, self.holder, self.contact_label, self.contact,
            self.uses_heading, *uses_box,
            self.conditions_heading, self.expiry_label, self.expiry, self.stays_on_machine,
            self.collaboration_required, self.derived_data_returned, self.benefit_label, self.benefit_sharing,
            self.approver_label, self.new_use_approver,
            self.labels_heading, *self.label_boxes.values(),
            self.decision.widget,
            w.HBox([self.preview_button, self.save_draft, self.publish]), self.message, self.preview,
            self.coverage_heading, self.refresh, self.coverage, self.coverage_chart,
            self.import_heading, self.upload, self.import_report, w.HBox([self.import_all, self.import_good]),
        ]
        self._load(self._initial_scope())
        self.render()

    # -- scope <-> controls --------------------------------------------------------
    def _initial_scope(self) -> Scope:
        history = ScopeHistory.load(self.project.store)
        if history.draft is not None:
            return history.draft
        if history.latest is not None:
            return history.latest.scope
        return Scope(holder=self.project.name, uses={"train": CHOOSES, "evaluate": CHOOSES},
                     conditions=Conditions(expiry_months=24), language=self.language)

    def _load(self, scope: Scope) -> None:
        self._text_language = scope.language  # the language the community's own words are written in
        self.holder.value, self.contact.value = scope.holder, scope.contact
        for u, choice in scope.uses.items():
            self.use_choice[u].value = choice
        c = scope.conditions
        self.expiry.value = c.expiry_months or 0
        self.stays_on_machine.value = c.stays_on_machine
        self.collaboration_required.value = c.collaboration_required
        self.derived_data_returned.value = c.derived_data_returned
        self.benefit_sharing.value, self.new_use_approver.value = c.benefit_sharing, c.new_use_approver
        for k, box in self.label_boxes.items():
            box.value = k in scope.labels

    def scope_from_controls(self) -> Scope:
        return Scope(
            holder=self.holder.value, contact=self.contact.value, language=self._text_language,
            uses={u: t.value for u, t in self.use_choice.items()},
            conditions=Conditions(expiry_months=self.expiry.value or None,
                                  stays_on_machine=self.stays_on_machine.value,
                                  collaboration_required=self.collaboration_required.value,
                                  derived_data_returned=self.derived_data_returned.value,
                                  benefit_sharing=self.benefit_sharing.value,
                                  new_use_approver=self.new_use_approver.value),
            labels=tuple(k for k, box in self.label_boxes.items() if box.value),
        )

    def _say(self, text: str, ok: bool = False) -> None:
        self.message.value = f'<p class="{"wb-ok" if ok else "wb-error"}" role="status">{esc(text)}</p>'

    # -- actions -------------------------------------------------------------------
    def _on_preview(self) -> None:
        try:
            scope = self.scope_from_controls()
        except WorkbenchError as exc:
            self._say(_error_text(self.tr, exc))
            return
        self.preview.value = (f"<h2>{esc(self.tr('consent.scope.preview_heading'))}</h2>"
                              + ConsentForm(scope, self.language, self.project.name).html())

    def _on_save_draft(self) -> None:
        from ..consent.scope import save_draft

        try:
            save_draft(self.project.store, self.scope_from_controls())
        except WorkbenchError as exc:
            self._say(_error_text(self.tr, exc))
            return
        self._say(self.tr("consent.scope.draft_saved"), ok=True)

    def _on_publish(self) -> None:
        from ..consent.form import write_forms
        from ..consent.scope import publish

        try:
            version = publish(self.project.store, self.scope_from_controls())
        except WorkbenchError as exc:
            self._say(_error_text(self.tr, exc))
            return
        self._say(self.tr("consent.scope.published", version=version.version), ok=True)
        try:
            write_forms(self.project, version.version)
        except OSError:  # the log is the record; the files can be written again with the CLI
            pass
        self.render()

    def _on_upload(self) -> None:
        from ..consent.paper import read_records

        files = list(self.upload.value or ())
        if not files:
            return
        f = files[0]
        try:
            self._report = read_records(bytes(f["content"]), f["name"],
                                        history=ScopeHistory.load(self.project.store),
                                        ledger=L.ConsentLedger.load(self.project.store),
                                        max_rows=self.project.config.limits.consent_rows)
        except WorkbenchError as exc:
            self._report = None
            self.import_report.value = f'<p class="wb-error">{esc(_error_text(self.tr, exc))}</p>'
            return
        self._render_report()

    def _render_report(self) -> None:
        tr, report = self.tr, self._report
        rows = "".join(f'<li data-row="{e.row}">{esc(tr("consent.scope.import_row", row=e.row, reason=tr(e.key, **e.params)))}</li>'
                       for e in report.errors)
        self.import_report.value = (f"<p>{esc(tr('consent.scope.import_report', good=len(report.good), bad=len(report.errors)))}"
                                    f"</p><ul>{rows}</ul>")

    def _on_import(self, good_only: bool) -> None:
        from ..consent.paper import apply

        if self._report is None:
            self._say(self.tr("consent.scope.no_file"))
            return
        try:
            receipts = apply(self.project.store, self._report, good_rows_only=good_only)
        except WorkbenchError as exc:
            self._say(_error_text(self.tr, exc))
            return
        self._report = None
        self.import_report.value = ""
        self._say(self.tr("consent.scope.imported", count=len(receipts)), ok=True)
        self.render()

    # -- rendering -----------------------------------------------------------------
    def render(self) -> None:
        tr = self.tr
        self.title.value = f"<h1>{esc(tr('consent.scope.title'))}: {esc(self.project.name)}</h1>" \
                           f"<p>{esc(tr('consent.scope.intro'))}</p>"
        latest = ScopeHistory.load(self.project.store).latest
        self.status.value = (
            f'<div class="wb-card" data-version="{latest.version}"><p>'
            f"{esc(tr('consent.scope.current', version=latest.version, hash=latest.hash[:12], date=latest.published_at[:10]))}"
            f"</p></div>" if latest else f'<div class="wb-card"><p>{esc(tr("consent.scope.none_yet"))}</p></div>')
        self.holder_label.value = f"<label>{esc(tr('consent.scope.holder_label'))}</label>"
        self.contact_label.value = f"<label>{esc(tr('consent.scope.contact_label'))}</label>"
        self.uses_heading.value = f"<h2>{esc(tr('consent.scope.uses_heading'))}</h2>"
        for u in USE_KEYS:
            self.use_labels[u].value = (f"<p><strong>{esc(tr(USES[u].title_key))}</strong><br>"
                                        f'<span class="wb-muted">{esc(tr(USES[u].explain_key))}</span></p>')
            value = self.use_choice[u].value
            self.use_choice[u].options = [(tr(f"consent.choice.{c}"), c) for c in CHOICES]
            self.use_choice[u].value = value
        self.conditions_heading.value = f"<h2>{esc(tr('consent.scope.conditions_heading'))}</h2>"
        self.expiry_label.value = f"<label>{esc(tr('consent.scope.expiry_label'))}</label>"
        self.stays_on_machine.description = tr("consent.scope.stays_label")
        self.collaboration_required.description = tr("consent.scope.collab_label")
        self.derived_data_returned.description = tr("consent.scope.returned_label")
        self.benefit_label.value = f"<label>{esc(tr('consent.scope.benefit_label'))}</label>"
        self.approver_label.value = f"<label>{esc(tr('consent.scope.approver_label'))}</label>"
        self.labels_heading.value = f"<h2>{esc(tr('consent.scope.labels_heading'))}</h2>"
        for k, box in self.label_boxes.items():
            box.description = f"{tr(LABELS[k].name_key)} ({LABELS[k].code})"
        self.save_draft.description = tr("consent.scope.save_draft")
        self.publish.description = tr("consent.scope.publish")
        self.decision.relabel(tr)
        self.preview_button.description = tr("consent.scope.preview")
        self.refresh.description = tr("consent.scope.refresh")
        self.import_heading.value = (f"<h2>{esc(tr('consent.scope.import_heading'))}</h2>"
                                     f'<p class="wb-muted">{esc(tr("consent.scope.import_help_witness"))}</p>')
        self.upload.description = tr("consent.scope.import_upload")
        self.import_all.description = tr("consent.scope.import_all")
        self.import_good.description = tr("consent.scope.import_good")
        if self._report is not None:
            self._render_report()
        self._render_coverage()

    def _render_coverage(self) -> None:
        tr = self.tr
        ledger = L.ConsentLedger.load(self.project.store)
        table = ledger.coverage()  # pandas, imported here: a facilitator kernel
        heads = "".join(f"<th>{esc(tr('consent.app.status.' + r))}</th>" for r in L.REASONS)
        rows = "".join(
            f'<tr data-use="{row.use}">' + f"<td>{esc(tr(USES[row.use].title_key))}</td>"
            + "".join(f'<td data-reason="{r}">{int(getattr(row, r))}</td>' for r in L.REASONS) + "</tr>"
            for row in table.itertuples(index=False))
        self.coverage_heading.value = f"<h2>{esc(tr('consent.scope.coverage_heading'))}</h2>"
        self.coverage.value = (f"<p>{esc(tr('consent.scope.coverage_people', count=len(ledger.contributors)))}</p>"
                               f'<div style="overflow-x:auto"><table class="wb-coverage"><tr>'
                               f"<th>{esc(tr('consent.scope.coverage_use'))}</th>{heads}</tr>{rows}</table></div>")
        self.coverage_chart.value = ""
        if self.show_chart and ledger.receipts:
            try:
                from ..charts.readings import coverage_reading, reading_html
                from ..consent.chart import chart_svg, coverage_chart, coverage_frame

                frame = coverage_frame(ledger)  # the chart and its plain reading from the same table
                svg = chart_svg(coverage_chart(frame, self.language))
                self.coverage_chart.value = (f'<div class="wb-chart" style="overflow-x:auto">{svg}</div>'
                                             f"{reading_html(coverage_reading(frame, tr))}")
            except (ImportError, ValueError):  # vl-convert absent, or it refused the spec: the table above is the record
                self.coverage_chart.value = ""


def app():
    """Voila entry point for contributors: ``from workbench.ui.consent import app; app()``."""
    from .context import open_app_project

    project, ctx = open_app_project("consent")
    return ContributorView(project, ctx.language, ctx.role)


def scope_app():
    """Voila / JupyterLab entry point for facilitators."""
    from .context import open_app_project

    project, ctx = open_app_project("scope")
    if ctx.role != apps.FACILITATOR:
        raise WorkbenchError("Only facilitators can edit the consent scope.", "Sign in with the facilitator code.",
                             key="login.facilitator_needed")
    return FacilitatorView(project, ctx.language)


__all__ = ["ContributorView", "FacilitatorView", "app", "scope_app"]
