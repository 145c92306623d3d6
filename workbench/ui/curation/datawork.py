"""The data-work ledger: record paid work, set the agreed floor, see the checks (its own app and a curation tab)."""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from ... import apps
from ...errors import WorkbenchError
from ...text import esc
from .._base import View, refusal_text
from ..kit import Labels, card, header, say
from .common import ACTOR, pct, table


class DataWorkView(View):
    """The data-work ledger: record work, set the agreed floor, see the checks.

    Controls: ``work_task``, ``work_worker``, ``work_hours``, ``work_items``, ``work_pay``, ``work_currency``,
    ``work_date``, ``work_paid_on``, ``work_note``, ``work_add``; ``floor_value``, ``floor_currency``,
    ``floor_days``, ``floor_benefit``, ``floor_save``; ``summary`` and ``workers_table`` (HTML), ``status``.
    """

    def __init__(self, project, role: str = apps.FACILITATOR, language: str | None = None, charts: bool = True,
                 embedded: bool = False):
        from ...curation.datawork import TASKS
        from ...i18n import available

        lang = language if language in available() else project.config.default_language
        super().__init__(lang)
        self.project, self.role, self.charts = project, role, charts
        self._chrome()
        self.status = self.kit.html()
        self.work_task = self.kit.drop(list(TASKS), TASKS[0], full=True)
        self.work_worker = self.kit.text()
        self.work_hours = self.kit.text()
        self.work_items = self.kit.text()
        self.work_pay = self.kit.text()
        self.work_currency = self.kit.text()
        self.work_date = w.DatePicker(value=dt.date.today(), layout=self.kit.full)
        self.work_paid_on = w.DatePicker(value=None, layout=self.kit.full)
        self.work_note = self.kit.text()
        self.work_add = self.kit.button(style="primary")
        self.work_add.on_click(lambda _b: self.add_entry())
        self.floor_value = self.kit.text()
        self.floor_currency = self.kit.text()
        self.floor_days = w.BoundedIntText(value=30, min=0, max=365, layout=self.kit.full)
        self.floor_benefit = self.kit.area(height="70px")
        self.floor_save = self.kit.button(style="info")
        self.floor_save.on_click(lambda _b: self.save_terms())
        self.summary = self.kit.html()
        self.workers_table = self.kit.html()
        self.chart = self.kit.html()
        lb = self.labels = Labels(self.kit)
        children = [lb.heading("curation.work.heading"), lb.label("curation.work.task"), self.work_task,
                    lb.label("curation.work.worker"), self.work_worker, lb.label("curation.work.hours"),
                    self.work_hours, lb.label("curation.work.items"), self.work_items,
                    lb.label("curation.work.pay"), self.work_pay, lb.label("curation.work.currency"),
                    self.work_currency, lb.label("curation.work.date"), self.work_date,
                    lb.label("curation.work.paid_on"), self.work_paid_on, lb.label("curation.work.note"),
                    self.work_note, self.work_add, self.summary, self.chart, self.workers_table,
                    lb.heading("curation.work.terms"), lb.label("curation.work.floor"), self.floor_value,
                    lb.label("curation.work.currency"), self.floor_currency,
                    lb.label("curation.work.payment_days"), self.floor_days,
                    lb.label("curation.work.benefit"), self.floor_benefit, self.floor_save]
        if embedded:
            self.widget.children = [self.status, *children]
        else:
            self.widget.children = [self.style, self.header, self.language_switch, self.status, *children]
        if role != apps.FACILITATOR:
            self.widget.children = [self.style, self.header, self.status]
        self.render()

    def _fail(self, exc: WorkbenchError) -> None:
        say(self.status, refusal_text(self.tr, exc), role="alert", mark=True)

    def add_entry(self):
        from ...curation import datawork

        try:
            ev = datawork.record(self.project.store, self.work_task.value, self.work_worker.value,
                                 hours=self.work_hours.value or None, items=self.work_items.value or None,
                                 pay=self.work_pay.value, currency=self.work_currency.value, on=self.work_date.value,
                                 paid_on=self.work_paid_on.value, note=self.work_note.value, actor=ACTOR)
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        for ctl in (self.work_worker, self.work_hours, self.work_items, self.work_pay, self.work_note):
            ctl.value = ""
        self.work_paid_on.value = None
        self.render()
        say(self.status, self.tr("curation.work.recorded"), ok=True, mark=True)
        return ev

    def save_terms(self):
        from ...curation import datawork

        try:
            ev = datawork.set_terms(self.project.store, self.floor_value.value, self.floor_currency.value,
                                    self.floor_days.value, self.floor_benefit.value, actor=ACTOR)
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        self.render()
        say(self.status, self.tr("curation.work.terms_saved"), ok=True, mark=True)
        return ev

    def render(self) -> None:
        from ...curation import datawork

        tr = self.tr
        self.header.value = header(tr, f"{tr('app.datawork.title')}: {self.project.name}")
        if self.refused_to_participants("curation.facilitators_only"):
            return
        self.labels.relabel(tr)
        self.work_task.options = [(tr(f"curation.work.task.{t}"), t) for t in datawork.TASKS]
        self.work_add.description = tr("curation.work.add")
        self.floor_save.description = tr("curation.work.save_terms")
        checks = datawork.check(self.project)
        t, s = checks.terms, checks.summary
        if t.currency and not self.work_currency.value:
            self.work_currency.value = t.currency
        if t.hourly_floor and not self.floor_value.value:
            self.floor_value.value = f"{t.hourly_floor:g}"
            self.floor_currency.value = t.currency
            self.floor_days.value = t.payment_days
            self.floor_benefit.value = t.benefit_sharing
        lines = [tr("curation.ds.f.datawork", workers=s["workers"], hours=f"{s['hours']:.1f}", pay=f"{s['pay']:.2f}",
                    currency=s["currency"] or "")]
        if s["hourly_floor"]:
            lines.append(tr("curation.ds.f.floor", floor=f"{s['hourly_floor']:.2f}", currency=s["currency"],
                            share=pct(s["share_at_or_above_floor"]) or "—"))
        else:
            lines.append(tr("curation.ds.f.no_floor"))
        lines.append(tr("curation.ds.f.unpaid", unpaid=s["unpaid_entries"], late=s["late_entries"]))
        flag = "wb-error" if s["workers_below_floor"] or s["unpaid_entries"] or s["late_entries"] else "wb-ok"
        self.summary.value = card(html="".join(f'<p class="{flag if i else ""}">{esc(x)}</p>'
                                               for i, x in enumerate(lines)), below=s["workers_below_floor"])
        rows = [[r.worker, f"{r.hours:.1f}", f"{r.pay:.2f}", "" if r.hourly != r.hourly else f"{r.hourly:.2f}",
                 "⚠" if r.below_floor else "", int(r.unpaid_entries), int(r.late_entries)]
                for r in checks.workers.itertuples()]
        self.workers_table.value = table([tr("curation.col.worker"), tr("curation.col.hours"), tr("curation.col.pay"),
                                           tr("curation.col.hourly"), tr("curation.col.below"),
                                           tr("curation.col.unpaid"), tr("curation.col.late")], rows,
                                          {1, 2, 3, 5, 6}) if rows else ""
        if self.charts and rows:
            from ...charts.curation import pay_vs_floor, to_svg
            from ...charts.readings import pay_reading, reading_html

            self.chart.value = (f'<div class="wb-chart" style="overflow-x:auto">{to_svg(pay_vs_floor(checks.workers, t.hourly_floor, tr))}</div>'
                                + reading_html(pay_reading(checks.workers, t.hourly_floor, tr)))

