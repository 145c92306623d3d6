"""``workbench adopt DIR RUN CANDIDATE [--reason ...]`` or ``workbench adopt DIR RUN --none``: the community's decision.

Records ``evaluation.decided`` for the evaluation ``RUN`` (its id, as ``workbench evaluate`` prints it; ``latest``
for the latest that finished); adopting saves the model with its card (:func:`workbench.evaluation.card.adopt`)
and signs a checkpoint of the log.
"""

from __future__ import annotations

HELP = ("Record the community's decision on an evaluation: adopt one candidate (its model and card are saved) "
        "or --none. Adopting needs the community's decision ('workbench decide DIR adopt ...'); a candidate that "
        "does not pass every criterion also needs --reason.")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("run_id", metavar="RUN", help="the evaluation's run id (as 'workbench evaluate' prints it), "
                   "or 'latest'")
    p.add_argument("candidate", metavar="CANDIDATE", nargs="?", default=None, help="the candidate to adopt")
    p.add_argument("--none", dest="adopt_none", action="store_true", help="adopt no model (the decision is recorded)")
    p.add_argument("--reason", default="", help="why; needed when the candidate does not pass every criterion")
    p.add_argument("--language", default=None, help="the card's language (default: the project's first)")
    p.add_argument("--decision", default=None, help="the community's decision id (default: the agreed one on this "
                   "run and candidate; record it with 'workbench decide DIR adopt --run RUN --candidate NAME')")


def find_run(store, run_id: str) -> dict:
    """The folded evaluation run ``run_id`` (or the latest that finished, for ``latest``), else one sentence."""
    from ..errors import WorkbenchError
    from ..evaluation.protocol import load_runs
    from ..text import snippet

    runs = load_runs(store)
    if run_id == "latest":
        done = [r for r in runs.values() if r["status"] == "completed"]
        if not done:
            raise WorkbenchError("This project has no finished evaluation to decide on.",
                                 "Run 'workbench evaluate DIR' first.", key="evaluation.error.no_finished_run")
        return done[-1]
    if run_id not in runs:
        known = ", ".join(list(runs)[-5:]) or "none yet"
        raise WorkbenchError(f"There is no evaluation {snippet(run_id)!r} in this project.",
                             f"Use a run id that 'workbench evaluate' printed (latest: {known}), or 'latest'.",
                             key="evaluation.error.unknown_run", run=snippet(run_id), known=known)
    return runs[run_id]


def run(args):
    from .. import open as open_project
    from ..errors import WorkbenchError
    from ..evaluation.card import adopt

    if args.adopt_none == bool(args.candidate):
        raise WorkbenchError("Name one candidate to adopt, or --none, not both and not neither.",
                             "For example: workbench adopt DIR RUN decision_tree, or workbench adopt DIR RUN --none.",
                             key="evaluation.error.adopt_which")
    with open_project(args.dir) as project:
        found = find_run(project.store, args.run_id)
        if args.candidate and args.candidate not in found["candidates"]:
            ran = ", ".join(k for k, r in found["candidates"].items() if r.get("status") == "ok") or "none"
            raise WorkbenchError(f"The candidate {args.candidate!r} did not run in evaluation {found['run']}.",
                                 f"Choose one that ran: {ran}.", key="evaluation.error.not_in_run",
                                 candidate=str(args.candidate))
        paths = adopt(project, found, args.candidate, args.reason, args.language, decision=args.decision)
        if args.candidate is None:
            print(f"Recorded: no model adopted from evaluation {found['run']}.")
        else:
            print(f"Adopted {args.candidate} from evaluation {found['run']}:")
            for path in paths:
                print(f"  {path}")
    return 0
