"""What every response carries, what no page and no log line may show (issue 19).

- **Headers on every response** (pages, login, the "room is full" page, static files, errors, the
  default 404): a Content-Security-Policy that forbids framing (``frame-ancestors 'none'``) and
  loading from other hosts, ``X-Content-Type-Options: nosniff``. Done as a tornado output transform,
  which sees every response's first chunk whatever handler wrote it.
- **Errors are a sentence and an error number**: the traceback goes to the server log under the
  same number, never to the browser. Paths that climb out of a folder (``..``, ``%2e%2e``,
  backslashes) are "not found", whatever handler they reach.
- **No code in a log**: request lines are logged with their query values masked (``/login?code=…``),
  also when tornado logs an uncaught exception or a refused request.
- **/voila/query/<kernel id>**: where a preheated kernel waits for its request's details (the
  person's role, session, query string). Only a kernel of this server may wait there (it presents
  the server's per-run token), and the first waiter for a kernel id is never replaced.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from urllib.parse import parse_qsl, unquote

from tornado import web
from tornado.log import access_log, app_log, gen_log

from ..i18n import Translator, best_language
from ..text import esc

QUERY_TOKEN_ENV = "WORKBENCH_QUERY_TOKEN"
QUERY_TOKEN_HEADER = "X-Workbench-Query-Token"
QUERY_TOKEN_SETTING = "workbench_query_token"
LANGUAGE_SETTING = "workbench_default_language"

_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$")


def content_security_policy(host: str | None = None) -> str:
    """The one policy for every response. Voila's page and the widgets run inline scripts and
    ``eval`` (ipywidgets, vega), so those two stay allowed; everything comes from this server only."""
    ws = f" ws://{host} wss://{host}" if host and _HOST_RE.match(host) else ""
    return "; ".join([
        "default-src 'self'",
        f"connect-src 'self'{ws}",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class SecurityHeaders(web.OutputTransform):
    """Sets the security headers on every response, whatever handler wrote it (errors included)."""

    def __init__(self, request):
        self._host = request.host

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        headers["Content-Security-Policy"] = content_security_policy(self._host)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        return status_code, headers, chunk

    def transform_chunk(self, chunk, finishing):
        return chunk


# -- logs without codes -------------------------------------------------------------------------

QUERY_NAMES = frozenset({"code", "next", "lang", "session_id", "token", "_xsrf", "v", "template", "theme",
                         "voila-template", "voila-theme"})


def masked_uri(request) -> str:
    """The request's path with every query value masked: ``/login?code=…&next=…``."""
    path = request.path or "/"
    query = request.query or ""
    if not query:
        return path
    # Only known parameter names are written: a code typed as a bare query (``?AB12CD34``) is a name too.
    names = [name if name in QUERY_NAMES else "…" for name, _ in parse_qsl(query, keep_blank_values=True)]
    return f"{path}?" + "&".join(f"{name}=…" for name in (names or ["…"])[:12])


def request_summary(request) -> str:
    return f"{request.method} {masked_uri(request)} ({request.remote_ip})"


def log_request(handler) -> None:
    """tornado's access log line, with :func:`masked_uri` instead of the full URI."""
    status = handler.get_status()
    log = access_log.info if status < 400 else access_log.warning if status < 500 else access_log.error
    log("%d %s %.2fms", status, request_summary(handler.request), 1000.0 * handler.request.request_time())


# -- errors as a sentence and a number ------------------------------------------------------------

def is_traversal(path: str) -> bool:
    """A path that climbs out of its folder, however it is written (encoded once or twice, backslashes)."""
    seen = path or ""
    for _ in range(3):
        if "\\" in seen or ".." in seen.split("/"):
            return True
        seen = unquote(seen)
    return False


