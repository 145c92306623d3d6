HELP = "Write the charter as artifacts/charter.md and .html, and its success criteria as artifacts/criteria.json."


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--version", dest="charter_version", type=int, default=None,
                   help="the charter version to write (default: the latest agreed one, else the draft)")
    p.add_argument("--lang", default=None, help="language of the documents (default: the project's first)")
    p.add_argument("--export", action="store_true",
                   help="also export the deliberation in the Pol.is CSV shape to artifacts/deliberation/")


def run(args):
    from .. import open as open_project
    from ..i18n import normalise_language
    from ..purpose.render import write_charter

    lang = normalise_language(args.lang) if args.lang else None
    with open_project(args.dir) as project:
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
