"""Run Voila for a project: preheated participant kernels, culling, access codes.

The server is Voila itself (a subclass that adds the login pages and sends
``/`` to the welcome app), configured in code from ``workbench.toml``.
"""

from __future__ import annotations

import os
import re
import secrets
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


# What one participant kernel weighs here (benchmarks: ~70 MB RSS in use, ~55 MB unique) plus headroom.
KERNEL_MB = 80
BASE_URL_RE = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*$")


def normalise_base_url(value: str | None) -> str:
    """``/``, ``/prefix/`` or ``/a/b/`` (slashes added); anything else is a one-line error."""
    text = (value or "/").strip()
    if not text.startswith("/"):
        text = "/" + text
    if not text.endswith("/"):
        text += "/"
    if not BASE_URL_RE.match(text) or any(seg in (".", "..") for seg in text.split("/")):
        raise WorkbenchError(f"--base-url {value!r} is not a URL path prefix.",
                             "Use letters, digits, '-', '_', '.' and '/', like --base-url /workshop/.")
    return text


def parse_preheat(value: str | None) -> dict[str, int]:
    """``--preheat``: ``N`` for every participant app, or ``APP=N`` pairs (``8,purpose=40``)."""
    if value is None:
        return {}
    keys = {a.key for a in apps.APPS if a.preheat}
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in str(value).split(","))):
        key, _, num = part.rpartition("=")
        key = key.strip() or "*"
        if key != "*" and key not in keys:
            raise WorkbenchError(f"--preheat names {key!r}, which is not an app with preheated kernels.",
                                 f"Use one of: {', '.join(sorted(keys))} (like --preheat purpose=40).")
        if not num.strip().isdigit():
            raise WorkbenchError(f"--preheat {part!r} is not a number of kernels.",
                                 "Pass a whole number, like --preheat 10 or --preheat purpose=40,welcome=5.")
        out[key] = int(num)
    return out


def pool_sizes(project, preheat: dict[str, int] | None = None) -> dict[str, int]:
    """Spare kernels per participant notebook: ``--preheat`` over ``workshop.preheated_kernels``."""
    preheat = preheat or {}
    default = preheat.get("*", project.config.workshop.preheated_kernels)
    return {a.notebook: preheat.get(a.key, default) for a in apps.APPS if a.preheat}


def memory_available_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES") / 2**20
    except (OSError, ValueError, AttributeError):
        return None


def kernel_cap(configured: int, spares: int, available_mb: float | None = None) -> int:
    """``workshop.max_kernels``, lowered to what the free memory holds (80 MB a kernel, 80% of it).

    0 (no cap) stays 0. Spare kernels take their memory first.
    """
    available_mb = memory_available_mb() if available_mb is None else available_mb
    if configured <= 0 or available_mb is None:
        return configured
    fits = int(available_mb * 0.8 / KERNEL_MB) - spares
    return max(1, min(configured, fits))


