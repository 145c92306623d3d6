from ._sub import Actions

HELP = ("Consent: print or export the scope, show consent status, write the forms, import paper records, "
        "print contributor cards.")


def _scope_args(s):
    s.add_argument("--version", dest="scope_version", type=int, default=None,
                   help="the scope version (default: the latest)")
    s.add_argument("--out", default=None, help="write to this file instead of printing")
    s.add_argument("--jsonld", action="store_true", help="print it as JSON-LD: an ODRL policy with DPV purposes "
                   "and DUO term IRIs (for other systems)")


def _history(project):
    from ..consent.scope import ScopeHistory

    return ScopeHistory.load(project.store)


def _scope(project, args):
    import json

    version = _pick(_history(project), args.scope_version)
    if args.jsonld:
        from ..consent import jsonld

        text = jsonld.to_json(jsonld.build(version))
    else:
        text = json.dumps(version.export(), ensure_ascii=False, indent=2) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"Scope version {version.version} ({version.hash[:12]}) written to {args.out}"
              + (" as JSON-LD (ODRL, DPV, DUO)" if args.jsonld else ""))
    else:
        print(text, end="")


def _publish_args(pb):
    pb.add_argument("file", metavar="FILE", nargs="?", default=None, help="the scope as JSON")
    pb.add_argument("--draft", action="store_true", help="publish the draft saved in the scope app instead of FILE")
    pb.add_argument("--decision", default=None, help="the community's decision id (default: the agreed one on "
                    "this scope; record it with 'workbench decide DIR scope')")
    pb.add_argument("--effective", default=None, metavar="DATE",
                    help="when it took effect, if earlier than now (YYYY-MM-DD); recorded as back-dated")


def _status_args(st):
    st.add_argument("--at", default=None, help="date or time to ask about (default: now), e.g. 2026-06-30")
    st.add_argument("--contributor", default=None, help="show only this contributor's status")


def _forms_args(f):
    f.add_argument("--version", dest="scope_version", type=int, default=None, help="default: the latest")


def _forms(project, args):
    from ..consent.form import write_forms

    version = _pick(_history(project), args.scope_version)
    for path in write_forms(project, version.version):
        print(f"  {path}")


def _import_args(i):
    i.add_argument("file", metavar="FILE", help="CSV (UTF-8) or .xlsx with contributor_id, date, choices, "
                   "method, witness")
    i.add_argument("--good-rows-only", action="store_true", help="import the good rows even if some are bad")
    i.add_argument("--dry-run", action="store_true", help="only check the file")


def _cards_args(c):
    c.add_argument("--language", default=None, help="the cards' language (default: the project's first)")
    c.add_argument("--contributors", default=None,
                   help="comma-separated contributor ids (default: every id in the project's data)")
    c.add_argument("--reissue", default=None, metavar="ID",
                   help="replace this contributor's card (lost card); the old one stops working; needs --witness")
    c.add_argument("--witness", default="", help="who checked the person in person (for --reissue)")
    c.add_argument("--out", default=None, help="the HTML file to write (default: DIR/.workbench/cards/...)")
    c.add_argument("--server", default="", help="the workshop server's address as phones reach it (for example "
                   "http://192.168.1.10:8866), printed on each card as where to raise a concern")


def _cards(project, args):
    from ..consent import cards
    from ..errors import WorkbenchError
    from ..i18n import normalise_language

    language = normalise_language(args.language) if args.language else project.config.default_language
    if args.reissue:
        if not str(args.witness or "").strip():
            raise WorkbenchError("Reissuing a card needs --witness: who checked the person in person.",
                                 "Add --witness with your name or code.")
        issued = [cards.issue(project.store, args.reissue, actor="facilitator", witness=args.witness,
                              reason="reissue")]
    else:
        if args.contributors:
            wanted = [c.strip() for c in args.contributors.split(",") if c.strip()]
        else:
            wanted = cards.contributors_in_data(project)
        issued = cards.issue_all(project.store, wanted, actor="facilitator")
        if not issued:
            print(f"Every one of the {len(wanted)} contributors already has a card; nothing was written. "
                  "Use --reissue ID --witness NAME to replace a lost one.")
            return
    path = cards.write_sheet(project, issued, language, args.out, args.server)
    print(f"Issued {len(issued)} contributor card(s); the sheet is {path}")
    print("That file holds the cards' secret codes (they are nowhere else): print it, hand out the cards, "
          "then delete it.")


