"""The personal-data panel: what the scan finds in the raw file and in the curated view of a use; redaction."""

from __future__ import annotations

import ipywidgets as w

from ...errors import WorkbenchError
from ...text import esc
from ..kit import Labels, heading
from .common import ACTOR, Panel, need, table


class PiiPanel(Panel):
    """``pii_out``, ``redact_column``, ``redact_kinds``, ``redact_reason``, ``redact_button``; the scan follows
    the use chosen on the consent panel (``use``)."""

    def _build_pii(self):
        from ...curation.pii import Scanner

        self.pii_out = self.kit.html()
        self.redact_column = self.kit.drop([], full=True)
        self.redact_kinds = w.SelectMultiple(options=[], rows=6, layout=self.kit.full)
        self._pii_names = Scanner.default().names
        self.redact_reason = self.kit.text()
        self.redact_button = self.kit.button(style="warning")
        self.redact_button.on_click(lambda _b: self.redact())
        lb = self.pii_labels = Labels(self.kit)
        self.pii_panel = w.VBox([self.pii_out, lb.label("curation.pii.column"), self.redact_column,
                                 lb.label("curation.pii.kinds"), self.redact_kinds, lb.label("curation.log.reason"),
                                 self.redact_reason, self.redact_button], layout=self.kit.full)
        self._drawing = False
        self.use.observe(self._on_use, names="value")  # the scan follows the use chosen on the consent panel

    def _on_use(self, _change) -> None:
        if not self._drawing:
            self.render_pii()

    def render_pii(self) -> None:
        """Personal data in the raw file and left in the curated view of the use chosen on the consent panel."""
        from ...curation.pii import scan_curated, scannable_columns

        tr = self.tr
        ds = self._dataset()
        self.redact_kinds.options = [(tr(f"curation.pii.{n}"), n) for n in self._pii_names]
        if ds is None:
            self.pii_out.value = f"<p>{esc(tr('curation.no_dataset'))}</p>"
            return
        self.redact_column.options = scannable_columns(ds)
        try:
            found = scan_curated(self.project, self.use.value).table()
        except WorkbenchError as exc:
            self._fail(exc)
            return
        rows = [[r.column, tr(f"curation.pii.{r.kind}") if tr.has(f"curation.pii.{r.kind}") else r.kind,
                 f"{r.raw_rows:,}", f"{r.left_rows:,}"] for r in found.itertuples()]
        self.pii_out.value = (heading(f"{tr('curation.pii.heading')} · {self.use.label}")
                              + (table([tr("curation.col.column"), tr("curation.col.kind"),
                                         tr("curation.pii.raw_rows"), tr("curation.pii.left_rows")], rows, {2, 3})
                                 if rows else f"<p>{esc(tr('curation.pii.none'))}</p>"))

    def redact(self):
        from ...curation import actions

        ds = self._dataset()
        kinds = list(self.redact_kinds.value) or None
        a = self._run(lambda: actions.redact(self.project.store, need(ds), [self.redact_column.value], kinds,
                                             reason=self.redact_reason.value, actor=ACTOR))
        if a is not None:
            self.redact_reason.value = ""
            self._ok("curation.log.recorded")
        return a


    def _relabel_pii(self, tr, ds) -> None:
        self.pii_labels.relabel(tr)
        self.redact_button.description = tr("curation.pii.redact")
