"""``workbench evaluate DIR``: train and evaluate candidates on the curated views, with a progress bar.

``workbench card DIR`` lives in :mod:`.card`.
"""

from __future__ import annotations

import shlex
import sys

from ._options import add_as_of, add_candidates, candidate_names

HELP = "Evaluate candidate models against the charter's criteria (progress bar; Ctrl-C cancels)."


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    add_candidates(p)
    add_as_of(p, help="the rows as consent and curation permitted them at this date or time (YYYY-MM-DD or ISO "
              "time; default: now)")
    p.add_argument("--seed", type=int, default=0, help="the seed of the split and the models (default 0)")
    p.add_argument("--method", choices=["auto", "given", "kfold", "holdout"], default="auto",
                   help="how to split (default: k-fold under 2,000 evaluation rows, else a held-out share)")
    p.add_argument("--intersections", nargs="+", metavar="A,B", default=[],
                   help="also measure the groups of these attribute combinations, e.g. neighbourhood,age_band")
    p.add_argument("--list", action="store_true", help="list the candidates and exit")


def _bar(done: int, total: int, label: str, width: int = 30) -> str:
    filled = int(width * done / max(1, total))
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<28}"


def run(args):
    import threading

    from .. import open as open_project
    from ..evaluation import candidates as cands
    from ..evaluation.run import run_evaluation

    if args.list:
        for key, c in cands.REGISTRY.items():
            extra = f" [needs the '{c.extra}' extra]" if not c.available() else ""
            print(f"{key:<22} {c.title}: {c.description}{extra}")
        return 0
    from ..i18n import Translator
    from ..runs.pipeline import as_of_time

    names = candidate_names(args.candidates)
    at = as_of_time(args.as_of) if args.as_of else None
    stop = threading.Event()
    with open_project(args.dir) as project:
        from ._options import show_progress

        on_terminal = show_progress()

        def progress(done, total, key, step):
            if on_terminal:  # a bar on a terminal; nothing when piped or captured
                print(_bar(done, total, key), end="", file=sys.stderr, flush=True)

        try:
            ran = run_evaluation(project, names, seed=args.seed, at=at, method=args.method, progress=progress,
                                 stop=stop, intersections=[tuple(x.split(",")) for x in args.intersections])
        except KeyboardInterrupt:  # the run logs itself as cancelled at the next step
            stop.set()
            print("\nstopped.", file=sys.stderr)
            return 130
        if on_terminal:
            print(file=sys.stderr)
        result, doc = ran.result, ran.charter
        print(f"run {result.run}: {result.plan.method}, seed {result.plan.seed}, {result.n_train} training rows, "
              f"{result.n_test} evaluated; charter {doc.get('charter_version', '-')} ({doc.get('status', 'none')})")
        for key, r in result.results.items():
            if r.status != "ok":
                print(f"  {key:<22} failed: {r.error}")
                continue
            marks = " ".join(f"{c.id}={c.status}" for c in r.criteria) or "no criteria"
            print(f"  {key:<22} {r.footprint.total_kwh:.2e} kWh  {r.footprint.model_bytes:>9} B  {marks}")
        rec = result.recommendation
        if rec is not None:  # the rule's own sentence: the figures behind a choice, or why there is none
            sentence = Translator("en")(rec.reason, **(rec.params or {}))
            print(f"recommended: {rec.candidate or 'none'}\n  {sentence}")
        if rec is not None and rec.candidate is None and any(r.status == "ok" for r in result.results.values()):
            print(f"to record the decision: workbench adopt {shlex.quote(args.dir)} {result.run} CANDIDATE "
                  "--reason \"...\" (or --none)")
        elif rec is not None and rec.candidate:
            print(f"to record the decision: workbench adopt {shlex.quote(args.dir)} {result.run} {rec.candidate}")
    return 0
