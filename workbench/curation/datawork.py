"""The ledger of data work: who did which task, for how long, for what pay, and whether that was fair.

Events:

- ``datawork.terms_set`` ``{hourly_floor, currency, payment_days, benefit_sharing, source}``: the agreed
  floor (for example a local living wage), the days within which work must be paid, benefit-sharing terms.
  Without it, ``[datawork]`` in workbench.toml is read (same keys).
- ``datawork.recorded`` ``{id, task, worker, hours, items, pay, currency, date, paid_on, note}``
- ``datawork.paid`` ``{id, paid_on}``: a payment made later.
- ``datawork.voided`` ``{id, reason}``: an entry recorded by mistake (it stays in the log).

Workers are pseudonyms (letters, digits and ``- _ .``, no spaces), so a name
cannot slip into the log or any export. Checks per worker: effective hourly pay
against the floor, unpaid work (entries with no pay), late payment (paid after
``payment_days``, or still unpaid past it).

What an entry must be (each refusal is one sentence and writes nothing):

- An entry is one day's work (it has one ``date``), so its hours are more than
  zero and at most 24; longer work is one entry per day. It needs hours or a
  number of items (whole, more than zero); a zero counts as not given.
- Pay is zero or more and must be written: 0 records unpaid (volunteer) work,
  which the checks then flag, so it stays visible instead of missing.
- The date of the work and the payment date cannot be in the future: work is
  recorded once done, a payment once made. "Today" is the latest calendar day
  anywhere (UTC+14), so a facilitator ahead of the server's clock can still
  record today's work. A payment cannot be before the work.
- The currency is an ISO 4217 code that was legal tender somewhere on the day
  of the work (CLDR's data via Babel): ``XYZ``, ``R$`` or ``DEM`` in 2026 are
  refused. The floor's currency (:func:`set_terms`) is checked against today.
"""

from __future__ import annotations

import re
import tomllib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError
from ..text import free_text, snippet

