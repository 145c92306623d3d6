"""The evaluation app (facilitators): choose candidates, run with a progress bar and cancel, read the criteria
table and the charts, see the recommendation, record the community's decision.

``EvaluationView(project, language)``; controls are attributes for tests:
``candidates`` (dict key -> Checkbox), ``seed``, ``run``, ``cancel``, ``progress``, ``status``, ``table``,
``charts``, ``recommendation``, ``decision``, ``reason``, ``record``, ``message``, ``drift``.
A run goes in a background thread so that *cancel* can be clicked meanwhile; ``background = False`` runs it in
the click (tests), and :meth:`join` waits for a background run. The view re-reads everything from the log.
"""

from __future__ import annotations

import threading

import ipywidgets as w

from ...errors import WorkbenchError
from ...text import esc
from .._base import View, refusal_text
from ..kit import card, header, heading, muted, note

LOCAL_STYLE = """
<style>
.wb-app .wb-pass { color: #0f4d1f; font-weight: 600; }
.wb-app .wb-fail { color: #9b1c1c; font-weight: 600; }
.wb-app .wb-not_enough_evidence { color: #5c4100; font-weight: 600; }
.wb-app.wb-wide { max-width: 980px; }
.wb-app .wb-cand { margin: 2px 0 8px 26px; }
.wb-app .wb-legend li { margin: 2px 0; }
.wb-app td .wb-muted { font-weight: normal; font-size: 0.85em; }
</style>
"""
STATUS_ICON = {"pass": "✔", "fail": "✘", "not_enough_evidence": "?"}


_message = refusal_text  # the one rule (ui/_base.py)


def _num(value, digits: int = 3) -> str:
    if value is None:
        return "—"
    v = float(value)
    return f"{v:.2e}" if v and abs(v) < 10**-digits else f"{v:.{digits}f}"


