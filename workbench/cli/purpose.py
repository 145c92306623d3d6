"""``workbench purpose join-cards DIR --count N``: print single-use join cards for a workshop.
``workbench purpose import DIR FOLDER``: import a conversation exported by Pol.is (workbench.purpose.polis_import).
"""

from __future__ import annotations

from ._sub import Actions

HELP = ("Purpose stage: print single-use join cards (one per seat) for join_mode = \"cards\"; import a Pol.is "
        "conversation.")


def _join_cards_args(c):
    c.add_argument("--count", type=int, required=True, help="how many cards (one per seat), 1 to 500")
    c.add_argument("--url", default=None,
                   help="the server's address (e.g. http://192.168.0.10:8866): the QR codes then open the app "
                        "with the card; without it they hold the code alone")
    c.add_argument("--language", default=None, help="the cards' language (default: the project's first)")


def _join_cards(project, args):
    from ..i18n import normalise_language
    from ..purpose.join_cards import make_cards

    language = normalise_language(args.language) if args.language else None
    path, codes = make_cards(project, args.count, url=args.url, language=language)
    mode = project.config.workshop.join_mode
    print(f"{len(codes)} join cards written to {path}")
    print("Print the sheet, cut the cards, give one to each person; then delete the file.")
    if mode != "cards":
        print('Note: workbench.toml has join_mode = "open"; set join_mode = "cards" in [workshop] so that '
              "only card holders can join.")


def _import_args(i):
    i.add_argument("folder", metavar="FOLDER", help="the Pol.is export folder")
    i.add_argument("--language", default=None, help="the statements' language (default: the project's first)")
    i.add_argument("--attribution", default=None,
                   help="the data's attribution, recorded with it (default: Pol.is open data's CC BY 4.0 "
                        "attribution to The Computational Democracy Project)")


def _import(project, args):
    from ..i18n import normalise_language
    from ..purpose import polis_import as pi

    language = normalise_language(args.language) if args.language else None
    done = pi.import_polis(project, args.folder, language=language, attribution=args.attribution or pi.ATTRIBUTION)
    topic = f" ({done['topic']})" if done["topic"] else ""
    print(f"Imported the Pol.is conversation{topic}: {done['participants']} participants, {done['statements']} "
          f"statements ({done['hidden']} moderated out), {done['votes']} votes, in {done['events']} events.")
    print(f"Signs: {done['signs']}.")
    if done["count_mismatches"]:
        print(f"Note: for {done['count_mismatches']} comment(s), comments.csv's agrees/disagrees differ from the "
              "vote rows in votes.csv; the vote rows were imported.")
    print(f"Licence: {pi.LICENCE}; the attribution is recorded in the log and written with every export.")


ACTIONS = Actions("purpose")
ACTIONS.add("join-cards", _join_cards, _join_cards_args, help="issue N join cards and write their printable sheet "
            "(HTML, QR codes)", description="Issue single-use join cards and write a printable sheet to "
            "artifacts/join-cards/. The log keeps only digests: print the sheet, then delete it.")
ACTIONS.add("import", _import, _import_args, help="import a Pol.is export folder (comments.csv, votes.csv, ...)",
            description="Import a conversation exported by Pol.is into a project whose deliberation has not begun: "
            "ids, authors, times, moderation and every vote, in one transaction (a malformed folder is refused and "
            "nothing is written). The licence and attribution are recorded in the log.")
add_arguments, run = ACTIONS.add_arguments, ACTIONS.run
