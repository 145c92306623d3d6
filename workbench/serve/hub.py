"""Facilitators sign in with JupyterHub (HubOAuth) when ``workbench serve`` runs as a hub service.

JupyterHub starts a managed service with ``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_CLIENT_ID``,
``JUPYTERHUB_SERVICE_PREFIX`` and the OAuth URLs in its environment. With those present,
``workbench serve`` adds two pages under its base URL:

- ``login/hub?next=...``: a :class:`HubOAuthenticated` handler. Without the hub's OAuth cookie it
  sends the browser through the hub's OAuth (state cookie, PKCE); with it, it asks the hub who the
  person is (``/hub/api/user`` with their token: name and groups) and, if the name is in
  ``WORKBENCH_HUB_FACILITATORS`` or one of the groups in ``WORKBENCH_HUB_FACILITATOR_GROUPS`` (both
  comma-separated, set per project in the service's environment by ``jupyterhub_config.py``), sets
  the workbench's own facilitator cookie (auth.py) and goes on to ``next``. Anyone else gets 403.
- ``oauth_callback``: jupyterhub's :class:`HubOAuthCallbackHandler`, which checks the state cookie,
  trades the code for a token and keeps it in a cookie named after this service's OAuth client, on
  this service's path.

Two locks, on purpose: the hub lets only people with ``access:services!service=<name>`` finish the
OAuth round trip (the config grants it to the project's facilitators), and the workbench checks the
name and groups again, so a hub admin (whose role reaches every service) is not a facilitator of a
project that does not name them. Behind a hub the facilitator code is not accepted: the hub is where
facilitators are added and removed. Participants still join with the workshop code, with no hub
account.

The API token is read once, then removed from the process environment, so the app kernels this
server starts (which inherit it) never see it.
"""

from __future__ import annotations

import json
import os
import secrets

from tornado import web

from .. import apps

TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
USERS_ENV = "WORKBENCH_HUB_FACILITATORS"
GROUPS_ENV = "WORKBENCH_HUB_FACILITATOR_GROUPS"


def behind_hub(env=None) -> bool:
    """Whether this process was started by JupyterHub as a service with OAuth (token and client id)."""
    env = os.environ if env is None else env
    return bool(env.get(TOKEN_ENV) and env.get("JUPYTERHUB_CLIENT_ID"))


def _names(value: str | None) -> frozenset[str]:
    return frozenset(n.strip() for n in (value or "").split(",") if n.strip())


class HubRoles:
    """Who the project's facilitators are on the hub: user names and group names."""

    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, env=None) -> None:
        env = os.environ if env is None else env
        cls.users = _names(env.get(USERS_ENV))
        cls.groups = _names(env.get(GROUPS_ENV))

    @classmethod
    def is_facilitator(cls, model: dict) -> bool:
        if model.get("kind", "user") != "user":
            return False
        return model.get("name") in cls.users or bool(cls.groups & set(model.get("groups") or ()))


def install() -> None:
    """Read the hub's settings and token once; take the token out of the environment kernels inherit."""
    from jupyterhub.services.auth import HubOAuth

    HubRoles.from_env()
    auth = HubOAuth.instance(api_token=os.environ[TOKEN_ENV])
    auth.api_token  # noqa: B018 - read now, before the environment loses it
    for name in (TOKEN_ENV, "JPY_API_TOKEN"):
        os.environ.pop(name, None)


def handlers(base_url: str) -> list[tuple]:
    from jupyter_server.utils import url_path_join

    login, callback = _classes()
    return [(url_path_join(base_url, "login/hub"), login), (url_path_join(base_url, "oauth_callback"), callback)]


def _make_handlers():
    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated

    from .auth import COOKIE_DAYS, COOKIE_NAME, _safe_next, read_cookie

    class HubLogin(HubOAuthenticated, web.RequestHandler):
        """Through the hub's OAuth, then the facilitator cookie for the project's hub facilitators."""

        @web.authenticated  # no hub cookie: to the hub's OAuth (get_login_url sets state and PKCE)
        def get(self):
            model = self.current_user
            if not HubRoles.is_facilitator(model):
                raise web.HTTPError(403, "hub user %s is not a facilitator of this project", model.get("name"))
            _, sid = read_cookie(self)
            value = json.dumps({"role": apps.FACILITATOR, "sid": sid or secrets.token_hex(8)})
            base = self.settings.get("base_url", "/")
            self.set_secure_cookie(COOKIE_NAME, value, expires_days=COOKIE_DAYS, httponly=True, samesite="Lax",
                                   path=base)
            nxt = _safe_next(self.get_argument("next", None))
            if nxt == "/" or not nxt.startswith(base):
                nxt = f"{base}voila/render/room.ipynb"
            self.redirect(nxt)

    class HubCallback(HubOAuthCallbackHandler):
        pass

    return HubLogin, HubCallback


