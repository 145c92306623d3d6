# jupyterhub_config.py for Commons Workbench: many community projects behind one JupyterHub.
#
# This is the file tests/test_hub.py loads into a real JupyterHub (with its configurable-http-proxy),
# so what docs/jupyterhub.md describes is what runs in the tests. Use it as is and add, in your own
# jupyterhub_config.py, what is particular to your hub (authenticator, https, database):
#
#     c = get_config()
#     load_subconfig("/path/to/commons-workbench/docs/jupyterhub_config.py")
#     c.JupyterHub.authenticator_class = "..."      # how your people sign in to the hub
#
# Each project is a hub-managed *service*: the hub starts `workbench serve DIR --base-url
# /services/<name>/` on 127.0.0.1 and its proxy forwards https://hub.example.org/services/<name>/ to
# it. Participants join there with the project's workshop code, with no hub account; facilitators
# sign in with the hub (OAuth) and are those the project names below.
#
# The projects are listed in a TOML file (WORKBENCH_HUB_PROJECTS, default
# /srv/workbench/projects.toml), one table per project, the table's name being the service's name:
#
#     [coop-a]
#     dir = "/srv/workbench/projects/coop-a"    # made with `workbench init DIR --store postgresql+psycopg://...`
#     port = 9101                               # a free port on 127.0.0.1, one per project
#     facilitators = ["alice"]                  # hub user names: facilitators of this project
#     facilitator_groups = ["coop-a-facilitators"]   # hub groups: their members are facilitators too
#     serve_args = ["--preheat", "purpose=20"]  # optional: more `workbench serve` options
#
# Kernel cap, culling, languages and the store URL stay in each project's workbench.toml.

import os
import re
import shutil
import sys
import tomllib
from pathlib import Path

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def workbench_command() -> list[str]:
    """`workbench` next to the hub's Python (one environment for both), else on PATH."""
    here = Path(sys.executable).with_name("workbench")
    if here.is_file():
        return [str(here)]
    found = shutil.which("workbench")
    if found:
        return [found]
    return [sys.executable, "-c", "from workbench.cli import entry; entry()"]


def workbench_services(projects: dict, command: list[str] | None = None) -> tuple[list[dict], list[dict]]:
    """JupyterHub services (one `workbench serve` per project) and the roles that let each project's
    facilitators, and no one else, finish the hub's OAuth for that project's service."""
    command = command or workbench_command()
    services, roles = [], []
    ports = set()
    for name, project in projects.items():
        if not NAME_RE.match(name):
            raise ValueError(f"Project name {name!r}: use lower-case letters, digits and '-' (it is a URL path).")
        if name == "runtime":  # its role's name is the runtime projects' group's (below)
            raise ValueError("Project name 'runtime' is taken by the hub's runtime projects: choose another.")
        port = int(project["port"])
        if port in ports:
            raise ValueError(f"Project {name!r}: port {port} is already used by another project.")
        ports.add(port)
        users = [str(u) for u in project.get("facilitators", [])]
        groups = [str(g) for g in project.get("facilitator_groups", [])]
        services.append({
            "name": name,
            "url": f"http://127.0.0.1:{port}",
            "command": [*command, "serve", str(project["dir"]), "--base-url", f"/services/{name}/",
                        "--ip", "127.0.0.1", "--port", str(port), "--no-qr",
                        *[str(a) for a in project.get("serve_args", [])]],
            # Read by workbench/serve/hub.py: who is a facilitator of this project, on the hub.
            "environment": {
                "WORKBENCH_HUB_FACILITATORS": ",".join(users),
                "WORKBENCH_HUB_FACILITATOR_GROUPS": ",".join(groups),
                "PYTHONUNBUFFERED": "1",
            },
            # The hub's own page "allow this service to know who you are?" adds nothing here: the
            # service is the hub operator's, and only the project's facilitators may pass (roles below).
            "oauth_no_confirm": True,
            # Participants need no hub account, so the service is not listed on the hub's home page.
            "display": False,
        })
        if users or groups:
            roles.append({
                "name": f"workbench-{name}-facilitators",
                "description": f"Facilitators of the workbench project {name}",
                "scopes": [f"access:services!service={name}"],
                "users": users,
                "groups": groups,
            })
    return services, roles


def load_projects(path: str | os.PathLike) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


c = get_config()  # noqa: F821 - JupyterHub's config loader provides it

PROJECTS_FILE = os.environ.get("WORKBENCH_HUB_PROJECTS", "/srv/workbench/projects.toml")
_services, _roles = workbench_services(load_projects(PROJECTS_FILE))
# Loaded with load_subconfig, these lists replace any set before: add your own services and roles
# after load_subconfig, with .append or .extend (tests/_hub.py does).
# Projects added while the hub runs (workbench.serve.hub.add_project; docs/jupyterhub.md): the hub
# lets the members of this group through its OAuth to every service, and each project's own server
# then lets in only the users and groups it names.
_roles.append({
    "name": "workbench-runtime-facilitators",
    "description": "Facilitators of workbench projects added while the hub runs",
    "scopes": ["access:services"],
    "groups": ["workbench-runtime-facilitators"],
})
c.JupyterHub.services = _services
c.JupyterHub.load_roles = _roles
