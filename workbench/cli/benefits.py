"""``workbench benefits ACTION``: promise, deliver, withdraw, list; and worker-card (a data worker's card)."""

from ._sub import Actions

HELP = ("Benefits: record what was promised back to the community and what was delivered, list them; "
        "issue a data worker's card.")


def _promise_args(pr):
    pr.add_argument("--what", required=True, help="what was promised, in a few words (at most 300 characters)")
    pr.add_argument("--kind", required=True, help="money, service, access or other")
    pr.add_argument("--amount", default=None, help="how much (zero or more), with --currency")
    pr.add_argument("--currency", default=None, help="ISO 4217 code, for example BRL")
    pr.add_argument("--groups", required=True, help="comma-separated group labels (never people's names)")
    pr.add_argument("--due", default=None, help="when it is due (YYYY-MM-DD)")
    pr.add_argument("--source", default="charter", help="charter, scope or agreement (default: charter)")
    pr.add_argument("--source-ref", default=None, help="e.g. the charter version or the scope hash")


def _promise(project, args):
    from ..benefits import promise

    ev = promise(project.store, args.what, args.kind, amount=args.amount, currency=args.currency,
                 to_groups=args.groups, due=args.due, source=args.source, source_ref=args.source_ref)
    print(f"Recorded the promise {ev.payload['id']}.")


def _deliver_args(d):
    d.add_argument("promise", metavar="PROMISE_ID", help="the promise's id, e.g. bp-1a2b3c4d")
    d.add_argument("--what", required=True, help="what was delivered")
    d.add_argument("--amount", default=None, help="how much (in the promise's currency)")
    d.add_argument("--currency", default=None, help="default: the promise's currency")
    d.add_argument("--date", required=True, help="when it was delivered (YYYY-MM-DD, not in the future)")
    d.add_argument("--groups", default=None, help="comma-separated group labels (default: the promise's)")
    d.add_argument("--evidence", default=None, help="a reference to the evidence (receipt number, minutes, ...)")


def _deliver(project, args):
    from ..benefits import deliver

    ev = deliver(project.store, args.promise, args.what, amount=args.amount, currency=args.currency, on=args.date,
                 to_groups=args.groups, evidence_ref=args.evidence)
    print(f"Recorded the delivery {ev.payload['id']} against {ev.payload['promise']}.")


def _withdraw_args(wd):
    wd.add_argument("promise", metavar="PROMISE_ID", help="the promise's id")
    wd.add_argument("--reason", required=True, help="why it is withdrawn")


def _withdraw(project, args):
    from ..benefits import withdraw

    withdraw(project.store, args.promise, args.reason)
    print(f"Withdrew the promise {args.promise.strip()}; it stays in the log.")


def _list_args(ls):
    ls.add_argument("--json", action="store_true", help="print the summary as JSON")


def _worker_card_args(wc):
    wc.add_argument("worker", metavar="WORKER", help="the worker's pseudonym, e.g. w-07")
    wc.add_argument("--witness", default="", help="to replace a lost card: who checked the person in person")


def _worker_card(project, args):
    from ..benefits import worker_cards

    issued = worker_cards.issue(project.store, args.worker, witness=args.witness)
    again = "replaces the old one, which no longer works" if issued.card.replaces else "is new"
    print(f"Worker card for {issued.card.worker} ({again}). Its code, shown only now:")
    print(f"\n    {issued.code}\n")
    print("Write it on the worker's card and hand it to them; it opens their record in the "
          "'My data work' app.")


def _money(sums: dict) -> str:
    return ", ".join(f"{v:,.2f} {k}" for k, v in sums.items()) or "-"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _list(project, args) -> None:
    import json

    from ..benefits import summary

    s = summary(project.store)
    if args.json:
        print(json.dumps(s, ensure_ascii=False, indent=2))
        return
    if not s["promises"]:
        print("No benefits promised yet. Record one with 'workbench benefits promise DIR --what ... --kind ... "
              "--groups ...'.")
        return
    rows = [["id", "what", "kind", "due", "promised", "delivered", "n", "status", "groups reached"]]
    for r in s["promises"]:
        rows.append([r["id"], _short(r["what"]), r["kind"], r["due"] or "-", _money(r["promised"]),
                     _money(r["delivered"]), str(r["deliveries"]), r["status"],
                     _short(", ".join(r["groups_reached"]) or "-", 30)])
    print(_table(rows))
    t = s["totals"]
    print(f"\n{t['promises']} promise(s), {t['delivered_fully']} delivered in full, {t['overdue']} overdue "
          f"(as of {s['as_of']}); promised {_money(t['promised'])}; delivered {_money(t['delivered'])}; "
          f"{len(t['groups_reached'])} group(s) reached.")


ACTIONS = Actions("benefits")
ACTIONS.add("promise", _promise, _promise_args, help="record a promised benefit (from the charter, the consent "
            "scope or an agreement)", description="Record a benefit promised to groups of the community.")
ACTIONS.add("deliver", _deliver, _deliver_args, help="record what was delivered against a promise",
            description="Record a benefit delivered against PROMISE_ID (see 'workbench benefits list').")
ACTIONS.add("withdraw", _withdraw, _withdraw_args, help="withdraw a promise recorded by mistake (it stays in the log)",
            description="Withdraw a promise recorded by mistake; it stays in the log, out of the totals.")
ACTIONS.add("list", _list, _list_args, help="promised vs delivered, per promise, and the totals",
            description="A table of the promises: promised and delivered amounts, deliveries, status.")
ACTIONS.add("worker-card", _worker_card, _worker_card_args, help="issue a data worker's card and print its code once",
            description="Issue WORKER (a data-work pseudonym) a card to open their own record in the 'My data work' "
            "app. The code is printed once and kept nowhere: write it on the card.")
add_arguments, run = ACTIONS.add_arguments, ACTIONS.run
