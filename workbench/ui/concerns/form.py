"""The concern form (issue 20), open to anyone on a phone.

``ConcernView(project, language)``: what it is about, the person's words, optionally their participant code
or contributor card (a wrong code gets a sentence and nothing is sent), whether their words may be shown
publicly; sending shows the tracking code once. "Check my concern": a tracking code -> its status and the
facilitators' answer. No code is needed; concerns sent without one are rate-limited per page, session and
address (workbench.limits). Everything typed that is shown back is escaped.
"""

from __future__ import annotations

import ipywidgets as w

from ...concerns import ABOUT, project_secret, raise_concern, status_for_code
from ...errors import WorkbenchError
from ...i18n import format_datetime
from ...text import bdi, esc
from .._base import View, app_language, refusal_text
from ..icons import ICON_STYLE
from ..kit import header, note, relabel
from .common import CONCERN_STYLE


class ConcernView(View):
    """The concern form. Controls are attributes (tests set ``.value`` and ``.click()``).

    ``about`` (ToggleButtons: data / model / process / datawork), ``text`` (Textarea), ``my_code`` (Text,
    optional), ``share`` (Checkbox), ``submit``; ``receipt`` shows the tracking code after sending.
    ``check_code`` (Text) + ``check`` -> ``check_result``. ``message`` shows refusals.
    """

    def __init__(self, project, language: str | None = None):
        super().__init__(app_language(project, language))
        self.project = project
        self._chrome(CONCERN_STYLE, ICON_STYLE)
        self.about_label = w.HTML()
        self.about = w.ToggleButtons(options=[(a, a) for a in ABOUT], value=None, layout=w.Layout(width="100%"))
        self.about.add_class("wb-about")
        self.text = self.kit.field(w.Textarea())
        self.text.add_class("wb-concern-text")
        self.my_code = self.kit.field(w.Text())
        self.my_code.add_class("wb-my-code")
        self.code_help = w.HTML()
        self.share = self.kit.check()
        self.share.add_class("wb-check")
        self.submit = self.kit.tall("primary", icon="next")
        self.message = w.HTML()
        self.receipt = w.HTML()
        self.check_heading = w.HTML()
        self.check_code = self.kit.field(w.Text())
        self.check_code.add_class("wb-check-code")
        self.check = self.kit.tall("info", icon="open")
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
        from ...limits import Limiter
        from ..context import client_keys

        self.receipt.value = ""
        if self.about.value is None:
            self.message.value = note(self.tr("concerns.form.choose_about"))
            return
        try:
            raised = raise_concern(self.project.store, self.about.value, self.text.value,
                                   share_text=bool(self.share.value), code=self.my_code.value,
                                   language=self.language, secret=self._secret(), keys=client_keys(),
                                   limiter=Limiter(self.project.root))
        except WorkbenchError as exc:  # NotSaved and TooManyTries included: nothing is claimed
            self.message.value = note(refusal_text(self.tr, exc))
            return
        self.last = raised
        self.text.value = ""
        self.my_code.value = ""
        self.share.value = False
        self.about.value = None
        self.message.value = note(self.tr("concerns.sent.title"), ok=True)
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
        from ...limits import Limiter, TooManyTries
        from ..context import client_keys

        typed = self.check_code.value
        try:
            found = Limiter(self.project.root).attempt(
                client_keys(), lambda: status_for_code(self.project.store, typed, secret=self._secret()))
        except TooManyTries as exc:
            self.check_result.value = note(refusal_text(self.tr, exc))
            return
        if found is None:  # never echoes what was typed
            self.check_result.value = note(self.tr("concerns.check.unknown"))
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
        self.header.value = header(tr, tr("concerns.app.title"), self.project.name, tr("concerns.app.intro"))
        self.language_switch.tooltip = tr("welcome.language_label")
        self.about_label.value = f"<p><strong>{esc(tr('concerns.form.about_label'))}</strong></p>"
        relabel(self.about, [(tr(f"concerns.about.{a}"), a) for a in ABOUT])
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
