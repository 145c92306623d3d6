"""The catalog app (facilitators): the export preview, the catalog of the commons' models, the use check,
federated evaluation, and the results other communities sent back.

``FederationView(project, language)``; controls are attributes for tests:
``make_keys``, ``keys_status``; ``with_rows``, ``plan``, ``out_path``, ``export``, ``export_message``;
``upload`` (or :meth:`add_bundle`), ``catalog_message``, ``catalog_list``; ``model``, ``commercial``,
``needs_data``, ``collaborate``, ``accept_benefit``, ``check``, ``answer``; ``evaluate``,
``evaluate_message``; ``results``. Everything another community wrote is escaped before it is shown.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import ipywidgets as w

from ..errors import WorkbenchError
from ..text import esc
from ._base import View, refusal_text
from .kit import card, header, heading, muted, note, say

LOCAL_STYLE = """
<style>
.wb-app .wb-yes { color: #0f4d1f; font-weight: 600; }
.wb-app .wb-no { color: #9b1c1c; font-weight: 600; }
.wb-app .wb-ask { color: #5c4100; font-weight: 600; }
.wb-app ul.wb-plan li { margin: 2px 0; }
</style>
"""
OUTCOME_ICON = {"yes": "✔", "no": "✘", "ask": "?"}
STATUS_CLASS = {"pass": "wb-yes", "fail": "wb-no", "not_enough_evidence": "wb-ask"}


_message = refusal_text  # the one rule (ui/_base.py)


class FederationView(View):
    def __init__(self, project, language: str | None = None):
        from .. import i18n

        lang = language if language in i18n.available() else project.config.default_language
        super().__init__(lang)
        self.project = project
        self._chrome(LOCAL_STYLE)
        kit = self.kit
        self.keys_status = kit.html()
        self.make_keys = kit.button(style="warning", own_layout=True)  # hidden once the keys exist
        self.make_keys.on_click(lambda _b: self._on_make_keys())
        self.plan_heading = kit.html()
        self.with_rows = kit.check()
        self.with_rows.observe(lambda _ch: self.render_plan(), names="value")
        self.plan = kit.html()
        stamp = datetime.now(UTC).strftime("%Y%m%d")
        self.out_path = kit.text()
        self.out_path.value = str(Path(project.artifacts_dir) / "federation" / f"bundle-{stamp}.zip")
        self.export = kit.button(style="primary")
        self.export.on_click(lambda _b: self._on_export())
        self.export_message = kit.html()
        self.catalog_heading = kit.html()
        self.upload = kit.upload(".zip")
        self.upload.observe(self._on_upload, names="value")
        self.catalog_message = kit.html()
        self.catalog_list = kit.html()
        self.check_heading = kit.html()
        self.model = kit.drop([], full=True)
        self.commercial = w.ToggleButtons(options=[], layout=kit.full)
        self.needs_data = kit.check()
        self.collaborate = kit.check()
        self.accept_benefit = kit.check()
        self.check = kit.button(style="primary")
        self.check.on_click(lambda _b: self._on_check())
        self.answer = kit.html()
        self.evaluate = kit.button(style="info")
        self.evaluate.on_click(lambda _b: self._on_evaluate())
        self.evaluate_message = kit.html()
        self.results = kit.html()
        self.widget.children = [
            self.style, self.header, self.language_switch, self.keys_status, self.make_keys,
            self.plan_heading, self.with_rows, self.plan, self.out_path, self.export, self.export_message,
            self.catalog_heading, self.upload, self.catalog_message, self.catalog_list,
            self.check_heading, self.model, self.commercial, self.needs_data, self.collaborate, self.accept_benefit,
            self.check, self.answer, self.evaluate, self.evaluate_message, self.results]
        self.render()

    # -- rendering ----------------------------------------------------------------------------------
    def render(self) -> None:
        tr = self.tr
        self.header.value = header(tr, tr("app.catalog.title"), intro=tr("federation.ui.intro"))
        self.make_keys.description = tr("federation.ui.make_keys")
        self.plan_heading.value = heading(tr("federation.ui.export_heading"))
        self.with_rows.description = tr("federation.ui.with_rows")
        self.out_path.description = tr("federation.ui.out_path")
        self.export.description = tr("federation.ui.export")
        self.catalog_heading.value = heading(tr("federation.ui.catalog_heading"), help=tr("federation.ui.upload_help"))
        self.upload.description = tr("federation.ui.upload")
        self.check_heading.value = heading(tr("federation.ui.check_heading"), help=tr("federation.ui.check_help"))
        self.model.description = tr("federation.ui.model")
        current = self.commercial.value if self.commercial.options else "unknown"
        self.commercial.options = [(tr("federation.ui.commercial.no"), "no"),
                                   (tr("federation.ui.commercial.yes"), "yes"),
                                   (tr("federation.ui.commercial.unknown"), "unknown")]
        self.commercial.value = current if current in ("no", "yes", "unknown") else self._default_commercial()
        self.commercial.tooltip = tr("federation.ui.commercial_label")
        self.needs_data.description = tr("federation.ui.needs_data")
        self.collaborate.description = tr("federation.ui.collaborate")
        self.accept_benefit.description = tr("federation.ui.accept_benefit")
        self.check.description = tr("federation.ui.check")
        self.evaluate.description = tr("federation.ui.evaluate")
        self.render_keys()
        self.render_plan()
        self.render_catalog()
        self.render_results()

    def _default_commercial(self) -> str:
        from ..federation.usecheck import our_use

        try:
            ours = our_use(self.project)
        except WorkbenchError:
            return "unknown"
        return "unknown" if ours.commercial is None else "yes" if ours.commercial else "no"

    def render_keys(self) -> None:
        from ..federation import keys

        tr = self.tr
        try:
            fp = keys.public_key(self.project.root).fingerprint if keys.has_keys(self.project.root) else None
        except (WorkbenchError, ValueError, OSError):
            fp = None
        if fp:
            self.keys_status.value = card(f"🔑 {tr('federation.ui.keys_ready', fingerprint=fp)}", keys="yes")
            self.make_keys.layout.display = "none"
        else:
            self.keys_status.value = card(f"🔑 {tr('federation.ui.keys_missing')}", keys="no")
            self.make_keys.layout.display = None

    def render_plan(self) -> None:
        from ..federation.bundle import plan_bundle

        tr = self.tr
        try:
            plan = plan_bundle(self.project, self.with_rows.value)
        except WorkbenchError as exc:
            self.plan.value = note(_message(tr, exc), role=None)
            return
        share = "".join(f"<li>{esc(tr(k, **p))}</li>" for k, p in plan.will_share())
        keep = "".join(f"<li>{esc(tr(k, **p))} — <span class=\"wb-muted\">{esc(tr(r, **p))}</span></li>"
                       for k, r, p in plan.will_not_share())
        self.plan.value = card(html=f'<p><strong>{esc(tr("federation.ui.will_share"))}</strong></p>'
                                    f'<ul class="wb-plan" data-list="share">{share}</ul>'
                                    f'<p><strong>{esc(tr("federation.ui.will_not_share"))}</strong></p>'
                                    f'<ul class="wb-plan" data-list="keep">{keep}</ul>',
                               model="yes" if plan.shares_model else "no", rows=plan.rows)

    def render_catalog(self) -> None:
        from ..consent.uses import LABELS
        from ..federation.catalog import entries

        tr = self.tr
        found = entries(self.project)
        previous = self.model.value
        # The value is the full id: a short id could be taken by an impostor (catalog.find refuses ambiguity).
        self.model.options = [(f"{e.name} ({e.id})", e.community_id) for e in found]
        ids = [e.community_id for e in found]
        if ids:
            self.model.value = previous if previous in ids else ids[-1]  # the one just added, else the latest
        if not found:
            self.catalog_list.value = muted(tr("federation.ui.catalog_empty"))
            return
        cards = []
        for e in found:
            ok, part = e.intact()
            if not ok:
                cards.append(card(html=note(tr("federation.ui.changed", community=e.name, part=part), role=None),
                                  model_id=e.id, intact="no"))
                continue
            s = e.summary()
            labels = ", ".join(tr(LABELS[k].name_key) if k in LABELS and tr.has(LABELS[k].name_key) else k
                               for k in s["labels"]) or "—"
            uses = ", ".join(tr(f"consent.use.{u}.title") if tr.has(f"consent.use.{u}.title") else u
                             for u, choice in s["uses"].items() if choice != "never") or "—"
            crit = "".join(f'<li class="{STATUS_CLASS.get(c["status"], "")}" data-status="{esc(c["status"])}">'
                           f"{esc(c['id'])}: {esc(tr('evaluation.status.' + str(c['status'])))}</li>"
                           for c in s["criteria"]) or f"<li>{esc(tr('federation.ui.no_criteria'))}</li>"
            kwh = "—" if s["footprint_kwh"] is None else f"{float(s['footprint_kwh']):.2e} kWh"
            model = tr("federation.ui.model_shared") if s["model"] else tr("federation.ui.model_not_shared")
            cards.append(card(
                html=f"<p><strong>{esc(s['community'])}</strong> · {esc(', '.join(s['languages']))} · "
                f'<span class="wb-muted">{esc(e.id)}</span></p>'
                f"<p>{esc(tr('federation.ui.purpose'))}: {esc(s['purpose'] or s['title'] or '—')}</p>"
                f"<p>{esc(model)}</p>"
                f"<p>{esc(tr('federation.ui.permitted_uses'))}: {esc(uses)}</p>"
                f"<p>{esc(tr('federation.ui.labels'))}: {esc(labels)}</p>"
                f"<p>{esc(tr('federation.ui.footprint'))}: {esc(kwh)}</p>"
                f"<p>{esc(tr('federation.ui.criteria'))}:</p><ul>{crit}</ul>"
                + muted(tr("federation.ui.fingerprint", fingerprint=e.fingerprint)),
                model_id=e.id, intact="yes", shares_model="yes" if s["model"] else "no"))
        self.catalog_list.value = "".join(cards)

    def render_results(self) -> None:
        from ..federation.catalog import evaluated_by

        tr = self.tr
        found = evaluated_by(self.project)
        rows = []
        for r in found:
            crit = ", ".join(f"{c['id']}: {tr('evaluation.status.' + str(c['status']))}" for c in r["criteria"])
            rows.append(f'<tr data-community="{esc(r["community"])}"><td>{esc(r["name"])}</td>'
                        f"<td>{esc(r.get('rows'))}</td><td>{esc(crit or '—')}</td></tr>")
        table = (f"<table><tr><th>{esc(tr('federation.results.community'))}</th>"
                 f"<th>{esc(tr('federation.results.rows'))}</th><th>{esc(tr('federation.results.criteria'))}</th>"
                 f"</tr>{''.join(rows)}</table>" if rows else f"<p>{esc(tr('federation.results.none'))}</p>")
        self.results.value = heading(tr.plural("federation.results.heading", len(found))) + table

    # -- actions ------------------------------------------------------------------------------------
    def _ok(self, target: w.HTML, text: str) -> None:
        say(target, text, ok=True, role=None)

    def _fail(self, target: w.HTML, exc: WorkbenchError) -> None:
        say(target, _message(self.tr, exc), role=None)

    def _on_make_keys(self) -> None:
        from ..federation.keys import init_keys

        try:
            init_keys(self.project)
        except WorkbenchError as exc:
            self._fail(self.export_message, exc)
        self.render_keys()

    def _on_export(self) -> None:
        from ..federation.bundle import export_bundle

        try:
            done = export_bundle(self.project, self.out_path.value.strip(), include_rows=self.with_rows.value)
        except WorkbenchError as exc:
            self._fail(self.export_message, exc)
            return
        self._ok(self.export_message, self.tr("federation.ui.exported", file=str(done.path),
                                              parts=len(done.manifest["parts"])))

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0] if isinstance(files, list | tuple) else next(iter(files.values()))
        self.add_bundle(bytes(item["content"]))

    def add_bundle(self, data: bytes) -> None:
        """Verify and add a bundle's bytes (what the upload does): a bundle or a result about our model."""
        from ..federation.catalog import add_to_catalog

        with tempfile.TemporaryDirectory(prefix="wb-bundle-") as tmp:
            path = Path(tmp) / "bundle.zip"
            path.write_bytes(data)
            try:
                out = add_to_catalog(self.project, path)
            except WorkbenchError as exc:
                self._fail(self.catalog_message, exc)
                return
        if isinstance(out, dict):
            self._ok(self.catalog_message, self.tr("federation.ui.result_added", community=out["name"]))
            self.render_results()
        else:
            self._ok(self.catalog_message, self.tr("federation.ui.added", community=out.name))
            self.render_catalog()

    def _on_check(self) -> None:
        from ..federation.catalog import find
        from ..federation.usecheck import check_entry, our_use

        tr = self.tr
        if not self.model.value:
            say(self.answer, tr("federation.ui.choose_model"), role=None)
            return
        try:
            entry = find(self.project, self.model.value)
            ours = replace(our_use(self.project), commercial={"yes": True, "no": False}.get(self.commercial.value),
                           needs_their_data=self.needs_data.value, will_collaborate=self.collaborate.value,
                           accepts_benefit_sharing=self.accept_benefit.value)
            answer = check_entry(self.project, entry, ours)
        except WorkbenchError as exc:
            self._fail(self.answer, exc)
            return
        items = "".join(f'<li class="wb-{r.outcome}" data-outcome="{r.outcome}" data-reason="{esc(r.key)}">'
                        f"{OUTCOME_ICON[r.outcome]} {esc(tr(r.key, **r.params))}</li>" for r in answer.reasons)
        limits = "".join(f"<li>{esc(t)}</li>" for t in answer.their_out_of_scope)
        contact = (f"<p>{esc(tr('federation.use.contact', contact=answer.contact))}</p>"
                   if answer.answer != "yes" and answer.contact else "")
        self.answer.value = card(
            html=f'<p class="wb-{answer.answer}">'
            f"{OUTCOME_ICON[answer.answer]} {esc(tr('federation.use.answer.' + answer.answer, community=entry.name))}"
            f"</p><ul>{items}</ul>"
            + (f"<p>{esc(tr('federation.ui.their_limits'))}</p><ul>{limits}</ul>" if limits else "")
            + contact, answer=answer.answer)

    def _on_evaluate(self) -> None:
        from ..federation.federated import federated_evaluate

        tr = self.tr
        if not self.model.value:
            say(self.evaluate_message, tr("federation.ui.choose_model"), role=None)
            return
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out = Path(self.project.artifacts_dir) / "federation" / f"result-{self.model.value}-{stamp}.zip"
        try:
            done = federated_evaluate(self.project, self.model.value, out)
        except WorkbenchError as exc:
            self._fail(self.evaluate_message, exc)
            return
        self._ok(self.evaluate_message, tr("federation.ui.evaluated", rows=done.result["rows"],
                                           groups=done.result["suppressed_groups"], file=str(done.path)))


def app():
    """The Voila / JupyterLab entry point (facilitators only)."""
    from .context import open_facilitator_app

    project, ctx = open_facilitator_app("catalog", "federation.error.facilitators_only")
    return FederationView(project, ctx.language)
