"""The facilitators' concern desk: list, pick, acknowledge / resolve / uphold with an answer. Imports no pandas."""

from __future__ import annotations

import ipywidgets as w

from ...concerns import STATUSES, TRIAGE_STATUSES, Concerns
from ...concerns import triage as triage_concern
from ...errors import WorkbenchError
from ...i18n import format_datetime
from ...text import bdi, esc
from .._base import View, app_language, refusal_text
from ..icons import ICON_STYLE
from ..kit import header, note, relabel
from .common import CONCERN_STYLE


class TriageView(View):
    """The facilitators' desk. ``show`` (Dropdown: all or one status), ``pick`` (Dropdown of concerns),
    ``detail`` (HTML), ``new_status`` (ToggleButtons), ``response`` (Textarea), ``save``, ``refresh``,
    ``counts`` and ``message`` (HTML)."""

    def __init__(self, project, language: str | None = None):
        super().__init__(app_language(project, language))
        self.project = project
        self._chrome(CONCERN_STYLE, ICON_STYLE)
        self.counts = w.HTML()
        self.show = self.kit.field(w.Dropdown(options=[("", "")], value=""))
        self.pick = self.kit.field(w.Dropdown(options=[], value=None))
        self.detail = w.HTML()
        self.status_label = w.HTML()
        self.new_status = w.ToggleButtons(options=[(s, s) for s in TRIAGE_STATUSES], value=TRIAGE_STATUSES[0],
                                          layout=w.Layout(width="100%"))
        self.response = self.kit.field(w.Textarea())
        self.save = self.kit.tall("primary")
        self.refresh = self.kit.tall(icon="refresh")
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
            self.message.value = note(self.tr("concerns.triage.none"))
            return
        try:
            c = triage_concern(self.project.store, self.pick.value, self.new_status.value, self.response.value,
                               actor="facilitator")
        except WorkbenchError as exc:
            self.message.value = note(refusal_text(self.tr, exc))
            return
        self.response.value = ""
        self.message.value = note(self.tr("concerns.triage.saved", status=self.tr("concerns.status." + c.status)),
                                   ok=True)
        self._fill()

    def render(self) -> None:
        tr = self.tr
        self.header.value = header(tr, tr("concerns.triage.title"), self.project.name, tr("concerns.triage.intro"))
        self.language_switch.tooltip = tr("welcome.language_label")
        keep = self.show.value
        self.show.options = [(tr("concerns.triage.all"), ""), *[(tr(f"concerns.status.{s}"), s) for s in STATUSES]]
        self.show.value = keep if keep in ("", *STATUSES) else ""
        self.show.description = tr("concerns.triage.filter")
        self.pick.description = tr("concerns.triage.pick")
        self.status_label.value = f"<p><strong>{esc(tr('concerns.triage.new_status'))}</strong></p>"
        relabel(self.new_status, [(tr(f"concerns.status.{s}"), s) for s in TRIAGE_STATUSES])
        self.response.description = tr("concerns.triage.response")
        self.save.description = tr("concerns.triage.save")
        self.refresh.description = tr("concerns.triage.refresh")
        self._fill()
