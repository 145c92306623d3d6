HELP = ("Open JupyterLab on a project for a facilitator: the project set for every app notebook (copied into "
        "DIR/notebooks/ the first time, to run and extend), on this computer only (127.0.0.1).")


def add_arguments(p):
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--port", type=int, default=8888, help="port (default 8888)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")


def copy_notebooks(project_root) -> list:
    """The app notebooks, and the guided facilitator notebooks under ``facilitator/``, into ``DIR/notebooks/``:
    only those not there yet (a facilitator's edits stay)."""
    import shutil
    from pathlib import Path

    from ..serve.server import notebooks_dir

    target = Path(project_root) / "notebooks"
    target.mkdir(exist_ok=True)
    copied = []
    src = notebooks_dir()
    for nb in sorted(src.glob("*.ipynb")) + sorted(src.glob("facilitator/*.ipynb")):
        dest = target / nb.relative_to(src)
        if not dest.exists():
            dest.parent.mkdir(exist_ok=True)
            shutil.copyfile(nb, dest)
            copied.append(dest)
    return copied


def run(args):
    import os
    import subprocess
    import sys

    from .. import open as open_project
    from ..serve.net import check_port_free
    from ..ui.context import PROJECT_ENV

    with open_project(args.dir) as project:  # a folder that is not a project: one sentence, nothing started
        root = str(project.root)
    check_port_free("127.0.0.1", args.port)
    copied = copy_notebooks(root)
    if copied:
        print(f"Copied {len(copied)} app notebooks into {os.path.join(root, 'notebooks')} (yours to extend).")
    print(f"JupyterLab on {root}: every app notebook opens this project. Stop with Ctrl+C.", flush=True)
    env = dict(os.environ, **{PROJECT_ENV: root})
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={args.port}", "--ServerApp.port_retries=0",
           "--ServerApp.default_url=/lab/tree/notebooks/welcome.ipynb"]
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # a container or a CI machine; JupyterLab refuses root otherwise
        cmd.append("--ServerApp.allow_root=True")
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0
