"""``workbench run DIR``: the project's pipeline and report, executed by papermill into artifacts/runs/<run id>/."""

from __future__ import annotations

import sys

from ._options import add_as_of, add_candidates, candidate_names

HELP = ("Re-run the project's pipeline reproducibly (curate, evaluate, check criteria, write the cards and the "
        "report) into artifacts/runs/<run id>/ with a manifest of hashes.")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    add_as_of(p, help="consent as it was at this date or time (YYYY-MM-DD or ISO time; default now)")
    p.add_argument("--seed", type=int, default=0, help="the seed of the split and the models (default 0)")
    add_candidates(p)
    p.add_argument("--language", default=None, help="the cards' and report's language (default: the project's first)")
    p.add_argument("--no-report", action="store_true", help="skip the report notebook")


def run(args):
    from ..runs.run import RunFailed, run_pipeline
    from ._options import step as say

    def progress(step):
        say(f"running the {step} template...")

    try:
        result = run_pipeline(args.dir, as_of=args.as_of, seed=args.seed,
                              candidates=candidate_names(args.candidates) or None,
                              language=args.language, report=not args.no_report, progress=progress)
    except RunFailed as exc:
        print(f"error: {exc.sentence}", file=sys.stderr)
        if exc.folder is not None:
            print(f"the executed notebook and the manifest (status: failed) are in {exc.folder}", file=sys.stderr)
        return 1
    m = result.manifest
    print(f"run {result.run}: {m['status']} in {m['seconds']:.1f} s, consent as at {m['parameters']['as_of']}")
    for use, snap in m["inputs"]["snapshots"].items():
        print(f"  snapshot {use:<20} {snap['rows']:>7} rows  {snap['content_sha256']}")
    print(f"  {result.folder}")
    return 0
