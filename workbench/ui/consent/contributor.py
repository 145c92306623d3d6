"""The contributor's consent screen (phone, one decision per screen).

``ContributorView(project)``: a person types the code on their contributor card, reads who holds the data, answers
yes / no for each use the community lets them choose, reads the conditions, the labels and how to
withdraw, then gives (or refuses) consent and gets a receipt code. With that code they come back, see
their consent now and withdraw all or part of it. A choice is confirmed on screen only after the store
committed it. Imports no pandas, Altair or scikit-learn.
"""

from __future__ import annotations

import ipywidgets as w

from ... import apps
from ...consent import ledger as L
from ...consent.form import ConsentForm, receipt_html
from ...consent.scope import CHOOSES, ScopeHistory
from ...consent.uses import USE_KEYS, USES
from ...errors import WorkbenchError
from ...text import bdi, esc
from .._base import View, app_language, refusal_text
from ..icons import ICON_STYLE, with_icon
from ..kit import header, heading, say
from .common import CONSENT_STYLE


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
        super().__init__(app_language(project, language))
        self.project = project
        self.role = role
        self._chrome(CONSENT_STYLE, ICON_STYLE)
        self.progress = w.HTML()
        self.body = w.HTML()
        self.message = w.HTML()
        self.controls = w.VBox(layout=w.Layout(width="100%"))
        self.controls.add_class("wb-controls")

        # Text fields are named by their description: ipywidgets draws it as a <label for=...> tied to the <input>.
        self.receipt_label = w.HTML()
        self.card_code = self.kit.field()
        self.card_code.add_class("wb-consent-code")
        self.begin = self.kit.tall("primary")
        # Facilitators record paper and spoken consent for a contributor id, with a witness and the paper's
        # reference, marked as such in the ledger; and issue or reissue contributor cards.
        self.paper_heading = w.HTML()
        self.contributor = self.kit.field()
        self.contributor.add_class("wb-contributor-id")
        self.method_label = w.HTML()
        self.method = w.ToggleButtons(options=[(m, m) for m in L.RECORDED_METHODS], value="paper",
                                      layout=w.Layout(width="100%"))
        self.witness = self.kit.field()
        self.paper_ref = self.kit.field()
        self.date = w.DatePicker(layout=w.Layout(width="100%"), style={"description_width": "initial"})
        self.date.add_class("wb-labelled")
        self.begin_paper = self.kit.tall(big=False)
        self.cards_heading = w.HTML()
        self.card_for = self.kit.field()
        self.card_witness = self.kit.field()
        self.issue_card = self.kit.tall(big=False)
        self.card_shown = w.HTML()
        self.receipt_code = self.kit.field()
        self.receipt_code.add_class("wb-receipt-input")
        self.open_receipt = self.kit.tall()
        self.yes, self.no = self.kit.tall("success"), self.kit.tall("info")
        self.answer_row = w.HBox([self.yes, self.no], layout=w.Layout(width="100%"))
        self.answer_row.add_class("wb-answer")
        self.next, self.back = self.kit.tall("primary"), self.kit.tall(big=False)
        self.agree, self.decline = self.kit.tall("success"), self.kit.tall("warning")
        self.receipt = w.HTML()
        self.finish = self.kit.tall("primary")
        self.withdraw_boxes: dict[str, w.Checkbox] = {
            u: self.kit.check() for u in USE_KEYS}
        for box in self.withdraw_boxes.values():
            box.add_class("wb-check")
        self.withdraw_selected, self.withdraw_all = self.kit.tall("warning"), self.kit.tall("danger")
        self.confirm_yes, self.confirm_no = self.kit.tall("danger"), self.kit.tall("primary")
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
        say(self.message, text, ok)

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
        from ...limits import Limiter, TooManyTries
        from ..context import client_keys

        try:
            return False, Limiter(self.project.root).attempt(client_keys(), check)
        except TooManyTries as exc:
            self._say(refusal_text(self.tr, exc))
            return True, None

    def _on_begin(self) -> None:
        from ...consent import cards

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
            self._say(refusal_text(self.tr, exc))
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
        from ...consent import cards

        if not self.facilitator:
            return
        try:
            issued = cards.issue(self.project.store, self.card_for.value, actor="facilitator",
                                 witness=self.card_witness.value)
        except WorkbenchError as exc:
            self.card_shown.value = ""
            self._say(refusal_text(self.tr, exc))
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
            self._say(refusal_text(self.tr, exc))
            return
        self._show_receipt(receipt, "consent.app.saved_granted")

    def _on_decline(self) -> None:
        if self.screen != "step" or self.step.kind != "review":
            return
        who, how = self._deciding()
        try:
            receipt = L.refuse(self.project.store, who, scope=self.version, language=self.language, **how)
        except WorkbenchError as exc:
            self._say(refusal_text(self.tr, exc))
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
            self._say(refusal_text(self.tr, exc))
            return
        self._show_receipt(receipt, "consent.app.saved_withdrawn")

    # -- rendering -----------------------------------------------------------------
    def render(self) -> None:
        tr = self.tr
        if self.form is not None and self.form.language != self.language:
            self.form = ConsentForm(self.version, self.language, self.project.name)
        self.header.value = header(tr, tr("consent.app.title"), self.project.name)
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
        self.cards_heading.value = heading(tr("consent.card.desk_heading"), help=tr("consent.card.desk_help"))
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
