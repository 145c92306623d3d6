HELP = ("Sign the event log's head with the project's key and write it to artifacts/checkpoints/ "
        "(a witness that 'workbench verify --checkpoints' compares the log with). Make one at each decision "
        "and at the end of each workshop day; give a copy to someone outside the project.")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--reason", default="manual", help="why now (for example 'end of day 1')")


def run(args):
    from .. import open as open_project
    from ..federation import keys
    from ..store import witness

    with open_project(args.dir) as project:
        if not keys.has_keys(project.root):
            keys.init_keys(project)
            print(f"Made the project's signing key (.workbench/{keys.PRIVATE_NAME}); "
                  f"its fingerprint is {keys.public_key(project.root).fingerprint}.")
        path = witness.checkpoint(project, args.reason)
    print(f"Checkpoint written: {path} (keep a copy outside the project folder).")
    return 0
