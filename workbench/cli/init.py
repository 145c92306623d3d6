HELP = "Create a project folder: workbench.toml, the event store, data/ and artifacts/."


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the new project's folder (absent or empty)")
    p.add_argument("--name", required=True, help="the project's name, as the community says it")
    p.add_argument("--language", action="append", metavar="LANG",
                   help="a language of the community (one of the catalogs in workbench/i18n/locales); repeat for more, the first is the default")
    p.add_argument("--country", default="", help="ISO country code, used for the energy mix (e.g. BR)")
    p.add_argument("--purpose", default="", help="a first sentence on what the project is for")
    p.add_argument("--store", default="sqlite:///store.db", metavar="URL",
                   help="where the event log lives: the folder's SQLite file (default) or an empty PostgreSQL "
                        "database or schema, like postgresql+psycopg://user@host/coop_a")


def run(args):
    from ..project import Project

    project = Project.init(args.dir, args.name, args.language or ["en"], args.country, args.purpose, args.store)
    codes = project.access_codes()
    print(f"Created project {project.name!r} at {project.root}")
    print(f"  languages: {', '.join(project.config.languages)}")
    print(f"  workshop code: {codes.workshop}   facilitator code: {codes.facilitator}")
    print(f"Next: workbench serve {project.root}")
    project.close()
    return 0
