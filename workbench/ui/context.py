"""How a Voila app learns its project, the person's role and language.

``workbench serve`` starts Voila with ``WORKBENCH_PROJECT`` in the environment;
the server's identity provider puts the role it verified from the access
cookie into the ``X-Workbench-Role`` request header, which Voila hands to the
kernel as ``HTTP_X_WORKBENCH_ROLE``. The language comes from ``?lang=``.

With preheated kernels the notebook runs before anyone asks for it; the app
waits here for the request (like ``voila.utils.wait_for_request``, without
importing Voila into every participant kernel, which costs ~80 MB).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from ..apps import FACILITATOR, PARTICIPANT, ROLES
from ..errors import WorkbenchError

PROJECT_ENV = "WORKBENCH_PROJECT"
ROLE_ENV = "HTTP_X_WORKBENCH_ROLE"
# Set by the server's identity provider from the verified cookie and the connection (never from the browser):
SESSION_ENV = "HTTP_X_WORKBENCH_SESSION"  # the signed cookie's session id
CLIENT_ENV = "HTTP_X_WORKBENCH_CLIENT"  # the client's address as the server saw it
# A preheated kernel shows this to the server when it waits for its request (same names in serve/guard.py,
# not imported from there: the server side would cost every kernel tornado's web stack).
QUERY_TOKEN_ENV = "WORKBENCH_QUERY_TOKEN"
QUERY_TOKEN_HEADER = "X-Workbench-Query-Token"


@dataclass(frozen=True)
class AppContext:
    project_path: str | None
    role: str
    language: str | None


def _warm_up() -> None:
    """Import now what every app needs once its request comes (the project, its store with SQLAlchemy,
    presence, the catalogs): ~1-4 s on a busy 2-core laptop that a preheated kernel would otherwise
    spend after the person arrived (benchmarks/bench_arrivals.py)."""
    import sqlite3  # noqa: F401

    from .. import presence, project  # noqa: F401
    from ..i18n import available, catalog

    for tag in available():
        catalog(tag)


def wait_for_request(timeout: float = 3600.0, warm: bool = True) -> None:
    """In a preheated Voila kernel, block until the request's info arrives.

    ``warm``: import what every app needs first (the benchmark's empty app passes False to stay empty).
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    if warm:
        _warm_up()
    from websockets.sync.client import connect

    port = os.environ.get("VOILA_APP_PORT", "8866")
    ip = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    base = os.environ.get("VOILA_WS_BASE_URL") or os.environ.get("VOILA_SERVER_URL", "/")
    kernel_id = os.environ.get("VOILA_KERNEL_ID", "")
    url = f"ws://{ip}:{port}{base}voila/query/{kernel_id}"
    # The server's token: only its own kernels may wait for a request (workbench/serve/guard.py).
    # Dropped from the environment once used; nothing else in the kernel needs it.
    token = os.environ.pop(QUERY_TOKEN_ENV, "")
    with connect(url, open_timeout=30, additional_headers={QUERY_TOKEN_HEADER: token}) as ws:
        info = json.loads(ws.recv(timeout=timeout))
    for key, value in info.items():
        os.environ[str(key)] = str(value)


def app_context() -> AppContext:
    wait_for_request()
    role = os.environ.get(ROLE_ENV, "").strip().lower()
    if role not in ROLES:
        # Outside `workbench serve` (JupyterLab, papermill) the person at the
        # keyboard already has the project folder: they are a facilitator.
        role = FACILITATOR if "VOILA_KERNEL_ID" not in os.environ else PARTICIPANT
    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    return AppContext(os.environ.get(PROJECT_ENV), role, _language((query.get("lang") or [None])[0]))


def client_keys() -> list[str]:
    """Who is typing, for the shared limiter (workbench.limits): address, cookie session, this kernel.

    Outside ``workbench serve`` (JupyterLab, tests) only the process is known.
    """
    keys = []
    if os.environ.get(CLIENT_ENV):
        keys.append(f"addr:{os.environ[CLIENT_ENV]}")
    if os.environ.get(SESSION_ENV):
        keys.append(f"session:{os.environ[SESSION_ENV]}")
    keys.append(f"kernel:{os.environ.get('VOILA_KERNEL_ID') or os.getpid()}")
    return keys


def _language(tag: str | None) -> str | None:
    """A ``?lang=`` value as a catalog language, or None (the project's default) when it names none."""
    from ..i18n import normalise_language

    if not tag:
        return None
    try:
        return normalise_language(tag)
    except WorkbenchError:  # a language the catalogs do not have: the project's default
        return None


@lru_cache(maxsize=8)
def _config_language(config_path: str, mtime: float) -> str:
    from ..project import ProjectConfig

    path = Path(config_path)
    return ProjectConfig.from_toml(path.read_text(encoding="utf-8"), path).default_language


def default_language() -> str:
    """The served project's first language (``WORKBENCH_PROJECT``'s workbench.toml), else English.

    Read without opening the project (no store): the page templates ask it for every page they render."""
    from ..i18n import SOURCE_LANGUAGE

    root = os.environ.get(PROJECT_ENV)
    if not root:
        return SOURCE_LANGUAGE
    path = Path(root) / "workbench.toml"
    try:
        return _config_language(str(path), path.stat().st_mtime)
    except (OSError, WorkbenchError):  # no such project, or a workbench.toml it cannot read: English
        return SOURCE_LANGUAGE


def open_app_project(app: str | None = None):
    """Open the project the server points at, or raise a sentence saying how.

    In a served kernel, tracebacks go to the project's ``.workbench/errors.log`` from here on, never
    to the page (:mod:`workbench.ui.guard`), and the app announces itself for the room's presence
    count (``workbench.presence``).
    """
    from .. import open as open_project
    from ..errors import WorkbenchError
    from . import guard

    served = "VOILA_KERNEL_ID" in os.environ  # in JupyterLab, a facilitator keeps their tracebacks
    if served:
        guard.install(os.environ.get(PROJECT_ENV), app)  # before anything can fail: no traceback reaches the page
    ctx = app_context()
    if served:
        guard.install(ctx.project_path, app)
    if not ctx.project_path:
        sentences_in_notebooks()
        raise WorkbenchError(
            "This app does not know which project to open.",
            f"Open it with 'workbench lab DIR' or 'workbench serve DIR', or set {PROJECT_ENV}.",
            key="error.no_project",
        )
    project = open_project(ctx.project_path)
    if app and "VOILA_KERNEL_ID" in os.environ:
        from ..presence import announce

        announce(project.root, app, ctx.role, ctx.language or project.config.default_language)
    return project, ctx


FACILITATORS_ONLY = ("This app is for facilitators.", "Open it with the facilitator code.")


def open_facilitator_app(app: str, key: str = "login.facilitator_needed", sentence: tuple[str, str] = FACILITATORS_ONLY):
    """:func:`open_app_project` for an app only facilitators may open: anyone else gets the refusal
    ``sentence`` (problem, fix) with its catalog ``key``."""
    from .. import apps
    from ..errors import WorkbenchError

    project, ctx = open_app_project(app)
    if ctx.role != apps.FACILITATOR:
        raise WorkbenchError(*sentence, key=key)
    return project, ctx


def sentences_in_notebooks() -> bool:
    """In a JupyterLab or notebook kernel (not a served app: see workbench.ui.guard), show a refusal
    (:class:`WorkbenchError`) raised by a cell as its sentence, not a traceback. Other errors keep theirs:
    a facilitator in JupyterLab is at a desk where a traceback helps. True when installed."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipykernel brings IPython
        return False
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None or "VOILA_KERNEL_ID" in os.environ:
        return False
    from ..errors import WorkbenchError

    def sentence(shell_, etype, value, tb, tb_offset=None):
        from IPython.display import HTML, display

        from ..text import esc

        display(HTML(f'<p style="color:#9b1c1c;font-weight:600" role="alert">{esc(value.sentence)}</p>'))
        return None

    shell.set_custom_exc((WorkbenchError,), sentence)
    return True
