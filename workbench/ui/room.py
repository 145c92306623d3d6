"""The facilitator's view of the room: codes, who is here, how far each group has got, the log's health.

Polls the store (no refresh needed) while it is shown in Voila. Groups are participants by language
(presence knows which app each is in now; the log, how far they have got) and, when the deliberation
analysis has found opinion groups, by opinion group. Only counts are shown, never a person's code.
"""

from __future__ import annotations

from collections import Counter

import ipywidgets as w

from .. import apps
from ..i18n import available, format_datetime
from ..presence import by_language_and_app, connected, summary
from ..stages import STEP_KEYS, group_progress
from ..text import esc
from ._base import STYLE, View, language_switch
from .icons import ICON_STYLE, with_icon
from .kit import Kit

OPINION_EVERY_S = 60.0  # opinion groups move slowly; the analysis costs seconds on a busy laptop


class RoomView(View):
    """``RoomView(project)``: ``refresh`` button, ``codes``, ``presence``, ``groups``, ``health``, ``activity`` HTML.

    ``opinion_groups``: also run the deliberation analysis (scikit-learn) and show its opinion groups'
    progress. The analysis takes seconds on a workshop's deliberation (see ``OPINION_EVERY_S``), so it
    reruns only when the conversation changed, at most every ``OPINION_EVERY_S`` seconds; a change held
    back is picked up by a later poll even if the log does not grow again.
    """

    def __init__(self, project, language: str | None = None, poll_seconds: float = 0, opinion_groups: bool = True):
        super().__init__(language or project.config.default_language)
        self.project = project
        self.kit = Kit()
        self.style = self.kit.style(STYLE, ICON_STYLE)
        self.title = self.kit.html()
        self.language_switch = language_switch(self.language)
        self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
        self.codes = self.kit.html()
        self.health = self.kit.html()
        self.gates = self.kit.html()  # open decisions with the phones' tally, the model's status, open concerns
        self.activity = self.kit.html()
        self.presence = self.kit.html()
        self.groups = self.kit.html()
        self.opinion_groups = opinion_groups
        self._progress = []
        self._opinions: tuple[int, float, dict] = (-1, 0.0, {})  # (conversation's last seq, when, groups)
        self._talk_last = 0  # the conversation's last seq in the log as last read
        self.refresh = with_icon(w.Button(), "refresh")  # not Font Awesome: its glyph would enter the name
        self.refresh.on_click(lambda _b: self.render())
        self.widget.children = [self.style, self.title, self.language_switch, self.codes, self.refresh,
                                self.presence, self.groups, self.gates, self.health, self.activity]
        self._timer = None
        self._seen_seq = -1
        self.render()
        if poll_seconds:
            self.start_polling(poll_seconds)

    def render_presence(self) -> None:
        tr = self.tr
        items = connected(self.project.root)
        here = summary(items)
        by_lang = ", ".join(f"{esc(tr.language_name(lang) if lang in available() else lang)}: {n}"
                            for lang, n in sorted(here["language"].items()))
        by_app = "".join(f"<tr><td>{esc(tr('app.' + a + '.title'))}</td><td>{n}</td></tr>"
                         for a, n in sorted(here["app"].items()))
        self.presence.value = (
            f"<h2>{esc(tr('room.connected', count=sum(here['language'].values())))}</h2>"
            f"<p>{by_lang}</p><table>{by_app}</table>"
        )
        self.render_groups(by_language_and_app(items))

    def _language(self, tag: str) -> str:
        if not tag:
            return self.tr("room.groups.no_language")
        return self.tr.language_name(tag) if tag in available() else tag

    def _opinion_groups(self, events) -> dict[str, list[str]]:
        if not self.opinion_groups:
            return {}
        import time

        from ..purpose.analysis import analyse
        from ..purpose.deliberation import KINDS, Deliberation

        talk = [ev for ev in events if ev.kind in KINDS]
        last = self._talk_last = talk[-1].seq if talk else 0
        if not self._opinions_due():
            return self._opinions[2]
        groups = {g.name: g.members for g in analyse(Deliberation.from_events(talk)).groups}
        self._opinions = (last, time.monotonic(), groups)
        return groups

    def _opinions_due(self) -> bool:
        """The conversation changed since the last analysis, and that was long enough ago."""
        import time

        seen, when, _groups = self._opinions
        return self.opinion_groups and self._talk_last != seen and (
            seen < 0 or time.monotonic() - when >= OPINION_EVERY_S)

    def render_groups(self, now: dict) -> None:
        """One row per group: which apps its people are in now, the furthest stage reached, counts per step."""
        tr = self.tr
        titles = {a.key: tr(a.title_key) for a in apps.APPS}
        stage_title = {"purpose": tr("stage.purpose.title"), "consent": tr("stage.consent.title")}
        head = "".join(f"<th>{esc(tr('room.groups.col.' + k))}</th>" for k in ("group", "now", "stage", "people"))
        head += "".join(f"<th>{esc(tr('room.groups.step.' + k))}</th>" for k in STEP_KEYS)
        rows = []
        progress = {(g.kind, g.name): g for g in self._progress}
        languages = sorted({n for k, n in progress if k == "language"} | set(now), key=lambda t: (not t, t))
        for kind, name in [("language", t) for t in languages] + [k for k in progress if k[0] == "opinion"]:
            g = progress.get((kind, name))
            label = self._language(name) if kind == "language" else tr("room.groups.opinion", name=name)
            apps_now = now.get(name) if kind == "language" else None
            where = " · ".join(f"{titles.get(a, a)}: {n}" for a, n in sorted(apps_now.items())) if apps_now else "—"
            stage = stage_title.get(g.stage, "—") if g and g.stage else "—"
            cells = [label, where, stage, str(g.people if g else 0)]
            cells += [str(g.steps[k]) if g and k in g.steps else "—" for k in STEP_KEYS]
            rows.append(f'<tr data-group="{esc(kind)}:{esc(name)}">' + "".join(f"<td>{esc(c)}</td>" for c in cells)
                        + "</tr>")
        body = (f'<div style="overflow-x:auto"><table class="wb-groups"><tr>{head}</tr>{"".join(rows)}</table></div>'
                if rows else f'<p class="wb-muted">{esc(tr("room.groups.none"))}</p>')
        self.groups.value = (f"<h2>{esc(tr('room.groups.heading'))}</h2>"
                             f'<p class="wb-muted">{esc(tr("room.groups.help"))}</p>{body}')

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
        self.render_gates()
        events = self.project.store.events()
        self._progress = group_progress(events, self._opinion_groups(events))
        self.render_presence()
        self._seen_seq = events[-1].seq if events else 0
        kinds = Counter(ev.kind for ev in events)
        # A participant code lets its holder resume as that person: the room (often on a projector) shows
        # "Person 7" instead, never the code: the deliberation's roster, the same number as on the desk.
        from ..purpose.deliberation import current

        roster = current(self.project.store).roster()  # the process's fold, caught up from its last event
        people = {ev.actor for ev in events if ev.actor != "facilitator"}
        rows = "".join(f"<tr><td>{esc(k)}</td><td>{n}</td></tr>" for k, n in sorted(kinds.items()))
        recent = "".join(
            f"<tr><td>{esc(format_datetime(ev.ts, self.language))}</td><td>{esc(self._who(ev.actor, roster))}</td>"
            f"<td>{esc(ev.kind)}</td></tr>"
            for ev in reversed(events[-10:])
        )
        self.activity.value = (
            f"<p>{esc(tr('room.people', count=len(people)))}</p>"
            f"<h2>{esc(tr('room.by_kind'))}</h2><table><tr><th>{esc(tr('room.kind'))}</th>"
            f"<th>{esc(tr('room.count'))}</th></tr>{rows}</table>"
            f"<h2>{esc(tr('room.recent'))}</h2><table><tr><th>{esc(tr('room.when'))}</th>"
            f"<th>{esc(tr('room.who'))}</th><th>{esc(tr('room.kind'))}</th></tr>{recent}</table>"
        )

    def render_gates(self) -> None:
        """What the room is deciding now, whether the model in use is under review, and concerns waiting."""
        from ..concerns import summary
        from ..decisions import DecisionLog
        from ..evaluation.lifecycle import status
        from .decide import decision_line

        tr = self.tr
        parts = [f"<p><strong>{esc(tr('decisions.box.heading.' + d.gate))}</strong>: {esc(d.title)}<br>"
                 f"{decision_line(tr, d)}</p>" for d in DecisionLog.load(self.project.store).open()]
        model = status(self.project)
        state = model["state"].replace(" ", "_")  # a state key, not text shown
        if state == "under_review":
            text = tr("room.model.under_review", count=len(model["reasons"]))
            parts.append(f'<p class="wb-error" data-model="under-review">{esc(text)}</p>')
        elif model["state"] == "retired":
            parts.append(f'<p data-model="retired">{esc(tr("room.model.retired"))}</p>')
        waiting = summary(self.project.store)["by_status"].get("received", 0)
        if waiting:
            parts.append(f'<p data-concerns="{waiting}">{esc(tr("room.concerns_waiting", count=waiting))}</p>')
        self.gates.value = f'<div class="wb-card">{"".join(parts)}</div>' if parts else ""

    def _who(self, actor: str, roster: dict[str, int]) -> str:
        if actor == "facilitator":
            return self.tr("room.who.facilitator")
        if actor in roster:
            return self.tr("room.who.person", n=roster[actor])
        return self.tr("room.who.other")  # a contributor, a data worker: not a participant of the discussion

    def poll(self) -> None:
        """Presence every tick; the log's health and activity only when the log has grown."""
        if self.project.store.head()[0] != self._seen_seq or self._opinions_due():
            self.render()  # the log grew, or opinion groups held back by OPINION_EVERY_S are due
        else:
            self.render_presence()



def app():
    """The Voila entry point of notebooks/room.ipynb (facilitators only)."""
    from .context import open_facilitator_app

    project, ctx = open_facilitator_app("room")
    return RoomView(project, ctx.language, poll_seconds=5)
