"""What every view shares: the stylesheet, escaping, the language switch.

Views hold no business logic and no SQL: they call the domain and re-read state.
"""

from __future__ import annotations

import ipywidgets as w

from ..i18n import Translator, available, catalog
from ..text import esc
from .icons import icon_html

# Phones first: one column, 44px+ touch targets, readable type. Class names are
# ours (wb-*) so nothing leaks into JupyterLab's own styling.
STYLE = """
<style>
.wb-app { max-width: 680px; margin: 0 auto; padding: 8px; box-sizing: border-box;
  font-size: 17px; line-height: 1.45; color: #1d1d1d; }
.wb-app * { box-sizing: border-box; }
.wb-app .widget-html, .wb-app .widget-html-content { width: 100%; }
.wb-app .widget-html { margin-left: 0; margin-right: 0; }
/* Controls stacked in a column are often width 100%: ipywidgets' 2px side margins would push them 4px past
   the column, and the whole app would scroll sideways on a phone (tests/browser/test_phone_a11y.py). */
.wb-app > .widget-inline-hbox, .wb-app > .jupyter-button,
.wb-app .widget-vbox > .widget-inline-hbox, .wb-app .widget-vbox > .jupyter-button { margin-left: 0; margin-right: 0; }
.wb-app .widget-html-content { font-size: 17px; line-height: 1.45; white-space: normal; }
.wb-app h1 { font-size: 1.5em; margin: 0.3em 0; overflow-wrap: anywhere; }
.wb-app h2 { font-size: 1.2em; margin: 0.8em 0 0.3em; }
.wb-card { border: 1px solid #c9c9c9; border-radius: 10px; padding: 10px 12px; margin: 6px 0; width: 100%; }
.wb-card p { margin: 0.2em 0; overflow-wrap: anywhere; }
.wb-badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-size: 0.9em;
  border: 1px solid #555; }
.wb-badge.done { background: #dff3e3; border-color: #1e7b34; color: #0f4d1f; }
.wb-badge.in_progress { background: #fff4d6; border-color: #8a6100; color: #5c4100; }
.wb-badge.not_started { background: #f2f2f2; border-color: #6b6b6b; color: #333; }
.wb-app a.wb-link { display: flex; align-items: center; min-height: 48px; padding: 8px 14px; margin: 6px 0;
  border-radius: 10px; background: #0b5cad; color: #fff; text-decoration: none; font-weight: 600; }
.wb-app a.wb-link:focus { outline: 3px solid #f5a623; }
.wb-app .widget-toggle-buttons .widget-toggle-button, .wb-app button.jupyter-button {
  min-height: 44px; min-width: 44px; font-size: 16px; }
.wb-app .widget-toggle-buttons { flex-wrap: wrap; width: 100%; }
.wb-app .widget-toggle-buttons .widget-toggle-button { width: auto; flex: 1 1 auto; }
.wb-app .widget-label, .wb-app label { font-size: 16px; }
.wb-muted { color: #4a4a4a; font-size: 0.95em; }
.wb-error { color: #9b1c1c; font-weight: 600; }
.wb-alert { max-width: 680px; margin: 0 auto; padding: 0 8px; box-sizing: border-box; }
.wb-ok { color: #0f4d1f; font-weight: 600; }
/* ipywidgets' stock button colours fail WCAG AA with white text (warning 2.7:1, info 3.5:1, success
   4.1:1; axe-core, tests/browser/test_phone_a11y.py): darker shades of the same hues, 5:1 or more. */
.wb-app { --jp-success-color1: #2e7d32; --jp-success-color0: #1b5e20; --jp-info-color1: #00707c;
  --jp-info-color0: #005560; --jp-warn-color1: #b45309; --jp-warn-color0: #92400e; }
/* 44px touch targets for text fields, dropdowns, checkboxes (their label is the target) and links in cards. */
.wb-app input[type=text], .wb-app input[type=number], .wb-app input[type=date], .wb-app select { min-height: 44px; }
.wb-app .widget-checkbox label { min-height: 44px; display: flex; align-items: center; }
/* A checkbox's words wrap onto more lines (ipywidgets keeps them on one, cut off past the screen's edge). */
.wb-app .widget-checkbox { height: auto; }
.wb-app .widget-checkbox label { white-space: normal; overflow: visible; text-overflow: clip; height: auto; }
.wb-app .widget-checkbox label > span { min-width: 0; overflow-wrap: anywhere; }
.wb-app .widget-checkbox input[type=checkbox] { flex: 0 0 auto; }
.wb-app .wb-card a:not(.wb-link) { display: inline-flex; align-items: center; min-height: 44px; }
.wb-app table { border-collapse: collapse; width: 100%; }
.wb-app td, .wb-app th { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; }
</style>
"""




