"""Stage 1 views: the participants' conversation and the facilitators' desk.

``ParticipantView(project, language, code)`` imports only ipywidgets and the
pure-Python deliberation module (no pandas, scikit-learn or Altair), so every
participant kernel stays small. ``FacilitatorView`` imports the analysis,
charts and charter rendering when it first needs them.

Controls are attributes, so tests and facilitators can drive a view:
``view.text.value = "..."; view.submit.click()``. A submission is confirmed on
screen only after its event is committed; when the store refuses it, the view
says so in the participant's language and keeps the typed text.
"""

from __future__ import annotations

import ipywidgets as w

from .. import apps
from ..errors import WorkbenchError
from ..i18n import available
from ..purpose import charter as ch
from ..purpose import deliberation as dl
from ..text import bdi, check_text
from ._base import STYLE, View, esc, language_switch
from .icons import ICON_STYLE, with_icon

PURPOSE_STYLE = """
<style>
.wb-app .wb-vote button.jupyter-button, .wb-app button.wb-big { min-height: 64px; font-size: 19px;
  font-weight: 600; border-radius: 10px; }
.wb-app .wb-statement { font-size: 1.25em; min-height: 3em; }
.wb-app textarea { font-size: 17px; min-height: 5em; }
.wb-app .wb-code { font-size: 1.3em; font-weight: 700; letter-spacing: 0.04em; }
.wb-app .wb-row { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
</style>
"""
# Sets ?code=&lang= in the address bar without reloading (CODE and LANG are replaced by JSON strings).
REMEMBER_JS = ("try { const u = new URL(window.location.href); u.searchParams.set('code', CODE); "
               "u.searchParams.set('lang', LANG); window.history.replaceState(null, '', u.toString()); } catch (e) {}")


def _full() -> w.Layout:
    return w.Layout(width="100%")


def _message(tr, exc: WorkbenchError) -> str:
    """A refusal in the reader's language when the catalog has it, else its English sentence."""
    if exc.key and tr.has(exc.key):
        params = dict(exc.params)
        if "field" in params and tr.has(f"purpose.charter.field.{params['field']}"):
            params["field"] = tr(f"purpose.charter.field.{params['field']}")
        return tr(exc.key, **params)
    return exc.sentence


def _say(widget: w.HTML, text: str, ok: bool = True) -> None:
    widget.value = f'<p class="{"wb-ok" if ok else "wb-error"}" role="status">{esc(text)}</p>'


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
        from ..i18n import available
        from ..limits import for_project
        from .context import client_keys

        super().__init__(language if language in available() else project.config.default_language)
        self.project = project
        self.store = project.store
        self.kit = _Kit()
        self.rules = dl.Rules.for_project(project)
        self.limiter = for_project(project.root)
        self.keys = keys or client_keys
        self.code: str | None = None
        self.delib = dl.Deliberation.load(self.store)
        self.current: int | None = None
        self._remembered: tuple[str, str] | None = None

        self.style = self.kit.html(STYLE + PURPOSE_STYLE + ICON_STYLE)
        self.header = self.kit.html()
        self.language_switch = language_switch(self.language)
        self.language_switch.observe(lambda ch_: self.set_language(ch_["new"]), names="value")
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
                                self.join_status], layout=_full())
        # writing
        self.code_card = self.kit.html()
        self.write_heading = self.kit.html()
        self.topic = w.ToggleButtons(options=[(t, t) for t in dl.TOPICS], value="problem", layout=_full())
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
        self.vote_buttons = w.VBox([self.agree, self.disagree, self.pass_], layout=_full())
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
                                self.text, self.counter, self.submit, self.write_status], layout=_full())
        self.widget.children = [self.style, self.header, self.language_switch, self.join_box, self.main_box]
        self.language_switch.observe(self._remember_language, names="value")
        if code:
            try:
                self.code = dl.resume(self.store, code, keys=self.keys(), limiter=self.limiter)
                self._adopt_language()
            except WorkbenchError as exc:
                _say(self.join_status, _message(self.tr, exc), ok=False)
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
            _say(self.join_status, _message(self.tr, exc), ok=False)
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
            _say(self.join_status, _message(self.tr, exc), ok=False)
            self.render()
            return
        self.join_status.value = ""
        self.card_input.value = ""
        self.render()

    def _on_resume(self, _b) -> None:
        try:
            self.code = dl.resume(self.store, self.code_input.value, keys=self.keys(), limiter=self.limiter)
        except WorkbenchError as exc:
            _say(self.join_status, _message(self.tr, exc), ok=False)
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
            _say(self.write_status, _message(self.tr, exc), ok=False)
            return
        self.text.value = ""
        _say(self.write_status, self.tr("purpose.write.saved"))

    def _on_vote(self, vote: str) -> None:
        if not self.code or self.current is None:
            return
        try:
            dl.cast_vote(self.store, self.code, self.current, vote, delib=self.delib, rules=self.rules)
        except WorkbenchError as exc:
            _say(self.vote_status, _message(self.tr, exc), ok=False)
            if exc.key == "purpose.error.statement_hidden":
                self.render(keep_status=True)
            return
        _say(self.vote_status, self.tr("purpose.vote.saved"))
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
        self.header.value = (f'<p class="wb-muted">{esc(tr("app.name"))} · {esc(self.project.name)}</p>'
                             f"<h1>{esc(tr('purpose.title'))}</h1><p>{esc(tr('purpose.intro'))}</p>")
        help_key = "purpose.join.card_help" if self.rules.join_mode == "cards" else "purpose.join.help"
        self.join_help.value = (f"<h2>{esc(tr('purpose.join.heading'))}</h2>"
                                f'<p class="wb-muted">{esc(tr(help_key))}</p>')
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



