"""``workbench concern``: list, show and triage concerns; record one received on paper."""

from __future__ import annotations

from ._sub import Actions

HELP = "Concerns: list, show and triage them; record a concern received on paper (it gets a tracking code)."


def _list_args(ls):
    from ..concerns import STATUSES

    ls.add_argument("--status", choices=STATUSES, default=None, help="only concerns with this status")


def _list(project, args):
    from .. import concerns as C

    rows = C.Concerns.load(project.store).list(args.status)
    for c in rows:
        print(_line(c))
    print(f"{len(rows)} concern(s).")


def _id_args(p):
    p.add_argument("id", metavar="ID", help="the concern's id (cn-...)")


def _show_one(project, args):
    from .. import concerns as C

    _show(C.Concerns.load(project.store).get(args.id))


def _triage_args(tr):
    from ..concerns import TRIAGE_STATUSES

    _id_args(tr)
    tr.add_argument("--status", required=True, choices=TRIAGE_STATUSES, help="the new status")
    tr.add_argument("--response", default="", help="what was decided and why (the person reads it with their code)")


def _triage(project, args):
    from .. import concerns as C

    c = C.triage(project.store, args.id, args.status, args.response, actor=C.log.FACILITATOR_ACTOR)
    print(f"{c.id} is now {c.status}.")


def _raise_args(r):
    from ..concerns import ABOUT, STAGES

    r.add_argument("--about", required=True, choices=ABOUT, help="what the concern is about")
    r.add_argument("--text", required=True, help="the person's words (at most 1000 characters)")
    r.add_argument("--share", action="store_true", help="the person lets their words be shown publicly")
    r.add_argument("--group", default=None, help="the group it concerns (optional)")
    r.add_argument("--stage", choices=STAGES, default=None, help="the stage it concerns (optional)")
    r.add_argument("--decision", default=None, help="the decision id it concerns (optional)")
    r.add_argument("--language", default=None, help="the person's language (default: the project's first)")


def _raise(project, args):
    from .. import concerns as C

    raised = C.raise_concern(project.store, args.about, args.text, share_text=args.share, group=args.group,
                             stage=args.stage, decision=args.decision,
                             language=args.language or project.config.default_language,
                             secret=C.project_secret(project), by_facilitator=True)
    print(f"Recorded {raised.concern.id} (about {raised.concern.about}).")
    print(f"Tracking code: {raised.code}")
    print("Write it on the person's slip now: it is not stored and cannot be shown again.")


def _line(c) -> str:
    return f"{c.id}  {c.status:<12}  {c.about:<8}  {c.channel:<11}  {c.raised_at[:16].replace('T', ' ')}"


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


ACTIONS = Actions("concern")
ACTIONS.add("list", _list, _list_args, help="one line per concern: id, status, about, channel, date",
            description="List the project's concerns, oldest first.")
ACTIONS.add("show", _show_one, _id_args, help="one concern in full: its words, who raised it how, its history",
            description="Show one concern: its words, channel and proof, and every triage step.")
ACTIONS.add("triage", _triage, _triage_args, help="acknowledge, resolve or uphold a concern (resolve/uphold need "
            "--response)", description="Move a concern on: received -> acknowledged -> resolved or upheld.")
ACTIONS.add("raise", _raise, _raise_args, help="record a concern received on paper or aloud; prints its tracking "
            "code", description="Record a concern a person gave a facilitator on paper or aloud. Prints the "
            "tracking code once: write it on the person's slip.")
add_arguments, run = ACTIONS.add_arguments, ACTIONS.run
