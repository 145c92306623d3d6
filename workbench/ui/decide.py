"""The community's decision on a gate, for facilitators: one box reused by the scope, curation and
evaluation apps (issue 20).

``DecisionBox(project, tr, gate, subject)``: ``subject`` is a function returning what the decision is
about (:mod:`workbench.decisions.subjects`), read when a button is pressed so it is always the thing on
screen now. Controls (attributes, for tests): ``present``, ``in_favour``, ``against``, ``abstain``,
``title``, ``outcome``, ``record`` (counted hands), ``open_vote`` (members vote from their phones),
``close_vote`` (tally the phones), ``reason``, ``override_button``; ``status`` and ``message`` (HTML).
Its widgets come from the view's ``kit`` (:mod:`workbench.ui.kit`) when it passes one, else from a kit of its own.
The box only records decisions; the gate's own button (publish, accept, adopt) then does what was agreed.
"""

from __future__ import annotations

import ipywidgets as w

from ..errors import WorkbenchError
from ..text import esc
from ._base import refusal_text
from .kit import Kit, heading, muted, note

error_text = refusal_text  # the one rule (ui/_base.py)


def decision_line(tr, d) -> str:
    """One decision in words (escaped HTML), in ``tr``'s language."""
    if d.status == "override":
        return esc(tr("decisions.line.override", id=d.id, reason=d.reason))
    if d.status == "open":
        t = d.tally()
        return esc(tr("decisions.line.open", id=d.id, agree=t["agree"], disagree=t["disagree"],
                      abstain=t["abstain"]))
    return esc(tr("decisions.line.closed", id=d.id, result=tr(f"decisions.result.{d.status.replace(' ', '_')}"),
                  present=d.present, in_favour=d.in_favour, against=d.against, abstain=d.abstain,
                  rule=tr(f"decisions.rule.{d.rule}")))


class DecisionBox:
    def __init__(self, project, tr, gate: str, subject, on_change=None, kit: Kit | None = None):
        self.project, self.tr, self.gate, self.subject = project, tr, gate, subject
        self.on_change = on_change
        kit = Kit() if kit is None else kit
        count = {"min": 0, "max": 100000, "layout": kit.auto, "style": kit.desc}
        self.heading = kit.html()
        self.status = kit.html()
        self.title = kit.text()
        self.present, self.in_favour = w.BoundedIntText(**count), w.BoundedIntText(**count)
        self.against, self.abstain = w.BoundedIntText(**count), w.BoundedIntText(**count)
        self.outcome = kit.area()
        self.record = kit.button(style="primary")
        self.open_vote = kit.button()
        self.close_vote = kit.button()
        self.reason = kit.area()
        self.override_button = kit.button(style="danger")
        self.message = kit.html()
        self.record.on_click(lambda _b: self._guard(self._on_record))
        self.open_vote.on_click(lambda _b: self._guard(self._on_open))
        self.close_vote.on_click(lambda _b: self._guard(self._on_close))
        self.override_button.on_click(lambda _b: self._guard(self._on_override))
        self.override = w.Accordion(children=[w.VBox([self.reason, self.override_button])])
        self.widget = kit.vbox([self.heading, self.status, self.title,
                                w.HBox([self.present, self.in_favour, self.against, self.abstain]), self.outcome,
                                w.HBox([self.record, self.open_vote, self.close_vote]), self.override, self.message])
        self.widget.add_class("wb-decision")
        self.relabel(tr, refresh=False)  # the view's render() relabels it once what it decides on is on screen

    # -- labels ------------------------------------------------------------------------------------
    def relabel(self, tr, refresh: bool = True) -> None:
        self.tr = tr
        self.heading.value = heading(tr("decisions.box.heading." + self.gate), 3)
        for control, key in ((self.title, "title"), (self.present, "present"), (self.in_favour, "in_favour"),
                             (self.against, "against"), (self.abstain, "abstain"), (self.outcome, "outcome"),
                             (self.reason, "reason")):
            control.description = tr(f"decisions.box.{key}")
        self.record.description = tr("decisions.box.record")
        self.open_vote.description = tr("decisions.box.open")
        self.close_vote.description = tr("decisions.box.close")
        self.override_button.description = tr("decisions.box.override")
        self.override.set_title(0, tr("decisions.box.override_heading"))
        if refresh:
            self.refresh()

    def refresh(self) -> None:
        """What has been decided on the subject now on screen."""
        from ..decisions import DecisionLog

        try:
            subject = self.subject()
        except WorkbenchError as exc:
            self.status.value = muted(error_text(self.tr, exc))
            self.close_vote.disabled = True
            return
        mine = [d for d in DecisionLog.load(self.project.store).for_gate(self.gate) if d.hash == subject["hash"]]
        self.close_vote.disabled = not any(d.status == "open" for d in mine)
        if not mine:
            self.status.value = muted(self.tr("decisions.box.none"))
            return
        self.status.value = "".join(f"<p>{decision_line(self.tr, d)}</p>" for d in mine[-3:])

    # -- actions -----------------------------------------------------------------------------------
    def _guard(self, action) -> None:
        try:
            text = action()
        except WorkbenchError as exc:
            self.message.value = note(error_text(self.tr, exc))
            return
        self.message.value = note(text, ok=True)
        self.refresh()
        if self.on_change is not None:
            self.on_change()

    def _on_record(self) -> str:
        from ..decisions import decide

        d = decide(self.project.store, self.gate, self.subject(), present=self.present.value,
                   in_favour=self.in_favour.value, against=self.against.value, abstain=self.abstain.value,
                   title=self.title.value, outcome=self.outcome.value)
        return self.tr(f"decisions.result.{d.status.replace(' ', '_')}")

    def _on_open(self) -> str:
        from ..decisions import propose

        d = propose(self.project.store, self.gate, self.subject(), self.title.value, self.outcome.value)
        return self.tr("decisions.box.opened", id=d.id)

    def _on_close(self) -> str:
        from ..decisions import DecisionLog, close

        subject = self.subject()
        open_ = [d for d in DecisionLog.load(self.project.store).open()
                 if d.gate == self.gate and d.hash == subject["hash"]]
        if not open_:
            raise WorkbenchError("No decision on this is open.", key="decisions.error.nothing_open")
        d = close(self.project.store, open_[-1].id, outcome=self.outcome.value)
        return self.tr(f"decisions.result.{d.status.replace(' ', '_')}")

    def _on_override(self) -> str:
        from ..decisions import override

        d = override(self.project.store, self.gate, self.subject(), self.reason.value, title=self.title.value)
        self.reason.value = ""
        return self.tr("decisions.box.overridden", id=d.id)
