"""``workbench benefits ACTION``: promise, deliver, withdraw, list; and worker-card (a data worker's card)."""

HELP = ("Benefits: record what was promised back to the community and what was delivered, list them; "
        "issue a data worker's card.")


def add_arguments(p):
    sub = p.add_subparsers(dest="benefits_command", metavar="ACTION", parser_class=type(p))
    pr = sub.add_parser("promise", help="record a promised benefit (from the charter, the consent scope or an "
                        "agreement)", description="Record a benefit promised to groups of the community.")
    pr.add_argument("dir", metavar="DIR", help="the project folder")
    pr.add_argument("--what", required=True, help="what was promised, in a few words (at most 300 characters)")
    pr.add_argument("--kind", required=True, help="money, service, access or other")
    pr.add_argument("--amount", default=None, help="how much (zero or more), with --currency")
    pr.add_argument("--currency", default=None, help="ISO 4217 code, for example BRL")
    pr.add_argument("--groups", required=True, help="comma-separated group labels (never people's names)")
    pr.add_argument("--due", default=None, help="when it is due (YYYY-MM-DD)")
    pr.add_argument("--source", default="charter", help="charter, scope or agreement (default: charter)")
    pr.add_argument("--source-ref", default=None, help="e.g. the charter version or the scope hash")

    d = sub.add_parser("deliver", help="record what was delivered against a promise",
                       description="Record a benefit delivered against PROMISE_ID (see 'workbench benefits list').")
    d.add_argument("dir", metavar="DIR", help="the project folder")
    d.add_argument("promise", metavar="PROMISE_ID", help="the promise's id, e.g. bp-1a2b3c4d")
    d.add_argument("--what", required=True, help="what was delivered")
    d.add_argument("--amount", default=None, help="how much (in the promise's currency)")
    d.add_argument("--currency", default=None, help="default: the promise's currency")
    d.add_argument("--date", required=True, help="when it was delivered (YYYY-MM-DD, not in the future)")
    d.add_argument("--groups", default=None, help="comma-separated group labels (default: the promise's)")
    d.add_argument("--evidence", default=None, help="a reference to the evidence (receipt number, minutes, ...)")

    wd = sub.add_parser("withdraw", help="withdraw a promise recorded by mistake (it stays in the log)",
                        description="Withdraw a promise recorded by mistake; it stays in the log, out of the totals.")
    wd.add_argument("dir", metavar="DIR", help="the project folder")
    wd.add_argument("promise", metavar="PROMISE_ID", help="the promise's id")
    wd.add_argument("--reason", required=True, help="why it is withdrawn")

    ls = sub.add_parser("list", help="promised vs delivered, per promise, and the totals",
                        description="A table of the promises: promised and delivered amounts, deliveries, status.")
    ls.add_argument("dir", metavar="DIR", help="the project folder")
    ls.add_argument("--json", action="store_true", help="print the summary as JSON")

    wc = sub.add_parser("worker-card", help="issue a data worker's card and print its code once",
                        description="Issue WORKER (a data-work pseudonym) a card to open their own record in the "
                        "'My data work' app. The code is printed once and kept nowhere: write it on the card.")
    wc.add_argument("dir", metavar="DIR", help="the project folder")
    wc.add_argument("worker", metavar="WORKER", help="the worker's pseudonym, e.g. w-07")
    wc.add_argument("--witness", default="", help="to replace a lost card: who checked the person in person")


def _money(sums: dict) -> str:
    return ", ".join(f"{v:,.2f} {k}" for k, v in sums.items()) or "-"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _list(project, as_json: bool) -> None:
    import json

    from ..benefits import summary

    s = summary(project.store)
    if as_json:
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


def run(args):
    from .. import open as open_project
    from ..benefits import deliver, promise, withdraw
    from ..errors import WorkbenchError

    action = getattr(args, "benefits_command", None)
    if not action:
        raise WorkbenchError("workbench benefits needs an action.",
                             "Use one of: promise, deliver, withdraw, list, worker-card.")
    with open_project(args.dir) as project:
        store = project.store
        if action == "promise":
            ev = promise(store, args.what, args.kind, amount=args.amount, currency=args.currency,
                         to_groups=args.groups, due=args.due, source=args.source, source_ref=args.source_ref)
            print(f"Recorded the promise {ev.payload['id']}.")
        elif action == "deliver":
            ev = deliver(store, args.promise, args.what, amount=args.amount, currency=args.currency, on=args.date,
                         to_groups=args.groups, evidence_ref=args.evidence)
            print(f"Recorded the delivery {ev.payload['id']} against {ev.payload['promise']}.")
        elif action == "withdraw":
            withdraw(store, args.promise, args.reason)
            print(f"Withdrew the promise {args.promise.strip()}; it stays in the log.")
        elif action == "list":
            _list(project, args.json)
        elif action == "worker-card":
            from ..benefits import worker_cards

            issued = worker_cards.issue(store, args.worker, witness=args.witness)
            again = "replaces the old one, which no longer works" if issued.card.replaces else "is new"
            print(f"Worker card for {issued.card.worker} ({again}). Its code, shown only now:")
            print(f"\n    {issued.code}\n")
            print("Write it on the worker's card and hand it to them; it opens their record in the "
                  "'My data work' app.")
    return 0
