HELP = "Recompute the event log's hash chain; report OK or the first event that does not match (exit 1)."


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")


def run(args):
    import sys

    from .. import open as open_project

    with open_project(args.dir) as project:
        result = project.store.verify()
    print(result.sentence, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1