def _pick(history, number):
    from ..errors import WorkbenchError

    if number is None:
        return history.require_latest()
    for v in history.versions:
        if v.version == number:
            return v
    raise WorkbenchError(f"There is no scope version {number}.",
                         f"Versions published: {', '.join(str(v.version) for v in history.versions) or 'none'}.")


def _status(project, args):
    from ..consent import _time
    from ..consent.ledger import REASONS, ConsentLedger

    ledger = ConsentLedger.load(project.store)
    at = _time.to_datetime(args.at) if args.at else None
    when = _time.iso(at) if at else "now"
    if args.contributor:
        print(f"{args.contributor} at {when}:")
        for use, reason in ledger.current(args.contributor, at).items():
            print(f"  {use:<20} {reason}")
        return
    table = ledger.coverage(at)
    print(f"Consent at {when}: {len(ledger.contributors)} people in the ledger, "
          f"{len(ledger.receipts)} decisions recorded.")
    print(f"  {'use':<20}" + "".join(f"{r:>11}" for r in REASONS))
    for row in table.itertuples(index=False):
        print(f"  {row.use:<20}" + "".join(f"{getattr(row, r):>11}" for r in REASONS))


def _import(project, args):
    from ..consent.ledger import ConsentLedger
    from ..consent.paper import apply, read_records

    report = read_records(args.file, history=_history(project), ledger=ConsentLedger.load(project.store),
                          max_rows=project.config.limits.consent_rows)
    print(report.summary())
    if args.dry_run:
        return
    receipts = apply(project.store, report, good_rows_only=args.good_rows_only, actor="facilitator")
    print(f"Imported {len(receipts)} records. Receipt codes to print for each person:")
    for r in receipts:
        print(f"  {r.contributor:<16} {r.kind:<10} {r.code}")


def _publish(project, args):
    import json

    from ..consent.scope import Scope, publish
    from ..errors import WorkbenchError
    from ..filecheck import read_regular_file

    history = _history(project)
    if args.draft == bool(args.file):
        raise WorkbenchError("Give either a scope FILE or --draft.",
                             "For example: workbench consent publish DIR scope.json --effective 2026-03-01.")
    if args.draft:
        if history.draft is None:
            raise WorkbenchError("There is no saved draft of the scope.", "Save one in the scope app, or give FILE.")
        scope = history.draft
    else:
        try:
            raw = json.loads(read_regular_file(args.file, 5_000_000, what="scope file").decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise WorkbenchError(f"{args.file} is not a JSON scope.",
                                 "Export one with 'workbench consent scope DIR --out FILE' and edit it.") from None
        scope = Scope.from_dict(raw)
    version = publish(project.store, scope, effective_at=args.effective, decision=args.decision)
    note = f", in force from {version.effective_at[:10]} (back-dated)" if version.backdated else ""
    print(f"Published scope version {version.version} ({version.hash[:12]}){note}.")


ACTIONS = Actions("consent")
ACTIONS.add("scope", _scope, _scope_args, help="print the published scope as JSON, with its DUO/DPV mapping "
            "(--jsonld: ODRL)", description="Print the published consent scope as JSON (hash, DUO/DPV terms, "
            "labels), or with --jsonld as an ODRL policy in JSON-LD with DPV and DUO terms.")
ACTIONS.add("publish", _publish, _publish_args, help="publish a scope (JSON) as the next version, optionally "
            "back-dated", description="Publish the consent scope in FILE (JSON, as 'workbench consent scope' "
            "prints it, or the draft saved from the scope app with --draft) as the next version.")
ACTIONS.add("status", _status, _status_args, help="consent per use now (or --as-of a date), or one person's",
            description="Count people per use and consent status; or show one person's status.")
ACTIONS.add("forms", _forms, _forms_args, help="write the consent form in every project language to "
            "artifacts/consent/", description="Write the consent form (Markdown, HTML) per language and the "
            "scope JSON.")
ACTIONS.add("import", _import, _import_args, help="import paper consent records from CSV or Excel",
            description="Check a file of paper consent records; import it when every row is good.")
ACTIONS.add("cards", _cards, _cards_args, help="issue contributor cards and write a printable sheet (it holds "
            "secrets)", description="Issue a contributor card to each contributor without one (the ids in the "
            "project's data, or --contributors) and write an HTML sheet of cards to print. The codes appear only "
            "in that file: print it, hand the cards out, then delete it.")
add_arguments, run = ACTIONS.add_arguments, ACTIONS.run
