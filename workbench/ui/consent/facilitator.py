"""The facilitator's consent scope editor.

``FacilitatorView(project)``: edit the scope, save a draft, publish a new version (forms are written to
``artifacts/consent/``), see coverage per use and over time, import paper records. The coverage imports
pandas (and the chart Altair), lazily: a facilitator kernel.
"""

from __future__ import annotations

import ipywidgets as w

from ...consent import ledger as L
from ...consent.form import ConsentForm
from ...consent.scope import CHOICES, CHOOSES, NEVER, Conditions, Scope, ScopeHistory
from ...consent.uses import LABELS, USE_KEYS, USES
from ...errors import WorkbenchError
from ...i18n import available
from ...text import esc
from .._base import STYLE, View, language_switch, refusal_text
from ..kit import Kit, heading, say
from .common import CONSENT_STYLE


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
        self.kit = Kit()
        self.project = project
        self.show_chart = chart
        self.style = self.kit.style(STYLE, CONSENT_STYLE)
        self.title = w.HTML()
        self.language_switch = language_switch(lang)
        self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
        self.status, self.message, self.preview = w.HTML(), w.HTML(), w.HTML()
        full = w.Layout(width="100%")
        self.holder_label, self.contact_label = w.HTML(), w.HTML()
        self.holder, self.contact = self.kit.text(), self.kit.text()
        self.uses_heading, self.conditions_heading, self.labels_heading = w.HTML(), w.HTML(), w.HTML()
        self.use_labels = {u: w.HTML() for u in USE_KEYS}
        self.use_choice = {u: w.ToggleButtons(options=[(c, c) for c in CHOICES], value=NEVER, layout=full)
                           for u in USE_KEYS}
        self.expiry_label = w.HTML()
        self.expiry = w.BoundedIntText(value=24, min=0, max=600, layout=w.Layout(width="10em"))
        self.stays_on_machine = self.kit.check(True)
        self.collaboration_required = self.kit.check()
        self.derived_data_returned = self.kit.check()
        self.benefit_label, self.approver_label = w.HTML(), w.HTML()
        self.benefit_sharing = self.kit.area()
        self.new_use_approver = self.kit.text()
        self.label_boxes = {k: self.kit.check() for k in LABELS}
        self.save_draft, self.publish = self.kit.tall(big=False), self.kit.tall("primary", big=False)
        self.preview_button = self.kit.tall(big=False)
        self.coverage_heading, self.coverage, self.coverage_chart = w.HTML(), w.HTML(), w.HTML()
        self.refresh = self.kit.tall(big=False)
        self.import_heading, self.import_report = w.HTML(), w.HTML()
        self.upload = self.kit.upload(".csv,.xlsx")
        self.import_all, self.import_good = self.kit.tall(big=False), self.kit.tall("warning", big=False)
        self._report = None

        self.save_draft.on_click(lambda _b: self._on_save_draft())
        self.publish.on_click(lambda _b: self._on_publish())
        self.preview_button.on_click(lambda _b: self._on_preview())
        self.refresh.on_click(lambda _b: self.render())
        self.upload.observe(lambda _ch: self._on_upload(), names="value")
        self.import_all.on_click(lambda _b: self._on_import(good_only=False))
        self.import_good.on_click(lambda _b: self._on_import(good_only=True))

        from ...decisions import subjects
        from ..decide import DecisionBox

        # Publishing is a gate: the room's decision on exactly the scope on screen (workbench.decisions).
        self.decision = DecisionBox(project, self.tr, "scope", lambda: subjects.scope(self.scope_from_controls()),
                                    kit=self.kit)
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
        say(self.message, text, ok)

    # -- actions -------------------------------------------------------------------
    def _on_preview(self) -> None:
        try:
            scope = self.scope_from_controls()
        except WorkbenchError as exc:
            self._say(refusal_text(self.tr, exc))
            return
        self.preview.value = (f"<h2>{esc(self.tr('consent.scope.preview_heading'))}</h2>"
                              + ConsentForm(scope, self.language, self.project.name).html())

    def _on_save_draft(self) -> None:
        from ...consent.scope import save_draft

        try:
            save_draft(self.project.store, self.scope_from_controls())
        except WorkbenchError as exc:
            self._say(refusal_text(self.tr, exc))
            return
        self._say(self.tr("consent.scope.draft_saved"), ok=True)

    def _on_publish(self) -> None:
        from ...consent.form import write_forms
        from ...consent.scope import publish

        try:
            version = publish(self.project.store, self.scope_from_controls())
        except WorkbenchError as exc:
            self._say(refusal_text(self.tr, exc))
            return
        self._say(self.tr("consent.scope.published", version=version.version), ok=True)
        try:
            write_forms(self.project, version.version)
        except OSError:  # the log is the record; the files can be written again with the CLI
            pass
        self.render()

    def _on_upload(self) -> None:
        from ...consent.paper import read_records

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
            self.import_report.value = f'<p class="wb-error">{esc(refusal_text(self.tr, exc))}</p>'
            return
        self._render_report()

    def _render_report(self) -> None:
        tr, report = self.tr, self._report
        rows = "".join(f'<li data-row="{e.row}">{esc(tr("consent.scope.import_row", row=e.row, reason=tr(e.key, **e.params)))}</li>'
                       for e in report.errors)
        self.import_report.value = (f"<p>{esc(tr('consent.scope.import_report', good=len(report.good), bad=len(report.errors)))}"
                                    f"</p><ul>{rows}</ul>")

    def _on_import(self, good_only: bool) -> None:
        from ...consent.paper import apply

        if self._report is None:
            self._say(self.tr("consent.scope.no_file"))
            return
        try:
            receipts = apply(self.project.store, self._report, good_rows_only=good_only)
        except WorkbenchError as exc:
            self._say(refusal_text(self.tr, exc))
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
        self.import_heading.value = heading(tr("consent.scope.import_heading"),
                                            help=tr("consent.scope.import_help_witness"))
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
                from ...charts.readings import coverage_reading, reading_html
                from ...consent.chart import chart_svg, coverage_chart, coverage_frame

                frame = coverage_frame(ledger)  # the chart and its plain reading from the same table
                svg = chart_svg(coverage_chart(frame, self.language))
                self.coverage_chart.value = (f'<div class="wb-chart" style="overflow-x:auto">{svg}</div>'
                                             f"{reading_html(coverage_reading(frame, tr))}")
            except (ImportError, ValueError):  # vl-convert absent, or it refused the spec: the table above is the record
                self.coverage_chart.value = ""
