"""My data work: a data worker types the code on their card and sees their own record (issue 20).

``MyWorkView(project, language)``: the code box (``code``) and ``show``; then only that worker's entries
(date, task, hours, items, pay, paid on), their totals, their pay per hour against the agreed floor, late or
missing payments marked, and a link to raise a concern about it. ``forget`` closes the record (a shared
phone). Codes go through the shared limiter (:mod:`workbench.limits`), as the consent card's do.

The checks are :func:`workbench.curation.datawork.check`'s, the same the facilitators' ledger shows; they need
pandas, imported only once a card code was accepted (this module imports ipywidgets and the store alone).
"""

from __future__ import annotations

from datetime import date, timedelta

import ipywidgets as w

from ... import apps
from ...errors import WorkbenchError
from ...i18n import format_datetime, format_number
from ...text import bdi, esc
from .._base import View, app_language, refusal_text
from ..icons import ICON_STYLE, icon_html
from ..kit import header, say

CONCERN_NOTEBOOK = "concern.ipynb"  # the concern app (notebooks/concern.ipynb), a sibling of this page

MYWORK_STYLE = """
<style>
.wb-app .wb-big button, .wb-app button.wb-big { min-height: 56px; font-size: 19px; font-weight: 600; width: 100%; }
.wb-app .wb-labelled { flex-wrap: wrap; width: 100%; }
.wb-app .wb-labelled > label.widget-label { width: 100%; max-width: 100%; text-align: left; white-space: normal;
  overflow: visible; font-size: 17px; margin: 0 0 4px 0; }
.wb-app .wb-labelled > input { flex: 1 1 100%; min-height: 48px; font-size: 20px; letter-spacing: 0.05em; }
.wb-entry.wb-flag-late, .wb-entry.wb-flag-unpaid { border: 2px solid #9b1c1c; background: #fdf0f0; }
.wb-entry.wb-flag-waiting { border: 2px solid #8a6100; background: #fffaf0; }
.wb-badge.wb-late { background: #fde2e2; border-color: #9b1c1c; color: #7a1111; }
.wb-floor.wb-below { border: 2px solid #9b1c1c; }
</style>
"""