class _Kit:
    """Widgets that share one layout and one style per kind.

    Every widget, layout and style is a comm message to the browser; a form of 40 controls made the
    usual way opens ~200 of them (slow on a busy machine and a phone's connection). Shared objects are
    never changed after creation; anything that toggles its layout gets its own.
    """

    def __init__(self):
        from ipywidgets.widgets.widget_description import DescriptionStyle
        from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

        self.full, self.auto = w.Layout(width="100%"), w.Layout(width="auto")
        self.row = w.Layout(width="100%", flex_flow="wrap", align_items="center")
        self.desc = DescriptionStyle(description_width="initial")
        self.textstyle = TextStyle(description_width="initial")
        self.htmlstyle = HTMLStyle()
        self.buttonstyle = w.ButtonStyle()

    def text(self, full: bool = True) -> w.Text:
        return w.Text(layout=self.full if full else self.auto, style=self.textstyle)

    def area(self) -> w.Textarea:
        return w.Textarea(layout=self.full, style=self.textstyle)

    def drop(self, options, value=None) -> w.Dropdown:
        kw = {} if value is None else {"value": value}
        return w.Dropdown(options=options, layout=self.auto, style=self.desc, **kw)

    def float(self, value: float, step: float) -> w.FloatText:
        return w.FloatText(value=value, step=step, layout=self.auto, style=self.desc)

    def int(self, value: int) -> w.IntText:
        return w.IntText(value=value, layout=self.auto, style=self.desc)

    def html(self, value: str = "") -> w.HTML:
        return w.HTML(value, layout=self.full, style=self.htmlstyle)

    def button(self, description: str = "", style: str = "") -> w.Button:
        return w.Button(description=description, button_style=style, layout=self.auto, style=self.buttonstyle)

    def big(self, description: str = "", style: str = "") -> w.Button:
        b = w.Button(description=description, button_style=style, layout=self.full, style=self.buttonstyle)
        b.add_class("wb-big")
        return b

    def vbox(self, children) -> w.VBox:
        return w.VBox(children, layout=self.full)

    def hbox(self, children) -> w.HBox:
        return w.HBox(children, layout=self.row)


