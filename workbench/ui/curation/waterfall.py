"""The consent panel: consent enforced row by row for a use (the waterfall), snapshots and their spreadsheet copy."""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from ...errors import WorkbenchError
from ...text import esc
from ..kit import Labels, heading, muted
from .common import ACTOR, Panel, table

SHEET_LINK_BYTES = 5 * 1024 * 1024  # spreadsheet copies up to this size also get a download link


class ConsentPanel(Panel):
    """``use``, ``at``, ``show_button``, ``waterfall_table``, ``waterfall_chart``, ``snapshot_button``,
    ``sheet_button`` (save a spreadsheet copy of the latest snapshot), ``sheet_info`` (its download link)."""

    def _build_consent(self):
        self.use = self.kit.drop(self._use_options(), "train", full=True)
        self.at = w.DatePicker(value=None, layout=self.kit.full)
        self.show_button = self.kit.button(style="primary")
        self.show_button.on_click(lambda _b: self.render_consent())
        self.waterfall_table = self.kit.html()
        self.waterfall_chart = self.kit.html()
        self.snapshot_button = self.kit.button(style="info")
        self.snapshot_button.on_click(lambda _b: self.take_snapshot())
        self.snapshot_info = self.kit.html()
        self.sheet_button = self.kit.button(style="info")  # a spreadsheet copy of the snapshot, formulas neutralised
        self.sheet_button.on_click(lambda _b: self.save_spreadsheet())
        self.sheet_info = self.kit.html()
        lb = self.consent_labels = Labels(self.kit)
        self.consent_panel = w.VBox([lb.label("curation.consent.use"), self.use, lb.label("curation.consent.at"), self.at,
                                     self.show_button, self.waterfall_table, self.waterfall_chart,
                                     self.snapshot_button, self.snapshot_info, self.sheet_button,
                                     self.sheet_info], layout=self.kit.full)

    def _at(self):
        if self.at.value is None:
            return None
        return dt.datetime.combine(self.at.value, dt.time(23, 59, 59), tzinfo=dt.UTC)

    def render_consent(self) -> None:
        from ...curation.enforce import curated
        from ...curation.snapshot import latest

        tr = self.tr
        if self._dataset() is None:
            self.waterfall_table.value = f"<p>{esc(tr('curation.no_dataset'))}</p>"
            self.waterfall_chart.value = ""
            return
        try:
            view = curated(self.project, self.use.value, self._at())
        except WorkbenchError as exc:
            self._fail(exc)
            return
        steps = view.waterfall()
        rows = [[tr(f"curation.reason.{s}"), f"{abs(int(n)):,}"] for s, n in zip(steps["step"], steps["rows"],
                                                                                  strict=True)]
        self.waterfall_table.value = (heading(tr("curation.consent.heading", use=self.use.label))
                                      + table([tr("curation.col.step"), tr("curation.col.rows")], rows, {1})
                                      + muted(tr("curation.consent.kept", kept=view.counts["kept"], raw=len(view.reason)),
                                              kept=view.counts["kept"]))
        if self.charts:
            from ...charts.curation import to_svg, waterfall
            from ...charts.readings import reading_html, waterfall_reading

            self.waterfall_chart.value = (f'<div class="wb-chart" style="overflow-x:auto">{to_svg(waterfall(steps, tr))}</div>'
                                          + reading_html(waterfall_reading(steps, tr)))
        snap = latest(self.project.store, self.use.value)
        self.snapshot_info.value = "" if snap is None else (
            muted(tr("curation.snapshot.last", hash=snap.content_sha256[:16], rows=snap.rows, at=snap.at[:10])))

    def take_snapshot(self):
        from ...curation.snapshot import take

        snap = self._run(lambda: take(self.project, self.use.value, self._at(), ACTOR))
        if snap is not None:
            self._ok("curation.snapshot.taken", hash=snap.content_sha256[:16], rows=snap.rows)
        return snap

    def save_spreadsheet(self):
        """Save a spreadsheet copy of the use's latest snapshot (the snapshot itself stays as recorded).

        Written to ``artifacts/spreadsheets/``; a download link follows when the copy is at most
        ``SHEET_LINK_BYTES`` (larger copies are only named by their path)."""
        import base64

        from ...curation.snapshot import spreadsheet_copy

        out = self._run(lambda: spreadsheet_copy(self.project, self.use.value))
        self.sheet_info.value = ""
        if out is not None:
            _snap, path = out
            self._ok("curation.snapshot.spreadsheet_saved", path=str(path))
            if path.stat().st_size <= SHEET_LINK_BYTES:
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                self.sheet_info.value = (f'<p><a download="{esc(path.name)}" '
                                         f'href="data:text/csv;charset=utf-8;base64,{data}">'
                                         f"{esc(self.tr('curation.snapshot.download', name=path.name))}</a></p>")
        return out


    def _relabel_consent(self, tr, ds) -> None:
        self.consent_labels.relabel(tr)
        current_use = self.use.value
        self._drawing = True  # relabelling the uses is not choosing one: render_pii runs once, after
        try:
            self.use.options = self._use_options()
            self.use.value = current_use
        finally:
            self._drawing = False
        self.show_button.description = tr("curation.consent.show")
        self.snapshot_button.description = tr("curation.snapshot.take")
        self.sheet_button.description = tr("curation.snapshot.spreadsheet")