class EvaluationView(View):
    def __init__(self, project, language: str | None = None, *, meter=None, n_boot: int = 1000):
        from ... import i18n
        from ...evaluation import candidates as cands

        lang = language if language in i18n.available() else project.config.default_language
        super().__init__(lang)
        self.widget.add_class("wb-wide")
        self.project = project
        self.meter = meter
        self.n_boot = n_boot
        self.background = True
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._chrome(LOCAL_STYLE)
        kit = self.kit
        self.candidates = {k: kit.check("heavy" not in c.tags) for k, c in cands.REGISTRY.items()}
        self.candidate_notes = {k: kit.html() for k in cands.REGISTRY}
        self.candidates_heading = kit.html()
        self.candidate_box = kit.vbox([kit.vbox([self.candidates[k], self.candidate_notes[k]])
                                       for k in cands.REGISTRY])
        self.seed = w.BoundedIntText(value=0, min=0, max=2**31 - 1, style=kit.desc)
        self.run = kit.button(style="primary")
        self.cancel = kit.button(style="warning")
        self.cancel.disabled = True
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=kit.full)
        self.status = kit.html()
        self.table = kit.html()
        self.charts = kit.vbox([])
        self.recommendation = kit.html()
        self.decision = kit.drop([], full=True)
        self.reason = kit.area(height="70px")
        self.record = kit.button(style="success")
        self.message = kit.html()
        self.drift = kit.html()
        from ..decide import DecisionBox

        # Adopting is a gate: the community's decision on the run and candidate chosen above.
        self.gate = DecisionBox(project, self.tr, "adopt", self._adopt_subject, kit=kit)
        self.decision.observe(lambda _ch: self.gate.refresh(), names="value")
        self.run.on_click(self._on_run)
        self.cancel.on_click(lambda _b: self._stop.set())
        self.record.on_click(self._on_record)
        self.widget.children = [self.style, self.header, self.language_switch, self.drift, self.candidates_heading,
                                self.candidate_box,
                                self.seed, kit.hbox([self.run, self.cancel]), self.progress, self.status, self.table,
                                self.recommendation, self.charts, self.decision, self.gate.widget, self.reason,
                                self.record,
                                self.message]
        self._data_error = None
        self._spec = None
        self._chart_key = None
        self._load_spec()
        self.render()

    def _load_spec(self) -> None:
        """What shape the project's data has (which candidates can run); read at start and after each run."""
        from ...evaluation.inputs import from_project

        try:
            self._spec, self._data_error = from_project(self.project).spec(), None
        except WorkbenchError as exc:
            self._spec, self._data_error = None, _message(self.tr, exc)

    # -- state ------------------------------------------------------------------------------------
    def latest(self):
        from ...evaluation.protocol import latest_run

        return latest_run(self.project.store)

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    # -- actions ----------------------------------------------------------------------------------
    def _on_run(self, _button=None) -> None:
        if self.running():
            return
        chosen = [k for k, box in self.candidates.items() if box.value and not box.disabled]
        if not chosen:
            self.status.value = note(self.tr("evaluation.ui.choose_one"))
            return
        self._stop.clear()
        self.run.disabled, self.cancel.disabled = True, False
        self.progress.value, self.progress.max = 0, 1
        self.status.value = muted(self.tr("evaluation.ui.preparing"), role="status")
        if self.background:
            self._thread = threading.Thread(target=self._run, args=(chosen, int(self.seed.value)), daemon=True)
            self._thread.start()
        else:
            self._run(chosen, int(self.seed.value))

    def _progress(self, done: int, total: int, key: str, step: str) -> None:
        self.progress.max = max(1, total)
        self.progress.value = min(done, total)
        title = self.tr(f"evaluation.candidate.{key}.title")
        self.status.value = muted(self.tr("evaluation.ui.progress", done=done, total=total, candidate=title),
                                  role="status")

    def _run(self, chosen: list[str], seed: int) -> None:
        from ...evaluation.run import run_evaluation

        try:
            run_evaluation(self.project, chosen, seed=seed, meter=self.meter, n_boot=self.n_boot,
                           progress=self._progress, stop=self._stop)
            self.message.value = ""
        except WorkbenchError as exc:
            self.status.value = note(_message(self.tr, exc))
            self.run.disabled, self.cancel.disabled = False, True
            return
        self.run.disabled, self.cancel.disabled = False, True
        self._load_spec()
        self.render()

    def _adopt_subject(self) -> dict:
        from ...decisions import subjects

        run = self.latest()
        if run is None or not self.decision.value:
            raise WorkbenchError("Choose the candidate the community decides on.",
                                 key="decisions.error.choose_candidate")
        return subjects.adopt(run["run"], self.decision.value)

    def _on_record(self, _button=None) -> None:
        from ...evaluation.card import adopt

        run = self.latest()
        if run is None:
            return
        try:
            adopt(self.project, run, self.decision.value or None, self.reason.value, language=self.language)
        except WorkbenchError as exc:
            self.message.value = note(_message(self.tr, exc))
            return
        key = "evaluation.ui.recorded_adopt" if self.decision.value else "evaluation.ui.recorded_none"
        self.render()
        self.message.value = note(self.tr(key), ok=True)

    # -- rendering --------------------------------------------------------------------------------
    def render(self) -> None:
        from ...evaluation import candidates as cands

        tr = self.tr
        self.header.value = header(tr, tr("app.evaluation.title"), intro=tr("evaluation.ui.intro"))
        self.candidates_heading.value = heading(tr("evaluation.ui.candidates"))
        spec = self._spec
        for key, box in self.candidates.items():
            cand = cands.REGISTRY[key]
            why = cand.unusable(spec) if spec is not None else None
            box.description = tr(cand.title_key)
            about = tr(cand.description_key) + (f" ({tr(why)})" if why else "")
            self.candidate_notes[key].value = f'<div class="wb-muted wb-cand">{esc(about)}</div>'
            box.disabled = why is not None
            if why:
                box.value = False
        self.seed.description = tr("evaluation.ui.seed")
        self.run.description = tr("evaluation.ui.run")
        self.cancel.description = tr("evaluation.ui.cancel")
        self.decision.description = tr("evaluation.ui.decision")
        self.reason.placeholder = tr("evaluation.ui.reason")
        self.reason.description = ""
        self.record.description = tr("evaluation.ui.record")
        self.gate.relabel(tr)
        if self._data_error and not self.running():
            self.status.value = note(self._data_error)
        run = self.latest()
        self._render_run(run)
        self._render_drift()

    def _render_drift(self) -> None:
        from ...evaluation import drift

        try:
            d = drift.check(self.project)
        except WorkbenchError as exc:
            self.drift.value = note(_message(self.tr, exc), role=None)
            return
        if d is None:
            self.drift.value = ""
        elif d.must_retrain:
            text = self.tr("evaluation.drift.must_retrain", rows=d.rows_affected, people=d.contributors_affected)
            self.drift.value = card(html=note(text, role=None), role="alert", drift="retrain")
        else:
            self.drift.value = note(self.tr("evaluation.drift.none", rows=d.rows_trained), ok=True, role=None,
                                    drift="none")

    def _render_run(self, run) -> None:
        tr = self.tr
        if run is None:
            self.table.value = muted(tr("evaluation.ui.no_run"))
            self.recommendation.value = ""
            self.charts.children = []
            self.decision.options = [(tr("evaluation.ui.adopt_none"), "")]
            return
        if run["status"] == "cancelled":
            self.status.value = muted(tr("evaluation.ui.cancelled"), role="status")
        elif run["status"] == "completed":
            self.status.value = note(tr("evaluation.ui.done"), ok=True)
        from ...evaluation.criteria import sentence as criterion_sentence

        rows = []
        crit_ids, sentences = [], {}
        for res in run["candidates"].values():
            for c in res.get("criteria", []):
                if c["id"] not in crit_ids:
                    crit_ids.append(c["id"])
                    sentences[c["id"]] = criterion_sentence(tr, c)
        head = "".join(f'<th title="{esc(sentences[c])}">C{i}</th>' for i, c in enumerate(crit_ids, 1))
        legend = "".join(f'<li data-criterion="{esc(c)}"><strong>C{i}</strong>: {esc(sentences[c])}</li>'
                         for i, c in enumerate(crit_ids, 1))
        for key, res in run["candidates"].items():
            fp = res.get("footprint") or {}
            cells = []
            by_id = {c["id"]: c for c in res.get("criteria", [])}
            for cid in crit_ids:
                c = by_id.get(cid)
                if c is None:
                    cells.append("<td>—</td>")
                    continue
                interval = f"[{_num(c.get('lo'))}, {_num(c.get('hi'))}]" if c.get("lo") is not None else ""
                tip = tr(c["reason"], **(c.get("params") or {})) if c.get("reason") else ""
                cells.append(f'<td class="wb-{c["status"]}" data-status="{esc(c["status"])}" title="{esc(tip)}">'
                             f'{STATUS_ICON.get(c["status"], "")} {esc(tr("evaluation.status." + c["status"]))}'
                             f'<br><span class="wb-muted">{_num(c.get("value"))} {esc(interval)} '
                             f'{esc(c["direction"])} {_num(c["threshold"])}</span></td>')
            if res.get("status") != "ok":
                cells = [f'<td colspan="{max(1, len(crit_ids))}" class="wb-fail">{esc(tr("evaluation.ui.failed"))}: '
                         f'{esc(res.get("error", ""))}</td>']
            rows.append(f'<tr data-candidate="{esc(key)}"><td>{esc(tr(f"evaluation.candidate.{key}.title"))}</td>'
                        f'{"".join(cells)}<td>{esc(_sci(fp.get("total_kwh")))}</td>'
                        f'<td>{esc(fp.get("model_bytes") or "—")}</td></tr>')
        self.table.value = (heading(tr("evaluation.ui.criteria_table")) + f'<ul class="wb-legend">{legend}</ul>'
                            f'<div style="overflow-x:auto"><table class="wb-criteria"><thead><tr>'
                            f'<th>{esc(tr("evaluation.table.candidate"))}</th>{head}<th>kWh</th><th>B</th></tr></thead>'
                            f'<tbody>{"".join(rows)}</tbody></table></div>')
        rec = run.get("recommendation")
        if rec:
            text = tr(rec["reason"], **(rec.get("params") or {}))
            if rec.get("candidate"):
                text = tr(rec["reason"], candidate=tr(f"evaluation.candidate.{rec['candidate']}.title"),
                          passing=(rec.get("params") or {}).get("passing", 1))
            extra = muted(tr("evaluation.recommend.baseline_passes")) if rec.get("baseline_passes") else ""
            self.recommendation.value = (heading(tr("evaluation.ui.recommendation"))
                                         + card(text, extra, recommended=rec.get("candidate") or ""))
        else:
            self.recommendation.value = ""
        ok = [k for k, r in run["candidates"].items() if r.get("status") == "ok"]
        self.decision.options = [(tr("evaluation.ui.adopt_none"), "")] + [
            (tr(f"evaluation.candidate.{k}.title"), k) for k in ok]
        if rec and rec.get("candidate") in ok:
            self.decision.value = rec["candidate"]
        self.record.disabled = run["status"] != "completed"
        decided = run.get("decision")
        if decided:
            # lifecycle's one rule: "adopted" means an adoption of this run with its card saved; a later
            # "adopt none" on the same run does not undo it
            from ...evaluation.lifecycle import adoptions

            if any(a["run"] == run["run"] for a in adoptions(self.project.store)):
                key = "evaluation.ui.recorded_adopt"
            else:
                key = None if decided.get("candidate") else "evaluation.ui.recorded_none"
            if key:
                self.message.value = note(tr(key), ok=True)
        self._render_charts(run)

    def _render_charts(self, run) -> None:
        import pandas as pd

        from ...charts import evaluation as charts
        from ...charts import readings as rd

        tr = self.tr
        key = (run["run"], run["status"], len(run["candidates"]), self.language)
        if key == self._chart_key:
            return  # SVGs already drawn for this run in this language
        self._chart_key = key
        children = []
        table = pd.DataFrame([{"title": tr(f"evaluation.candidate.{k}.title"),
                               "kwh": (r.get("footprint") or {}).get("total_kwh") or 0.0,
                               "accuracy": ((r.get("overall") or {}).get("accuracy", {}).get("") or [None])[0],
                               "status": _overall_status(r)} for k, r in run["candidates"].items()
                              if r.get("status") == "ok"])
        if len(table):
            shown = table.dropna(subset=["accuracy"])
            children.append(charts.svg_widget(charts.performance_energy(shown, tr), tr("evaluation.chart.energy_title")))
            children.append(self.kit.html(rd.reading_html(rd.performance_energy_reading(shown, tr))))
        rec = (run.get("recommendation") or {}).get("candidate")
        key = rec or next((k for k, r in run["candidates"].items() if r.get("status") == "ok"), None)
        if key:
            for title, rows, c in charts.criteria_group_parts(run["candidates"][key], key, tr):
                children.append(charts.svg_widget(charts.group_metric(rows, c["threshold"], tr, title), title))
                children.append(self.kit.html(rd.reading_html(
                    rd.group_metric_reading(rows, c["threshold"], tr, c.get("direction", ">=")))))
        self.charts.children = children


def _overall_status(result: dict) -> str:
    from ...evaluation.criteria import candidate_status

    return candidate_status(result)  # one definition (a crashed candidate is 'failed', here as in the report)


def _sci(value) -> str:
    return "—" if value is None else f"{float(value):.2e}"
