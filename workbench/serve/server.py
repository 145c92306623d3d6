"""Run Voila for a project: preheated participant kernels, culling, access codes.

The server is Voila itself (a subclass that adds the login pages and sends
``/`` to the welcome app), configured in code from ``workbench.toml``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import apps
from ..errors import WorkbenchError

HERE = Path(__file__).parent
SHARE = HERE / "share"


def notebooks_dir() -> Path:
    """The apps: the repository's notebooks/ in a checkout, the packaged copy otherwise."""
    repo = HERE.parent.parent / "notebooks"
    if (repo / "welcome.ipynb").is_file():
        return repo
    packaged = HERE.parent / "_notebooks"
    if (packaged / "welcome.ipynb").is_file():
        return packaged
    raise WorkbenchError("The workshop apps (notebooks/) are missing from this install.",
                         "Reinstall commons-workbench.")


def voila_config(project, port: int, ip: str, codes, kernel_env: dict | None = None):
    from traitlets.config import Config

    shop = project.config.workshop
    cfg = Config()
    cfg.Voila.ip = ip
    cfg.Voila.port = port
    cfg.Voila.open_browser = False
    cfg.Voila.root_dir = str(notebooks_dir())
    cfg.Voila.cookie_secret = bytes.fromhex(codes.cookie_secret)
    cfg.Voila.identity_provider_class = "workbench.serve.auth.WorkshopIdentityProvider"
    cfg.Voila.tornado_settings = {"headers": {"X-Frame-Options": "DENY",
                                              "Referrer-Policy": "no-referrer"}}
    cfg.VoilaConfiguration.template = "workbench"
    cfg.VoilaConfiguration.theme = "light"
    cfg.VoilaConfiguration.show_tracebacks = False
    cfg.VoilaConfiguration.preheat_kernel = True
    cfg.VoilaConfiguration.http_header_envs = ["X-Workbench-Role"]
    # nbclient waits only 4 s (its default) for a cell's IOPub messages after the execute reply, then
    # renders the cell without its outputs: a blank page. An app opening ~100 widget comms on a busy
    # 2-core laptop (several kernels starting at once) takes longer than that.
    cfg.VoilaExecutor.iopub_timeout = 60
    pools = {"default": {"pool_size": 0, "kernel_env_variables": kernel_env or {}}}
    for app in apps.APPS:
        if app.preheat:
            pools[app.notebook] = {"pool_size": shop.preheated_kernels, "kernel_env_variables": kernel_env or {}}
    cfg.VoilaKernelManager.kernel_pools_config = pools
    cfg.VoilaKernelManager.preheat_denylist = [a.notebook for a in apps.APPS if not a.preheat]
    cfg.VoilaKernelManager.fill_delay = 0.5
    cfg.MappingKernelManager.cull_idle_timeout = shop.cull_idle_seconds
    cfg.MappingKernelManager.cull_interval = shop.cull_interval_seconds
    cfg.MappingKernelManager.cull_connected = False
    return cfg


def _make_app_class(max_kernels: int, default_language: str):
    from jupyter_server.utils import url_path_join
    from tornado import web
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler

    from .capacity import capped

    render_handler = capped(TornadoVoilaHandler, max_kernels, default_language)

    class WorkbenchVoila(Voila):
        """Voila with ``/`` sent to the welcome app and a cap on kernels in use."""

        name = "workbench-voila"

        def init_handlers(self):
            handlers = [
                (h[0], render_handler, *h[2:]) if len(h) > 1 and h[1] is TornadoVoilaHandler else h
                for h in super().init_handlers()
            ]
            welcome = url_path_join(self.server_url, "voila/render/welcome.ipynb")
            return [(url_path_join(self.server_url, "/?"), web.RedirectHandler, {"url": welcome}), *handlers]

    return WorkbenchVoila


def serve(project_dir: str, port: int = 8866, ip: str = "0.0.0.0", show_qr: bool = True,
          out=sys.stdout) -> None:
    """Serve the apps against the project until interrupted."""
    from .. import open as open_project
    from .auth import WorkshopIdentityProvider
    from .net import check_port_free, lan_address, terminal_qr

    project = open_project(project_dir)
    check_port_free(ip, port)
    codes = project.access_codes()
    root = str(project.root)
    project.close()

    os.environ["WORKBENCH_PROJECT"] = root
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(SHARE), os.environ.get("JUPYTER_PATH")]))
    WorkshopIdentityProvider.workshop_code = codes.workshop
    WorkshopIdentityProvider.facilitator_code = codes.facilitator
    WorkshopIdentityProvider.default_language = project.config.default_language

    host = lan_address() if ip in ("0.0.0.0", "") else ip
    join = f"http://{host}:{port}/login?code={codes.workshop}"
    print(f"Commons Workbench: serving {project.name!r} ({root})", file=out)
    print(f"  Participants join at: {join}", file=out)
    print(f"  Workshop code: {codes.workshop}", file=out)
    print(f"  Facilitator code: {codes.facilitator}   (the room: http://{host}:{port}/voila/render/room.ipynb)",
          file=out)
    if show_qr:
        print(terminal_qr(join), file=out)
    print("  Stop with Ctrl+C.", file=out, flush=True)

    app_class = _make_app_class(project.config.workshop.max_kernels, project.config.default_language)
    app = app_class(config=voila_config(project, port, ip, codes))
    app.initialize([])
    app.start()
