"""The profile panel: the data's profile with its charts, and the reference shares groups are compared with."""

from __future__ import annotations

import ipywidgets as w

from ...errors import WorkbenchError
from ...text import esc
from ..kit import Labels, heading, note
from .common import ACTOR, Panel, pct, table


class ProfilePanel(Panel):
    """``profile_button``, ``profile_out``, ``ref_attribute``, ``ref_shares``, ``ref_source``, ``ref_save``."""

    def _build_profile(self):
        self.profile_button = self.kit.button(style="primary")
        self.profile_button.on_click(lambda _b: self.render_profile())
        self.profile_out = self.kit.html()
        self.profile_charts = self.kit.html()
        self.ref_attribute = self.kit.drop([], full=True)
        self.ref_shares = self.kit.area(height="90px")
        self.ref_source = self.kit.text()
        self.ref_save = self.kit.button(style="info")
        self.ref_save.on_click(lambda _b: self.save_reference())
        lb = self.ref_labels = Labels(self.kit)
        self.profile_panel = w.VBox([self.profile_button, self.profile_out, self.profile_charts,
                                     lb.heading("curation.profile.reference", 3), lb.label("curation.profile.ref_attribute"),
                                     self.ref_attribute, lb.label("curation.profile.ref_shares"), self.ref_shares,
                                     lb.label("curation.profile.ref_source"), self.ref_source,
                                     self.ref_save], layout=self.kit.full)

    def render_profile(self) -> None:
        from ...curation.profile import project_profile

        tr = self.tr
        ds = self._dataset()
        if ds is None:
            self.profile_out.value = f"<p>{esc(tr('curation.no_dataset'))}</p>"
            return
        try:
            prof = project_profile(self.project)
        except WorkbenchError as exc:
            self._fail(exc)
            return
        self._profile = prof
        parts = [heading(tr("curation.profile.heading")),
                 f"<p>{esc(tr('curation.ds.f.rows', rows=prof.rows, columns=prof.columns, contributors=int(prof.column_table.set_index('column').loc[ds.mapping.contributor, 'distinct'])))}</p>",
                 f"<p>{esc(tr('curation.ds.f.duplicates', count=prof.duplicates))}</p>",
                 heading(tr("curation.ds.f.missing"), 3),
                 table([tr("curation.col.column"), tr("curation.col.kind"), tr("curation.col.missing"),
                         tr("curation.col.distinct")],
                        [[r.column, r.kind, f"{r.missing:,} ({pct(r.missing_share)})", f"{r.distinct:,}"]
                         for r in prof.column_table.itertuples()], {2, 3}),
                 heading(tr("curation.ds.f.labels"), 3),
                 table([tr("curation.col.label"), tr("curation.col.count"), tr("curation.col.share")],
                        [[r.label, f"{r.count:,}", pct(r.share)] for r in prof.labels.itertuples()], {1, 2}),
                 heading(tr("curation.ds.f.groups"), 3),
                 table([tr("curation.col.attribute"), tr("curation.col.group"), tr("curation.col.count"),
                         tr("curation.col.share"), tr("curation.col.reference"), tr("curation.col.small")],
                        [[r.attribute, tr("curation.missing_value") if r.group is None else r.group, f"{r.count:,}",
                          pct(r.share), pct(r.reference),
                          "⚠ " + tr("curation.small_flag", size=prof.min_group_size) if r.small else ""]
                         for r in prof.groups.itertuples()], {2, 3, 4})]
        if prof.text_length is not None:
            t = prof.text_length.iloc[0]
            length = tr("curation.ds.f.text_length", mean=f"{t['mean']:.0f}", median=f"{t['median']:.0f}",
                        max=int(t["max"]))
            parts.append(f"<p>{esc(length)}</p>")
        self.profile_out.value = "".join(parts)
        self.ref_attribute.options = list(ds.mapping.groups)
        if self.charts:
            from ...charts import curation as charts
            from ...charts import readings as rd

            try:  # each chart with its one-line plain reading under it
                svgs = [(charts.missing_values(prof.column_table, tr), rd.missing_reading(prof.column_table, tr)),
                         (charts.label_balance(prof.labels, tr), rd.label_balance_reading(prof.labels, tr))]
                svgs += [(charts.representation(prof.groups, g, prof.min_group_size, tr),
                          rd.representation_reading(prof.groups, g, tr)) for g in ds.mapping.groups]
                if prof.text_histogram is not None:
                    svgs.append((charts.text_lengths(prof.text_histogram, tr),
                                 rd.text_lengths_reading(prof.text_histogram, tr)))
                if len(prof.pii) and prof.pii["rows"].sum():  # personal data found: rows per kind
                    svgs.append((charts.pii_findings(prof.pii, tr), rd.pii_reading(prof.pii, tr)))
                self.profile_charts.value = "".join(
                    f'<div class="wb-chart" style="overflow-x:auto">{charts.to_svg(c)}</div>{rd.reading_html(line)}'
                    for c, line in svgs)
            except (ImportError, ValueError):  # vl-convert missing or refusing the spec: the tables are the record
                self.profile_charts.value = note(tr("error.chart_failed"))

    def save_reference(self):
        from ...curation.profile import parse_shares, set_reference

        ev = self._run(lambda: set_reference(self.project.store, self.ref_attribute.value or "",
                                             parse_shares(self.ref_shares.value), self.ref_source.value, ACTOR))
        if ev is not None:
            self._ok("curation.profile.reference_saved", attribute=ev.payload["attribute"])
            if self.profile_out.value:
                self.render_profile()
        return ev


    def _relabel_profile(self, tr, ds) -> None:
        self.profile_button.description = tr("curation.profile.run")
        self.ref_labels.relabel(tr)
        self.ref_save.description = tr("curation.profile.ref_save")
        if ds is not None:
            self.ref_attribute.options = list(ds.mapping.groups)
