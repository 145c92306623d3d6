"""``workbench charter DIR``: write the charter; ``workbench charter agree DIR --present N ...``: record the decision.

The agreement is the room's count, as the charter desk of the purpose app records it
(:func:`workbench.purpose.charter.record_decision`): on the latest draft, with the counts and the rule; the
log's head is then signed into ``artifacts/checkpoints/`` (a decision is witnessed).
"""

from __future__ import annotations

HELP = ("Write the charter as artifacts/charter.md and .html and its success criteria as artifacts/criteria.json; "
        "'workbench charter agree DIR --present N --in-favour N --against N --abstain N --rule RULE' records the "
        "community's decision on the draft.")


def add_arguments(p):
    from ..purpose.charter import DECISION_RULES

    p.usage = ("workbench charter [-h] DIR [--version N] [--lang LANG] [--export]\n"
               "       workbench charter agree DIR --present N --in-favour N [--against N] [--abstain N] "
               "[--rule RULE]")
    p.add_argument("words", nargs="+", metavar="[agree] DIR", help="the project folder, after 'agree' to record the "
                   "decision")
    p.add_argument("--version", dest="charter_version", type=int, default=None, metavar="N",
                   help="the charter version to write (default: the latest agreed one, else the draft)")
    p.add_argument("--language", "--lang", dest="lang", default=None,
                   help="language of the documents (default: the project's first)")
    p.add_argument("--export", action="store_true",
                   help="also export the deliberation in the Pol.is CSV shape to artifacts/deliberation/")
    agree = p.add_argument_group("agree", "recording the community's decision on the draft")
    agree.add_argument("--present", type=int, default=None, metavar="N", help="people present")
    agree.add_argument("--in-favour", "--in-favor", dest="in_favour", type=int, default=None, metavar="N",
                       help="people in favour")
    agree.add_argument("--against", type=int, default=0, metavar="N", help="people against (default 0)")
    agree.add_argument("--abstain", type=int, default=0, metavar="N", help="people abstaining (default 0)")
    agree.add_argument("--rule", default="two_thirds", choices=list(DECISION_RULES),
                       help="how the decision passes: " + "; ".join(f"{k}: {v}" for k, v in DECISION_RULES.items())
                       + " (default two_thirds)")


def run(args):
    from ..errors import WorkbenchError

    words = list(args.words)
    if len(words) == 2 and words[0] == "agree":
        return _agree(words[1], args)
    if len(words) == 1:
        if args.present is not None or args.in_favour is not None:
            raise WorkbenchError("The counts are for recording a decision.",
                                 "Write 'workbench charter agree DIR --present N --in-favour N ...'.",
                                 key="purpose.charter.error.cli_agree")
        return _write(words[0], args)
    raise WorkbenchError(f"workbench charter: expected DIR or 'agree DIR', got {' '.join(words)!r}.",
                         "Run 'workbench charter --help' for usage.", key="purpose.charter.error.cli_words")


def _write(folder, args):
    from .. import open as open_project
    from ..i18n import normalise_language
    from ..purpose.render import write_charter

    lang = normalise_language(args.lang) if args.lang else None
    with open_project(folder) as project:
        version, paths = write_charter(project, args.charter_version, lang)
        state = "agreed" if version.agreed else "DRAFT, not agreed yet"
        print(f"Charter version {version.version} ({state}), {len(version.charter.criteria)} criteria:")
        for path in paths:
            print(f"  {path}")
        if args.export:
            from ..purpose.export import export_project

            for path in export_project(project):
                print(f"  {path}")
    return 0


def _agree(folder, args):
    from .. import open as open_project
    from ..errors import WorkbenchError
    from ..purpose.charter import DECISION_RULES, record_decision, witness_decision

    if args.present is None or args.in_favour is None:
        raise WorkbenchError("Recording a decision needs the room's count.",
                             "Give --present N and --in-favour N (and --against, --abstain).",
                             key="purpose.charter.error.cli_counts")
    with open_project(folder) as project:
        agreed, version = record_decision(project.store, args.present, args.in_favour, args.against, args.abstain,
                                          args.rule)
        witness_decision(project, version)
        counts = (f"{args.present} present: {args.in_favour} in favour, {args.against} against, "
                  f"{args.abstain} abstaining; rule: {DECISION_RULES[args.rule]}")
        if agreed:
            print(f"Charter version {version} agreed ({counts}). Its criteria now apply to every evaluation; "
                  f"'workbench charter {folder}' writes it.")
        else:
            print(f"Charter version {version} NOT agreed ({counts}). The decision is recorded; "
                  "change the draft and decide again.")
    return 0
