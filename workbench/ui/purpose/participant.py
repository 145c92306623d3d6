"""Stage 1, the participant's screen: join or resume with a code, write statements, vote one card at a time.

``ParticipantView(project, language, code)`` imports only ipywidgets and the pure-Python deliberation
module (no pandas, scikit-learn or Altair), so every participant kernel stays small.

Controls are attributes, so tests can drive a view: ``view.text.value = "..."; view.submit.click()``.
A submission is confirmed on screen only after its event is committed; when the store refuses it, the
view says so in the participant's language and keeps the typed text.
"""

from __future__ import annotations

import ipywidgets as w

from ...errors import WorkbenchError
from ...i18n import available
from ...purpose import deliberation as dl
from ...text import esc
from .._base import View, app_language
from ..icons import ICON_STYLE, with_icon
from ..kit import header, heading, say
from .common import PURPOSE_STYLE, message

# Sets ?code=&lang= in the address bar without reloading (CODE and LANG are replaced by JSON strings).
REMEMBER_JS = ("try { const u = new URL(window.location.href); u.searchParams.set('code', CODE); "
               "u.searchParams.set('lang', LANG); window.history.replaceState(null, '', u.toString()); } catch (e) {}")


class ParticipantView(View):
    """Join or resume with a participant code, write statements, vote one card at a time.

    Attributes: ``new_button`` (open mode), ``card_input`` and ``card_button`` (cards mode),
    ``code_input``, ``resume_button``, ``join_status``; once in:
    ``code_card``, ``topic``, ``text``, ``submit``, ``write_status``, ``card``, ``agree``,
    ``disagree``, ``pass_``, ``vote_status``, ``progress``, ``more``, ``results``.

    One person, one voice: joining, codes, votes and statements go through the project's
    :class:`~workbench.purpose.deliberation.Rules` and the shared limiter, keyed by ``keys()``
    (this page's kernel, browser session and address; tests may replace it).
    """

    def __init__(self, project, language: str | None = None, code: str | None = None, card: str | None = None,
                 keys=None):
        from ...limits import for_project
        from ..context import client_keys

        super().__init__(app_language(project, language))
        self.project = project
        self.store = project.store
        self.rules = dl.Rules.for_project(project)
        self.limiter = for_project(project.root)
        self.keys = keys or client_keys
        self.code: str | None = None
        self.delib = dl.Deliberation.load(self.store)
        self.current: int | None = None
        self._remembered: tuple[str, str] | None = None

        self._chrome(PURPOSE_STYLE, ICON_STYLE)
        # joining
        self.join_help = self.kit.html()
        self.new_button = self.kit.big(style="primary")
        self.new_button.on_click(self._on_new)
        self.card_input = self.kit.text()
        self.card_button = self.kit.big(style="primary")
        self.card_button.on_click(self._on_card)
        self.code_input = self.kit.text()
        self.resume_button = self.kit.big()
        self.resume_button.on_click(self._on_resume)
        self.join_status = self.kit.html()
        # The mode is read once per page; the domain checks it again on every join.
        joining = ([self.card_input, self.card_button] if self.rules.join_mode == "cards" else [self.new_button])
        self.join_box = w.VBox([self.join_help, *joining, self.code_input, self.resume_button,
                                self.join_status], layout=w.Layout(width="100%"))
        # writing
        self.code_card = self.kit.html()
        self.write_heading = self.kit.html()
        self.topic = w.ToggleButtons(options=[(t, t) for t in dl.TOPICS], value="problem", layout=w.Layout(width="100%"))
        self.topic.style.button_width = "auto"
        self.text = self.kit.area()
        self.text.observe(lambda _c: self._count(), names="value")
        self.counter = self.kit.html()
        self.submit = self.kit.big(style="primary")
        self.submit.on_click(self._on_submit)
        self.write_status = self.kit.html()
        # voting
        self.vote_heading = self.kit.html()
        self.progress = self.kit.html()
        self.card = self.kit.html()
        self.agree = self.kit.big(style="success")
        self.disagree = self.kit.big(style="danger")
        self.pass_ = self.kit.big()
        for button, vote in ((self.agree, "agree"), (self.disagree, "disagree"), (self.pass_, "pass")):
            with_icon(button, vote)  # ✓ ✗ ? beside the word, not in the button's name
            button.on_click(lambda _b, v=vote: self._on_vote(v))
        self.vote_buttons = w.VBox([self.agree, self.disagree, self.pass_], layout=w.Layout(width="100%"))
        self.vote_buttons.add_class("wb-vote")
        self.vote_status = self.kit.html()
        self.more = self.kit.button()
        self.more.on_click(lambda _b: self.render())
        self.results = self.kit.html()
        # Puts ?code= into the page's address once a code is known, so a reload resumes (Voila runs
        # JavaScript outputs); only our own validated code and language tag go into the script.
        self.remember = w.Output(layout=w.Layout(display="none"))
        self.main_box = w.VBox([self.remember, self.code_card, self.vote_heading, self.progress, self.card, self.vote_buttons,
                                self.vote_status, self.more, self.results, self.write_heading, self.topic,
                                self.text, self.counter, self.submit, self.write_status], layout=w.Layout(width="100%"))
        self.widget.children = [self.style, self.header, self.language_switch, self.join_box, self.main_box]
        self.language_switch.observe(self._remember_language, names="value")
        if code:
            try:
                self.code = dl.resume(self.store, code, keys=self.keys(), limiter=self.limiter)
                self._adopt_language()
            except WorkbenchError as exc:
                say(self.join_status, message(self.tr, exc))
        elif card:  # ?card= from a join card's QR code
            self.card_input.value = dl.normalise_code(card)
            self._on_card(None)
            return
        self.render()

    def _adopt_language(self) -> None:
        """On resuming, the language the participant picked before comes back with their code."""
        picked = dl.current(self.store).language_of(self.code)
        if picked in available() and picked != self.language:
            self.language_switch.value = picked  # relabels the view

    def _remember_language(self, change) -> None:
        if self.code:
            try:
                dl.set_language(self.store, self.code, change["new"], rules=self.rules)
            except WorkbenchError:
                pass  # the choice still applies on this screen; it is only not remembered

    # -- actions -----------------------------------------------------------------------
    def _on_new(self, _b) -> None:
        if self.code:
            return
        try:
            self.code = dl.join(self.store, self.language, rules=self.rules, keys=self.keys(), limiter=self.limiter)
        except WorkbenchError as exc:
            say(self.join_status, message(self.tr, exc))
            return
        self.join_status.value = ""
        self.render()

    def _on_card(self, _b) -> None:
        if self.code:
            return
        try:
            try:
                self.code = dl.join_with_card(self.store, self.card_input.value, self.language, rules=self.rules,
                                              keys=self.keys(), limiter=self.limiter)
            except WorkbenchError as exc:
                if exc.key != "purpose.error.card_used":
                    raise
                # A used card is its holder's code: they come back as themselves, never as a second person.
                self.code = dl.resume(self.store, self.card_input.value, keys=self.keys(), limiter=self.limiter)
                self._adopt_language()
        except WorkbenchError as exc:
            say(self.join_status, message(self.tr, exc))
            self.render()
            return
        self.join_status.value = ""
        self.card_input.value = ""
        self.render()

    def _on_resume(self, _b) -> None:
        try:
            self.code = dl.resume(self.store, self.code_input.value, keys=self.keys(), limiter=self.limiter)
        except WorkbenchError as exc:
            say(self.join_status, message(self.tr, exc))
            return
        self.join_status.value = ""
        self._adopt_language()
        self.render()

    def _on_submit(self, _b) -> None:
        if not self.code:
            return
        try:
            dl.add_statement(self.store, self.code, self.text.value, self.language, self.topic.value,
                             rules=self.rules)
        except WorkbenchError as exc:  # includes NotSaved: the typed text stays
            say(self.write_status, message(self.tr, exc))
            return
        self.text.value = ""
        say(self.write_status, self.tr("purpose.write.saved"), ok=True)

    def _on_vote(self, vote: str) -> None:
        if not self.code or self.current is None:
            return
        try:
            dl.cast_vote(self.store, self.code, self.current, vote, delib=self.delib, rules=self.rules)
        except WorkbenchError as exc:
            say(self.vote_status, message(self.tr, exc))
            if exc.key == "purpose.error.statement_hidden":
                self.render(keep_status=True)
            return
        say(self.vote_status, self.tr("purpose.vote.saved"), ok=True)
        self.render(keep_status=True)

    # -- drawing -----------------------------------------------------------------------
    def _count(self) -> None:
        n = len(" ".join(self.text.value.split()))
        cls = "wb-error" if n > self.rules.statement_max_chars else "wb-muted"
        self.counter.value = (f'<span class="{cls}">'
                              f'{esc(self.tr("purpose.write.count", count=n, max=self.rules.statement_max_chars))}</span>')

    def render(self, keep_status: bool = False) -> None:
        tr = self.tr
        self.language_switch.tooltip = tr("welcome.language_label")
        self.header.value = header(tr, tr("purpose.title"), self.project.name, tr("purpose.intro"))
        help_key = "purpose.join.card_help" if self.rules.join_mode == "cards" else "purpose.join.help"
        self.join_help.value = heading(tr("purpose.join.heading"), help=tr(help_key))
        self.new_button.description = tr("purpose.join.new")
        self.card_input.description = tr("purpose.join.card_label")
        self.card_input.placeholder = tr("purpose.join.card_placeholder")
        self.card_button.description = tr("purpose.join.card_submit")
        self.code_input.description = tr("purpose.join.code_label")
        self.code_input.placeholder = tr("purpose.join.code_placeholder")
        self.resume_button.description = tr("purpose.join.resume")
        self.join_box.layout.display = "none" if self.code else "flex"
        self.main_box.layout.display = "flex" if self.code else "none"
        if not self.code:
            return
        link = f"?lang={self.language}&code={self.code}"
        self._remember_in_address()
        self.code_card.value = (
            f'<div class="wb-card"><p>{esc(tr("purpose.code.yours"))} '
            f'<span class="wb-code" data-code="{esc(self.code)}">{esc(self.code)}</span></p>'
            f'<p class="wb-muted">{esc(tr("purpose.code.keep"))} '
            f'<a href="{esc(link)}" target="_top">{esc(tr("purpose.code.link"))}</a></p></div>')
        self.write_heading.value = f"<h2>{esc(tr('purpose.write.heading'))}</h2>"
        self.topic.options = [(tr(f"purpose.topic.{t}"), t) for t in dl.TOPICS]
        self.topic.description = ""
        self.topic.tooltip = tr("purpose.write.topic_label")
        self.text.description = tr("purpose.write.label")
        self.text.placeholder = tr("purpose.write.placeholder", max=self.rules.statement_max_chars)
        self.submit.description = tr("purpose.write.submit")
        self.agree.description = tr("purpose.vote.agree")
        self.disagree.description = tr("purpose.vote.disagree")
        self.pass_.description = tr("purpose.vote.pass")
        self.more.description = tr("purpose.vote.refresh")
        self._count()
        if not keep_status:
            self.vote_status.value = ""
        self.vote_heading.value = f"<h2>{esc(tr('purpose.vote.heading'))}</h2>"
        self.delib.update(self.store)
        done, total = self.delib.progress(self.code)
        self.progress.value = f'<p class="wb-muted">{esc(tr("purpose.vote.progress", done=done, total=total))}</p>'
        card = self.delib.next_card(self.code)
        self.current = card.id if card else None
        self.vote_buttons.layout.display = "flex" if card else "none"
        if card:
            self.card.value = (f'<div class="wb-card wb-statement" data-statement="{card.id}">'
                               f"<p>{esc(card.text)}</p></div>")
            self.results.value = ""
        else:
            key = "purpose.vote.done" if total else "purpose.vote.none_yet"
            self.card.value = f'<div class="wb-card"><p>{esc(tr(key))}</p></div>'
            self.results.value = self._results_html() if total else ""

    def _remember_in_address(self) -> None:
        import json

        from IPython.display import Javascript

        if not self.code or not dl.CODE_RE.match(self.code) or self._remembered == (self.code, self.language):
            return
        self._remembered = (self.code, self.language)
        script = REMEMBER_JS.replace("CODE", json.dumps(self.code)).replace("LANG", json.dumps(self.language))
        self.remember.outputs = ()
        self.remember.append_display_data(Javascript(script))

    def _results_html(self) -> str:
        tr = self.tr
        head = f"<h2>{esc(tr('purpose.results.heading'))}</h2>"
        summary = self.delib.shared_results
        if not summary:
            return head + f'<p class="wb-muted">{esc(tr("purpose.results.waiting"))}</p>'
        counts = summary.get("counts", {})
        parts = [head, f"<p>{esc(tr('purpose.results.counts', participants=counts.get('participants', 0), statements=counts.get('statements', 0), votes=counts.get('votes', 0)))}</p>"]  # noqa: E501
        if summary.get("groups"):
            parts.append(f"<p>{esc(tr('purpose.results.groups', count=summary['groups']))}</p>")
        for key, params in summary.get("notes", []):
            parts.append(f'<p class="wb-muted">{esc(tr(key, **params))}</p>')
        if summary.get("top"):
            parts.append(f"<h2>{esc(tr('purpose.results.top'))}</h2>")
            for row in summary["top"]:
                parts.append(f'<div class="wb-card"><p>{esc(row["text"])}</p><p class="wb-muted">'
                             f'{esc(tr("purpose.results.consensus", value=format(row["consensus"], ".2f")))}</p></div>')
        return "".join(parts)

