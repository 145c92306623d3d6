"""``workbench data ACTION`` (add, profile, consent, snapshot, export, accept, datasheet) and ``workbench datasheet``.

``workbench datasheet DIR`` is the same as ``workbench data datasheet DIR`` (the verb the issue names): both
are registered in ``COMMANDS`` and share :func:`add_arguments` / :func:`run`; ``add_arguments`` reads the verb
from the parser's name.
"""

from ._sub import Actions

HELP = ("Data curation: add a dataset, profile it, show consent enforcement, take a snapshot, export a "
        "spreadsheet copy, write the datasheet.")
HELPS = {"datasheet": "Write the datasheet (Markdown and HTML) into artifacts/, naming the snapshot hashes "
                      "(same as 'workbench data datasheet DIR')."}


def _datasheet_arguments(d):
    d.add_argument("--language", "--lang", dest="lang", default=None, help="language (default: the project's first)")


def add_arguments(p):
    if p.prog.split()[-1] == "datasheet":
        ACTIONS.add_arguments_of(p, "datasheet")
    else:
        ACTIONS.add_arguments(p)


def _add_args(a):
    a.add_argument("file", metavar="FILE", help="the data file")
    a.add_argument("--contributor-col", required=True, help="the column with the contributor id")
    a.add_argument("--target", default=None, help="the target (label) column")
    a.add_argument("--group", action="append", default=[], help="a group column the charter names (repeatable)")
    a.add_argument("--text", default=None, help="the free-text column")
    a.add_argument("--drop", action="append", default=[], help="a column to drop (repeatable)")


def _add(project, args):
    from ..curation.importer import ColumnMapping, add_file
    from ..text import snippet
    from ._options import step

    mapping = ColumnMapping(args.contributor_col, args.target, tuple(args.group), args.text, tuple(args.drop))
    step(f"reading and checking {args.file}...")
    ds = add_file(project, args.file, mapping)
    print(f"Added {snippet(ds.original_name, 120)}: {ds.rows} rows, {len(ds.columns)} columns, stored as data/{ds.file}.")


def _profile_args(pr):
    pr.add_argument("--use", default=None, help="profile only the rows this use may take (e.g. train)")
    pr.add_argument("--json", action="store_true", help="print JSON instead of text")


def _profile(project, args):
    import json

    from ..curation.enforce import curated
    from ..curation.profile import project_profile

    view = curated(project, args.use) if args.use else None
    prof = project_profile(project, view)
    if args.json:
        print(json.dumps(prof.to_dict(), indent=2, ensure_ascii=False, default=_plain))
        return
    print(f"{prof.rows} rows, {prof.columns} columns, {prof.duplicates} exact duplicate rows"
          + (f" (rows {args.use} may take)" if args.use else ""))
    print("\ncolumns (kind, missing, distinct):")
    for r in prof.column_table.itertuples():
        print(f"  {r.column:<24} {r.kind:<9} {r.missing:>9,} ({100 * r.missing_share:5.1f}%) {r.distinct:>9,}")
    if len(prof.labels):
        print("\nlabels:")
        for r in prof.labels.itertuples():
            print(f"  {r.label:<24} {r.count:>9,} {100 * r.share:5.1f}%")
    if len(prof.groups):
        print(f"\ngroups (reference share; ! = fewer than {prof.min_group_size} rows):")
        for r in prof.groups.itertuples():
            ref = "" if r.reference != r.reference else f" ref {100 * r.reference:5.1f}%"
            name = "(missing)" if r.group is None else r.group
            print(f"  {r.attribute:<14} {name:<20} {r.count:>9,} {100 * r.share:5.1f}%{ref}"
                  f"{' !' if r.small else ''}")
    if prof.text_length is not None:
        t = prof.text_length.iloc[0]
        print(f"\ntext: mean {t['mean']:.0f} chars, median {t['median']:.0f}, max {int(t['max'])}")
    print("\npersonal data (rows):" if len(prof.pii) else "\npersonal data: none found")
    for r in prof.pii.itertuples():
        print(f"  {r.column:<14} {r.kind:<14} {r.rows:>9,}")


def _consent_args(c):
    c.add_argument("--use", default="train", help="the use (default train)")
    c.add_argument("--at", default=None, help="date or time (default now), e.g. 2026-06-30")


def _consent(project, args):
    from ..curation.enforce import WATERFALL_STEPS, curated
    from ..i18n import Translator

    tr = Translator("en")
    view = curated(project, args.use, args.at)
    counts = {"raw": len(view.reason), **view.counts}
    for step in WATERFALL_STEPS:
        print(f"  {tr('curation.reason.' + step):<28} {counts[step]:>9,}")


def _snapshot_args(s):
    s.add_argument("--use", default="train", help="the use (default train)")
    s.add_argument("--at", default=None, help="date or time (default now)")


def _snapshot(project, args):
    from ..curation.snapshot import take

    snap = take(project, args.use, args.at)
    print(f"Snapshot for {snap.use} at {snap.at}: {snap.rows} rows, sha256 {snap.content_sha256}, "
          f"artifacts/{snap.file}")