class FacilitatorView(View):
    """Moderation, live analysis, charter editing and the agreement, in four tabs.

    Moderation: ``seed_text``, ``seed_topic``, ``seed_button``, ``moderate_choice``, ``hide``, ``show``,
    ``statement_list``,
    ``merge_from``, ``merge_into``, ``merge_button``. Analysis: ``refresh``, ``summary``, ``charts``,
    ``promote_to``, ``promote_buttons[id]``, ``share``, ``export``. Charter: ``fields[name]``,
    ``min_consensus``, ``groups``, ``footprint``, ``list_choice``, ``item_text``, ``item_add``,
    ``item_remove_choice``, ``item_remove``, ``harm_choice``, ``mitigation``, ``mitigation_set``, the
    criterion editor ``crit_*``, ``crit_add``, ``crit_remove_choice``, ``crit_remove``, ``save``.
    Agreement: ``present``, ``in_favour``, ``against``, ``abstain``, ``rule``, ``record``, ``write_files``.
    Each action reports in ``status``.
    """

    def __init__(self, project, language: str | None = None, charts: bool = True, poll_seconds: float = 0):
        from ..i18n import available

        super().__init__(language if language in available() else project.config.default_language)
        self.project = project
        self.store = project.store
        self.kit = _Kit()
        self.with_charts = charts
        self.analysis = None
        self._analysis_stale = True
        self.attributes, self.labels = ch.project_columns(project)
        self.style = self.kit.html(STYLE + PURPOSE_STYLE)
        self.header = self.kit.html()
        self.language_switch = language_switch(self.language)
        self.language_switch.observe(lambda c: self.set_language(c["new"]), names="value")
        self.status = self.kit.html()
        self.tabs = w.Tab(layout=_full())
        self._build_moderation()
        self._build_analysis()
        self._build_charter()
        self._build_agreement()
        self.tabs.children = [self.moderation_box, self.analysis_box, self.charter_box, self.agreement_box]
        self.tabs.observe(self._on_tab, names="selected_index")
        self.widget.children = [self.style, self.header, self.language_switch, self.status, self.tabs]
        self._timer = None
        self.render()
        if poll_seconds:
            self.start_polling(poll_seconds)

    # -- building ------------------------------------------------------------------------
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

    def _build_analysis(self) -> None:
        self.refresh = self.kit.button(style="primary")
        # The process's fold, caught up from its last sequence number (not a re-read of the whole log).
        self.refresh.on_click(lambda _b: self._render_analysis(dl.current(self.store)))
        self.summary = self.kit.html()
        self.charts = self.kit.vbox([])
        self.promote_to = self.kit.drop(options=list(ch.LISTS), value="intended_uses")
        self.promote_rows = self.kit.vbox([])
        self.promote_buttons: dict[int, w.Button] = {}
        self.share = self.kit.button()
        self.share.on_click(self._on_share)
        self.export = self.kit.button()
        self.export.on_click(self._on_export)
        self.analysis_box = self.kit.vbox([self.refresh, self.summary, self.charts, self.promote_to, self.promote_rows,
                                    self.kit.hbox([self.share, self.export])])

    def _build_charter(self) -> None:
        self.version_info = self.kit.html()
        self.fields = {"title": self.kit.text(), "problem": self.kit.area(),
                       "community": self.kit.area()}
        self.min_consensus = self.kit.float(value=ch.DEFAULT_MIN_CONSENSUS, step=0.05)
        self.groups = self.kit.text()
        self.footprint = self.kit.float(value=0.0, step=0.1)
        self.preview = self.kit.html()
        self.list_choice = self.kit.drop(options=list(ch.LISTS), value="intended_uses")
        self.item_text = self.kit.text()
        self.item_add = self.kit.button()
        self.item_add.on_click(self._on_item_add)
        self.item_remove_choice = self.kit.drop(options=[])
        self.item_remove = self.kit.button()
        self.item_remove.on_click(self._on_item_remove)
        self.harm_choice = self.kit.drop(options=[])
        self.mitigation = self.kit.text()
        self.mitigation_set = self.kit.button()
        self.mitigation_set.on_click(self._on_mitigation)
        self.crit_metric = self.kit.drop(options=list(ch.METRICS), value="recall")
        self.crit_label = self.kit.text(full=False)
        self.crit_threshold = self.kit.float(value=0.8, step=0.05)
        self.crit_direction = self.kit.drop(options=list(ch.DIRECTIONS), value=">=")
        self.crit_scope = self.kit.drop(options=list(ch.SCOPES), value="overall")
        self.crit_attribute = self.kit.text(full=False)
        self.crit_min = self.kit.int(value=ch.DEFAULT_MIN_GROUP_SIZE)
        self.crit_add = self.kit.button()
        self.crit_add.on_click(self._on_crit_add)
        self.crit_remove_choice = self.kit.drop(options=[])
        self.crit_remove = self.kit.button()
        self.crit_remove.on_click(self._on_crit_remove)
        self.save = self.kit.button(style="primary")
        self.save.on_click(self._on_save)
        self.charter_box = self.kit.vbox([
            self.version_info, *self.fields.values(), self.min_consensus, self.groups, self.footprint, self.save,
            self.preview,
            self.kit.hbox([self.list_choice, self.item_text, self.item_add]),
            self.kit.hbox([self.item_remove_choice, self.item_remove]),
            self.kit.hbox([self.harm_choice, self.mitigation, self.mitigation_set]),
            self.kit.vbox([self.crit_metric, self.crit_label, self.crit_threshold, self.crit_direction, self.crit_scope,
                    self.crit_attribute, self.crit_min, self.crit_add]),
            self.kit.hbox([self.crit_remove_choice, self.crit_remove]),
        ])

    def _build_agreement(self) -> None:
        self.missing = self.kit.html()
        self.present = self.kit.int(value=0)
        self.in_favour = self.kit.int(value=0)
        self.against = self.kit.int(value=0)
        self.abstain = self.kit.int(value=0)
        self.rule = self.kit.drop(options=list(ch.DECISION_RULES), value="two_thirds")
        self.record = self.kit.button(style="primary")
        self.record.on_click(self._on_record)
        self.decisions = self.kit.html()
        self.write_files = self.kit.button()
        self.write_files.on_click(self._on_write)
        self.agreement_box = self.kit.vbox([self.missing, self.present, self.in_favour, self.against, self.abstain,
                                     self.rule, self.record, self.decisions, self.write_files])

    # -- helpers -------------------------------------------------------------------------
    def _ok(self, text: str) -> None:
        _say(self.status, text)

    def _fail(self, exc: WorkbenchError) -> None:
        _say(self.status, _message(self.tr, exc), ok=False)

    def _act(self, fn) -> bool:
        try:
            fn()
        except WorkbenchError as exc:
            self._fail(exc)
            return False
        return True

    def _form_charter(self) -> ch.Charter:
        """The open draft from the log, with the form's text fields on top."""
        _version, charter = ch.CharterHistory.load(self.store).draft()
        for name, widget in self.fields.items():
            setattr(charter, name, widget.value)
        charter.min_consensus = self.min_consensus.value
        charter.groups = [g.strip() for g in self.groups.value.split(",") if g.strip()]
        charter.footprint_kwh = self.footprint.value if self.footprint.value else None
        return charter

    def _save(self, charter: ch.Charter, change: str) -> None:
        version = ch.save_draft(self.store, charter, change, self.attributes, self.labels)
        self.render()
        self._ok(self.tr("purpose.fac.saved", version=version))

    # -- moderation ----------------------------------------------------------------------
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
        from ..purpose.join_cards import make_cards

        out = []
        if self._act(lambda: out.append(make_cards(self.project, self.cards_count.value, language=self.language))):
            path, codes = out[0]
            self._live()
            self._ok(self.tr("purpose.fac.cards_made", count=len(codes), path=str(path)))

    # -- analysis ------------------------------------------------------------------------
    def _on_promote(self, sid: int) -> None:
        to = self.promote_to.value
        if self._act(lambda: ch.promote(self.store, sid, to)):
            self._live()
            self._render_charter(fields=False)
            self._ok(self.tr("purpose.fac.promoted", statement=sid, list=self.tr(f"purpose.charter.field.{to}")))

    def _on_tab(self, change) -> None:
        if change["new"] == 1 and self._analysis_stale:
            self._render_analysis(dl.current(self.store))

    def _on_share(self, _b) -> None:
        if self.analysis is None or self._analysis_stale:
            self._render_analysis(dl.current(self.store))
        if self._act(lambda: dl.share_results(self.store, self.analysis.summary())):
            self._ok(self.tr("purpose.fac.shared"))

    def _on_export(self, _b) -> None:
        from ..purpose.export import export_project

        paths = []
        if self._act(lambda: paths.extend(export_project(self.project))):
            self._ok(self.tr("purpose.fac.exported", path=str(paths[0].parent)))

    # -- charter -------------------------------------------------------------------------
    def _on_save(self, _b) -> None:
        self._act(lambda: self._save(self._form_charter(), "edit"))

    def _on_item_add(self, _b) -> None:
        def go():
            charter = self._form_charter()
            text = " ".join(check_text(self.item_text.value).split())
            if not text:
                raise WorkbenchError("An entry cannot be empty.", key="purpose.error.empty")
            getattr(charter, self.list_choice.value).append(ch.Item(text))
            self._save(charter, f"add:{self.list_choice.value}")
            self.item_text.value = ""
        self._act(go)

    def _on_item_remove(self, _b) -> None:
        if not self.item_remove_choice.value:
            return
        name, index = self.item_remove_choice.value

        def go():
            charter = self._form_charter()
            del getattr(charter, name)[index]
            self._save(charter, f"remove:{name}")
        self._act(go)

    def _on_mitigation(self, _b) -> None:
        if self.harm_choice.value is None:
            return

        def go():
            charter = self._form_charter()
            charter.harms[self.harm_choice.value].mitigation = " ".join(
                check_text(self.mitigation.value).split())
            self._save(charter, "mitigation")
            self.mitigation.value = ""
        self._act(go)

    def _on_crit_add(self, _b) -> None:
        def go():
            charter = self._form_charter()
            crit = ch.Criterion(self.crit_metric.value, self.crit_threshold.value, self.crit_direction.value,
                                self.crit_scope.value, self.crit_label.value or None,
                                self.crit_attribute.value or None, self.crit_min.value)
            crit.validate(charter.groups, self.labels)
            charter.criteria.append(crit)
            self._save(charter, f"criterion:{crit.id}")
        self._act(go)

    def _on_crit_remove(self, _b) -> None:
        if self.crit_remove_choice.value is None:
            return

        def go():
            charter = self._form_charter()
            del charter.criteria[self.crit_remove_choice.value]
            self._save(charter, "criterion:remove")
        self._act(go)

    # -- agreement -----------------------------------------------------------------------
    def _on_record(self, _b) -> None:
        result = []

        def go():
            # What the room sees on screen is what it agrees: unsaved edits are saved with the decision.
            result.append(ch.save_and_decide(self.store, self._form_charter(), self.present.value,
                                             self.in_favour.value, self.against.value, self.abstain.value,
                                             self.rule.value, self.attributes, self.labels))
        if self._act(go):
            agreed, version = result[0]
            ch.witness_decision(self.project, version)
            self.render()
            self._ok(self.tr("purpose.fac.agreed" if agreed else "purpose.fac.not_agreed", version=version))

    def _on_write(self, _b) -> None:
        from ..purpose.render import write_charter

        out = []
        if self._act(lambda: out.append(write_charter(self.project, language=self.language))):
            self._ok(self.tr("purpose.fac.written", path=str(out[0][1][0].parent)))

    # -- drawing -------------------------------------------------------------------------
    def render(self) -> None:
        tr = self.tr
        self.language_switch.tooltip = tr("welcome.language_label")
        self.header.value = (f'<p class="wb-muted">{esc(tr("app.name"))} · {esc(self.project.name)}</p>'
                             f"<h1>{esc(tr('purpose.fac.title'))}</h1>")
        for i, key in enumerate(("moderate", "analysis", "charter", "agree")):
            self.tabs.set_title(i, tr(f"purpose.fac.tab.{key}"))
        self._seen_seq = self.store.head()[0]
        delib = dl.current(self.store)  # caught up from its last event, not re-read whole
        self._render_moderation(delib)
        # The analysis (scikit-learn, Altair: seconds to import in a fresh kernel) is drawn when its tab is open.
        self._analysis_stale = True
        if self.tabs.selected_index == 1:
            self._render_analysis(delib)
        self._render_charter()
        self._render_agreement()

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

    def _render_analysis(self, delib) -> None:
        from ..purpose.analysis import analyse

        tr = self.tr
        self.refresh.description = tr("purpose.fac.refresh")
        self.share.description = tr("purpose.fac.share")
        self.export.description = tr("purpose.fac.export")
        self.promote_to.options = [(tr(f"purpose.charter.field.{n}"), n) for n in ch.LISTS]
        self.promote_to.description = tr("purpose.fac.promote_to")
        a = self.analysis = analyse(delib)
        self._analysis_stale = False
        c = a.counts
        parts = [f"<p>{esc(tr('purpose.fac.counts', participants=c['participants'], voters=c['voters'], statements=c['statements'], hidden=c['hidden'], votes=c['votes'], logged=c['votes_logged']))}</p>"]  # noqa: E501
        parts += [f'<p class="wb-muted">{esc(tr(key, **params))}</p>' for key, params in a.notes]
        # Joins in a burst (one page, browser or address): for the facilitators' eyes, never shared.
        number = delib.roster()
        for b in a.bursts:
            people = ", ".join(tr("room.who.person", n=number[c]) for c in b["codes"] if c in number)
            parts.append(f'<p class="wb-error" data-burst="{esc(b["source"])}">'
                         f'{esc(tr("purpose.fac.burst_flag", people=people, count=b["count"], source=tr("purpose.fac.burst_from." + b["source"])))}</p>')  # noqa: E501
        if a.groups:
            parts.append(f"<p>{esc(tr('purpose.fac.groups', count=len(a.groups), silhouette=format(a.silhouette, '.2f')))}</p>")  # noqa: E501
            texts = dict(zip(a.statements["id"], a.statements["text"], strict=True))
            for g in a.groups:
                parts.append(f'<div class="wb-card" data-group="{esc(g.name)}"><p><strong>'
                             f'{esc(tr("purpose.fac.group", name=g.name, size=g.size))}</strong></p>')
                for r in g.representative:
                    how = tr("purpose.fac.rep_" + r["direction"], share=format(r["p_in"], ".0%"))
                    parts.append(f'<p>#{r["statement"]} {esc(texts.get(r["statement"], ""))} '
                                 f'<span class="wb-muted">({esc(how)})</span></p>')
                parts.append("</div>")
        self.summary.value = "".join(parts)
        if self.with_charts and len(a.statements):
            from ..charts import purpose as charts
            from ..charts import readings as rd

            # Each chart with its plain reading under it (one sentence, escaped: it quotes statements).
            kids = [charts.svg_widget(charts.votes_per_statement(a.statements, tr), tr("purpose.chart.votes_title")),
                    self.kit.html(rd.reading_html(rd.votes_reading(a.statements, tr))),
                    charts.svg_widget(charts.consensus_ranking(a.statements, tr), tr("purpose.chart.consensus_title")),
                    self.kit.html(rd.reading_html(rd.consensus_reading(a.statements, tr)))]
            if a.groups:
                kids[2:2] = [charts.svg_widget(charts.opinion_map(a.participants, tr), tr("purpose.chart.map_title")),
                             self.kit.html(rd.reading_html(rd.map_reading(a.participants, tr)))]
            self.charts.children = kids
        else:
            self.charts.children = []
        in_charter = ch.CharterHistory.load(self.store).draft()[1].statement_ids()
        rows, self.promote_buttons = [], {}
        for r in a.consensus_ranking().to_dict("records"):
            sid = int(r["id"])
            votes = tr("purpose.fac.votes", agree=r["agree"], disagree=r["disagree"], passed=r["pass"],
                       consensus=format(r["consensus"], ".2f"))
            html = (f'<div class="wb-card" data-statement="{sid}"><p><strong>#{sid}</strong> {esc(r["text"])}</p>'
                    f'<p class="wb-muted">{esc(votes)}</p></div>')
            if sid in in_charter:
                rows.append(self.kit.html(html + f'<p class="wb-ok">{esc(tr("purpose.fac.in_charter"))}</p>'))
                continue
            button = self.kit.button(tr("purpose.fac.promote"))
            button.on_click(lambda _b, sid=sid: self._on_promote(sid))
            self.promote_buttons[sid] = button
            rows.append(self.kit.vbox([self.kit.html(html), button]))
        self.promote_rows.children = rows

    def _live(self) -> None:
        """Redraw what others change (statements, votes, decisions), never the charter form being typed."""
        self._seen_seq = self.store.head()[0]
        delib = dl.current(self.store)  # caught up from its last event, not re-read whole
        self._render_moderation(delib)
        self._analysis_stale = True
        if self.tabs.selected_index == 1:
            self._render_analysis(delib)
        self._render_agreement()

    def poll(self) -> None:
        """Redraw the live parts only when the log has grown (see ``View.start_polling``)."""
        if self.store.head()[0] != self._seen_seq:
            self._live()

    def _render_charter(self, fields: bool = True) -> None:
        tr = self.tr
        history = ch.CharterHistory.load(self.store)
        version, charter = history.draft()
        agreed = history.latest_agreed()
        info = tr("purpose.fac.version", version=version)
        if agreed is not None:
            info += " · " + tr("purpose.fac.last_agreed", version=agreed.version)
        self.version_info.value = f"<h2>{esc(info)}</h2>"
        for name, widget in self.fields.items():
            widget.description = tr(f"purpose.charter.field.{name}")
        self.min_consensus.description = tr("purpose.charter.field.min_consensus")
        self.groups.description = tr("purpose.charter.field.groups")
        self.groups.placeholder = ", ".join(sorted(self.attributes or []))
        self.footprint.description = tr("purpose.charter.field.footprint_kwh")
        if fields:
            for name, widget in self.fields.items():
                widget.value = getattr(charter, name)
            self.min_consensus.value = charter.min_consensus
            self.groups.value = ", ".join(charter.groups)
            self.footprint.value = charter.footprint_kwh or 0.0
        self.save.description = tr("purpose.fac.save")
        names = [(tr(f"purpose.charter.field.{n}"), n) for n in ch.LISTS]
        self.list_choice.options = names
        self.list_choice.description = tr("purpose.fac.list")
        self.item_text.description = tr("purpose.fac.new_item")
        self.item_add.description = tr("purpose.fac.add")
        self.item_remove_choice.options = [(f"{tr(f'purpose.charter.field.{n}')}: {it.text[:40]}", (n, i))
                                           for n in ch.LISTS for i, it in enumerate(getattr(charter, n))]
        self.item_remove_choice.description = tr("purpose.fac.remove")
        self.item_remove.description = tr("purpose.fac.remove")
        self.harm_choice.options = [(h.text[:50], i) for i, h in enumerate(charter.harms)]
        self.harm_choice.description = tr("purpose.charter.field.harms")
        self.mitigation.description = tr("purpose.fac.mitigation")
        self.mitigation_set.description = tr("purpose.fac.set_mitigation")
        self.crit_metric.options = [(tr(f"purpose.metric.{m}"), m) for m in ch.METRICS]
        self.crit_metric.description = tr("purpose.fac.metric")
        self.crit_label.description = tr("purpose.fac.label")
        self.crit_label.placeholder = ", ".join(sorted(self.labels or []))
        self.crit_threshold.description = tr("purpose.fac.threshold")
        self.crit_direction.options = [(tr("purpose.direction.at_least"), ">="), (tr("purpose.direction.at_most"), "<=")]
        self.crit_direction.description = tr("purpose.fac.direction")
        self.crit_scope.options = [(tr(f"purpose.scope.{s}"), s) for s in ch.SCOPES]
        self.crit_scope.description = tr("purpose.fac.scope")
        self.crit_attribute.description = tr("purpose.fac.attribute")
        self.crit_attribute.placeholder = ", ".join(charter.groups)
        self.crit_min.description = tr("purpose.fac.min_group_size")
        self.crit_add.description = tr("purpose.fac.add_criterion")
        self.crit_remove_choice.options = [(cr.sentence(tr)[:80], i) for i, cr in enumerate(charter.criteria)]
        self.crit_remove_choice.description = tr("purpose.fac.criterion")
        self.crit_remove.description = tr("purpose.fac.remove")
        self.preview.value = self._charter_html(charter)

    def _charter_html(self, charter: ch.Charter) -> str:
        tr = self.tr
        parts = []
        for name in ch.LISTS:
            parts.append(f"<h3>{esc(tr(f'purpose.charter.field.{name}'))}</h3><ul>")
            for it in getattr(charter, name):
                extra = ""
                if it.statement is not None:
                    extra = " · " + tr("purpose.charter.doc.from_statement", statement=it.statement,
                                       consensus=format(it.consensus or 0, ".2f"))
                if name == "harms":
                    extra += " · " + tr("purpose.charter.doc.mitigation",
                                        text=it.mitigation or tr("purpose.charter.doc.placeholder"))
                parts.append(f'<li>{bdi(it.text)}<span class="wb-muted">{esc(extra)}</span></li>')
            parts.append("</ul>")
        parts.append(f"<h3>{esc(tr('purpose.charter.field.criteria'))}</h3><ul>")
        parts += [f"<li>{esc(cr.sentence(tr))}</li>" for cr in charter.criteria]
        parts.append("</ul>")
        return '<div class="wb-card">' + "".join(parts) + "</div>"

    def _render_agreement(self) -> None:
        tr = self.tr
        history = ch.CharterHistory.load(self.store)
        latest = history.latest
        for widget, key in ((self.present, "present"), (self.in_favour, "in_favour"), (self.against, "against"),
                            (self.abstain, "abstain")):
            widget.description = tr(f"purpose.fac.{key}")
        self.rule.options = [(tr(f"purpose.charter.rule.{r}"), r) for r in ch.DECISION_RULES]
        self.rule.description = tr("purpose.fac.rule")
        self.record.description = tr("purpose.fac.record")
        self.write_files.description = tr("purpose.fac.write")
        missing = latest.charter.missing_for_agreement() if latest is not None and not latest.agreed else []
        if missing:
            items = "".join(f"<li>{esc(_message(tr, WorkbenchError('', key=k, **p)))}</li>" for k, p in missing)
            self.missing.value = f'<p>{esc(tr("purpose.fac.missing"))}</p><ul>{items}</ul>'
        else:
            self.missing.value = ""
        rows = []
        for d in history.decisions:
            key = "purpose.fac.decision_agreed" if d["kind"] == "charter.agreed" else "purpose.fac.decision_not"
            rows.append(f"<li>{esc(tr(key, version=d['version'], date=d['ts'][:10], present=d['present'], in_favour=d['in_favour'], against=d['against'], abstain=d['abstain']))}</li>")  # noqa: E501
        self.decisions.value = f"<ul>{''.join(rows)}</ul>" if rows else ""


def app():
    """The Voila entry point: participants vote, facilitators get the desk."""
    from urllib.parse import parse_qs

    from .context import open_app_project

    project, ctx = open_app_project("purpose")
    if ctx.role == apps.FACILITATOR:
        return FacilitatorView(project, ctx.language, poll_seconds=5)
    import os

    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    return ParticipantView(project, ctx.language, (query.get("code") or [None])[0], (query.get("card") or [None])[0])


def charter_app():
    """The facilitators' charter notebook: the desk opened on the charter tab."""
    from .context import open_app_project

    project, ctx = open_app_project("charter")
    if ctx.role != apps.FACILITATOR:
        raise WorkbenchError("This app is for facilitators.", "Open it with the facilitator code.",
                             key="login.facilitator_needed")
    view = FacilitatorView(project, ctx.language)
    view.tabs.selected_index = 2
    return view