def _num(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if out != out else out


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


class MyWorkView(View):
    """The worker's own record. Controls are attributes: ``code`` (Text), ``show``, ``forget`` (Buttons);
    ``record`` (HTML) holds the record, ``message`` (HTML) what happened. ``worker`` is the pseudonym whose
    card was accepted (None before)."""

    def __init__(self, project, language: str | None = None, role: str = apps.PARTICIPANT):
        super().__init__(app_language(project, language))
        self.project, self.role = project, role
        self.worker: str | None = None
        self._chrome(MYWORK_STYLE, ICON_STYLE)
        self.code = self.kit.field()
        self.code.add_class("wb-worker-code")
        self.show = self.kit.tall("primary", icon="open")
        self.forget = self.kit.tall(height="48px", big=False, icon="back")
        self.message = w.HTML()
        self.record = w.HTML()
        self.show.on_click(lambda _b: self._on_show())
        self.forget.on_click(lambda _b: self._on_forget())
        self.render()

    # -- actions -------------------------------------------------------------------------------
    def _say(self, text: str, ok: bool = False) -> None:
        say(self.message, text, ok, "status" if ok else "alert")

    def _on_show(self) -> None:
        from ...benefits.worker_cards import verify_worker_card
        from ...limits import Limiter
        from ..context import client_keys

        try:  # never echoes what was typed
            worker = verify_worker_card(self.project.store, self.code.value, limiter=Limiter(self.project.root),
                                        keys=client_keys())
        except WorkbenchError as exc:
            self._say(refusal_text(self.tr, exc))
            return
        self.worker, self.code.value, self.message.value = worker, "", ""
        self.render()

    def _on_forget(self) -> None:
        self.worker, self.code.value, self.message.value = None, "", ""
        self.render()

    # -- rendering -----------------------------------------------------------------------------
    def render(self) -> None:
        tr = self.tr
        self.header.value = header(tr, f"{tr('app.mywork.title')}: {self.project.name}")
        self.code.description = tr("mywork.code_label")
        self.show.description = tr("mywork.show")
        self.forget.description = tr("mywork.forget")
        if self.worker is None:
            self.record.value = f'<p>{esc(tr("mywork.intro"))}</p>'
            self.widget.children = [self.style, self.header, self.language_switch, self.record, self.code,
                                    self.show, self.message]
            return
        self.record.value = self._record_html()
        self.widget.children = [self.style, self.header, self.language_switch, self.message, self.record,
                                self.forget]

    def _record_html(self) -> str:
        from ...curation import datawork

        tr, lang = self.tr, self.language
        checks = datawork.check(self.project)
        terms = checks.terms
        e = checks.entries
        rows = e[e["worker"] == self.worker].sort_values(["date", "id"]).to_dict("records")
        mine = checks.workers[checks.workers["worker"] == self.worker].to_dict("records")
        parts = [f'<div class="wb-mywork" data-worker="{esc(self.worker)}">',
                 f"<h2>{esc(tr('mywork.heading'))}: {bdi(self.worker)}</h2>",
                 f'<p class="wb-muted">{esc(tr("mywork.private"))}</p>']
        if not rows:
            parts.append(f'<div class="wb-card"><p>{esc(tr("mywork.none"))}</p></div>')
        else:
            parts.append(self._totals_html(rows, mine[0] if mine else {}, terms))
            parts.append(f"<h2>{esc(tr('mywork.entries_heading'))}</h2>")
            parts.extend(self._entry_html(r, terms.payment_days) for r in reversed(rows))
        href = f"{CONCERN_NOTEBOOK}?about=datawork&lang={lang}"
        parts.append(f'<p class="wb-muted">{esc(tr("mywork.concern_help"))}</p>'
                     f'<a class="wb-link wb-concern" href="{esc(href)}">{icon_html("⚠")}{esc(tr("mywork.concern"))}</a>'
                     "</div>")
        return "".join(parts)

    def _date(self, value: str | None) -> str:
        try:
            return format_datetime(value, self.language, with_time=False)
        except (TypeError, ValueError):
            return str(value or "")

    def _money(self, amount, currency) -> str:
        value = _num(amount)
        return f"{format_number(value or 0.0, self.language, 2)} {currency or ''}".strip()

    def _flag(self, row: dict) -> str:
        if row.get("unpaid"):
            return "unpaid"
        if row.get("late"):
            return "late"
        return "waiting" if row.get("outstanding") else "paid"

    def _entry_html(self, row: dict, payment_days: int) -> str:
        from ...curation.datawork import TASKS

        tr = self.tr
        task = row.get("task")
        label = esc(tr(f"curation.work.task.{task}")) if task in TASKS else bdi(task)
        flag = self._flag(row)
        paid = _text(row.get("paid_on"))
        amounts = []
        hours, items = _num(row.get("hours")), _num(row.get("items"))
        if hours:
            amounts.append(f"{esc(tr('mywork.hours'))}: {esc(format_number(hours, self.language, 1))}")
        if items:
            amounts.append(f"{esc(tr('mywork.items'))}: {esc(format_number(int(items), self.language, 0))}")
        if flag == "unpaid":
            state = tr("mywork.status.unpaid")
        elif flag == "late":
            state = (tr("mywork.status.late_paid", date=self._date(paid)) if paid else tr("mywork.status.late"))
        elif flag == "waiting":
            due = date.fromisoformat(str(row["date"])) + timedelta(days=payment_days)
            state = tr("mywork.status.waiting", date=self._date(due.isoformat()))
        else:
            state = tr("mywork.status.paid", date=self._date(paid))
        badge = "wb-late" if flag in ("late", "unpaid") else ("in_progress" if flag == "waiting" else "done")
        mark = icon_html("⚠") if flag in ("late", "unpaid") else ""
        return (f'<div class="wb-card wb-entry wb-flag-{flag}" data-entry="{esc(row.get("id"))}" data-flag="{flag}">'
                f"<p><strong>{esc(self._date(row.get('date')))}</strong> · {label}</p>"
                + (f"<p>{' · '.join(amounts)}</p>" if amounts else "")
                + f"<p>{esc(tr('mywork.pay'))}: {esc(self._money(row.get('pay'), row.get('currency')))}</p>"
                f'<p><span class="wb-badge {badge}">{mark}{esc(state)}</span></p></div>')

    def _totals_html(self, rows: list[dict], mine: dict, terms) -> str:
        tr, lang = self.tr, self.language
        hours = sum(_num(r.get("hours")) or 0.0 for r in rows)
        items = sum(int(_num(r.get("items")) or 0) for r in rows)
        pay: dict[str, float] = {}
        for r in rows:
            cur = str(r.get("currency") or "")
            pay[cur] = pay.get(cur, 0.0) + (_num(r.get("pay")) or 0.0)
        flags = [self._flag(r) for r in rows]
        lines = [f"<p>{esc(tr('mywork.totals', entries=len(rows), hours=format_number(hours, lang, 1), items=format_number(items, lang, 0)))}</p>",
                 f"<p>{esc(tr('mywork.total_pay', pay=', '.join(self._money(v, k) for k, v in sorted(pay.items()))))}</p>"]
        late, unpaid, waiting = flags.count("late"), flags.count("unpaid"), flags.count("waiting")
        cls = "wb-error" if late or unpaid else ""
        lines.append(f'<p class="{cls} wb-problems" data-late="{late}" data-unpaid="{unpaid}" data-waiting="{waiting}">'
                     f"{esc(tr('mywork.problems', late=late, waiting=waiting, unpaid=unpaid))}</p>")
        hourly, floor = _num(mine.get("hourly")), terms.hourly_floor
        below = bool(floor and hourly is not None and hourly < floor)
        if not floor:
            floor_line = f"<p>{esc(tr('mywork.no_floor'))}</p>"
        elif hourly is None:
            floor_line = f"<p>{esc(tr('mywork.no_hours'))}</p>"
        else:
            key = "mywork.hourly_below" if below else "mywork.hourly_ok"
            cls = "wb-error" if below else "wb-ok"
            text = tr(key, hourly=format_number(hourly, lang, 2), floor=format_number(floor, lang, 2),
                      currency=terms.currency)
            floor_line = f'<p class="{cls}">{icon_html("⚠") if below else ""}{esc(text)}</p>'
        return (f"<h2>{esc(tr('mywork.totals_heading'))}</h2>"
                f'<div class="wb-card wb-totals">{"".join(lines)}</div>'
                f'<div class="wb-card wb-floor{" wb-below" if below else ""}" data-below="{int(below)}">{floor_line}</div>')
