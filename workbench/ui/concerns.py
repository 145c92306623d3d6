"""Concern apps (issue 20): anyone raises a concern and follows it; facilitators triage.

``ConcernView(project, language)``: the phone form. What it is about, the person's words, optionally their
participant code or contributor card (a wrong code gets a sentence and nothing is sent), whether their words
may be shown publicly; sending shows the tracking code once. "Check my concern": a tracking code -> its
status and the facilitators' answer. No code is needed; concerns sent without one are rate-limited per page,
session and address (workbench.limits). Everything typed that is shown back is escaped.

``TriageView(project, language)``: the facilitators' desk: list, pick, acknowledge / resolve / uphold with an
answer. Imports no pandas.
"""

from __future__ import annotations

import ipywidgets as w

from .. import apps
from ..concerns import ABOUT, STATUSES, TRIAGE_STATUSES, Concerns, project_secret, raise_concern, status_for_code
from ..concerns import triage as triage_concern
from ..errors import WorkbenchError
from ..i18n import available, format_datetime
from ..text import bdi
from ._base import STYLE, View, esc, language_switch, refusal_text
from .icons import ICON_STYLE, with_icon

CONCERN_STYLE = """
<style>
.wb-app button.wb-big { min-height: 56px; font-size: 19px; font-weight: 600; width: 100%; }
.wb-app .wb-about button.widget-toggle-button { min-height: 52px; font-size: 17px; flex: 1 1 40%; }
.wb-app .wb-labelled { flex-wrap: wrap; width: 100%; }
.wb-app .wb-labelled > label.widget-label { width: 100%; max-width: 100%; text-align: left; white-space: normal;
  overflow: visible; font-size: 17px; margin: 0 0 4px 0; }
.wb-app .wb-labelled > input, .wb-app .wb-labelled > textarea { flex: 1 1 100%; font-size: 18px; }
.wb-app .wb-labelled > input { min-height: 48px; }
.wb-app .wb-labelled > textarea { min-height: 140px; }
.wb-app .widget-checkbox.wb-check { height: auto; }
.wb-app .wb-check input[type=checkbox] { width: 28px; height: 28px; flex: 0 0 28px; }
.wb-app .wb-check label { font-size: 17px; white-space: normal; overflow: visible; text-overflow: clip; height: auto;
  line-height: 1.35; gap: 8px; }
.wb-app .wb-tracking-code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 1.3em;
  font-weight: 700; letter-spacing: 0.04em; overflow-wrap: anywhere; }
.wb-app .wb-words { white-space: pre-wrap; }
</style>
"""


_error_text = refusal_text  # the one rule (ui/_base.py)


def _labelled(widget):
    widget.layout = w.Layout(width="100%")
    widget.style = {"description_width": "initial"}
    widget.add_class("wb-labelled")
    return widget


def _button(style: str = "primary", icon: str | None = None) -> w.Button:
    b = w.Button(button_style=style, layout=w.Layout(width="100%", min_height="56px"))
    b.add_class("wb-big")
    return with_icon(b, icon) if icon else b


def _note(text: str, ok: bool = False) -> str:
    return f'<p class="{"wb-ok" if ok else "wb-error"}" role="status">{esc(text)}</p>'


def _relabel(toggle: w.ToggleButtons, options: list[tuple[str, str]]) -> None:
    value = toggle.value
    toggle.options = options
    toggle.value = value


