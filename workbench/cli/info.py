HELP = "Show a project's name, languages, stages and log size."


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")


def run(args):
    from .. import open as open_project
    from ..i18n import Translator

    tr = Translator("en")
    with open_project(args.dir) as project:
        seq, head = project.store.head()
        print(f"{project.name}  ({project.root})")
        print(f"  languages: {', '.join(project.config.languages)}   country: {project.config.country or '-'}")
        print(f"  events: {seq}   head: {head[:16]}")
        for st in project.stages():
            print(f"  {st.stage.number}. {tr(st.stage.title_key):<22} {tr(st.status_key)}")
    return 0
