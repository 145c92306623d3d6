"""Who may open what: the workshop code, the facilitator code, a signed cookie.

A person types a code once (or scans the join QR code, which carries it); the
server signs a cookie with their role. Participant apps need the workshop code;
facilitator apps, the room's tree and anything unregistered need the
facilitator code. The verified role, the cookie's session id and the client's
address are handed to the app's kernel in the ``X-Workbench-Role``,
``X-Workbench-Session`` and ``X-Workbench-Client`` headers (any such header from a
browser is dropped first).

A kernel belongs to the session whose page it serves (pools.py records it): its
REST routes, its websocket and Voila's shutdown route answer only that session's
cookie. Any other cookie gets 404, the answer for a kernel that does not exist
(or no longer does), so nothing tells which kernels exist; no cookie at all gets
403, whatever the kernel id.

Wrong codes count in the limiter every code box shares (workbench.limits), per
address and per session.

An app whose roles in apps.py name ``public`` (only the concern app: anyone may raise a concern) opens
without a code: the first request for it signs a cookie with the role ``public`` and a session of its
own, so its kernel belongs to that page as any other (a ``public`` cookie opens nothing else).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from urllib.parse import unquote, urlparse

from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web

from .. import apps
from ..i18n import Translator, best_language
from ..limits import Limiter, TooManyTries
from ..text import esc

COOKIE_NAME = "workbench-access"
ROLE_HEADER = "X-Workbench-Role"
SESSION_HEADER = "X-Workbench-Session"
CLIENT_HEADER = "X-Workbench-Client"
TRUSTED_HEADERS = (ROLE_HEADER, SESSION_HEADER, CLIENT_HEADER)
COOKIE_DAYS = 2
PUBLIC = "public"  # no code at all: only apps whose roles in apps.py name it
# Routes that act on one kernel (after the base URL); group 1 is the kernel id, "" for the list.
KERNEL_ROUTE = re.compile(r"^(?:api/kernels|api/sessions|voila/api/shutdown|voila/execution)(?:/([^/]*))?(?:/|$)")


def required_role(path: str) -> str:
    """The least role a request path needs."""
    path = unquote(path)
    marker = "/voila/render/"
    if marker in path:
        notebook = path.split(marker, 1)[1]
        app = apps.by_notebook(notebook)
        if app is not None and PUBLIC in app.roles:
            return PUBLIC
        if app is not None and apps.PARTICIPANT in app.roles:
            return apps.PARTICIPANT
        return apps.FACILITATOR
    if "/voila/tree" in path or "/voila/api/contents" in path or path.rstrip("/").endswith("/api/kernels"):
        return apps.FACILITATOR
    return apps.PARTICIPANT


def satisfies(role: str | None, needed: str) -> bool:
    if needed == PUBLIC:
        return role in (PUBLIC, *apps.ROLES)
    return role == apps.FACILITATOR or (role == apps.PARTICIPANT and needed == apps.PARTICIPANT)


def kernel_in_path(path: str, base_url: str = "/") -> str | None:
    """The kernel id a request path acts on ("" for a listing), or None when it names no kernel route."""
    path = unquote(path)
    if not path.startswith(base_url):
        return None
    match = KERNEL_ROUTE.match(path[len(base_url):])
    return None if match is None else (match.group(1) or "")


def owns(kernel_manager, kernel_id: str, role: str, sid: str) -> bool:
    """Whether the cookie (role, session id) may act on the kernel: the session its page was served to,
    with at least the role it was served with. Spares and unknown kernels belong to nobody."""
    owner = getattr(kernel_manager, "kernel_owners", {}).get(kernel_id) if kernel_id else None
    if not owner or not sid:
        return False
    owner_role, owner_sid = owner
    return hmac.compare_digest(owner_sid.encode(), sid.encode()) and satisfies(role, owner_role)


class WorkshopIdentityProvider(IdentityProvider):
    """Identity from the workshop/facilitator code, kept in a signed cookie."""

    # Set by the server before Voila starts (class attributes: Voila builds the instance).
    workshop_code: str = ""
    facilitator_code: str = ""
    default_language: str = "en"
    project_root: str = ""  # where the shared limiter's file lives (workbench.limits)
    hub_signin: bool = False  # behind JupyterHub: facilitators sign in with the hub (hub.py), not a code

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def get_handlers(self):
        return [(r"/login", LoginHandler), (r"/logout", LogoutHandler)]

    def get_user(self, handler: web.RequestHandler) -> User | None:
        for name in TRUSTED_HEADERS:
            handler.request.headers.pop(name, None)
        role, sid = read_cookie(handler)
        needed = required_role(handler.request.path)
        kernel_id = kernel_in_path(handler.request.path, handler.settings.get("base_url", "/"))
        minted = role is None and needed == PUBLIC and kernel_id is None
        if minted:
            role, sid = self.public_session(handler)
        if kernel_id:  # one kernel's routes: the session (and role) its page was served to decide, below
            needed = PUBLIC
        if role is None or not satisfies(role, needed):
            return None
        if kernel_id is not None and not owns(handler.settings.get("kernel_manager"), kernel_id, role, sid):
            # Not this session's kernel: "no such kernel", exactly as for one that never existed (and as
            # Jupyter answers for a kernel that is gone, which the page's client reads as "dead").
            raise web.HTTPError(404)
        handler.request.headers[ROLE_HEADER] = role
        handler.request.headers[SESSION_HEADER] = sid
        handler.request.headers[CLIENT_HEADER] = handler.request.remote_ip or ""
        user = User(username=f"{role}-{sid}", name=role, display_name=role, initials=role[:1].upper())
        if minted:  # Voila's page posts _xsrf back to shut its kernel down (as after login); reading sets it
            handler.current_user = user
            handler.xsrf_token  # noqa: B018
        return user

    @staticmethod
    def public_session(handler: web.RequestHandler) -> tuple[str, str]:
        """A person without a code opening a public app: a cookie of their own, good for public apps only."""
        sid = secrets.token_hex(8)
        handler.set_secure_cookie(COOKIE_NAME, json.dumps({"role": PUBLIC, "sid": sid}), expires_days=COOKIE_DAYS,
                                  httponly=True, samesite="Lax", path=handler.settings.get("base_url", "/"))
        return PUBLIC, sid

    def limiter(self) -> Limiter:
        return limiter_for(self.project_root)

    def role_for_code(self, code: str) -> str | None:
        typed = "".join(str(code or "").split()).upper().replace("-", "")
        if not typed:
            return None
        # compare_digest on every candidate: no timing hint on which matched.
        is_fac = hmac.compare_digest(typed.encode(), self.facilitator_code.encode()) and not self.hub_signin
        is_part = hmac.compare_digest(typed.encode(), self.workshop_code.encode())
        return apps.FACILITATOR if is_fac else apps.PARTICIPANT if is_part else None


def read_cookie(handler: web.RequestHandler) -> tuple[str | None, str]:
    raw = handler.get_secure_cookie(COOKIE_NAME, max_age_days=COOKIE_DAYS)
    if not raw:
        return None, ""
    try:
        data = json.loads(raw)
        return (data["role"] if data.get("role") in (*apps.ROLES, PUBLIC) else None), str(data.get("sid", ""))
    except (ValueError, KeyError, TypeError):
        return None, ""


_LIMITERS: dict[str, Limiter] = {}


def limiter_for(root: str) -> Limiter:
    """The shared limiter of the project at ``root`` (an in-memory one without a project)."""
    if root not in _LIMITERS:
        _LIMITERS[root] = Limiter(root or None)
    return _LIMITERS[root]


def _safe_next(value: str | None) -> str:
    """Only local paths: never redirect to another host."""
    value = value or ""
    parsed = urlparse(value)
    # Browsers read a backslash as a slash and drop control characters, so "/\\host" or
    # "/\t/host" would leave this server: refuse them as well.
    if (parsed.scheme or parsed.netloc or not value.startswith("/") or value.startswith("//")
            or "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value)):
        return "/"
    return value


LOGIN_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; padding: 16px; font-size: 18px; color: #1d1d1d; }}
main {{ max-width: 420px; margin: 0 auto; }}
h1 {{ font-size: 1.5em; }}
label {{ display: block; font-weight: 600; margin: 12px 0 6px; }}
input {{ width: 100%; box-sizing: border-box; font-size: 22px; padding: 10px; min-height: 48px;
  letter-spacing: 0.12em; text-transform: uppercase; border: 2px solid #555; border-radius: 8px; }}
button {{ width: 100%; min-height: 52px; margin-top: 14px; font-size: 20px; font-weight: 600; color: #fff;
  background: #0b5cad; border: 0; border-radius: 10px; }}
.msg {{ color: #9b1c1c; font-weight: 600; }}
nav a {{ display: inline-block; min-height: 44px; min-width: 44px; padding: 10px 8px; color: #0b5cad; }}
</style></head>
<body><main>
<h1>{title}</h1>
<p>{help}</p>
{message}
<form method="post" action="{action}">
<input type="hidden" name="next" value="{next}">
<label for="code">{label}</label>
<input id="code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required>
<button type="submit">{submit}</button>
</form>
<nav aria-label="{lang_label}">{languages}</nav>
</main></body></html>
"""