class ConcernView(View):
    """The concern form. Controls are attributes (tests set ``.value`` and ``.click()``).

    ``about`` (ToggleButtons: data / model / process / datawork), ``text`` (Textarea), ``my_code`` (Text,
    optional), ``share`` (Checkbox), ``submit``; ``receipt`` shows the tracking code after sending.
    ``check_code`` (Text) + ``check`` -> ``check_result``. ``message`` shows refusals.
    """

    def __init__(self, project, language: str | None = None):
        lang = language if language in available() else project.config.default_language
        super().__init__(lang)
        self.project = project
        self.style = w.HTML(STYLE + CONCERN_STYLE + ICON_STYLE)
        self.header = w.HTML()
        self.language_switch = language_switch(lang)
        self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
        self.about_label = w.HTML()
        self.about = w.ToggleButtons(options=[(a, a) for a in ABOUT], value=None, layout=w.Layout(width="100%"))
        self.about.add_class("wb-about")
        self.text = _labelled(w.Textarea())
        self.text.add_class("wb-concern-text")
        self.my_code = _labelled(w.Text())
        self.my_code.add_class("wb-my-code")
        self.code_help = w.HTML()
        self.share = w.Checkbox(value=False, indent=False, layout=w.Layout(width="100%"))
        self.share.add_class("wb-check")
        self.submit = _button("primary", "next")
        self.message = w.HTML()
        self.receipt = w.HTML()
        self.check_heading = w.HTML()
        self.check_code = _labelled(w.Text())
        self.check_code.add_class("wb-check-code")
        self.check = _button("info", "open")
        self.check_result = w.HTML()
        self.submit.on_click(lambda _b: self._on_submit())
        self.check.on_click(lambda _b: self._on_check())
        self.widget.children = [self.style, self.header, self.language_switch, self.about_label, self.about,
                                self.text, self.my_code, self.code_help, self.share, self.submit, self.message,
                                self.receipt, self.check_heading, self.check_code, self.check, self.check_result]
        self.last = None  # the concern just sent (its tracking code is shown once)
        self.render()

    def _secret(self) -> bytes:
        return project_secret(self.project)

    def _on_submit(self) -> None:
        from ..limits import Limiter
        from .context import client_keys

        self.receipt.value = ""
        if self.about.value is None:
            self.message.value = _note(self.tr("concerns.form.choose_about"))
            return
        try:
            raised = raise_concern(self.project.store, self.about.value, self.text.value,
                                   share_text=bool(self.share.value), code=self.my_code.value,
                                   language=self.language, secret=self._secret(), keys=client_keys(),
                                   limiter=Limiter(self.project.root))
        except WorkbenchError as exc:  # NotSaved and TooManyTries included: nothing is claimed
            self.message.value = _note(_error_text(self.tr, exc))
            return
        self.last = raised
        self.text.value = ""
        self.my_code.value = ""
        self.share.value = False
        self.about.value = None
        self.message.value = _note(self.tr("concerns.sent.title"), ok=True)
        self._draw_receipt()

    def _draw_receipt(self) -> None:
        if self.last is None:
            self.receipt.value = ""
            return
        tr, c = self.tr, self.last.concern
        self.receipt.value = (
            f'<div class="wb-card wb-receipt" data-concern="{esc(c.id)}">'
            f"<p><strong>{esc(tr('concerns.sent.code_label'))}</strong></p>"
            f'<p class="wb-tracking-code">{esc(self.last.code)}</p>'
            f"<p>{esc(tr('concerns.sent.keep'))}</p>"
            f'<p class="wb-muted">{esc(tr("concerns.sent.your_words"))} · {esc(tr("concerns.about." + c.about))}</p>'
            f'<p class="wb-words">{bdi(c.text)}</p></div>')

    def _on_check(self) -> None:
        from ..limits import Limiter, TooManyTries
        from .context import client_keys

        typed = self.check_code.value
        try:
            found = Limiter(self.project.root).attempt(
                client_keys(), lambda: status_for_code(self.project.store, typed, secret=self._secret()))
        except TooManyTries as exc:
            self.check_result.value = _note(_error_text(self.tr, exc))
            return
        if found is None:  # never echoes what was typed
            self.check_result.value = _note(self.tr("concerns.check.unknown"))
            return
        tr = self.tr
        answer = (f'<p class="wb-words wb-response">{bdi(found["response"])}</p>' if found["response"]
                  else f'<p class="wb-muted">{esc(tr("concerns.check.no_response"))}</p>')
        self.check_result.value = (
            f'<div class="wb-card wb-status" data-status="{esc(found["status"])}">'
            f'<p><strong>{esc(tr("concerns.check.status", status=tr("concerns.status." + found["status"])))}'
            f"</strong></p><p>{esc(tr('concerns.status_explain.' + found['status']))}</p>"
            f'<p class="wb-muted">{esc(tr("concerns.check.about", about=tr("concerns.about." + found["about"])))}'
            f" · {esc(format_datetime(found['raised_at'], self.language))}</p>"
            f"<p><strong>{esc(tr('concerns.check.response'))}</strong></p>{answer}</div>")

    def render(self) -> None:
        tr = self.tr
        self.header.value = (f'<p class="wb-muted">{esc(tr("app.name"))} · {esc(self.project.name)}</p>'
                             f"<h1>{esc(tr('concerns.app.title'))}</h1><p>{esc(tr('concerns.app.intro'))}</p>")
        self.language_switch.tooltip = tr("welcome.language_label")
        self.about_label.value = f"<p><strong>{esc(tr('concerns.form.about_label'))}</strong></p>"
        _relabel(self.about, [(tr(f"concerns.about.{a}"), a) for a in ABOUT])
        self.about.tooltips = [tr(f"concerns.about.{a}") for a in ABOUT]
        self.text.description = tr("concerns.form.text_label")
        self.text.placeholder = tr("concerns.form.text_placeholder")
        self.my_code.description = tr("concerns.form.code_label")
        self.code_help.value = f'<p class="wb-muted">{esc(tr("concerns.form.code_help"))}</p>'
        self.share.description = tr("concerns.form.share")
        self.submit.description = tr("concerns.form.submit")
        self.check_heading.value = f"<h2>{esc(tr('concerns.check.heading'))}</h2>"
        self.check_code.description = tr("concerns.check.code_label")
        self.check.description = tr("concerns.check.submit")
        self._draw_receipt()


