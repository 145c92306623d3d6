"""No tracebacks from an app kernel to the browser (issue 19).

In an app kernel, ipywidgets hands an exception raised by a widget callback (a button's ``on_click``, an
observer, a malformed ``comm_msg`` from the browser) to ``get_ipython().showtraceback()``, which sends the
traceback, install paths and all, to the page as an IOPub ``error`` message; loggers without a handler
(``Comm``: "No such comm: <what the browser sent>", ``asyncio``) and warnings write to ``sys.stderr``,
which ipykernel forwards to the page as ``stream`` messages; so would a dying thread's traceback.

:func:`install` (once per kernel, from :func:`workbench.ui.context.open_app_project`) replaces the shell's
``showtraceback``: the traceback goes to the project's ``.workbench/errors.log`` (appended, with an error
id, the time, the app and the kernel), and the person sees one sentence in their language with that id
(catalog ``error.unexpected``) in the view that is showing (:meth:`workbench.ui._base.View.show_unexpected`),
or, when the app's own cell failed before it drew a view, as that cell's output (a ``WorkbenchError``
with a catalog key says its own sentence there).
Those loggers, ``py.warnings`` and ``threading.excepthook`` are routed to the same file, never to
stderr. Nothing here ever raises: a failure to log is swallowed, not shown.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import sys
import traceback
import weakref
from pathlib import Path

LOG_NAME = Path(".workbench") / "errors.log"
MAX_LOG_BYTES = 4 * 1024 * 1024  # then errors.log becomes errors.log.1 (one old file kept)
ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud to a facilitator
# Loggers whose records would otherwise reach sys.stderr (and so the page) in an app kernel.
# "workbench" is the domain's seams (a candidate's fit, a report section): their bugs go to errors.log too.
QUIET_LOGGERS = ("Comm", "comm", "ipykernel.comm", "asyncio", "py.warnings", "traitlets", "ipywidgets",
                 "tornado.application", "tornado.general", "workbench")

NO_EXCEPTION = "(no exception)\n"

_state: dict = {"installed": False, "path": None, "app": "", "views": []}


def new_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(6))


def log_path(project_root: str | os.PathLike | None = None) -> Path:
    """Where this kernel's errors go: the project's ``.workbench/errors.log``, else a file in the temp folder."""
    root = project_root or os.environ.get("WORKBENCH_PROJECT")
    if root:
        return Path(root) / LOG_NAME
    import tempfile

    return Path(tempfile.gettempdir()) / "workbench-errors.log"


def _write(text: str) -> None:
    path = _state["path"] or log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if path.stat().st_size > MAX_LOG_BYTES:
                os.replace(path, path.with_name(path.name + ".1"))
        except FileNotFoundError:
            pass
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, text.encode("utf-8", "backslashreplace"))
        finally:
            os.close(fd)
    except OSError:  # a full disk or a read-only project: the page still gets its sentence
        pass


def _header(error_id: str, what: str) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    kernel = os.environ.get("VOILA_KERNEL_ID", "") or f"pid {os.getpid()}"
    return f"=== {now} error {error_id} app={_state['app'] or '?'} kernel={kernel}: {what}\n"


def record(exc_info=None) -> str:
    """Log the current (or given) exception with a new id; returns the id."""
    error_id = new_id()
    try:
        etype, value, tb = exc_info or sys.exc_info()
        text = "".join(traceback.format_exception(etype, value, tb)) if etype else NO_EXCEPTION
        _write(_header(error_id, getattr(etype, "__name__", "error")) + text + "\n")
    except Exception:  # last line of defence: formatting a hostile exception must not raise from the error path
        pass
    return error_id


class _FileHandler(logging.Handler):
    """Log records into errors.log (each with an id), never to a stream."""

    def emit(self, record):
        try:
            text = self.format(record)
            _write(_header(new_id(), f"log {record.name} {record.levelname}") + text + "\n\n")
        except Exception:  # last line of defence: a logging handler must never raise (logging's own rule)
            pass


def register(view) -> None:
    """A view that is showing: an unexpected error is reported in it (the newest one first)."""
    views = _state["views"]
    views[:] = [r for r in views if r() is not None]
    views.append(weakref.ref(view))


def tell(error_id: str) -> int:
    """Show the one-line sentence with ``error_id`` in the views that are alive; how many were told."""
    told = 0
    for ref in list(_state["views"]):
        view = ref()
        if view is None:
            continue
        try:
            view.show_unexpected(error_id)
            told += 1
        except Exception:  # last line of defence: one broken view must not stop the others being told
            pass
    return told


def _language() -> str:
    """The page's ``?lang=``, else the project's first language, else English (no view to ask)."""
    from urllib.parse import parse_qs

    from ..errors import WorkbenchError
    from ..i18n import SOURCE_LANGUAGE, normalise_language

    for tag in (parse_qs(os.environ.get("QUERY_STRING", "")).get("lang") or [None])[:1]:
        try:
            return normalise_language(tag)
        except WorkbenchError:  # not a language tag we have: the project's language below
            pass
    try:
        from .context import default_language

        return default_language()
    except Exception:  # last line of defence: the error path itself must not fail over a language
        return SOURCE_LANGUAGE


def _display(error_id: str, exc) -> None:
    """No view to tell (the app's cell itself failed): the sentence as the cell's output, in its place.

    A :class:`~workbench.errors.WorkbenchError` says its own sentence when the catalog has it."""
    from IPython.display import HTML, display

    from ..errors import WorkbenchError
    from ..i18n import Translator
    from ..text import esc

    tr = Translator(_language())
    if isinstance(exc, WorkbenchError) and exc.key and tr.has(exc.key):
        text = tr(exc.key, **exc.params)
    else:
        text = tr("error.unexpected", id=error_id)
    display(HTML(f'<div class="wb-app"><p class="wb-error" role="alert">{esc(text)}</p></div>'))


def _showtraceback(exc_tuple=None, filename=None, tb_offset=None, exception_only=False,
                   running_compiled_code=False):
    try:
        if exc_tuple is None or exc_tuple[0] is None:
            exc_tuple = sys.exc_info()
        error_id = record(exc_tuple)
        if not tell(error_id):
            _display(error_id, exc_tuple[1])
    except Exception:  # last line of defence: this replaces IPython's showtraceback; raising here would loop
        pass


def _showsyntaxerror(filename=None, running_compiled_code=False):
    _showtraceback()


def install(project_root: str | os.PathLike | None = None, app: str | None = None, shell=None) -> bool:
    """In an IPython kernel, send tracebacks and stray log output to errors.log (once); True if installed.

    Outside a kernel (a script, the tests' views) there is no shell and nothing to install.
    """
    if project_root is not None or _state["path"] is None:
        _state["path"] = log_path(project_root)
    if app:
        _state["app"] = str(app)
    if _state["installed"]:
        return True
    if shell is None:
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:  # no IPython: not a kernel
            shell = None
        if getattr(shell, "kernel", None) is None:  # a terminal IPython or a test process: not an app kernel
            return False
    if shell is None or not hasattr(shell, "showtraceback"):
        return False
    # Every path to the page's 'error' message goes through these two (a cell, a widget callback, a
    # comm message: ipywidgets calls showtraceback; set_custom_exc would only change what it sends).
    shell.showtraceback = _showtraceback
    shell.showsyntaxerror = _showsyntaxerror
    handler = _FileHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
    logging.captureWarnings(True)  # warnings carry file paths: to the log, not to stderr
    import threading

    # A view's worker thread (the evaluation runs in one) that dies would print its traceback to stderr.
    threading.excepthook = lambda args: tell(record((args.exc_type, args.exc_value, args.exc_traceback)))
    _state["installed"] = True
    return True
