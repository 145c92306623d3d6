HELP = "Build the demo project (a fictional community health co-op) and serve it; --no-serve only builds it."


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", nargs="?", default="demo-project",
                   help="where to build it (default: ./demo-project)")
    p.add_argument("--no-serve", action="store_true", help="only build the project")
    p.add_argument("--seed", type=int, default=7, help="seed for the generated data (default 7)")
    p.add_argument("--port", type=int, default=8866, help="port to serve on (default 8866)")
    p.add_argument("--ip", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--rebuild", action="store_true",
                   help="if DIR is already the demo project, serve it as it is unless this is given")
    p.add_argument("--language", default="en",
                   help="the language its apps open in, for a new demo (default en; also pt-BR, es)")


def run(args):
    import shutil
    from pathlib import Path

    from ..demo import DEMO_NAME, build_demo
    from ..errors import WorkbenchError
    from ..project import CONFIG_NAME, Project

    target = Path(args.dir)
    if not args.no_serve:  # a busy port is said before seconds of building, not after
        from ..serve.net import check_port_free

        check_port_free(args.ip, args.port)
    existing = (target / CONFIG_NAME).is_file()
    if existing:
        with Project.open(target) as old:
            is_demo = old.name == DEMO_NAME
        if not is_demo:
            raise WorkbenchError(f"{target} is a project, but not the demo.", "Pass another folder for the demo.")
        if args.rebuild:
            shutil.rmtree(target)
            existing = False
    if not existing:
        from ._options import step

        project = build_demo(target, seed=args.seed, language=args.language,
                             progress=lambda stage: step(f"building the demo: {stage}..."))
        print(f"Built the demo project at {project.root} ({project.store.count()} events).")
        project.close()
    else:
        print(f"Using the demo project already at {target.absolute()} (pass --rebuild to start over).")
    if args.no_serve:
        return 0
    from ..serve import serve

    serve(str(target), port=args.port, ip=args.ip)
    return 0