class TriageView(View):
    """The facilitators' desk. ``show`` (Dropdown: all or one status), ``pick`` (Dropdown of concerns),
    ``detail`` (HTML), ``new_status`` (ToggleButtons), ``response`` (Textarea), ``save``, ``refresh``,
    ``counts`` and ``message`` (HTML)."""

    def __init__(self, project, language: str | None = None):
        lang = language if language in available() else project.config.default_language
        super().__init__(lang)
        self.project = project
        self.style = w.HTML(STYLE + CONCERN_STYLE + ICON_STYLE)
        self.header = w.HTML()
        self.language_switch = language_switch(lang)
        self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
        self.counts = w.HTML()
        self.show = _labelled(w.Dropdown(options=[("", "")], value=""))
        self.pick = _labelled(w.Dropdown(options=[], value=None))
        self.detail = w.HTML()
        self.status_label = w.HTML()
        self.new_status = w.ToggleButtons(options=[(s, s) for s in TRIAGE_STATUSES], value=TRIAGE_STATUSES[0],
                                          layout=w.Layout(width="100%"))
        self.response = _labelled(w.Textarea())
        self.save = _button("primary")
        self.refresh = _button("", "refresh")
        self.message = w.HTML()
        self.show.observe(lambda _ch: self._fill(), names="value")
        self.pick.observe(lambda _ch: self._draw_detail(), names="value")
        self.save.on_click(lambda _b: self._on_save())
        self.refresh.on_click(lambda _b: self._fill())
        self.widget.children = [self.style, self.header, self.language_switch, self.counts, self.show, self.pick,
                                self.detail, self.status_label, self.new_status, self.response, self.save,
                                self.message, self.refresh]
        self.render()

    def _fold(self) -> Concerns:
        return Concerns.load(self.project.store)

    def _fill(self) -> None:
        tr = self.tr
        fold = self._fold()
        c = fold.concerns.values()
        n = {s: sum(1 for x in c if x.status == s) for s in STATUSES}
        self.counts.value = f'<p class="wb-muted">{esc(tr("concerns.triage.counts", total=len(c), **n))}</p>'
        wanted = self.show.value or None
        rows = [x for x in fold.concerns.values() if wanted is None or x.status == wanted]
        keep = self.pick.value
        self.pick.options = [(f"{x.id} · {tr('concerns.status.' + x.status)} · {tr('concerns.about.' + x.about)} · "
                              f"{format_datetime(x.raised_at, self.language, with_time=False)}", x.id) for x in rows]
        ids = [x.id for x in rows]
        self.pick.value = keep if keep in ids else (ids[0] if ids else None)
        self._draw_detail(fold)

    def _draw_detail(self, fold: Concerns | None = None) -> None:
        tr = self.tr
        if self.pick.value is None:
            self.detail.value = f"<p>{esc(tr('concerns.triage.none'))}</p>"
            return
        c = (fold or self._fold()).concerns[self.pick.value]
        extra = "".join(f'<p class="wb-muted">{esc(tr("concerns.triage." + k, **{k: getattr(c, k)}))}</p>'
                        for k in ("group", "stage", "decision") if getattr(c, k))
        steps = "".join(f"<li>{esc(format_datetime(s['ts'], self.language))}: "
                        f"{esc(tr('concerns.status.' + s['status']))}"
                        + (f" · {bdi(s['response'])}" if s["response"] else "") + "</li>" for s in c.history)
        raised = tr("concerns.triage.raised", when=format_datetime(c.raised_at, self.language),
                    channel=tr("concerns.channel." + c.channel))
        shared = tr("concerns.triage.shared_yes" if c.share_text else "concerns.triage.shared_no")
        self.detail.value = (
            f'<div class="wb-card wb-concern" data-concern="{esc(c.id)}" data-status="{esc(c.status)}">'
            f"<p><strong>{esc(c.id)} · {esc(tr('concerns.status.' + c.status))} · "
            f"{esc(tr('concerns.about.' + c.about))}</strong></p>"
            f'<p class="wb-words">{bdi(c.text)}</p>'
            f'<p class="wb-muted">{esc(raised)}</p><p class="wb-muted">{esc(shared)}</p>{extra}'
            + (f"<p><strong>{esc(tr('concerns.triage.history'))}</strong></p><ul>{steps}</ul>" if steps else "")
            + "</div>")

    def _on_save(self) -> None:
        if self.pick.value is None:
            self.message.value = _note(self.tr("concerns.triage.none"))
            return
        try:
            c = triage_concern(self.project.store, self.pick.value, self.new_status.value, self.response.value,
                               actor="facilitator")
        except WorkbenchError as exc:
            self.message.value = _note(_error_text(self.tr, exc))
            return
        self.response.value = ""
        self.message.value = _note(self.tr("concerns.triage.saved", status=self.tr("concerns.status." + c.status)),
                                   ok=True)
        self._fill()

    def render(self) -> None:
        tr = self.tr
        self.header.value = (f'<p class="wb-muted">{esc(tr("app.name"))} · {esc(self.project.name)}</p>'
                             f"<h1>{esc(tr('concerns.triage.title'))}</h1><p>{esc(tr('concerns.triage.intro'))}</p>")
        self.language_switch.tooltip = tr("welcome.language_label")
        keep = self.show.value
        self.show.options = [(tr("concerns.triage.all"), ""), *[(tr(f"concerns.status.{s}"), s) for s in STATUSES]]
        self.show.value = keep if keep in ("", *STATUSES) else ""
        self.show.description = tr("concerns.triage.filter")
        self.pick.description = tr("concerns.triage.pick")
        self.status_label.value = f"<p><strong>{esc(tr('concerns.triage.new_status'))}</strong></p>"
        _relabel(self.new_status, [(tr(f"concerns.status.{s}"), s) for s in TRIAGE_STATUSES])
        self.response.description = tr("concerns.triage.response")
        self.save.description = tr("concerns.triage.save")
        self.refresh.description = tr("concerns.triage.refresh")
        self._fill()


def app():
    """Voila entry point for everyone (no code needed): ``from workbench.ui.concerns import app; app()``."""
    from .context import open_app_project

    project, ctx = open_app_project("concern")
    return ConcernView(project, ctx.language)


def triage_app():
    """Voila / JupyterLab entry point for facilitators."""
    from .context import open_app_project

    project, ctx = open_app_project("concerns_triage")
    if ctx.role != apps.FACILITATOR:
        raise WorkbenchError("Only facilitators can triage concerns.", "Sign in with the facilitator code.",
                             key="login.facilitator_needed")
    return TriageView(project, ctx.language)


__all__ = ["ConcernView", "TriageView", "app", "triage_app"]