def refusal_text(tr: Translator, exc: Exception) -> str:
    """A refusal in the person's language when the catalog has its key, else its own sentence; "not saved"
    for a write that did not commit. The one rule every view uses to show a domain's refusal."""
    from ..errors import NotSaved

    if isinstance(exc, NotSaved):
        return tr("error.not_saved")
    key = getattr(exc, "key", None)
    if key and tr.has(key):
        return tr(key, **getattr(exc, "params", {}))
    return getattr(exc, "sentence", str(exc))


def app_language(project, language: str | None) -> str:
    """The language a view opens in: the one asked for when we ship its catalog, else the project's."""
    return language if language in available() else project.config.default_language


def language_switch(current: str) -> w.ToggleButtons:
    """A labelled switch between the catalogs we ship (names in their own language)."""
    options = [(catalog(tag).get("language.name", tag), tag) for tag in available()]
    tr = Translator(current)
    switch = w.ToggleButtons(options=options, value=current, description="",
                             tooltips=[name for name, _ in options])
    switch.add_class("wb-lang")
    switch.layout = w.Layout(width="100%")
    # Accessible name for the group.
    switch.description_allow_html = False
    switch.style.button_width = "auto"
    switch.tooltip = tr("welcome.language_label")
    return switch


# Hidden until the page's frontend (workbench-lite, frontend/src/index.js) marks <body> as having lost
# its kernel's connection (wb-offline: trying again) or given up (wb-gone: reload). It sits outside
# .wb-app, on top of the screen, so it is seen whatever the app shows.
CONNECTION_STYLE = """<style>
.wb-connection { display: none; position: fixed; top: 0; left: 0; right: 0; z-index: 1000; margin: 0;
  padding: 8px 12px; background: #fff3cd; color: #1d1d1d; border-bottom: 2px solid #8a6d00;
  font-size: 17px; line-height: 1.45; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
.wb-connection p { max-width: 680px; margin: 0 auto; }
.wb-connection a { display: inline-flex; align-items: center; min-height: 44px; padding: 0 14px;
  margin-left: 6px; background: #0b5cad; color: #fff; border-radius: 8px; text-decoration: none; font-weight: 600; }
body.wb-offline .wb-connection, body.wb-gone .wb-connection { display: block; }
.wb-connection .wb-conn-gone, body.wb-gone .wb-connection .wb-conn-lost { display: none; }
body.wb-gone .wb-connection .wb-conn-gone { display: block; }
</style>"""


PLACEHOLDER_MIME = "application/vnd.workbench.placeholder+html"


def connection_notice(tr: Translator) -> str:
    """The notice shown while the page has no connection to its kernel, in the view's language."""
    # Its lang is the view's: the page template (index.html.j2) follows it into <html lang> and <title>.
    return (f'{CONNECTION_STYLE}<div class="wb-connection" role="status" lang="{esc(tr.language)}">'
            f'<p class="wb-conn-lost">{icon_html("⚠")}{esc(tr("connection.lost"))}</p>'
            f'<p class="wb-conn-gone">{icon_html("⚠")}{esc(tr("connection.gone"))} '
            f'<a href="" class="wb-reload">{esc(tr("connection.reload"))}</a></p></div>')


def poll_skips() -> tuple[type[BaseException], ...]:
    """What a tick of live updating may meet and skip: a refusal (:class:`WorkbenchError`, the store's
    ``NotSaved`` and ``StoreError`` included), a file busy or gone (``OSError``), the database locked or its
    connection dropped for a moment (SQLAlchemy's ``OperationalError``). Anything else is a bug."""
    from sqlalchemy.exc import OperationalError

    from ..errors import WorkbenchError

    return (WorkbenchError, OSError, OperationalError)


