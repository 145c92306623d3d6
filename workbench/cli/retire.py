"""``workbench retire DIR [--reason ...]``: retire the model in use, as the community decided (a gate)."""

from __future__ import annotations

HELP = ("Retire the model in use, after the community decided it ('workbench decide DIR retire ...'); its "
        "card and the report say so.")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--reason", default="", help="why, in plain words")
    p.add_argument("--decision", default=None, help="the decision id (default: the agreed one on this model)")


def run(args):
    from .. import open as open_project
    from ..evaluation.lifecycle import retire

    with open_project(args.dir) as project:
        out = retire(project, args.reason, args.decision)
    print(f"Retired {out['candidate']} (evaluation {out['run']}), as decided in {out['community_decision']}.")
    return 0
