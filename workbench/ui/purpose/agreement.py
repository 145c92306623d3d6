"""The desk's agreement tab: record the room's decision on the charter on screen, write the charter files."""

from __future__ import annotations

from ...errors import WorkbenchError
from ...purpose import charter as ch
from ...text import esc
from .common import DeskPart, message


class AgreementTab(DeskPart):
    """``present``, ``in_favour``, ``against``, ``abstain``, ``rule``, ``record``, ``write_files``."""

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
        from ...purpose.render import write_charter

        out = []
        if self._act(lambda: out.append(write_charter(self.project, language=self.language))):
            self._ok(self.tr("purpose.fac.written", path=str(out[0][1][0].parent)))

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
            items = "".join(f"<li>{esc(message(tr, WorkbenchError('', key=k, **p)))}</li>" for k, p in missing)
            self.missing.value = f'<p>{esc(tr("purpose.fac.missing"))}</p><ul>{items}</ul>'
        else:
            self.missing.value = ""
        rows = []
        for d in history.decisions:
            key = "purpose.fac.decision_agreed" if d["kind"] == "charter.agreed" else "purpose.fac.decision_not"
            rows.append(f"<li>{esc(tr(key, version=d['version'], date=d['ts'][:10], present=d['present'], in_favour=d['in_favour'], against=d['against'], abstain=d['abstain']))}</li>")  # noqa: E501
        self.decisions.value = f"<ul>{''.join(rows)}</ul>" if rows else ""
