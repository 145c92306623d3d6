"""The facilitators' monitoring app: the adopted model in use, per group, and the whole life's energy.

``MonitoringView(project)``: add a batch of outcomes (``upload`` a CSV, or type a ``path`` on the server and
click ``add``), see per batch and group each charter criterion's value in use with its interval, the value at
evaluation and an "under review" flag (``table``), and the lifetime footprint against the charter's budget
(``footprint``); ``measure`` times the adopted model's inference, ``server_kwh`` + ``server_note`` +
``server_add`` record the workshop server's energy. Everything shown is read from the log
(:mod:`workbench.monitoring`), never recomputed here.
"""

from __future__ import annotations

from ... import apps
from ...errors import WorkbenchError
from ...text import esc
from .._base import View, refusal_text
from ..kit import Labels, card, header, heading, muted, note, say

ACTOR = "facilitator"


def _num(x, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _kwh(x) -> str:
    return "—" if x is None else f"{x:.4g}"


class MonitoringView(View):
    """Controls: ``upload``, ``path``, ``add``, ``measure``, ``server_kwh``, ``server_note``, ``server_add``;
    HTML: ``header``, ``status``, ``model``, ``table``, ``footprint``; ``labels``: the words around them."""

    def __init__(self, project, role: str = apps.FACILITATOR, language: str | None = None, meter=None):
        from ...i18n import available

        lang = language if language in available() else project.config.default_language
        super().__init__(lang)
        self.project, self.role, self.meter = project, role, meter
        self._chrome()
        kit = self.kit
        self.status, self.model, self.table, self.footprint = kit.html(), kit.html(), kit.html(), kit.html()
        self.upload = kit.upload(".csv")
        self.upload.observe(self._on_upload, names="value")
        self.path = kit.text()
        self.add = kit.button(style="primary")
        self.add.on_click(lambda _b: self.add_path())
        self.measure = kit.button(style="info")
        self.measure.on_click(lambda _b: self.measure_inference())
        self.server_kwh = kit.text()
        self.server_note = kit.text()
        self.server_add = kit.button(style="info")
        self.server_add.on_click(lambda _b: self.record_server())
        lb = self.labels = Labels(kit)
        from ...decisions import subjects
        from ..decide import DecisionBox

        # Retiring the model in use is a gate: the community's decision, then the retire button.
        self.retire_gate = DecisionBox(project, self.tr, "retire", lambda: subjects.for_gate(project, "retire"),
                                       kit=kit)
        self.retire_reason = kit.text()
        self.retire = kit.button(style="danger")
        self.retire.on_click(lambda _b: self.retire_model())
        self.widget.children = [
            self.style, self.header, self.language_switch, self.status, self.model, lb.muted("monitor.ui.intro"),
            lb.label("monitor.ui.upload_label"), self.upload, lb.label("monitor.ui.path_label"), self.path, self.add,
            self.table, lb.heading("monitor.ui.footprint_heading"), self.footprint, self.measure,
            lb.label("monitor.ui.server_label"), self.server_kwh, lb.label("monitor.ui.note_label"), self.server_note,
            self.server_add, lb.muted("monitor.ui.server_help"), self.retire_gate.widget, self.retire_reason,
            self.retire]
        if role != apps.FACILITATOR:
            self.widget.children = [self.style, self.header, self.status]
        self.render()

    # -- actions --------------------------------------------------------------------------------------------
    def _fail(self, exc: WorkbenchError) -> None:
        say(self.status, refusal_text(self.tr, exc), role="alert", mark=True)

    def retire_model(self):
        from ...evaluation.lifecycle import retire

        try:
            out = retire(self.project, self.retire_reason.value)
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        self.render()
        self._ok(self.tr("monitor.ui.retired", candidate=out["candidate"]))
        return out

    def _ok(self, text: str) -> None:
        say(self.status, text, ok=True, mark=True)

    def _added(self, ev) -> None:
        p = ev.payload
        self.render()
        self._ok(self.tr("monitor.ui.added", rows=p["rows"], kept=p["kept"], dropped=p["dropped_no_consent"],
                         known=p["known"]))

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0] if isinstance(files, list | tuple) else next(iter(files.values()))
        self.add_bytes(bytes(item["content"]), item["name"])

    def add_bytes(self, data: bytes, name: str):
        """Add an uploaded batch: written to a private temporary folder under its own name, then added."""
        import tempfile
        from pathlib import Path

        from ...monitoring import add_batch

        safe = Path(str(name or "batch.csv")).name or "batch.csv"
        with tempfile.TemporaryDirectory(prefix="wb-monitor-") as folder:
            path = Path(folder) / safe
            path.write_bytes(data)
            try:
                ev = add_batch(self.project, path, actor=ACTOR)
            except WorkbenchError as exc:
                self._fail(exc)
                return None
        self._added(ev)
        return ev

    def add_path(self):
        from ...monitoring import add_batch

        try:
            ev = add_batch(self.project, self.path.value.strip(), actor=ACTOR)
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        self.path.value = ""
        self._added(ev)
        return ev

    def measure_inference(self):
        from ...monitoring import measure_inference

        try:
            ev = measure_inference(self.project, meter=self.meter, actor=ACTOR)
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        self.render()
        self._ok(self.tr("monitor.ui.measured", kwh=_kwh(ev.payload["kwh_per_1000"])))
        return ev

    def record_server(self):
        from ...monitoring import server_energy

        try:
            ev = server_energy(self.project, self.server_kwh.value.strip().replace(",", "."), self.server_note.value,
                               actor=ACTOR)
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        self.server_kwh.value = self.server_note.value = ""
        self.render()
        self._ok(self.tr("monitor.ui.server_recorded", kwh=_kwh(ev.payload["kwh"])))
        return ev

    # -- showing --------------------------------------------------------------------------------------------
    def render(self) -> None:
        from ...monitoring import lifetime_footprint, status

        tr = self.tr
        self.header.value = header(tr, f"{tr('app.monitoring.title')}: {self.project.name}")
        if self.refused_to_participants("monitor.ui.facilitators_only"):
            return
        self.labels.relabel(tr)
        self.add.description = tr("monitor.ui.add")
        self.measure.description = tr("monitor.ui.measure")
        self.server_add.description = tr("monitor.ui.server_add")
        self.retire.description = tr("monitor.ui.retire")
        self.retire_reason.description = tr("monitor.ui.retire_reason")
        self.retire_gate.relabel(tr)
        st = status(self.project)
        m = st["model"]
        self.model.value = (f'<p>{esc(tr("monitor.ui.model", candidate=m["candidate"], run=m["run"]))}</p>' if m
                            else note(tr("monitor.ui.no_model"), role=None))
        self.table.value = self._table(st)
        self.footprint.value = self._footprint(lifetime_footprint(self.project))

    def _table(self, st: dict) -> str:
        from ...evaluation.criteria import sentence

        tr = self.tr
        if not st["batches"]:
            return muted(tr("monitor.ui.no_batches"))
        under = st["under_review"]
        out = [note(tr("monitor.ui.under_review", count=len(under)) if under else tr("monitor.ui.nothing_under_review"),
                    ok=not under, role=None, under_review=len(under))]
        heads = [tr(f"monitor.col.{k}") for k in ("criterion", "group", "in_use", "n", "evaluated", "status")]
        for b in reversed(st["batches"]):  # the latest first
            out.append(heading(tr("monitor.ui.batch", start=b["date_from"], end=b["date_to"], rows=b["rows"],
                                  kept=b["kept"], dropped=b["dropped_no_consent"], known=b["known"])))
            body = []
            for r in (x for x in st["rows"] if x["batch"] == b["seq"]):
                ev = r.get("evaluated") or {}
                flag = f' <strong class="wb-error">{esc(tr("monitor.ui.flag"))}</strong>' if r["under_review"] else ""
                group = (r["group"] or "—") if r["attribute"] else tr("monitor.ui.everyone")
                cells = [sentence(tr, {**r, "id": r["criterion"]}), group,
                         f"{_num(r['value'])} ({_num(r['lo'])}–{_num(r['hi'])})",
                         "—" if r["n"] is None else str(r["n"]), _num(ev.get("value"))]
                row = "".join(f"<td>{esc(c)}</td>" for c in cells)
                body.append(f'<tr data-status="{esc(r["status"])}">{row}<td>{esc(tr("monitor.status." + r["status"]))}'
                            f"{flag}</td></tr>")
            out.append('<div style="overflow-x:auto"><table><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in heads)
                       + "</tr></thead><tbody>" + "".join(body) + "</tbody></table></div>")
        return "".join(out)

    def _footprint(self, f: dict) -> str:
        tr = self.tr
        lines = [tr("monitor.fp.training", kwh=_kwh(f["training_kwh"]), candidates=f["candidates"]),
                 tr("monitor.fp.evaluation", kwh=_kwh(f["evaluation_kwh"])),
                 tr("monitor.fp.inference", kwh=_kwh(f["inference_kwh"]), predictions=f["predictions"])]
        if f["predictions_unmeasured"]:
            lines.append(tr("monitor.fp.unmeasured", count=f["predictions_unmeasured"]))
        lines += [tr("monitor.fp.server", kwh=_kwh(f["server_kwh"])), tr("monitor.fp.total", kwh=_kwh(f["total_kwh"]))]
        if f["budget_kwh"] is None:
            verdict, cls = tr("monitor.fp.no_budget"), "wb-muted"
        else:
            key = "monitor.fp.within" if f["within"] else "monitor.fp.over"
            verdict = tr(key, budget=_kwh(f["budget_kwh"]), share=f"{f['share_of_budget'] * 100:.1f}")
            cls = "wb-ok" if f["within"] else "wb-error"
        return card(html="".join(f"<p>{esc(x)}</p>" for x in lines) + f'<p class="{cls}">{esc(verdict)}</p>',
                    within=f["within"])
