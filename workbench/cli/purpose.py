"""``workbench purpose join-cards DIR --count N``: print single-use join cards for a workshop."""

from __future__ import annotations

HELP = "Purpose stage: print single-use join cards (one per seat) for join_mode = \"cards\"."


def add_arguments(p):
    sub = p.add_subparsers(dest="purpose_command", metavar="ACTION", parser_class=type(p))
    c = sub.add_parser("join-cards", help="issue N join cards and write their printable sheet (HTML, QR codes)",
                       description="Issue single-use join cards and write a printable sheet to "
                                   "artifacts/join-cards/. The log keeps only digests: print the sheet, "
                                   "then delete it.")
    c.add_argument("dir", metavar="DIR", help="the project folder")
    c.add_argument("--count", type=int, required=True, help="how many cards (one per seat), 1 to 500")
    c.add_argument("--url", default=None,
                   help="the server's address (e.g. http://192.168.0.10:8866): the QR codes then open the app "
                        "with the card; without it they hold the code alone")
    c.add_argument("--language", default=None, help="the cards' language (default: the project's first)")


def run(args):
    from .. import open as open_project
    from ..errors import WorkbenchError
    from ..i18n import normalise_language
    from ..purpose.join_cards import make_cards

    if getattr(args, "purpose_command", None) != "join-cards":
        raise WorkbenchError("workbench purpose needs an action.",
                             "Use: workbench purpose join-cards DIR --count N.")
    language = normalise_language(args.language) if args.language else None
    with open_project(args.dir) as project:
        path, codes = make_cards(project, args.count, url=args.url, language=language)
        mode = project.config.workshop.join_mode
    print(f"{len(codes)} join cards written to {path}")
    print("Print the sheet, cut the cards, give one to each person; then delete the file.")
    if mode != "cards":
        print('Note: workbench.toml has join_mode = "open"; set join_mode = "cards" in [workshop] so that '
              "only card holders can join.")
    return 0