_CLASSES: list[tuple] = []


def _classes() -> tuple:
    """(login, callback) handler classes, made on first use: jupyterhub is imported only behind a hub."""
    if not _CLASSES:
        _CLASSES.append(_make_handlers())
    return _CLASSES[0]


# -- a project added to, or removed from, a running hub (no restart) ---------------------------------
#
# JupyterHub (5 and later) adds and removes *external* services through its REST API; a service with a
# ``command`` (hub-managed) can only come from the config, at start. So a project added at runtime runs
# its own ``workbench serve`` (started by you: systemd, supervisor, a shell), with the environment a
# managed service would get, and the hub only routes its URL and runs the facilitators' OAuth for it.
# Order: start the server, then ``add_project``; ``remove_project``, then stop the server.

RUNTIME_FACILITATORS_GROUP = "workbench-runtime-facilitators"


def serve_args(name: str, project_dir, port: int) -> list[str]:
    """The `workbench serve` arguments of a hub project (as docs/jupyterhub_config.py runs them)."""
    return ["serve", str(project_dir), "--base-url", f"/services/{name}/", "--ip", "127.0.0.1",
            "--port", str(port), "--no-qr"]


def runtime_service(name: str, port: int, hub_api_url: str, facilitators=(), facilitator_groups=()) -> tuple[dict, dict]:
    """(service model to POST to the hub, environment for this project's ``workbench serve``).

    ``hub_api_url``: where the server reaches the hub's API (``http://127.0.0.1:8081/hub/api``).
    ``facilitators`` / ``facilitator_groups``: hub users and groups who are facilitators of this project
    (the workbench's own check). The hub's check, for a service added at runtime, is membership of the
    hub group ``workbench-runtime-facilitators`` (docs/jupyterhub_config.py gives it
    ``access:services``): put this project's facilitators in that group too.
    """
    import re

    if not re.match(r"^[a-z0-9][a-z0-9-]{0,62}$", name):
        raise ValueError(f"Project name {name!r}: use lower-case letters, digits and '-' (it is a URL path).")
    token = secrets.token_hex(32)
    prefix = f"/services/{name}/"
    url = f"http://127.0.0.1:{int(port)}"
    client_id = f"service-{name}"
    scopes = json.dumps([f"access:services!service={name}"])
    spec = {"url": url, "api_token": token, "oauth_client_id": client_id,
            "oauth_redirect_uri": f"{prefix}oauth_callback", "oauth_no_confirm": True, "display": False}
    env = {TOKEN_ENV: token, "JUPYTERHUB_CLIENT_ID": client_id, "JUPYTERHUB_SERVICE_NAME": name,
           "JUPYTERHUB_SERVICE_PREFIX": prefix, "JUPYTERHUB_SERVICE_URL": url, "JUPYTERHUB_API_URL": hub_api_url,
           "JUPYTERHUB_BASE_URL": "/", "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
           "JUPYTERHUB_OAUTH_SCOPES": scopes, "JUPYTERHUB_OAUTH_ACCESS_SCOPES": scopes,
           USERS_ENV: ",".join(facilitators), GROUPS_ENV: ",".join(facilitator_groups)}
    return spec, env


def _hub_api(api_url: str, token: str, method: str, path: str, body: dict | None = None) -> int:
    import urllib.request

    req = urllib.request.Request(f"{api_url.rstrip('/')}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the hub is ours: no proxy
    with opener.open(req, timeout=60) as r:
        return r.status


def add_project(api_url: str, admin_token: str, name: str, spec: dict) -> None:
    """Add a project's service to a running hub (its server must answer already), then have the hub
    route its URL at once (``POST /hub/api/proxy``; otherwise the route waits for the next check).
    ``admin_token``: a token with ``admin:services`` and ``proxy`` (an admin service's)."""
    _hub_api(api_url, admin_token, "POST", f"/services/{name}", spec)
    _hub_api(api_url, admin_token, "POST", "/proxy")


def remove_project(api_url: str, admin_token: str, name: str) -> None:
    """Remove a project added with :func:`add_project` and its route; then stop its server."""
    _hub_api(api_url, admin_token, "DELETE", f"/services/{name}")
    _hub_api(api_url, admin_token, "POST", "/proxy")