class _Base(web.RequestHandler):
    @property
    def idp(self) -> WorkshopIdentityProvider:
        return self.settings["identity_provider"]

    def language(self) -> str:
        return best_language(self.get_argument("lang", None) or self.request.headers.get("Accept-Language"),
                             self.idp.default_language)

    def render_login(self, status: int = 200, message_key: str | None = None) -> None:
        from ..i18n import available, catalog

        lang = self.language()
        tr = Translator(lang)
        nxt = _safe_next(self.get_argument("next", None))
        if message_key is None and nxt != "/" and required_role(urlparse(nxt).path) == apps.FACILITATOR:
            message_key = "login.facilitator_needed"
        base = self.settings.get("base_url", "/")
        langs = " ".join(
            f'<a href="{esc(base)}login?lang={t}&amp;next={esc(nxt)}" lang="{t}">{esc(catalog(t).get("language.name", t))}</a>'
            for t in available()
        )
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(LOGIN_PAGE.format(
            lang=esc(lang), title=esc(tr("login.title")), help=esc(tr("login.help")),
            message=f'<p class="msg" role="alert">{esc(tr(message_key))}</p>' if message_key else "",
            action=esc(f"{base}login?lang={lang}"), next=esc(nxt), label=esc(tr("login.code_label")),
            submit=esc(tr("login.submit")), lang_label=esc(tr("welcome.language_label")), languages=langs,
        ))

    def try_code(self, code: str) -> None:
        # Keep an existing session id so a participant who upgrades keeps their session.
        _, sid = read_cookie(self)
        keys = [f"addr:{self.request.remote_ip or '?'}"] + ([f"session:{sid}"] if sid else [])
        try:  # the try is counted before the code is checked (see Limiter.attempt)
            role = self.idp.limiter().attempt(keys, lambda: self.idp.role_for_code(code))
        except TooManyTries as refused:
            self.set_header("Retry-After", str(refused.retry_after))
            self.render_login(429, "login.too_many")
            return
        if role is None:
            self.render_login(403, "login.wrong")
            return
        nxt = _safe_next(self.get_argument("next", None))
        if not satisfies(role, required_role(urlparse(nxt).path)):
            self.render_login(403, "login.facilitator_needed")
            return
        value = json.dumps({"role": role, "sid": sid or secrets.token_hex(8)})
        self.set_secure_cookie(COOKIE_NAME, value, expires_days=COOKIE_DAYS, httponly=True, samesite="Lax",
                               path=self.settings.get("base_url", "/"))
        # Voila's page posts the _xsrf cookie back on leaving, to shut its kernel down;
        # jupyter_server refuses that POST (403) without it. Reading the property sets it.
        self.xsrf_token  # noqa: B018
        if nxt == "/":
            nxt = f"{self.settings.get('base_url', '/')}voila/render/welcome.ipynb?lang={self.language()}"
        self.redirect(nxt)


class LoginHandler(_Base):
    def get(self):
        code = self.get_argument("code", None)
        if code:  # the join link / QR code carries the workshop code
            self.try_code(code)
        elif self.idp.hub_signin and self._wants_facilitator():
            # Behind a hub, facilitators sign in there (hub.py); the next page comes along.
            from urllib.parse import urlencode

            nxt = _safe_next(self.get_argument("next", None))
            self.redirect(f"{self.settings.get('base_url', '/')}login/hub?{urlencode({'next': nxt})}")
        else:
            self.render_login()

    def post(self):
        self.try_code(self.get_argument("code", ""))

    def _wants_facilitator(self) -> bool:
        nxt = _safe_next(self.get_argument("next", None))
        return nxt != "/" and required_role(urlparse(nxt).path) == apps.FACILITATOR


class LogoutHandler(_Base):
    def get(self):
        self.clear_cookie(COOKIE_NAME, path=self.settings.get("base_url", "/"))
        self.redirect(f"{self.settings.get('base_url', '/')}login")