ERROR_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{status}</title>
<style>body {{ font-family: system-ui, sans-serif; margin: 0; padding: 16px; font-size: 18px; }}
main {{ max-width: 420px; margin: 0 auto; }}</style>
</head><body><main><h1>{status}</h1><p>{text}</p>{ref}</main></body></html>
"""


class SafeErrors:
    """Mixed in front of every handler the server routes to (see :func:`safe`)."""

    _workbench_error_id: str | None = None

    def prepare(self, *args, **kwargs):
        if is_traversal(self.request.path):
            raise web.HTTPError(404)
        return super().prepare(*args, **kwargs)

    def _request_summary(self) -> str:
        return request_summary(self.request)

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, web.HTTPError):
            if value.log_message:
                gen_log.warning("%d %s", value.status_code, self._request_summary())
            return
        self._workbench_error_id = secrets.token_hex(4)
        app_log.error("Error %s on %s", self._workbench_error_id, self._request_summary(),
                      exc_info=(typ, value, tb))

    def write_error(self, status_code: int, **kwargs) -> None:
        error_id = self._workbench_error_id or secrets.token_hex(4)
        lang = best_language(self.request.headers.get("Accept-Language"),
                             self.settings.get(LANGUAGE_SETTING, "en"))
        tr = Translator(lang)
        if status_code in (401, 403):
            text = tr("error.page.forbidden")
        elif status_code < 500:  # 404, and a method or request this server does not take
            text = tr("error.page.not_found")
        else:
            text = tr("error.page.server", error_id=error_id)
        if status_code >= 500 and not self._workbench_error_id:
            app_log.error("Error %s on %s (status %d)", error_id, self._request_summary(), status_code)
        self.clear_header("Content-Disposition")
        self.set_header("Cache-Control", "no-store")
        if "/api/" in self.request.path:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": text, "error_id": error_id}))
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        ref = f"<p><small>{esc(error_id)}</small></p>" if status_code >= 500 else ""
        self.finish(ERROR_PAGE.format(lang=esc(lang), status=status_code, text=esc(text), ref=ref))


_SAFE: dict[type, type] = {}


def safe(handler_class: type) -> type:
    """``handler_class`` with :class:`SafeErrors` in front (one subclass per class)."""
    if not isinstance(handler_class, type) or not issubclass(handler_class, web.RequestHandler):
        return handler_class
    if issubclass(handler_class, SafeErrors):
        return handler_class
    if handler_class not in _SAFE:
        _SAFE[handler_class] = type(handler_class.__name__, (SafeErrors, handler_class),
                                    {"__module__": handler_class.__module__})
    return _SAFE[handler_class]


class NotFound(SafeErrors, web.RequestHandler):
    """Every path no route matches: the same sentence page as any other 404."""

    def prepare(self):
        raise web.HTTPError(404)


# -- /voila/query: only this server's kernels may wait for a request ---------------------------------

def new_query_token() -> str:
    return secrets.token_urlsafe(32)


def query_handler_class():
    from voila.request_info_handler import RequestInfoSocketHandler

    base = RequestInfoSocketHandler  # its class-level _waiters/_cache are the ones Voila's page handler fills

    class TokenRequestInfoSocketHandler(RequestInfoSocketHandler):
        """Voila's request-info socket, open only to a kernel that presents the server's token,
        and only to the first one for a kernel id."""

        async def get(self, *args, **kwargs):
            token = self.settings.get(QUERY_TOKEN_SETTING) or ""
            given = self.request.headers.get(QUERY_TOKEN_HEADER, "")
            kernel_id = kwargs.get("kernel_id") or (args[0] if args else "")
            if not token or not hmac.compare_digest(given.encode(), token.encode()):
                raise web.HTTPError(403)
            if kernel_id in base._waiters:
                raise web.HTTPError(403)
            return await super().get(*args, **kwargs)

        def open(self, kernel_id: str) -> None:
            if kernel_id in base._waiters:  # a second connection that raced the check above
                self.close()
                return
            base._waiters[kernel_id] = self
            payload = base._cache.pop(kernel_id, None)
            if payload is not None:
                self.write_message(payload)

        def on_close(self) -> None:
            for key in [k for k, waiter in base._waiters.items() if waiter is self]:
                del base._waiters[key]

    return TokenRequestInfoSocketHandler

