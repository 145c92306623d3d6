"""The data-work ledger: record paid work, set the agreed floor, see the checks (its own app and a curation tab)."""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from ... import apps
from ...errors import WorkbenchError
from ...text import esc
from .._base import STYLE, View, language_switch
from ..kit import header
from .common import ACTOR, FULL, Labels, button, dropdown, fail_html, ok_html, pct, table, text


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
        self.style = w.HTML(STYLE)
        self.header = w.HTML()
        self.status = w.HTML()
        self.work_task = dropdown(options=list(TASKS), value=TASKS[0])
        self.work_worker = text()
        self.work_hours = text()
        self.work_items = text()
        self.work_pay = text()
        self.work_currency = text(value="")
        self.work_date = w.DatePicker(value=dt.date.today(), layout=FULL)
        self.work_paid_on = w.DatePicker(value=None, layout=FULL)
        self.work_note = text()
        self.work_add = button()
        self.work_add.on_click(lambda _b: self.add_entry())
        self.floor_value = text()
        self.floor_currency = text()
        self.floor_days = w.BoundedIntText(value=30, min=0, max=365, layout=FULL)
        self.floor_benefit = w.Textarea(layout=w.Layout(width="100%", height="70px"))
        self.floor_save = button("info")
        self.floor_save.on_click(lambda _b: self.save_terms())
        self.summary = w.HTML()
        self.workers_table = w.HTML()
        self.chart = w.HTML()
        lb = self.labels = Labels()
        children = [lb.h2("curation.work.heading"), lb.label("curation.work.task"), self.work_task,
                    lb.label("curation.work.worker"), self.work_worker, lb.label("curation.work.hours"),
                    self.work_hours, lb.label("curation.work.items"), self.work_items,
                    lb.label("curation.work.pay"), self.work_pay, lb.label("curation.work.currency"),
                    self.work_currency, lb.label("curation.work.date"), self.work_date,
                    lb.label("curation.work.paid_on"), self.work_paid_on, lb.label("curation.work.note"),
                    self.work_note, self.work_add, self.summary, self.chart, self.workers_table,
                    lb.h2("curation.work.terms"), lb.label("curation.work.floor"), self.floor_value,
                    lb.label("curation.work.currency"), self.floor_currency,
                    lb.label("curation.work.payment_days"), self.floor_days,
                    lb.label("curation.work.benefit"), self.floor_benefit, self.floor_save]
        if embedded:
            self.widget.children = [self.status, *children]
        else:
            self.language_switch = language_switch(lang)
            self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
            self.widget.children = [self.style, self.header, self.language_switch, self.status, *children]
        if role != apps.FACILITATOR:
            self.widget.children = [self.style, self.header, self.status]
        self.render()

    def _fail(self, exc: WorkbenchError) -> None:
        self.status.value = fail_html(self.tr, exc)

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
        self.status.value = ok_html(self.tr("curation.work.recorded"))
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
        self.status.value = ok_html(self.tr("curation.work.terms_saved"))
        return ev

    def render(self) -> None:
        from ...curation import datawork

        tr = self.tr
        self.header.value = header(tr, f"{tr('app.datawork.title')}: {self.project.name}")
        if self.role != apps.FACILITATOR:
            self.status.value = f'<p class="wb-error">{esc(tr("curation.facilitators_only"))}</p>'
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
        self.summary.value = (f'<div class="wb-card" data-below="{s["workers_below_floor"]}">'
                              + "".join(f'<p class="{flag if i else ""}">{esc(x)}</p>' for i, x in enumerate(lines))
                              + "</div>")
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

