"""``workbench decide DIR GATE ...``: the community's decision on a gate (issue 20).

``GATE`` is scope (the draft scope, or ``--file``), dataset (the curated data as it stands), adopt
(``--run``, ``--candidate``) or retire (the model in use). With counted hands (``--present --for
--against [--abstain]``) the decision is recorded at once; with ``--open`` members vote from their phones
(the outcomes app) until ``workbench decide DIR close ID``. ``workbench decide DIR override GATE --reason``
records a facilitator's emergency override; ``workbench decide DIR list`` prints every decision.
"""

from __future__ import annotations

HELP = ("Record the community's decision on a gate (scope, dataset, adopt, retire) by counted hands, open it "
        "to members' phones, close it, override it in an emergency (with a reason), or list decisions.")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("gate", metavar="GATE", help="scope, dataset, adopt or retire; or: list, close ID, override GATE")
    p.add_argument("target", metavar="ID_OR_GATE", nargs="?", default=None,
                   help="for 'close': the decision id; for 'override': the gate")
    p.add_argument("--present", type=int, default=None, help="how many members were present")
    p.add_argument("--attendance", default=None, metavar="CODES",
                   help="the member codes present, comma-separated (kept in the project; --present is their number)")
    p.add_argument("--for", dest="in_favour", type=int, default=None, help="how many were in favour")
    p.add_argument("--against", type=int, default=None, help="how many were against")
    p.add_argument("--abstain", type=int, default=None, help="how many abstained (default 0)")
    p.add_argument("--open", dest="open_vote", action="store_true",
                   help="open the decision to members' phones instead of counting hands")
    p.add_argument("--title", default="", help="what is proposed, in plain words")
    p.add_argument("--explain", default="", help="what it changes, in plain words (shown on phones)")
    p.add_argument("--outcome", default="", help="the outcome statement (why), written when it closes")
    p.add_argument("--reason", default="", help="for 'override': why it could not wait for the community")
    p.add_argument("--file", default=None, help="for scope: the scope JSON to decide on (default: the draft)")
    p.add_argument("--run", default=None, help="for adopt: the evaluation's run id, or 'latest'")
    p.add_argument("--candidate", default=None, help="for adopt: the candidate")


def _subject(project, gate: str, args) -> dict:
    from ..decisions import subjects

    if gate == "scope" and args.file:
        import json
        from pathlib import Path

        from ..consent.scope import Scope
        from ..errors import WorkbenchError

        try:
            raw = json.loads(Path(args.file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise WorkbenchError(f"Cannot read the scope file {args.file}: {exc}.",
                                 "Give the JSON that 'workbench consent scope' prints.",
                                 key="decisions.error.scope_file") from None
        return subjects.scope(Scope.from_dict(raw.get("scope", raw)))
    if gate == "adopt":
        from ..errors import WorkbenchError
        from .adopt import find_run

        if not args.run or not args.candidate:
            raise WorkbenchError("A decision to adopt names the evaluation and the candidate.",
                                 "Add --run RUN (or latest) and --candidate NAME.", key="decisions.error.adopt_which")
        run = find_run(project.store, args.run)
        if args.candidate not in run["candidates"]:
            raise WorkbenchError(f"The candidate {args.candidate!r} did not run in evaluation {run['run']}.",
                                 key="evaluation.error.not_in_run", candidate=str(args.candidate))
        return subjects.adopt(run["run"], args.candidate)
    return subjects.for_gate(project, gate)


def _line(d) -> str:
    counts = (f"{d.in_favour} for, {d.against} against, {d.abstain} abstain of {d.present} present"
              if d.status not in ("open", "override") else "")
    if d.status == "open":
        t = d.tally()
        counts = f"phones so far: {t['agree']} agree, {t['disagree']} disagree, {t['abstain']} abstain"
    extra = f"; reason: {d.reason}" if d.status == "override" else ""
    return f"{d.id}  {d.gate:<8} {d.status:<11} {d.ts[:16]}  {d.title}  ({counts}{extra})"


def run(args):
    from .. import open as open_project
    from ..decisions import GATES, DecisionLog, close, decide, override, propose
    from ..errors import WorkbenchError

    action = args.gate
    with open_project(args.dir) as project:
        store = project.store
        if action == "list":
            log = DecisionLog.load(store)
            for d in log.decisions.values():
                print(_line(d))
            if not log.decisions:
                print("No decisions recorded yet.")
            return 0
        hands = {"present": args.present, "in_favour": args.in_favour, "against": args.against,
                 "abstain": args.abstain}
        given = {k: v for k, v in hands.items() if v is not None}
        if action == "close":
            if not args.target:
                raise WorkbenchError("Name the decision to close.", "For example: workbench decide DIR close d-1a2b3c4d5e.",
                                     key="decisions.error.close_which")
            d = close(store, args.target, **given, outcome=args.outcome)
            print(f"Closed: {_line(d)}")
            return 0
        if action == "override":
            gate = args.target or ""
            d = override(store, gate, _subject(project, gate, args) if gate in GATES else {"hash": "-"},
                         args.reason, title=args.title)
            print(f"Recorded as an OVERRIDE by a facilitator: {_line(d)}")
            return 0
        if action not in GATES:
            raise WorkbenchError(f"{action!r} is not a gate or an action.",
                                 f"Use one of: {', '.join(GATES)}, list, close, override.", key="decisions.error.gate",
                                 gate=str(action), known=", ".join(GATES))
        if args.open_vote and given:
            raise WorkbenchError("Either open the decision to phones or give the counted hands, not both.",
                                 key="decisions.error.open_or_hands")
        if args.attendance is not None and args.present is None:
            args.present = len([c for c in args.attendance.split(",") if c.strip()])
        if not args.open_vote and (args.present is None or args.in_favour is None or args.against is None):
            raise WorkbenchError("Give the counted hands (--present, --for, --against), or --open for phones.",
                                 key="decisions.error.hands")
        subject = _subject(project, action, args)
        if args.open_vote:
            d = propose(store, action, subject, args.title, args.explain)
            print(f"Open for members' phones: {_line(d)}")
            print(f"Close it with: workbench decide {args.dir} close {d.id}")
            return 0
        d = decide(store, action, subject, present=args.present, in_favour=args.in_favour, against=args.against,
                   abstain=args.abstain or 0, title=args.title, explain=args.explain, outcome=args.outcome,
                   attendance=args.attendance.split(",") if args.attendance is not None else None)
        print(f"Recorded: {_line(d)}")
        if d.allows:
            follow = {"scope": "workbench consent publish DIR --draft", "dataset": "workbench data accept DIR",
                      "adopt": "workbench adopt DIR RUN CANDIDATE", "retire": "workbench retire DIR"}[action]
            print(f"Next: {follow.replace('DIR', str(args.dir))}")
    return 0