def voila_config(project, port: int, ip: str, codes, kernel_env: dict | None = None,
                 pools: dict[str, int] | None = None, base_url: str = "/", query_token: str | None = None):
    from traitlets.config import Config

    from . import guard

    shop = project.config.workshop
    pools = pool_sizes(project) if pools is None else pools
    kernel_env = dict(kernel_env or {})
    # Where a preheated kernel reaches the server to wait for its request (ui/context.py), and the
    # token it shows there: no one else may wait for a kernel's request (guard.py).
    kernel_env.setdefault("VOILA_APP_IP", "127.0.0.1" if ip in ("0.0.0.0", "", "::") else ip)
    query_token = query_token or guard.new_query_token()
    kernel_env[guard.QUERY_TOKEN_ENV] = query_token
    cfg = Config()
    cfg.Voila.ip = ip
    cfg.Voila.port = port
    cfg.Voila.base_url = base_url
    cfg.Voila.open_browser = False
    cfg.Voila.root_dir = str(notebooks_dir())
    cfg.Voila.cookie_secret = bytes.fromhex(codes.cookie_secret)
    cfg.Voila.identity_provider_class = "workbench.serve.auth.WorkshopIdentityProvider"
    cfg.Voila.tornado_settings = {
        # Jupyter Server's handlers set these themselves; guard.SecurityHeaders sets them on every response.
        "headers": {"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
                    "Content-Security-Policy": guard.content_security_policy()},
        "log_function": guard.log_request,  # no query value (a code) in the access log
        "serve_traceback": False,
        guard.QUERY_TOKEN_SETTING: query_token,
        guard.LANGUAGE_SETTING: project.config.default_language,
    }
    cfg.VoilaConfiguration.template = "workbench"
    # Participant notebooks name their own (metadata voila.template: workbench-lite); no ?voila-template= from a URL.
    cfg.VoilaConfiguration.allow_template_override = "NOTEBOOK"
    cfg.VoilaConfiguration.theme = "light"
    cfg.VoilaConfiguration.show_tracebacks = False
    # The shipped apps are signed at start (_trust_shipped_notebooks), in memory, with a key of this run:
    # nothing is written to the user's Jupyter data folder.
    cfg.NotebookNotary.db_file = ":memory:"
    cfg.NotebookNotary.secret = secrets.token_hex(32).encode()
    cfg.VoilaConfiguration.preheat_kernel = True
    # Set by the identity provider from the verified cookie and the connection (auth.py); the kernel reads
    # them as HTTP_X_WORKBENCH_ROLE, _SESSION, _CLIENT (ui/context.py).
    cfg.VoilaConfiguration.http_header_envs = ["X-Workbench-Role", "X-Workbench-Session", "X-Workbench-Client"]
    # nbclient waits only 4 s (its default) for a cell's IOPub messages after the execute reply, then
    # renders the cell without its outputs: a blank page. An app opening ~100 widget comms on a busy
    # 2-core laptop (several kernels starting at once) takes longer than that. 60 s was not enough either:
    # with sixty pages loading in Chromium on the same two cores, the server (one process among ~130
    # runnable ones) read the app's messages after more than a minute, and nearly every page came out
    # blank, for good. The idle status always comes; a page that waits longer is better than a blank one.
    cfg.VoilaExecutor.iopub_timeout = 600
    config = {"default": {"pool_size": 0, "kernel_env_variables": kernel_env}}
    for notebook, size in pools.items():
        config[notebook] = {"pool_size": size, "kernel_env_variables": kernel_env}
    cfg.VoilaKernelManager.kernel_pools_config = config
    cfg.VoilaKernelManager.preheat_denylist = [a.notebook for a in apps.APPS if not a.preheat]
    cfg.VoilaKernelManager.fill_delay = 0.5
    # Spares warm up one at a time (half of this 2-core laptop), after a burst of arrivals (pools.py).
    cfg.VoilaConfiguration.multi_kernel_manager_class = "workbench.serve.pools.WarmingKernelManager"
    cfg.WarmingKernelManager.warm_concurrency = max(1, (os.cpu_count() or 2) // 2)
    cfg.MappingKernelManager.cull_idle_timeout = shop.cull_idle_seconds
    cfg.MappingKernelManager.cull_interval = shop.cull_interval_seconds
    cfg.MappingKernelManager.cull_connected = False
    if os.name == "posix":  # kernels over Unix sockets (see __getattr__ below); Windows keeps TCP
        cfg.MappingKernelManager.kernel_manager_class = f"{__name__}.SocketFileKernelManager"
    return cfg


def __getattr__(name: str):
    """``SocketFileKernelManager``, built on first use (Jupyter Server is imported only by a serving process).

    A kernel over TCP tells the facilitator's terminal, once per kernel, "Kernel is running over TCP without
    encryption" (ipykernel's ``init_sockets``, whenever the transport is TCP and no CurveZMQ key was given).
    The warning is right about TCP: any account on the laptop may connect to 127.0.0.1 and subscribe to a
    kernel's IOPub, which is what participants' pages show. Over Unix sockets (the transport the warning
    itself recommends) each kernel's sockets are files beside its connection file, in the folder Voila
    makes for that kernel (``mkdtemp``, mode 0700: only this user may reach them), so the warning has no
    cause left. Each kernel gets a name of its own (the sockets are removed with the kernel); where that
    path is too long for a socket (107 bytes), a new 0700 folder under the temporary one (``mkdtemp``).
    ``workbench.runs.kernel`` does the same for papermill runs.
    """
    if name != "SocketFileKernelManager":
        raise AttributeError(name)
    import tempfile
    import uuid

    from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
    from traitlets import default

    class SocketFileKernelManager(ServerKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            name = f"workbench-kernel-{uuid.uuid4().hex[:16]}-ipc"
            folder = os.path.dirname(self.connection_file or "")
            if not folder or len(os.path.join(folder, name)) > 100:  # "-NNNNN" is added per channel
                folder = tempfile.mkdtemp(prefix="wbk-")  # mode 0700 too
            return os.path.join(folder, name)

    SocketFileKernelManager.__module__ = __name__
    globals()[name] = SocketFileKernelManager
    return SocketFileKernelManager


def _make_app_class(max_kernels: int, default_language: str):
    from jupyter_server.utils import url_path_join
    from tornado import web
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler

    from . import guard
    from .capacity import capped

    render_handler = capped(TornadoVoilaHandler, max_kernels, default_language)

    class WorkbenchVoila(Voila):
        """Voila with ``/`` sent to the welcome app and a cap on kernels in use."""

        name = "workbench-voila"

        def init_settings(self):
            from . import jinja_cache
            from .pools import adopt

            settings = super().init_settings()  # makes the contents manager: sign the shipped apps in it
            _trust_shipped_notebooks(self)
            adopt(self.kernel_manager)
            jinja_cache.install()  # the page templates compiled once, not once per page
            # Security headers on every response, whatever wrote it; unknown paths get the sentence 404.
            settings["transforms"] = [guard.SecurityHeaders]
            settings["default_handler_class"] = guard.NotFound
            return settings

        def init_handlers(self):
            from voila.request_info_handler import RequestInfoSocketHandler

            from .auth import LoginHandler, LogoutHandler, WorkshopIdentityProvider

            query_handler = guard.query_handler_class()
            handlers = []
            for h in super().init_handlers():
                if len(h) > 1 and h[1] is TornadoVoilaHandler:
                    h = (h[0], render_handler, *h[2:])
                elif len(h) > 1 and h[1] is RequestInfoSocketHandler:
                    h = (h[0], query_handler, *h[2:])
                elif len(h) > 1 and h[1] in (LoginHandler, LogoutHandler):
                    # Voila adds the identity provider's pages without the base URL.
                    h = (url_path_join(self.base_url, h[0]), *h[1:])
                handlers.append(h)
            if WorkshopIdentityProvider.hub_signin:  # facilitators sign in with the hub (hub.py)
                from . import hub

                handlers.extend(hub.handlers(self.base_url))
            welcome = url_path_join(self.server_url, "voila/render/welcome.ipynb")
            handlers = [(url_path_join(self.server_url, "/?"), web.RedirectHandler, {"url": welcome}), *handlers]
            # Every handler: errors as a sentence and a number, no traversal, no code in a log line (guard.py).
            return [(h[0], guard.safe(h[1]), *h[2:]) if len(h) > 1 else h for h in handlers]

    return WorkbenchVoila


def serve(project_dir: str, port: int = 8866, ip: str = "0.0.0.0", show_qr: bool = True,
          out=sys.stdout, preheat: dict[str, int] | None = None, base_url: str = "/") -> None:
    """Serve the apps against the project until interrupted.

    ``preheat``: spare kernels per app key (``"*"`` for all), over the project's
    ``workshop.preheated_kernels``; ``base_url``: the path prefix behind a proxy or hub.
    """
    from .. import open as open_project
    from .auth import WorkshopIdentityProvider
    from .net import check_port_free, lan_address, terminal_qr

    base_url = normalise_base_url(base_url)
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
    WorkshopIdentityProvider.project_root = root
    from . import hub

    WorkshopIdentityProvider.hub_signin = hub.behind_hub()
    if WorkshopIdentityProvider.hub_signin:
        hub.install()  # reads the hub's token, then takes it out of the environment kernels inherit

    pools = pool_sizes(project, preheat)
    cap = kernel_cap(project.config.workshop.max_kernels, sum(pools.values()))
    host = lan_address() if ip in ("0.0.0.0", "") else ip
    join = f"http://{host}:{port}{base_url}login?code={codes.workshop}"
    if WorkshopIdentityProvider.hub_signin:  # the people's address is the hub's, not this port
        public = os.environ.get("JUPYTERHUB_PUBLIC_URL", "").rstrip("/")
        join = f"{public or '(the hub)'}{base_url if not public else '/'}login?code={codes.workshop}"

    app_class = _make_app_class(cap, project.config.default_language)
    app = app_class(config=voila_config(project, port, ip, codes, pools=pools, base_url=base_url))
    app.initialize([])

    def banner() -> None:
        print(f"Commons Workbench: serving {project.name!r} ({root})", file=out)
        if ip in ("0.0.0.0", "") and host != "127.0.0.1":
            print(f"  On this computer: http://127.0.0.1:{port}{base_url}login", file=out)
        print(f"  Participants join at: {join}", file=out)
        print(f"  Workshop code: {codes.workshop}", file=out)
        if WorkshopIdentityProvider.hub_signin:
            print(f"  Facilitators sign in with the hub: {base_url}login/hub (the facilitator code is not"
                  " accepted behind a hub)", file=out)
        else:
            print(f"  Facilitator code: {codes.facilitator}   "
                  f"(the room: http://{host}:{port}{base_url}voila/render/room.ipynb)", file=out)
        warm = ", ".join(f"{Path(nb).stem} {n}" for nb, n in pools.items())
        print(f"  Kernels kept warm: {warm} (warming one at a time); at most {cap or 'unlimited'} in use"
              + (f" (lowered from {project.config.workshop.max_kernels} to fit the free memory)"
                 if cap != project.config.workshop.max_kernels else ""), file=out)
        if show_qr:
            print(terminal_qr(join), file=out)
        print("  Stop with Ctrl+C.", file=out, flush=True)

    # Printed once the loop runs, that is once Voila listens: a link that answers when people scan it.
    from tornado.ioloop import IOLoop

    IOLoop.current().add_callback(banner)
    from ..presence import serving

    try:
        with serving(root, join):  # 'workbench store move' refuses while this mark is live
            app.start()
    finally:
        _end_of_day(root, out)


def _trust_shipped_notebooks(app) -> None:
    """Sign the apps this package ships, in this server's memory only (``NotebookNotary.db_file`` is
    ``:memory:``): they are ours, and Jupyter's "Notebook ... is not trusted" warned the facilitator seven
    times a start about nothing they could act on. Nothing is written to the user's Jupyter data folder."""
    import nbformat

    notary = getattr(getattr(app, "contents_manager", None), "notary", None)
    if notary is None:  # pragma: no cover - every Voila we support has one
        return
    for path in sorted(notebooks_dir().glob("*.ipynb")) + sorted(notebooks_dir().glob("facilitator/*.ipynb")):
        try:
            notary.sign(nbformat.read(path, as_version=4))
        except (OSError, ValueError):
            continue


def _end_of_day(root: str, out) -> None:
    """The end of a workshop day: the log's head signed into artifacts/checkpoints/ (a witness to keep)."""
    from .. import open as open_project
    from ..errors import WorkbenchError
    from ..store.witness import checkpoint_now

    try:
        with open_project(root) as project:
            path = checkpoint_now(project, "end of a workshop day (the server stopped)")
    except (WorkbenchError, OSError):
        path = None
    if path is not None:
        print(f"  Checkpoint of the log: {path} (keep a copy outside this laptop).", file=out, flush=True)