TERMS, RECORDED, PAID, VOIDED = "datawork.terms_set", "datawork.recorded", "datawork.paid", "datawork.voided"
KINDS = (TERMS, RECORDED, PAID, VOIDED)
TASKS = ("labelling", "translation", "cleaning", "transcription", "facilitation")
WORKER_RE = re.compile(r"^[A-Za-z0-9_.-]{2,40}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
DEFAULT_PAYMENT_DAYS = 30
MAX_HOURS = 24  # per entry: an entry is one day's work
MAX_NOTE = 500  # a note or a void's reason; longer is refused, not cut


@dataclass(frozen=True)
class Terms:
    hourly_floor: float | None = None
    currency: str = ""
    payment_days: int = DEFAULT_PAYMENT_DAYS
    benefit_sharing: str = ""
    source: str = ""

    def to_dict(self) -> dict:
        return {"hourly_floor": self.hourly_floor, "currency": self.currency, "payment_days": self.payment_days,
                "benefit_sharing": self.benefit_sharing, "source": self.source}


def _date(value: Any, what: str) -> str:
    if value is None or not str(value).strip():
        raise WorkbenchError(f"The {what} is missing.", "Choose the day.", key="curation.work.error.no_date")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise WorkbenchError(f"The {what} {snippet(value)!r} is not a date.", "Write it as YYYY-MM-DD.",
                             key="curation.work.error.date", value=snippet(value)) from None


def latest_today() -> date:
    """The latest calendar day anywhere on Earth now (UTC+14): a later date is in the future everywhere."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def _not_future(day: str, key: str, what: str) -> str:
    if date.fromisoformat(day) > latest_today():
        raise WorkbenchError(f"The {what} {day} is in the future.",
                             "Record work once it is done and a payment once it is made.", key=key, value=day)
    return day


def _number(value: Any, what: str, *, allow_none: bool = False) -> float | None:
    if value in (None, "") and allow_none:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise WorkbenchError(f"The {what} {snippet(value)!r} is not a number.", "Write a number such as 12.5.",
                             key="curation.work.error.number", value=snippet(value)) from None
    if out != out or out < 0 or out == float("inf"):
        raise WorkbenchError(f"The {what} must be zero or more, not {snippet(value)!r}.", "Write a number such as 12.5.",
                             key="curation.work.error.number", value=snippet(value))
    return out


@cache
def _tender() -> dict[str, list[tuple[tuple, tuple | None]]]:
    """ISO 4217 code -> the (from, to) periods it was legal tender in some territory (CLDR, via Babel)."""
    from babel.core import get_global

    out: dict[str, list] = {}
    for periods in get_global("territory_currencies").values():
        for code, start, end, tender in periods:
            if tender:
                out.setdefault(code, []).append((start or (1, 1, 1), end))
    return out


def _currency(value: Any, on: str | None = None) -> str:
    """The three-letter ISO 4217 code, if it was legal tender somewhere on ``on`` (default today)."""
    text = str(value or "").strip().upper()
    if not CURRENCY_RE.match(text):
        raise WorkbenchError(f"{snippet(value)!r} is not a currency code.", "Use the three-letter code, for example BRL.",
                             key="curation.work.error.currency", value=snippet(value))
    day = tuple(date.fromisoformat(on).timetuple()[:3]) if on else tuple(latest_today().timetuple()[:3])
    if not any(start <= day and (end is None or day <= end) for start, end in _tender().get(text, ())):
        raise WorkbenchError(f"{snippet(value)!r} is not a currency code in use (ISO 4217).",
                             "Use the three-letter code, for example BRL.",
                             key="curation.work.error.currency", value=snippet(value))
    return text


def set_terms(store, hourly_floor, currency: str, payment_days: int = DEFAULT_PAYMENT_DAYS,
              benefit_sharing: str = "", source: str = "", actor: str = "facilitator"):
    floor = _number(hourly_floor, "hourly floor")
    if not floor:
        raise WorkbenchError("The hourly floor must be more than zero.", "Write the agreed pay per hour.",
                             key="curation.work.error.floor")
    days = int(_number(payment_days, "payment days") or 0)
    payload = Terms(floor, _currency(currency), days,
                    free_text(benefit_sharing or "", "The benefit-sharing agreement", 2000, one_line=False),
                    free_text(source or "", "The source", 500)).to_dict()
    return store.append(TERMS, payload, actor)


def terms(project) -> Terms:
    """The latest ``datawork.terms_set``, else ``[datawork]`` in workbench.toml, else no floor."""
    events = project.store.events(kinds=[TERMS])
    if events:
        p = events[-1].payload
        return Terms(p.get("hourly_floor"), p.get("currency", ""), int(p.get("payment_days", DEFAULT_PAYMENT_DAYS)),
                     p.get("benefit_sharing", ""), p.get("source", ""))
    try:
        raw = tomllib.loads((Path(project.root) / "workbench.toml").read_text(encoding="utf-8")).get("datawork", {})
    except (OSError, tomllib.TOMLDecodeError):
        raw = {}
    if raw.get("hourly_floor"):
        return Terms(float(raw["hourly_floor"]), str(raw.get("currency", "")).upper(),
                     int(raw.get("payment_days", DEFAULT_PAYMENT_DAYS)), str(raw.get("benefit_sharing", "")),
                     "workbench.toml")
    return Terms()


def record(store, task: str, worker: str, *, hours=None, items=None, pay, currency: str, on, paid_on=None,
           note: str = "", actor: str = "facilitator"):
    """Log one piece of data work; returns the event."""
    note = free_text(note or "", "The note", MAX_NOTE)  # checked first: a refused note saves nothing
    if task not in TASKS:
        raise WorkbenchError(f"{snippet(task)!r} is not a data-work task.", f"Use one of: {', '.join(TASKS)}.",
                             key="curation.work.error.task", task=snippet(task))
    who = str(worker or "").strip()
    if not WORKER_RE.match(who):
        raise WorkbenchError(f"{snippet(worker)!r} is not a worker pseudonym.",
                             "Use a code such as w-07: letters, digits and - _ . only, no names or spaces.",
                             key="curation.work.error.worker")
    h = _number(hours, "hours", allow_none=True)
    n = _number(items, "items", allow_none=True)
    if n and n != int(n):
        raise WorkbenchError(f"{snippet(items)!r} is not a whole number of items.", "Count the items, for example 40.",
                             key="curation.work.error.items", value=snippet(items))
    if not h and not n:
        raise WorkbenchError("Record the hours worked or the number of items.", key="curation.work.error.amount")
    if h and h > MAX_HOURS:
        raise WorkbenchError(f"{h:g} hours is more than one day has.", "Record each day as its own entry.",
                             key="curation.work.error.hours", hours=f"{h:g}")
    if pay is None or not str(pay).strip():
        raise WorkbenchError("The pay is missing.", "Write 0 for unpaid work.", key="curation.work.error.no_pay")
    amount = _number(pay, "pay")
    worked = _not_future(_date(on, "date"), "curation.work.error.future", "date")
    paid = _date(paid_on, "payment date") if paid_on not in (None, "") else None
    if paid and paid < worked:
        raise WorkbenchError("The payment date is before the work.", "Check both dates.",
                             key="curation.work.error.paid_before")
    if paid:
        _not_future(paid, "curation.work.error.paid_future", "payment date")
    payload = {"id": str(uuid.uuid4()), "task": task, "worker": who, "hours": h or None,
               "items": int(n) if n else None, "pay": amount, "currency": _currency(currency, worked),
               "date": worked, "paid_on": paid, "note": note}
    return store.append(RECORDED, payload, actor)


def mark_paid(store, entry_id: str, paid_on, actor: str = "facilitator"):
    entries = {e["id"]: e for e in entries_of(store.events(prefix="datawork."))}
    if entry_id not in entries:
        raise WorkbenchError(f"There is no data-work entry {entry_id!r}.", key="curation.work.error.no_entry")
    paid = _date(paid_on, "payment date")
    if paid < entries[entry_id]["date"]:
        raise WorkbenchError("The payment date is before the work.", "Check both dates.",
                             key="curation.work.error.paid_before")
    _not_future(paid, "curation.work.error.paid_future", "payment date")
    return store.append(PAID, {"id": entry_id, "paid_on": paid}, actor)


def void(store, entry_id: str, reason: str, actor: str = "facilitator"):
    reason = free_text(reason or "", "The reason", MAX_NOTE)
    if not reason:
        raise WorkbenchError("Say why the entry is void.", key="curation.error.no_reason")
    return store.append(VOIDED, {"id": entry_id, "reason": reason}, actor)


def entries_of(events) -> list[dict]:
    entries: dict[str, dict] = {}
    for ev in events:
        p = ev.payload
        if ev.kind == RECORDED:
            entries[p["id"]] = dict(p)
        elif ev.kind == PAID and p["id"] in entries:
            entries[p["id"]]["paid_on"] = p["paid_on"]
        elif ev.kind == VOIDED:
            entries.pop(p["id"], None)
    return list(entries.values())


def ledger(store):
    """The live entries as a DataFrame (one row per entry)."""
    import pandas as pd

    cols = ["id", "task", "worker", "hours", "items", "pay", "currency", "date", "paid_on", "note"]
    return pd.DataFrame(entries_of(store.events(prefix="datawork.")), columns=cols)


@dataclass
class Checks:
    terms: Terms
    workers: Any  # DataFrame per worker: hours, pay, hourly, below_floor, unpaid_entries, late_entries
    entries: Any  # DataFrame per entry with flags: unpaid, late, other_currency
    summary: dict


def check(project, today=None) -> Checks:
    """Per-worker and overall checks against the project's terms (vectorised over entries)."""
    import numpy as np
    import pandas as pd

    t = terms(project)
    today = pd.Timestamp(_date(today or datetime.now(UTC).date(), "date"))
    e = ledger(project.store)
    e = e.assign(hours=pd.to_numeric(e["hours"]).astype("float64"), pay=pd.to_numeric(e["pay"]).astype("float64"))
    worked = pd.to_datetime(e["date"])
    paid = pd.to_datetime(e["paid_on"])
    due = worked + pd.Timedelta(days=t.payment_days)
    e["unpaid"] = e["pay"].fillna(0) <= 0
    e["late"] = (~e["unpaid"]) & ((paid.notna() & (paid > due)) | (paid.isna() & (today > due)))
    e["outstanding"] = (~e["unpaid"]) & paid.isna()
    e["other_currency"] = bool(t.currency) & (e["currency"] != t.currency)
    comparable = e[~e["other_currency"]]
    # hourly pay compares only pay for timed work with its hours: pay for items alone has no hours to divide
    comparable = comparable.assign(timed_pay=comparable["pay"].where(comparable["hours"].fillna(0) > 0, 0.0))
    per = comparable.groupby("worker", sort=True).agg(hours=("hours", "sum"), pay=("pay", "sum"),
                                                      timed_pay=("timed_pay", "sum"), entries=("id", "size"))
    flags = e.groupby("worker", sort=True).agg(unpaid_entries=("unpaid", "sum"), late_entries=("late", "sum"),
                                               outstanding_entries=("outstanding", "sum"))
    per = per.reindex(flags.index).join(flags)
    per["hours"] = per["hours"].fillna(0.0)
    per["pay"] = per["pay"].fillna(0.0)
    per["entries"] = per["entries"].fillna(0).astype("int64")
    per["timed_pay"] = per["timed_pay"].fillna(0.0)
    per["hourly"] = np.where(per["hours"] > 0, per["timed_pay"] / per["hours"].where(per["hours"] > 0, 1), np.nan)
    floor = t.hourly_floor
    per["below_floor"] = (per["hourly"] < floor) if floor else False
    per = per.reset_index()
    with_hours = per[per["hours"] > 0]
    at_or_above = int((with_hours["hourly"] >= floor).sum()) if floor else 0
    summary = {
        "workers": int(len(per)),
        "entries": int(len(e)),
        "hours": float(e["hours"].fillna(0).sum()),
        "pay": float(comparable["pay"].fillna(0).sum()),
        "currency": t.currency,
        "hourly_floor": floor,
        "hourly_median": float(with_hours["hourly"].median()) if len(with_hours) else None,
        "hourly_min": float(with_hours["hourly"].min()) if len(with_hours) else None,
        "hourly_max": float(with_hours["hourly"].max()) if len(with_hours) else None,
        "share_at_or_above_floor": (at_or_above / len(with_hours)) if floor and len(with_hours) else None,
        "workers_below_floor": int(per["below_floor"].sum()) if floor else 0,
        "unpaid_entries": int(e["unpaid"].sum()),
        "late_entries": int(e["late"].sum()),
        "outstanding_entries": int(e["outstanding"].sum()),
        "other_currency_entries": int(e["other_currency"].sum()),
        "by_task": {k: float(v) for k, v in e.groupby("task")["hours"].sum().items()},
        "benefit_sharing": t.benefit_sharing,
    }
    return Checks(t, per, e, summary)


def export_csv(project, path, *, force: bool = True) -> Path:
    """The ledger for a spreadsheet: pseudonyms only (as recorded), formulas neutralised, written atomically."""
    from ..spreadsheet import neutralise_frame, write_csv

    return write_csv(neutralise_frame(ledger(project.store)), path, force=force)
