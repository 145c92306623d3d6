"""``workbench card DIR``: (re)write the adopted model's card, with consent drift checked now."""

from __future__ import annotations

from ._options import add_as_of

HELP = "Write the model card of the adopted model (Markdown, HTML, Hugging Face README); checks consent drift."


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--language", help="the card's language (default: the project's first)")
    p.add_argument("--server", default=None, help="the workshop server's address as people reach it (for example "
                   "http://192.168.1.10:8866), for the link and QR code where anyone can raise a concern")
    add_as_of(p, help="check consent drift as of this date or time (YYYY-MM-DD or ISO time; default: now)")


def run(args):
    from .. import open as open_project
    from ..errors import WorkbenchError
    from ..evaluation import drift
    from ..evaluation.card import write_card
    from ..evaluation.lifecycle import adopted_run

    with open_project(args.dir) as project:
        run = adopted_run(project.store, retired=True)  # a retired model's card says it was retired
        if run is None:
            raise WorkbenchError("No model has been adopted in this project yet.",
                                 "Evaluate candidates ('workbench evaluate DIR') and record the community's decision "
                                 "('workbench adopt DIR RUN CANDIDATE') first.",
                                 key="evaluation.error.nothing_adopted")
        from ..runs.pipeline import as_of_time

        at = as_of_time(args.as_of) if args.as_of else None
        paths = write_card(project, run, run["card"]["candidate"], args.language, at, base_url=args.server)
        for p in paths:
            print(p)
        d = drift.check(project, at)
        if d is not None and d.must_retrain:
            print(f"MUST RETRAIN: {d.rows_affected} training rows from {d.contributors_affected} people "
                  f"are no longer permitted for training ({', '.join(f'{k}: {v}' for k, v in d.by_reason.items())}).")
        elif d is not None:
            print(f"consent drift: none ({d.rows_trained} training rows still permitted).")
    return 0
