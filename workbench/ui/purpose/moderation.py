"""The desk's moderation tab: seed statements, hide, show and merge them, issue join cards."""

from __future__ import annotations

from ...purpose import deliberation as dl
from ...text import esc
from .common import DeskPart


class ModerationTab(DeskPart):
    """``seed_text``, ``seed_topic``, ``seed_button``, ``moderate_choice``, ``hide``, ``show``, ``statement_list``,
    ``merge_from``, ``merge_into``, ``merge_button``; join cards: ``cards_count``, ``cards_button``."""

    def _build_moderation(self) -> None:
        self.seed_topic = self.kit.drop(options=list(dl.TOPICS), value="problem")
        self.seed_text = self.kit.area()
        self.seed_button = self.kit.button(style="primary")
        self.seed_button.on_click(self._on_seed)
        self.merge_from = self.kit.drop(options=[])
        self.merge_into = self.kit.drop(options=[])
        self.merge_button = self.kit.button()
        self.merge_button.on_click(self._on_merge)
        self.moderate_choice = self.kit.drop(options=[])
        self.hide = self.kit.button(style="warning")
        self.hide.on_click(lambda _b: self.moderate_choice.value is not None and self._on_hide(self.moderate_choice.value))
        self.show = self.kit.button()
        self.show.on_click(lambda _b: self.moderate_choice.value is not None and self._on_show(self.moderate_choice.value))
        self.statement_list = self.kit.html()
        # Join cards for join_mode = "cards": issued here, printed from the sheet written to artifacts/.
        self.cards_info = self.kit.html()
        self.cards_count = self.kit.int(value=20)
        self.cards_button = self.kit.button()
        self.cards_button.on_click(self._on_cards)
        self.moderation_box = self.kit.vbox([self.seed_topic, self.seed_text, self.seed_button,
                                      self.kit.hbox([self.moderate_choice, self.hide, self.show]),
                                      self.kit.hbox([self.merge_from, self.merge_into, self.merge_button]),
                                      self.statement_list, self.cards_info,
                                      self.kit.hbox([self.cards_count, self.cards_button])])

    def _on_seed(self, _b) -> None:
        def go():
            dl.seed_statement(self.store, self.seed_text.value, self.language, self.seed_topic.value,
                              max_chars=dl.Rules.for_project(self.project).statement_max_chars)
            self.seed_text.value = ""
            self._live()
            self._ok(self.tr("purpose.fac.seeded"))
        self._act(go)

    def _on_hide(self, sid: int) -> None:
        if self._act(lambda: dl.hide(self.store, sid)):
            self._live()
            self._ok(self.tr("purpose.fac.done"))

    def _on_show(self, sid: int) -> None:
        if self._act(lambda: dl.show(self.store, sid)):
            self._live()
            self._ok(self.tr("purpose.fac.done"))

    def _on_merge(self, _b) -> None:
        if self.merge_from.value is None or self.merge_into.value is None:
            return
        if self._act(lambda: dl.merge(self.store, self.merge_from.value, self.merge_into.value)):
            self._live()
            self._ok(self.tr("purpose.fac.done"))

    def _on_cards(self, _b) -> None:
        from ...purpose.join_cards import make_cards

        out = []
        if self._act(lambda: out.append(make_cards(self.project, self.cards_count.value, language=self.language))):
            path, codes = out[0]
            self._live()
            self._ok(self.tr("purpose.fac.cards_made", count=len(codes), path=str(path)))

    def _statement_html(self, st, extra: str = "", people: dict | None = None) -> str:
        # Never the author's code (it lets its holder resume as them, and the desk may be projected):
        # "Person N" by order of joining, or "Facilitator" for seeded statements.
        people = people or {}
        who = (self.tr("room.who.person", n=people[st.author]) if st.author in people
               else self.tr("room.who.facilitator"))
        return (f'<div class="wb-card" data-statement="{st.id}"><p><strong>#{st.id}</strong> {esc(st.text)}</p>'
                f'<p class="wb-muted">{esc(self.tr(f"purpose.topic.{st.topic}"))} · {esc(who)}{extra}</p>'
                "</div>")

    def _render_moderation(self, delib) -> None:
        tr = self.tr
        self.seed_topic.options = [(tr(f"purpose.topic.{t}"), t) for t in dl.TOPICS]
        self.seed_topic.description = tr("purpose.write.topic_label")
        self.seed_text.description = tr("purpose.fac.seed_label")
        self.seed_button.description = tr("purpose.fac.seed")
        visible = [(f"#{s.id} {s.text[:50]}", s.id) for s in delib.visible_statements()]
        self.merge_from.options, self.merge_into.options = visible, visible
        self.merge_from.description = tr("purpose.fac.merge_from")
        self.merge_into.description = tr("purpose.fac.merge_into")
        self.merge_button.description = tr("purpose.fac.merge")
        # One list and one pair of buttons, not a row of widgets per statement: each widget is a comm
        # message, and a workshop has dozens of statements.
        cards = []
        people = delib.roster()
        for st in sorted(delib.statements.values(), key=lambda s: -s.id):
            extra = "" if st.visible else " · " + (
                tr("purpose.fac.merged", into=st.merged_into) if st.merged_into is not None else tr("purpose.fac.hidden"))
            cards.append(self._statement_html(st, esc(extra), people))
        self.statement_list.value = "".join(cards)
        used = sum(1 for v in delib.cards.values() if v is not None)
        self.cards_info.value = (f'<p class="wb-muted">{esc(tr("purpose.fac.cards_status", issued=len(delib.cards), used=used))}</p>'  # noqa: E501
                                 if delib.cards else "")
        self.cards_count.description = tr("purpose.fac.cards_count")
        self.cards_button.description = tr("purpose.fac.cards_make")
        choices = [(f"#{s.id} {s.text[:60]}", s.id) for s in sorted(delib.statements.values(), key=lambda s: -s.id)]
        current = self.moderate_choice.value
        self.moderate_choice.options = choices
        if current in {v for _k, v in choices}:
            self.moderate_choice.value = current
        self.moderate_choice.description = tr("purpose.chart.statement")
        self.hide.description = tr("purpose.fac.hide")
        self.show.description = tr("purpose.fac.show")
