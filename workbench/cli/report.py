"""``workbench report DIR``: the project report as one self-contained HTML file (no network needed to open it)."""

from __future__ import annotations

HELP = ("Write the project report as one self-contained HTML file (charter, deliberation, consent, datasheet, "
        "evaluation, model card, data work, the community's decisions, the model in use, concerns, benefits, run "
        "manifest); readable on a phone, printable.")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("-o", "--output", metavar="FILE", default=None,
                   help="where to write it (default: DIR/artifacts/report.html)")
    p.add_argument("--run", metavar="RUN", default=None,
                   help="the run to report on: its id or folder (default: the latest run that finished, if any)")
    p.add_argument("--language", default=None, help="the report's language (default: the run's, else the project's)")
    p.add_argument("--server", default=None, help="the workshop server's address as people reach it (for example "
                   "http://192.168.1.10:8866), for the link and QR code where anyone can raise a concern")


def run(args):
    from pathlib import Path

    from ..runs.report import write_report
    from ._options import step

    output = args.output or str(Path(args.dir) / "artifacts" / "report.html")
    step("writing the report (charts drawn offline)...")
    print(write_report(args.dir, run=args.run, output=output, language=args.language, url=args.server))
    return 0