def _export_args(e):
    fmt = e.add_mutually_exclusive_group()
    fmt.add_argument("--croissant", action="store_true", help="write Croissant JSON-LD (default "
                     "artifacts/croissant.json)")
    fmt.add_argument("--hf-card", action="store_true", help="write a Hugging Face dataset card into a folder "
                     "(default artifacts/hf_dataset/)")
    e.add_argument("--use", default="train", help="the use whose latest snapshot to copy (default train)")
    e.add_argument("--hash", default=None, metavar="PREFIX", help="copy the snapshot whose hash starts with "
                   "PREFIX instead of the latest")
    e.add_argument("--out", default=None, metavar="PATH", help="where to write it: FILE.csv for the spreadsheet "
                   "copy (default artifacts/spreadsheets/<use>-<hash>.csv), FILE with --croissant, FOLDER with "
                   "--hf-card")
    e.add_argument("--force", action="store_true", help="replace the file (or the card's README.md) if it exists")


def _export(project, args):
    if args.croissant:
        from ..curation.croissant import write as write_croissant

        path = write_croissant(project, args.out, force=args.force)
        print(f"Wrote the Croissant metadata of data/{_current_file(project)} to {path}.")
    elif args.hf_card:
        from ..curation.hf_card import write as write_card

        paths = write_card(project, args.out, force=args.force)
        print("Wrote the Hugging Face dataset card (no rows): " + ", ".join(str(p) for p in paths))
    else:
        from ..curation.snapshot import spreadsheet_copy

        snap, path = spreadsheet_copy(project, args.use, args.out, content_hash=args.hash, force=args.force)
        print(f"Wrote a spreadsheet copy of the {snap.use} snapshot {snap.content_sha256[:16]} ({snap.rows} rows) "
              f"to {path}; the snapshot artifacts/{snap.file} is unchanged.")


def _accept_args(ac):
    ac.add_argument("--decision", default=None, help="the decision id (default: the agreed one on this data)")
    ac.add_argument("--language", "--lang", dest="lang", default=None, help="the datasheet's language")


def _accept(project, args):
    from ..curation.accept import accept

    out = accept(project, args.decision, args.lang)
    print(f"Accepted the curated dataset {out['hash'][:12]} ({out['actions']} curation actions) with its "
          f"datasheet {out['datasheet_sha256'][:12]}, as decided in {out['community_decision']}.")


def _datasheet(project, args):
    from ..curation.datasheet import write
    from ..i18n import normalise_language

    paths = write(project, normalise_language(args.lang) if args.lang else None)
    print("Wrote " + ", ".join(str(p) for p in paths))


ACTIONS = Actions("data")
ACTIONS.add("add", _add, _add_args, help="add a dataset (CSV, TSV, Excel, Parquet, JSON Lines) with its column "
            "mapping", description="Check FILE, store it unchanged under data/ by content hash, log its mapping.")
ACTIONS.add("profile", _profile, _profile_args, help="profile the current dataset (raw, or the rows a use may take)",
            description="Rows, columns, missing values, duplicates, labels, groups, text, personal data.")
ACTIONS.add("consent", _consent, _consent_args, help="rows per exclusion reason for a use at a time (the waterfall)",
            description="Enforce consent row by row for a use and print the counts by reason.")
ACTIONS.add("snapshot", _snapshot, _snapshot_args, help="write the curated snapshot for a use and log its content "
            "hash", description="Write artifacts/snapshots/<use>-<hash>.csv and log curation.snapshot.")
ACTIONS.add("export", _export, _export_args, help="write a spreadsheet copy of a snapshot, or the dataset's "
            "Croissant metadata or Hugging Face dataset card",
            description="Write the rows of a recorded snapshot as a CSV to open in a spreadsheet: text cells that "
            "start with = + - @, a tab or a carriage return get a leading quote so they show as text. The recorded "
            "snapshot and its hash stay as they are. With --croissant, write the current dataset's Croissant 1.0 "
            "JSON-LD (files by hash, columns, Responsible-AI fields from the datasheet and the consent scope) "
            "instead; with --hf-card, a Hugging Face dataset card (README.md, no rows) with croissant.json and "
            "consent_scope.jsonld beside it.")
ACTIONS.add("accept", _accept, _accept_args, help="accept the curated dataset with its datasheet, as the community "
            "decided", description="Record that the community accepted the curated dataset as it stands (file, "
            "mapping, curation actions) with its datasheet, after 'workbench decide DIR dataset'. The evaluation "
            "stage refuses data the community has not accepted.")
ACTIONS.add("datasheet", _datasheet, _datasheet_arguments, help="write the datasheet (Markdown and HTML) into "
            "artifacts/", description="Write artifacts/datasheet.md and .html, naming the snapshot hashes.")
run = ACTIONS.run


def _current_file(project) -> str:
    from ..curation.importer import require_current

    return require_current(project.store).file


def _plain(value):
    if value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return str(value)
