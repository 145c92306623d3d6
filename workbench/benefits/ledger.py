"""The benefits ledger: what the community was promised back, and what reached it (issue 20).

Events:

- ``benefit.promised`` ``{id, what, kind, amount, currency, to_groups, due, source, source_ref}``: a promise from
  the charter, the consent scope or another agreement. ``kind`` is money, service, access or other; ``amount``
  is optional (a service may have none) and needs an ISO 4217 ``currency`` in use when given.
- ``benefit.delivered`` ``{id, promise, what, amount, currency, date, to_groups, evidence_ref}``: something
  that reached people, on a day that is not in the future, in the promise's currency.
- ``benefit.withdrawn`` ``{promise, reason}``: a promise recorded by mistake (it stays in the log).

Benefits go to **groups** (labels from the data or the charter: "fishers of the north shore"), never to
named people: a group that looks like an e-mail address or a phone number is refused.

:func:`summary` folds the log into promised vs delivered per promise (sums per currency, number of
deliveries, overdue or not, groups reached); :func:`card_summary` is the short version for a model card.
Amounts are summed as decimals of what was typed, so 0.1 + 0.2 is 0.3.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..curation.datawork import _currency, _date, latest_today
from ..errors import WorkbenchError
from ..text import free_text, snippet

PROMISED, DELIVERED, WITHDRAWN = "benefit.promised", "benefit.delivered", "benefit.withdrawn"
KINDS = (PROMISED, DELIVERED, WITHDRAWN)
BENEFIT_KINDS = ("money", "service", "access", "other")
SOURCES = ("charter", "scope", "agreement")
MAX_WHAT = 300
MAX_REF = 200
MAX_GROUP = 80
MAX_GROUPS = 50
MAX_AMOUNT = Decimal("1e15")
# A group is a label, never a way to reach one person: no e-mail address, no phone number.
_PHONE = re.compile(r"^\+?[\d\s().\-/]{6,}$")


# -- checks ---------------------------------------------------------------------------------------
def _what(text: object, what: str = "The benefit") -> str:
    value = free_text(text or "", what, MAX_WHAT)
    if not value:
        raise WorkbenchError("Say what the benefit is.", "Write it in a few words, for example 'training days'.",
                             key="benefits.error.no_what")
    return value


def _kind(kind: object) -> str:
    value = str(kind or "").strip().lower()
    if value not in BENEFIT_KINDS:
        raise WorkbenchError(f"{snippet(kind)!r} is not a kind of benefit.", f"Use one of: {', '.join(BENEFIT_KINDS)}.",
                             key="benefits.error.kind", kind=snippet(kind))
    return value


def _source(source: object) -> str:
    value = str(source or "").strip().lower()
    if value not in SOURCES:
        raise WorkbenchError(f"{snippet(source)!r} is not where a promise comes from.",
                             f"Use one of: {', '.join(SOURCES)}.", key="benefits.error.source", source=snippet(source))
    return value


def _amount(value: object) -> float | None:
    if value is None or not str(value).strip():
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise WorkbenchError(f"The amount {snippet(value)!r} is not a number.", "Write a number such as 500.",
                             key="benefits.error.amount", value=snippet(value)) from None
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        raise WorkbenchError(f"The amount {snippet(value)!r} is not a number.", "Write a number such as 500.",
                             key="benefits.error.amount", value=snippet(value))
    if number < 0:
        raise WorkbenchError(f"The amount {snippet(value)!r} is negative.", "Write zero or more.",
                             key="benefits.error.negative", value=snippet(value))
    return float(number)


def check_group(group: object) -> str:
    """A group label as stored, or a refusal when it is empty, too long or looks like a way to reach a person."""
    value = free_text(group or "", "A group", MAX_GROUP)
    if not value:
        raise WorkbenchError("A group has no name.", "Write the group's label, for example 'weavers'.",
                             key="benefits.error.no_groups")
    if "@" in value or (_PHONE.match(value) and sum(ch.isdigit() for ch in value) >= 6):
        raise WorkbenchError(f"{snippet(value)!r} looks like a person's contact, not a group.",
                             "Name the group that benefits, never a person.", key="benefits.error.group")
    return value


def check_groups(groups: object) -> list[str]:
    """Group labels from a list or a comma-separated text, checked, without repeats; at least one."""
    items = groups.split(",") if isinstance(groups, str) else list(groups or ())
    out: list[str] = []
    for g in items:
        if isinstance(groups, str) and not str(g).strip():
            continue
        value = check_group(g)
        if value not in out:
            out.append(value)
    if not out:
        raise WorkbenchError("Say which groups the benefit is for.", "Write one or more group labels.",
                             key="benefits.error.no_groups")
    if len(out) > MAX_GROUPS:
        raise WorkbenchError(f"{len(out)} groups is more than {MAX_GROUPS}.", "Name larger groups.",
                             key="benefits.error.too_many_groups", count=len(out), max=MAX_GROUPS)
    return out


def _ref(text: object, what: str) -> str | None:
    return free_text(text or "", what, MAX_REF) or None


# -- the fold -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    id: str
    promise: str
    what: str
    amount: float | None
    currency: str | None
    date: str
    to_groups: tuple[str, ...]
    evidence_ref: str | None
    seq: int


@dataclass
class Promise:
    id: str
    what: str
    kind: str
    amount: float | None
    currency: str | None
    to_groups: tuple[str, ...]
    due: str | None
    source: str
    source_ref: str | None
    seq: int
    ts: str
    deliveries: list[Delivery] = field(default_factory=list)
    withdrawn: bool = False
    withdrawn_reason: str = ""

    def delivered(self) -> dict[str, float]:
        """Delivered amounts per currency (deliveries with no amount add nothing)."""
        sums: dict[str, Decimal] = {}
        for d in self.deliveries:
            if d.amount is not None and d.currency:
                sums[d.currency] = sums.get(d.currency, Decimal(0)) + Decimal(str(d.amount))
        return {k: float(v) for k, v in sorted(sums.items())}

    @property
    def fully_delivered(self) -> bool:
        """With an amount: deliveries in its currency reach it; without: something was delivered."""
        if self.amount is not None and self.currency:
            return Decimal(str(self.delivered().get(self.currency, 0))) >= Decimal(str(self.amount))
        return bool(self.deliveries)

    def overdue(self, today: date) -> bool:
        return (not self.withdrawn and self.due is not None and date.fromisoformat(self.due) < today
                and not self.fully_delivered)

    def groups_reached(self) -> list[str]:
        return sorted({g for d in self.deliveries for g in d.to_groups})


class BenefitsLedger:
    """Promises folded from the log: ``BenefitsLedger.load(store)``; ``promises`` maps id -> :class:`Promise`."""

    def __init__(self):
        self.promises: dict[str, Promise] = {}

    @classmethod
    def from_events(cls, events) -> BenefitsLedger:
        led = cls()
        for ev in events:
            p = ev.payload
            if ev.kind == PROMISED:
                led.promises[p["id"]] = Promise(p["id"], p["what"], p["kind"], p.get("amount"), p.get("currency"),
                                                tuple(p.get("to_groups") or ()), p.get("due"), p.get("source", ""),
                                                p.get("source_ref"), ev.seq, ev.ts)
            elif ev.kind == DELIVERED and p.get("promise") in led.promises:
                led.promises[p["promise"]].deliveries.append(
                    Delivery(p["id"], p["promise"], p.get("what", ""), p.get("amount"), p.get("currency"), p["date"],
                             tuple(p.get("to_groups") or ()), p.get("evidence_ref"), ev.seq))
            elif ev.kind == WITHDRAWN and p.get("promise") in led.promises:
                led.promises[p["promise"]].withdrawn = True
                led.promises[p["promise"]].withdrawn_reason = p.get("reason", "")
        return led

    @classmethod
    def load(cls, store) -> BenefitsLedger:
        return cls.from_events(store.events(prefix="benefit."))

    def get(self, promise_id: object) -> Promise:
        found = self.promises.get(str(promise_id or "").strip())
        if found is None:
            raise WorkbenchError(f"There is no promised benefit {snippet(promise_id)!r}.",
                                 "Run 'workbench benefits list DIR' to see the promises' ids.",
                                 key="benefits.error.unknown_promise", promise=snippet(promise_id))
        return found


# -- writing --------------------------------------------------------------------------------------
def _new_id(prefix: str, taken) -> str:
    while True:
        candidate = f"{prefix}-{uuid.uuid4().hex[:8]}"
        if candidate not in taken:
            return candidate


def promise(store, what, kind, *, amount=None, currency=None, to_groups, due=None, source="charter",
            source_ref=None, actor: str = "facilitator"):
    """Record a promised benefit; returns the event (its payload's ``id`` names the promise)."""
    what = _what(what)
    kind = _kind(kind)
    value = _amount(amount)
    cur = None
    if value is not None:
        if not str(currency or "").strip():
            raise WorkbenchError("An amount needs its currency.", "Add the three-letter code, for example BRL.",
                                 key="benefits.error.no_currency")
        cur = _currency(currency)
    groups = check_groups(to_groups)
    payload = {"id": _new_id("bp", BenefitsLedger.load(store).promises), "what": what, "kind": kind,
               "amount": value, "currency": cur, "to_groups": groups,
               "due": _date(due, "due date") if due not in (None, "") else None,
               "source": _source(source), "source_ref": _ref(source_ref, "The source reference")}
    return store.append(PROMISED, payload, actor)


def deliver(store, promise_id, what, *, amount=None, currency=None, on, to_groups=None, evidence_ref=None,
            actor: str = "facilitator"):
    """Record what was delivered against a promise; returns the event.

    Without ``currency`` an amount is in the promise's currency; another currency is refused (sums per promise
    compare like with like). Without ``to_groups`` it reached the promise's groups.
    """
    led = BenefitsLedger.load(store)
    p = led.get(promise_id)
    if p.withdrawn:
        raise WorkbenchError(f"The promise {p.id} was withdrawn.", "Record the delivery against a live promise.",
                             key="benefits.error.withdrawn", promise=p.id)
    what = _what(what, "The delivery")
    value = _amount(amount)
    cur = None
    if value is not None:
        if not str(currency or "").strip() and not p.currency:
            raise WorkbenchError("An amount needs its currency.", "Add the three-letter code, for example BRL.",
                                 key="benefits.error.no_currency")
        cur = _currency(currency or p.currency)
        if p.currency and cur != p.currency:
            raise WorkbenchError(f"This delivery is in {cur} but the promise is in {p.currency}.",
                                 f"Record it in {p.currency}, converted on the day it was paid.",
                                 key="benefits.error.other_currency", currency=cur, promised=p.currency)
    day = _date(on, "delivery date")
    if date.fromisoformat(day) > latest_today():
        raise WorkbenchError(f"The delivery date {day} is in the future.", "Record a benefit once it was delivered.",
                             key="benefits.error.future", value=day)
    groups = check_groups(to_groups) if to_groups not in (None, "", [], ()) else list(p.to_groups)
    payload = {"id": _new_id("bd", {d.id for q in led.promises.values() for d in q.deliveries}),
               "promise": p.id, "what": what, "amount": value, "currency": cur, "date": day, "to_groups": groups,
               "evidence_ref": _ref(evidence_ref, "The evidence reference")}
    return store.append(DELIVERED, payload, actor)


def withdraw(store, promise_id, reason, actor: str = "facilitator"):
    """Mark a promise recorded by mistake (it stays in the log, out of the totals)."""
    p = BenefitsLedger.load(store).get(promise_id)
    if p.withdrawn:
        raise WorkbenchError(f"The promise {p.id} was withdrawn.", "Nothing to do.",
                             key="benefits.error.withdrawn", promise=p.id)
    reason = free_text(reason or "", "The reason", MAX_REF)
    if not reason:
        raise WorkbenchError("Say why the promise is withdrawn.", key="benefits.error.no_reason")
    return store.append(WITHDRAWN, {"promise": p.id, "reason": reason}, actor)


# -- reading --------------------------------------------------------------------------------------
def _today(today: Any) -> date:
    if today is None:
        return datetime.now(UTC).date()
    return date.fromisoformat(_date(today, "date"))


def _add(into: dict[str, Decimal], currency: str | None, amount: float | None) -> None:
    if amount is not None and currency:
        into[currency] = into.get(currency, Decimal(0)) + Decimal(str(amount))


def _floats(sums: dict[str, Decimal]) -> dict[str, float]:
    return {k: float(v) for k, v in sorted(sums.items())}


def status(p: Promise, today: date) -> str:
    """withdrawn, delivered, overdue, in_progress (something delivered) or open."""
    if p.withdrawn:
        return "withdrawn"
    if p.fully_delivered:
        return "delivered"
    if p.overdue(today):
        return "overdue"
    return "in_progress" if p.deliveries else "open"


def summary(store, today=None) -> dict:
    """Per promise: promised vs delivered, overdue, groups reached; and totals over live promises.

    ``{"as_of", "promises": [{id, what, kind, source, source_ref, due, to_groups, promised: {cur: amount},
    delivered: {cur: sum}, deliveries, last_delivery, status, overdue, groups_reached, groups_waiting}],
    "totals": {promises, withdrawn, deliveries, promised, delivered, delivered_fully, overdue, groups_reached}}``.
    """
    day = _today(today)
    led = BenefitsLedger.load(store)
    rows, promised, delivered, reached = [], {}, {}, set()
    for p in led.promises.values():
        got = p.groups_reached()
        rows.append({"id": p.id, "what": p.what, "kind": p.kind, "source": p.source, "source_ref": p.source_ref,
                     "due": p.due, "to_groups": list(p.to_groups),
                     "promised": {p.currency: p.amount} if p.amount is not None and p.currency else {},
                     "delivered": p.delivered(), "deliveries": len(p.deliveries),
                     "last_delivery": max((d.date for d in p.deliveries), default=None),
                     "status": status(p, day), "overdue": p.overdue(day), "groups_reached": got,
                     "groups_waiting": [g for g in p.to_groups if g not in got]})
        if p.withdrawn:
            continue
        _add(promised, p.currency, p.amount)
        for d in p.deliveries:
            _add(delivered, d.currency, d.amount)
        reached.update(got)
    live = [r for r in rows if r["status"] != "withdrawn"]
    totals = {"promises": len(live), "withdrawn": len(rows) - len(live),
              "deliveries": sum(r["deliveries"] for r in live), "promised": _floats(promised),
              "delivered": _floats(delivered), "delivered_fully": sum(r["status"] == "delivered" for r in live),
              "overdue": sum(r["overdue"] for r in live), "groups_reached": sorted(reached)}
    return {"as_of": day.isoformat(), "promises": rows, "totals": totals}


def card_summary(store, today=None, limit: int = 12) -> dict:
    """What a model card or report section says about benefits: totals and up to ``limit`` live promises."""
    s = summary(store, today)
    live = [r for r in s["promises"] if r["status"] != "withdrawn"]
    return {"as_of": s["as_of"], **{k: s["totals"][k] for k in ("promises", "delivered_fully", "overdue",
                                                                  "promised", "delivered", "groups_reached")},
            "items": [{"what": r["what"], "kind": r["kind"], "source": r["source"], "due": r["due"],
                       "status": r["status"], "promised": r["promised"], "delivered": r["delivered"],
                       "groups_reached": r["groups_reached"]} for r in live[:limit]],
            "more": max(0, len(live) - limit)}