class View:
    """Base for the stage views: a root ``widget`` and a translator ``tr``.

    What is displayed is ``widget`` after a ``connection`` notice (hidden until the page loses its
    kernel; also the display's placeholder, for a page that never reaches its kernel);
    ``set_language`` relabels both.
    """

    def __init__(self, language: str):
        self.tr = Translator(language)
        self.widget = w.VBox(layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.connection = w.HTML(connection_notice(self.tr))
        # An unexpected error's sentence (workbench/ui/guard.py), when the view has no message area of its own.
        self.alert = w.HTML("", layout=w.Layout(width="100%"))
        self.alert.add_class("wb-alert")  # not "wb-app": pages and tests find the one app by that class
        self._shown = None
        from . import guard

        guard.register(self)

    def _chrome(self, *css: str) -> None:
        """What every app starts with, from the one widget kit (:mod:`workbench.ui.kit`): ``kit``, ``style``
        (``STYLE`` and the app's own ``css``), ``header`` and a ``language_switch`` that relabels the view."""
        from .kit import Kit

        self.kit = Kit()
        self.style = self.kit.style(STYLE, *css)
        self.header = self.kit.html()
        self.language_switch = language_switch(self.language)
        self.language_switch.observe(lambda change: self.set_language(change["new"]), names="value")

    def refused_to_participants(self, key: str) -> bool:
        """For a facilitators' app opened with another role: say so in ``status`` (the catalog's ``key``)
        and return True, so that ``render`` shows nothing else."""
        from .. import apps
        from .kit import note

        if getattr(self, "role", None) == apps.FACILITATOR:
            return False
        self.status.value = note(self.tr(key), role=None)
        return True

    @property
    def language(self) -> str:
        return self.tr.language

    def set_language(self, language: str) -> None:
        from ..presence import set_language as present_in

        self.tr = Translator(language)
        present_in(language)  # the room counts this person under their new language
        self.connection.value = connection_notice(self.tr)
        self.render()

    # The view's own message areas, looked for in this order, for an unexpected error's sentence.
    MESSAGE_AREAS = ("status", "message")

    def show_unexpected(self, error_id: str) -> None:
        """Say that something went wrong, with the id the facilitator finds in ``.workbench/errors.log``."""
        text = (f'<p class="wb-error" role="alert">{icon_html("⚠")}'
                f'{esc(self.tr("error.unexpected", id=error_id))}</p>')
        for name in self.MESSAGE_AREAS:
            area = getattr(self, name, None)
            if isinstance(area, w.HTML):
                area.value = text
                return
        self.alert.value = text

    def render(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def poll(self) -> None:
        """One tick of live updating; views redraw only what changed."""
        self.render()

    def start_polling(self, seconds: float) -> None:
        """Call :meth:`poll` every ``seconds`` on the kernel's event loop (no page refresh needed).

        An expected, transient failure (:func:`poll_skips`: a refusal, a file or a database busy or gone for
        a moment) skips one tick; it never stops the loop. Anything else is a bug: it goes to
        ``.workbench/errors.log`` with an error id (:func:`workbench.ui.guard.record`), the view says one
        sentence with that id, and the loop stops (the same bug would be logged at every tick).
        Outside a running loop (a plain script), there is nothing to poll on and the view stays as drawn.
        """
        import asyncio

        async def loop():
            skips = poll_skips()
            while True:
                await asyncio.sleep(seconds)
                try:
                    self.poll()
                except skips:
                    continue
                except Exception:  # last line of defence: a task nobody awaits would drop the error unseen
                    self._polling_failed()
                    return

        try:
            self._timer = asyncio.get_event_loop().create_task(loop())
        except RuntimeError:
            self._timer = None

    def _polling_failed(self) -> None:
        """A bug in :meth:`poll`: logged with its traceback and an id, and that id shown in this view."""
        from . import guard

        self.show_unexpected(guard.record())

    def _repr_mimebundle_(self, **kwargs):
        if self._shown is None:
            self._shown = w.VBox([self.connection, self.alert, self.widget], layout=w.Layout(width="100%"))
        bundle = dict(self._shown._repr_mimebundle_(**kwargs))
        # Drawn by the participant page (workbench-lite) until the widgets arrive over the kernel's
        # websocket, so a page whose first connection fails still shows the notice, not a blank page.
        # A type of our own, not text/html: other frontends ignore it (JupyterLab would show a sanitised
        # text/html, without the style that hides the notice, in a notebook opened untrusted).
        bundle[PLACEHOLDER_MIME] = self.connection.value
        return bundle
