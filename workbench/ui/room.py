"""The facilitator's view of the room: codes, activity, the log's health.

Polls the store (no refresh needed) while it is shown in Voila.
"""

from __future__ import annotations

from collections import Counter

import ipywidgets as w

from ..i18n import available, format_datetime
from ..presence import connected, summary
from ._base import STYLE, View, esc, language_switch


class RoomView(View):
    """``RoomView(project)``: ``refresh`` button, ``codes``, ``health``, ``activity`` HTML widgets."""

    def __init__(self, project, language: str | None = None, poll_seconds: float = 0):
        super().__init__(language or project.config.default_language)
        self.project = project
        self.style = w.HTML(STYLE)
        self.title = w.HTML()
        self.language_switch = language_switch(self.language)
        self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
        self.codes = w.HTML()
        self.health = w.HTML()
        self.activity = w.HTML()
        self.presence = w.HTML()
        self.refresh = w.Button(icon="refresh")
        self.refresh.on_click(lambda _b: self.render())
        self.widget.children = [self.style, self.title, self.language_switch, self.codes, self.refresh,
                                self.presence, self.health, self.activity]
        self._timer = None
        self._seen_seq = -1
        self.render()
        if poll_seconds:
            self.start_polling(poll_seconds)

    def render_presence(self) -> None:
        tr = self.tr
        here = summary(connected(self.project.root))
        by_lang = ", ".join(f"{esc(tr.language_name(lang) if lang in available() else lang)}: {n}"
                            for lang, n in sorted(here["language"].items()))
        by_app = "".join(f"<tr><td>{esc(tr('app.' + a + '.title'))}</td><td>{n}</td></tr>"
                         for a, n in sorted(here["app"].items()))
        self.presence.value = (
            f"<h2>{esc(tr('room.connected', count=sum(here['language'].values())))}</h2>"
            f"<p>{by_lang}</p><table>{by_app}</table>"
        )

    def render(self) -> None:
        tr = self.tr
        self.refresh.description = tr("room.refresh")
        self.title.value = f"<h1>{esc(tr('room.title'))}: {esc(self.project.name)}</h1>"
        codes = self.project.access_codes()
        self.codes.value = f'<div class="wb-card"><p>{esc(tr("room.codes", workshop=codes.workshop, facilitator=codes.facilitator))}</p></div>'
        result = self.project.store.verify()
        if result.ok:
            self.health.value = f'<p class="wb-ok">✔ {esc(tr("room.chain_ok", count=result.count))}</p>'
        else:
            self.health.value = f'<p class="wb-error">✖ {esc(tr("room.chain_bad", reason=result.sentence))}</p>'
        self.render_presence()
        events = self.project.store.events()
        self._seen_seq = events[-1].seq if events else 0
        kinds = Counter(ev.kind for ev in events)
        people = {ev.actor for ev in events if ev.actor != "facilitator"}
        rows = "".join(f"<tr><td>{esc(k)}</td><td>{n}</td></tr>" for k, n in sorted(kinds.items()))
        recent = "".join(
            f"<tr><td>{esc(format_datetime(ev.ts, self.language))}</td><td>{esc(ev.actor)}</td><td>{esc(ev.kind)}</td></tr>"
            for ev in reversed(events[-10:])
        )
        self.activity.value = (
            f"<p>{esc(tr('room.people', count=len(people)))}</p>"
            f"<h2>{esc(tr('room.by_kind'))}</h2><table><tr><th>{esc(tr('room.kind'))}</th>"
            f"<th>{esc(tr('room.count'))}</th></tr>{rows}</table>"
            f"<h2>{esc(tr('room.recent'))}</h2><table><tr><th>{esc(tr('room.when'))}</th>"
            f"<th>{esc(tr('room.who'))}</th><th>{esc(tr('room.kind'))}</th></tr>{recent}</table>"
        )

    def poll(self) -> None:
        """Presence every tick; the log's health and activity only when the log has grown."""
        if self.project.store.head()[0] != self._seen_seq:
            self.render()
        else:
            self.render_presence()

def app():
    from ..apps import FACILITATOR
    from ..errors import WorkbenchError
    from .context import open_app_project

    project, ctx = open_app_project("room")
    if ctx.role != FACILITATOR:
        raise WorkbenchError("This app is for facilitators.", "Open it with the facilitator code.",
                             key="login.facilitator_needed")
    return RoomView(project, ctx.language, poll_seconds=5)
