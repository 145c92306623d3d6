"""The desk's analysis tab: the Pol.is analysis (scikit-learn, imported when the tab is drawn), its charts,
promotion of statements into the charter, sharing the results and the export."""

from __future__ import annotations

import ipywidgets as w

from ...purpose import charter as ch
from ...purpose import deliberation as dl
from ...text import esc
from .common import DeskPart


class AnalysisTab(DeskPart):
    """``refresh``, ``summary``, ``charts``, ``promote_to``, ``promote_buttons[id]``, ``share``, ``export``."""

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
        from ...purpose.export import export_project

        paths = []
        if self._act(lambda: paths.extend(export_project(self.project))):
            self._ok(self.tr("purpose.fac.exported", path=str(paths[0].parent)))

    def _render_analysis(self, delib) -> None:
        from ...purpose.analysis import analyse

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
                    how = representative_phrase(tr, r)
                    parts.append(f'<p>#{r["statement"]} {esc(texts.get(r["statement"], ""))} '
                                 f'<span class="wb-muted">({esc(how)})</span></p>')
                parts.append("</div>")
        self.summary.value = "".join(parts)
        if self.with_charts and len(a.statements):
            from ...charts import purpose as charts
            from ...charts import readings as rd

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


def representative_phrase(tr, row: dict) -> str:
    """How a representative statement reads on the desk. The group's best agreed statement is shown by its
    agree share: Pol.is finalises it by its stronger side, which for a statement most of the group agrees
    with can be "disagree" at a few percent, a reading that says the opposite of why it was picked."""
    if row.get("best_agree") and row.get("p_agree") is not None:
        return tr("purpose.fac.rep_agree", share=format(row["p_agree"], ".0%"))
    return tr("purpose.fac.rep_" + row["direction"], share=format(row["p_in"], ".0%"))
