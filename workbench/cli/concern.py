"""``workbench concern``: list, show and triage concerns; record one received on paper."""

from __future__ import annotations

HELP = "Concerns: list, show and triage them; record a concern received on paper (it gets a tracking code)."


def add_arguments(p):
    from ..concerns import ABOUT, STAGES, STATUSES, TRIAGE_STATUSES

    sub = p.add_subparsers(dest="concern_command", metavar="ACTION", parser_class=type(p))
    ls = sub.add_parser("list", help="one line per concern: id, status, about, channel, date",
                        description="List the project's concerns, oldest first.")
    ls.add_argument("dir", metavar="DIR", help="the project folder")
    ls.add_argument("--status", choices=STATUSES, default=None, help="only concerns with this status")

    sh = sub.add_parser("show", help="one concern in full: its words, who raised it how, its history",
                        description="Show one concern: its words, channel and proof, and every triage step.")
    sh.add_argument("dir", metavar="DIR", help="the project folder")
    sh.add_argument("id", metavar="ID", help="the concern's id (cn-...)")

    tr = sub.add_parser("triage", help="acknowledge, resolve or uphold a concern (resolve/uphold need --response)",
                        description="Move a concern on: received -> acknowledged -> resolved or upheld.")
    tr.add_argument("dir", metavar="DIR", help="the project folder")
    tr.add_argument("id", metavar="ID", help="the concern's id (cn-...)")
    tr.add_argument("--status", required=True, choices=TRIAGE_STATUSES, help="the new status")
    tr.add_argument("--response", default="", help="what was decided and why (the person reads it with their code)")

    r = sub.add_parser("raise", help="record a concern received on paper or aloud; prints its tracking code",
                       description="Record a concern a person gave a facilitator on paper or aloud. Prints the "
                       "tracking code once: write it on the person's slip.")
    r.add_argument("dir", metavar="DIR", help="the project folder")
    r.add_argument("--about", required=True, choices=ABOUT, help="what the concern is about")
    r.add_argument("--text", required=True, help="the person's words (at most 1000 characters)")
    r.add_argument("--share", action="store_true", help="the person lets their words be shown publicly")
    r.add_argument("--group", default=None, help="the group it concerns (optional)")
    r.add_argument("--stage", choices=STAGES, default=None, help="the stage it concerns (optional)")
    r.add_argument("--decision", default=None, help="the decision id it concerns (optional)")
    r.add_argument("--language", default=None, help="the person's language (default: the project's first)")


def _line(c) -> str:
    return f"{c.id}  {c.status:<12}  {c.about:<8}  {c.channel:<11}  {c.raised_at[:16].replace('T', ' ')}"


def run(args):
    from .. import concerns as C
    from .. import open as open_project
    from ..errors import WorkbenchError

    action = getattr(args, "concern_command", None)
    if not action:
        raise WorkbenchError("workbench concern needs an action.",
                             "Use one of: list, show, triage, raise (see 'workbench concern --help').")
    with open_project(args.dir) as project:
        store = project.store
        if action == "list":
            rows = C.Concerns.load(store).list(args.status)
            for c in rows:
                print(_line(c))
            print(f"{len(rows)} concern(s).")
        elif action == "show":
            _show(C.Concerns.load(store).get(args.id))
        elif action == "triage":
            c = C.triage(store, args.id, args.status, args.response, actor=C.log.FACILITATOR_ACTOR)
            print(f"{c.id} is now {c.status}.")
        elif action == "raise":
            raised = C.raise_concern(store, args.about, args.text, share_text=args.share, group=args.group,
                                     stage=args.stage, decision=args.decision,
                                     language=args.language or project.config.default_language,
                                     secret=C.project_secret(project), by_facilitator=True)
            print(f"Recorded {raised.concern.id} (about {raised.concern.about}).")
            print(f"Tracking code: {raised.code}")
            print("Write it on the person's slip now: it is not stored and cannot be shown again.")
    return 0


def _show(c) -> None:
    print(f"{c.id}: {c.status}, about {c.about}")
    print(f"raised {c.raised_at[:16].replace('T', ' ')} UTC via {c.channel} (proof: {c.proof}, by {c.actor}), "
          f"language {c.language}, words {'shared publicly' if c.share_text else 'for facilitators only'}")
    for name in ("group", "stage", "decision"):
        if getattr(c, name):
            print(f"{name}: {getattr(c, name)}")
    print("text:")
    for line in c.text.splitlines() or [""]:
        print(f"  {line}")
    for step in c.history:
        print(f"{step['ts'][:16].replace('T', ' ')} {step['status']} by {step['decided_by']}"
              + (f": {step['response']}" if step["response"] else ""))
