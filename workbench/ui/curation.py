"""The facilitators' curation app: add the dataset, see consent enforced, profile, curate, datasheet, data work.

``CurationView(project)`` holds one panel per job in a tab bar; every control is
an attribute so tests can set ``.value`` and ``.click()`` and assert on the
store. Views call the domain (:mod:`workbench.curation`) and re-read state;
an error is the domain's sentence in the view's language, shown in place.
pandas, Altair and vl-convert are imported here, never in participant apps.
"""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from .. import apps
from ..errors import WorkbenchError
from ._base import STYLE, View, esc, language_switch

FULL = w.Layout(width="100%")
UPLOAD_ACCEPT = ".csv,.tsv,.tab,.txt,.xlsx,.xlsm,.parquet,.pq,.jsonl,.ndjson"
PANELS = ("import", "consent", "profile", "pii", "log", "datasheet", "datawork")
RULE_OPS = ("==", "!=", "in", "not_in", "contains", "missing", "present", "<", "<=", ">", ">=", "duplicate")
ACTOR = "facilitator"
SHEET_LINK_BYTES = 5 * 1024 * 1024  # spreadsheet copies up to this size also get a download link


def _text(**kw) -> w.Text:
    return w.Text(layout=FULL, style={"description_width": "initial"}, **kw)


def _dropdown(**kw) -> w.Dropdown:
    return w.Dropdown(layout=FULL, style={"description_width": "initial"}, **kw)


def _button(style: str = "primary") -> w.Button:
    return w.Button(button_style=style, layout=w.Layout(min_height="44px", width="auto"))


def _table(headers: list[str], rows: list[list], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td{" style=text-align:right" if i in numeric else ""}>{esc(c)}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _pct(v) -> str:
    return "" if v is None or v != v else f"{100 * float(v):.1f}%"


class CurationView(View):
    """``CurationView(project, role, language, charts=True)``.

    Panels (attribute ``tabs``; each panel's controls are attributes of the view):

    - import: ``upload``, ``contributor_col``, ``target_col``, ``group_cols``, ``text_col``, ``drop_cols``,
      ``add_button``, ``import_status`` (``load_file(bytes, name)`` does what an upload does)
    - consent: ``use``, ``at``, ``show_button``, ``waterfall_table``, ``waterfall_chart``, ``snapshot_button``,
      ``sheet_button`` (save a spreadsheet copy of the latest snapshot), ``sheet_info`` (its download link)
    - profile: ``profile_button``, ``profile_out``, ``ref_attribute``, ``ref_shares``, ``ref_source``, ``ref_save``
    - pii: ``pii_out``, ``redact_column``, ``redact_kinds``, ``redact_reason``, ``redact_button``
    - log: ``rule_column``, ``rule_op``, ``rule_value``, ``rule_reason``, ``rule_button``; ``rows_text``,
      ``rows_reason``, ``rows_button``; ``column_pick``, ``column_action``, ``column_reason``, ``column_button``;
      ``label_rows``, ``label_value``, ``label_reason``, ``label_button``; ``revert_pick``, ``revert_reason``,
      ``revert_button``; ``log_table``
    - datasheet: ``ds_section``, ``ds_question``, ``ds_answer``, ``ds_save``, ``ds_write``, ``ds_status``
    - datawork: the controls of :class:`DataWorkView` (``work``)
    - ``status``: the last result or error sentence
    """

    def __init__(self, project, role: str = apps.FACILITATOR, language: str | None = None, charts: bool = True):
        from ..i18n import available

        lang = language if language in available() else project.config.default_language
        super().__init__(lang)
        self.project, self.role, self.charts = project, role, charts
        self._preview = None
        self.style = w.HTML(STYLE)
        self.header = w.HTML()
        self.language_switch = language_switch(lang)
        self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
        self.status = w.HTML()
        if role != apps.FACILITATOR:
            self.widget.children = [self.style, self.header, self.status]
            self.render()
            return
        self._build_import()
        self._build_consent()
        self._build_profile()
        self._build_pii()
        self._build_log()
        self._build_datasheet()
        self.work = DataWorkView(project, role, lang, charts=charts, embedded=True)
        self.tabs = w.Tab(children=[self.import_panel, self.consent_panel, self.profile_panel, self.pii_panel,
                                    self.log_panel, self.datasheet_panel, self.work.widget], layout=FULL)
        self.widget.children = [self.style, self.header, self.language_switch, self.status, self.tabs]
        self.render()

    # -- helpers -------------------------------------------------------------------------------------
    def _ok(self, key: str, **params) -> None:
        self.status.value = f'<p class="wb-ok" role="status">✔ {esc(self.tr(key, **params))}</p>'

    def _fail(self, exc: WorkbenchError) -> None:
        text = self.tr(exc.key, **exc.params) if exc.key and self.tr.has(exc.key) else exc.sentence
        self.status.value = f'<p class="wb-error" role="alert">✖ {esc(text)}</p>'

    def _run(self, fn, ok_key: str | None = None, **ok_params):
        """Call the domain; show its sentence on refusal; re-render on success."""
        try:
            out = fn()
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        self.render()
        if ok_key:
            self._ok(ok_key, **ok_params)
        return out

    def _dataset(self):
        from ..curation.importer import current

        return current(self.project.store)

    def _use_options(self):
        from ..consent.uses import USE_KEYS
        from ..curation.datasheet import use_name

        return [(use_name(self.tr, u), u) for u in USE_KEYS]

    # -- import ------------------------------------------------------------------------------------
    def _build_import(self):
        self.upload = w.FileUpload(accept=UPLOAD_ACCEPT, multiple=False, layout=w.Layout(min_height="44px"))
        self.upload.observe(self._on_upload, names="value")
        self.file_info = w.HTML()
        self.contributor_col = _dropdown(options=[])
        self.target_col = _dropdown(options=[])
        self.group_cols = w.SelectMultiple(options=[], rows=5, layout=FULL)
        self.text_col = _dropdown(options=[])
        self.drop_cols = w.SelectMultiple(options=[], rows=5, layout=FULL)
        self.add_button = _button()
        self.add_button.on_click(lambda _b: self.add_dataset())
        self.import_labels = [w.HTML() for _ in range(6)]
        self.import_status = w.HTML()
        lb = self.import_labels
        self.import_panel = w.VBox([lb[0], self.upload, self.file_info, lb[1], self.contributor_col, lb[2],
                                    self.target_col, lb[3], self.group_cols, lb[4], self.text_col, lb[5],
                                    self.drop_cols, self.add_button, self.import_status], layout=FULL)

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0] if isinstance(files, list | tuple) else next(iter(files.values()))
        self.load_file(bytes(item["content"]), item["name"])

    def load_file(self, data: bytes, name: str) -> None:
        """Read and check a file (what the upload does); fill the mapping controls with its columns."""
        from ..curation.importer import guess_mapping, inspect

        try:
            self._preview = inspect(data, name)
        except WorkbenchError as exc:
            self._preview = None
            self._fail(exc)
            self._fill_columns([])
            return
        cols = self._preview.columns
        self._fill_columns(cols)
        guess = guess_mapping(self._preview)
        self.contributor_col.value = guess.contributor
        self.target_col.value = guess.target
        self.text_col.value = guess.text
        info = self.tr("curation.import.read", name=name, rows=len(self._preview.frame), columns=len(cols))
        self.file_info.value = f'<p class="wb-muted">{esc(info)}</p>'
        self.status.value = ""

    def _fill_columns(self, cols: list[str]) -> None:
        none = [(self.tr("curation.import.none"), None)]
        self.contributor_col.options = [(c, c) for c in cols]
        self.target_col.options = none + [(c, c) for c in cols]
        self.text_col.options = none + [(c, c) for c in cols]
        self.group_cols.options = cols
        self.drop_cols.options = cols

    def add_dataset(self):
        from ..curation.importer import ColumnMapping, add

        if self._preview is None:
            self._fail(WorkbenchError("Choose a file first.", key="curation.error.no_upload"))
            return None

        def go():
            mapping = ColumnMapping(self.contributor_col.value or "", self.target_col.value,
                                    tuple(self.group_cols.value), self.text_col.value, tuple(self.drop_cols.value))
            return add(self.project, self._preview, mapping, ACTOR, source="upload")

        ds = self._run(go)
        if ds is not None:
            self._ok("curation.import.added", name=ds.original_name, rows=ds.rows)
        return ds

    # -- consent -----------------------------------------------------------------------------------
    def _build_consent(self):
        self.use = _dropdown(options=self._use_options(), value="train")
        self.at = w.DatePicker(value=None, layout=FULL)
        self.show_button = _button()
        self.show_button.on_click(lambda _b: self.render_consent())
        self.waterfall_table = w.HTML()
        self.waterfall_chart = w.HTML()
        self.snapshot_button = _button("info")
        self.snapshot_button.on_click(lambda _b: self.take_snapshot())
        self.snapshot_info = w.HTML()
        self.sheet_button = _button("info")  # a spreadsheet copy of the snapshot, formulas neutralised
        self.sheet_button.on_click(lambda _b: self.save_spreadsheet())
        self.sheet_info = w.HTML()
        self.consent_labels = [w.HTML(), w.HTML()]
        self.consent_panel = w.VBox([self.consent_labels[0], self.use, self.consent_labels[1], self.at,
                                     self.show_button, self.waterfall_table, self.waterfall_chart,
                                     self.snapshot_button, self.snapshot_info, self.sheet_button,
                                     self.sheet_info], layout=FULL)

    def _at(self):
        if self.at.value is None:
            return None
        return dt.datetime.combine(self.at.value, dt.time(23, 59, 59), tzinfo=dt.UTC)

    def render_consent(self) -> None:
        from ..curation.enforce import curated
        from ..curation.snapshot import latest

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
        self.waterfall_table.value = (f"<h2>{esc(tr('curation.consent.heading', use=self.use.label))}</h2>"
                                      + _table([tr("curation.col.step"), tr("curation.col.rows")], rows, {1})
                                      + f'<p class="wb-muted" data-kept="{view.counts["kept"]}">'
                                      f"{esc(tr('curation.consent.kept', kept=view.counts['kept'], raw=len(view.reason)))}</p>")
        if self.charts:
            from ..charts.curation import to_svg, waterfall
            from ..charts.readings import reading_html, waterfall_reading

            self.waterfall_chart.value = (f'<div class="wb-chart" style="overflow-x:auto">{to_svg(waterfall(steps, tr))}</div>'
                                          + reading_html(waterfall_reading(steps, tr)))
        snap = latest(self.project.store, self.use.value)
        self.snapshot_info.value = "" if snap is None else (
            f'<p class="wb-muted">{esc(tr("curation.snapshot.last", hash=snap.content_sha256[:16], rows=snap.rows, at=snap.at[:10]))}</p>')

    def take_snapshot(self):
        from ..curation.snapshot import take

        snap = self._run(lambda: take(self.project, self.use.value, self._at(), ACTOR))
        if snap is not None:
            self._ok("curation.snapshot.taken", hash=snap.content_sha256[:16], rows=snap.rows)
        return snap

    def save_spreadsheet(self):
        """Save a spreadsheet copy of the use's latest snapshot (the snapshot itself stays as recorded).

        Written to ``artifacts/spreadsheets/``; a download link follows when the copy is at most
        ``SHEET_LINK_BYTES`` (larger copies are only named by their path)."""
        import base64

        from ..curation.snapshot import spreadsheet_copy

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

    # -- profile -----------------------------------------------------------------------------------
    def _build_profile(self):
        self.profile_button = _button()
        self.profile_button.on_click(lambda _b: self.render_profile())
        self.profile_out = w.HTML()
        self.profile_charts = w.HTML()
        self.ref_attribute = _dropdown(options=[])
        self.ref_shares = w.Textarea(layout=w.Layout(width="100%", height="90px"))
        self.ref_source = _text()
        self.ref_save = _button("info")
        self.ref_save.on_click(lambda _b: self.save_reference())
        self.ref_labels = [w.HTML() for _ in range(4)]
        lb = self.ref_labels
        self.profile_panel = w.VBox([self.profile_button, self.profile_out, self.profile_charts, lb[0], lb[1],
                                     self.ref_attribute, lb[2], self.ref_shares, lb[3], self.ref_source,
                                     self.ref_save], layout=FULL)

    def render_profile(self) -> None:
        from ..curation.profile import project_profile

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
        parts = [f"<h2>{esc(tr('curation.profile.heading'))}</h2>",
                 f"<p>{esc(tr('curation.ds.f.rows', rows=prof.rows, columns=prof.columns, contributors=int(prof.column_table.set_index('column').loc[ds.mapping.contributor, 'distinct'])))}</p>",
                 f"<p>{esc(tr('curation.ds.f.duplicates', count=prof.duplicates))}</p>",
                 f"<h3>{esc(tr('curation.ds.f.missing'))}</h3>",
                 _table([tr("curation.col.column"), tr("curation.col.kind"), tr("curation.col.missing"),
                         tr("curation.col.distinct")],
                        [[r.column, r.kind, f"{r.missing:,} ({_pct(r.missing_share)})", f"{r.distinct:,}"]
                         for r in prof.column_table.itertuples()], {2, 3}),
                 f"<h3>{esc(tr('curation.ds.f.labels'))}</h3>",
                 _table([tr("curation.col.label"), tr("curation.col.count"), tr("curation.col.share")],
                        [[r.label, f"{r.count:,}", _pct(r.share)] for r in prof.labels.itertuples()], {1, 2}),
                 f"<h3>{esc(tr('curation.ds.f.groups'))}</h3>",
                 _table([tr("curation.col.attribute"), tr("curation.col.group"), tr("curation.col.count"),
                         tr("curation.col.share"), tr("curation.col.reference"), tr("curation.col.small")],
                        [[r.attribute, tr("curation.missing_value") if r.group is None else r.group, f"{r.count:,}",
                          _pct(r.share), _pct(r.reference),
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
            from ..charts import curation as charts
            from ..charts import readings as rd

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
                self.profile_charts.value = f'<p class="wb-error" role="status">{esc(tr("error.chart_failed"))}</p>'

    def save_reference(self):
        from ..curation.profile import parse_shares, set_reference

        ev = self._run(lambda: set_reference(self.project.store, self.ref_attribute.value or "",
                                             parse_shares(self.ref_shares.value), self.ref_source.value, ACTOR))
        if ev is not None:
            self._ok("curation.profile.reference_saved", attribute=ev.payload["attribute"])
            if self.profile_out.value:
                self.render_profile()
        return ev

    # -- personal data -------------------------------------------------------------------------------
    def _build_pii(self):
        from ..curation.pii import Scanner

        self.pii_out = w.HTML()
        self.redact_column = _dropdown(options=[])
        self.redact_kinds = w.SelectMultiple(options=[], rows=6, layout=FULL)
        self._pii_names = Scanner.default().names
        self.redact_reason = _text()
        self.redact_button = _button("warning")
        self.redact_button.on_click(lambda _b: self.redact())
        self.pii_labels = [w.HTML() for _ in range(3)]
        lb = self.pii_labels
        self.pii_panel = w.VBox([self.pii_out, lb[0], self.redact_column, lb[1], self.redact_kinds, lb[2],
                                 self.redact_reason, self.redact_button], layout=FULL)
        self._drawing = False
        self.use.observe(self._on_use, names="value")  # the scan follows the use chosen on the consent panel

    def _on_use(self, _change) -> None:
        if not self._drawing:
            self.render_pii()

    def render_pii(self) -> None:
        """Personal data in the raw file and left in the curated view of the use chosen on the consent panel."""
        from ..curation.pii import scan_curated, scannable_columns

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
        self.pii_out.value = (f"<h2>{esc(tr('curation.pii.heading'))} · {esc(self.use.label)}</h2>"
                              + (_table([tr("curation.col.column"), tr("curation.col.kind"),
                                         tr("curation.pii.raw_rows"), tr("curation.pii.left_rows")], rows, {2, 3})
                                 if rows else f"<p>{esc(tr('curation.pii.none'))}</p>"))

    def redact(self):
        from ..curation import actions

        ds = self._dataset()
        kinds = list(self.redact_kinds.value) or None
        a = self._run(lambda: actions.redact(self.project.store, _need(ds), [self.redact_column.value], kinds,
                                             reason=self.redact_reason.value, actor=ACTOR))
        if a is not None:
            self.redact_reason.value = ""
            self._ok("curation.log.recorded")
        return a

    # -- curation log ----------------------------------------------------------------------------------
    def _build_log(self):
        self.rule_column = _dropdown(options=[])
        self.rule_op = _dropdown(options=list(RULE_OPS), value="==")
        self.rule_value = _text()
        self.rule_reason = _text()
        self.rule_button = _button("warning")
        self.rule_button.on_click(lambda _b: self.exclude_rule())
        self.rows_text = _text()
        self.rows_reason = _text()
        self.rows_button = _button("warning")
        self.rows_button.on_click(lambda _b: self.exclude_rows())
        self.column_pick = _dropdown(options=[])
        self.column_action = w.ToggleButtons(options=[("", "drop"), ("", "hash")], value="drop")
        self.column_reason = _text()
        self.column_button = _button("warning")
        self.column_button.on_click(lambda _b: self.column_change())
        self.label_rows = _text()
        self.label_value = _text()
        self.label_reason = _text()
        self.label_button = _button("warning")
        self.label_button.on_click(lambda _b: self.correct_labels())
        self.revert_pick = _dropdown(options=[])
        self.revert_reason = _text()
        self.revert_button = _button("danger")
        self.revert_button.on_click(lambda _b: self.revert())
        self.log_table = w.HTML()
        self.log_labels = [w.HTML() for _ in range(15)]
        lb = self.log_labels
        self.log_panel = w.VBox([
            lb[0], lb[1], self.rule_column, lb[2], self.rule_op, lb[3], self.rule_value, lb[4], self.rule_reason,
            self.rule_button,
            lb[5], lb[6], self.rows_text, lb[7], self.rows_reason, self.rows_button,
            lb[8], self.column_pick, self.column_action, lb[9], self.column_reason, self.column_button,
            lb[10], lb[11], self.label_rows, lb[12], self.label_value, lb[13], self.label_reason, self.label_button,
            self.log_table, lb[14], self.revert_pick, self.revert_reason, self.revert_button,
        ], layout=FULL)

    def _record(self, fn):
        a = self._run(fn)
        if a is not None:
            self._ok("curation.log.recorded")
        return a

    def exclude_rule(self):
        from ..curation import actions

        ds = self._dataset()
        col = None if self.rule_op.value == "duplicate" and not self.rule_column.value else self.rule_column.value
        return self._record(lambda: actions.exclude_rule(self.project.store, _need(ds), col, self.rule_op.value,
                                                         self.rule_value.value, reason=self.rule_reason.value,
                                                         actor=ACTOR))

    def exclude_rows(self):
        from ..curation import actions

        ds = self._dataset()
        return self._record(lambda: actions.exclude_rows(self.project.store, _need(ds), _row_list(self.rows_text.value),
                                                         reason=self.rows_reason.value, actor=ACTOR))

    def column_change(self):
        from ..curation import actions

        ds = self._dataset()
        fn = actions.drop_column if self.column_action.value == "drop" else actions.hash_column
        return self._record(lambda: fn(self.project.store, _need(ds), self.column_pick.value or "",
                                       reason=self.column_reason.value, actor=ACTOR))

    def correct_labels(self):
        from ..curation import actions

        ds = self._dataset()
        return self._record(lambda: actions.correct_labels(self.project.store, _need(ds),
                                                           _row_list(self.label_rows.value), self.label_value.value,
                                                           reason=self.label_reason.value, actor=ACTOR))

    def revert(self):
        from ..curation import actions

        ds = self._dataset()
        return self._record(lambda: actions.revert(self.project.store, _need(ds), self.revert_pick.value or "",
                                                   reason=self.revert_reason.value, actor=ACTOR))

    def render_log(self) -> None:
        from ..curation.actions import REVERTED, CurationLog

        tr = self.tr
        ds = self._dataset()
        if ds is None:
            self.log_table.value = f"<p>{esc(tr('curation.no_dataset'))}</p>"
            return
        self.rule_column.options = [("", None)] + [(c, c) for c in ds.columns]
        protected = {ds.mapping.contributor, ds.mapping.target}
        self.column_pick.options = [c for c in ds.columns if c not in protected]
        self.column_action.options = [(tr("curation.log.drop"), "drop"), (tr("curation.log.hash"), "hash")]
        acts = CurationLog.load(self.project.store).for_dataset(ds.sha256)
        rows = [[a.ts[:19].replace("T", " "), tr(f"curation.action.{a.short}"), a.describe(), a.reason, a.actor,
                 "✓" if a.active else tr("curation.log.reverted")] for a in reversed(acts)]
        self.log_table.value = (f"<h2>{esc(tr('curation.log.heading'))}</h2>"
                                + (_table([tr("curation.col.when"), tr("curation.col.action"), tr("curation.col.what"),
                                           tr("curation.col.reason"), tr("curation.col.who"),
                                           tr("curation.col.active")], rows)
                                   if rows else f"<p>{esc(tr('curation.log.empty'))}</p>"))
        self.revert_pick.options = [(f"{tr('curation.action.' + a.short)}: {a.describe()} ({a.reason})"[:120], a.id)
                                    for a in reversed(acts) if a.active and a.kind != REVERTED]

    # -- datasheet -------------------------------------------------------------------------------------
    def _build_datasheet(self):
        from ..curation.datasheet import SECTIONS

        self.ds_section = _dropdown(options=list(SECTIONS), value="motivation")
        self.ds_question = _dropdown(options=list(SECTIONS["motivation"]))
        self.ds_section.observe(lambda _ch: self._questions(), names="value")
        self.ds_question.observe(lambda _ch: self._load_answer(), names="value")
        self.ds_answer = w.Textarea(layout=w.Layout(width="100%", height="140px"))
        self.ds_save = _button()
        self.ds_save.on_click(lambda _b: self.save_answer())
        self.ds_write = _button("success")
        self.ds_write.on_click(lambda _b: self.write_datasheet())
        self.ds_status = w.HTML()
        self.ds_labels = [w.HTML() for _ in range(4)]
        from ..decisions import subjects
        from .decide import DecisionBox

        # Accepting the curated data with its datasheet is a gate: the community's decision on the data as it is.
        self.accept_gate = DecisionBox(self.project, self.tr, "dataset", lambda: subjects.dataset(self.project))
        self.accept_button = _button("success")
        self.accept_button.on_click(lambda _b: self.accept_dataset())
        lb = self.ds_labels
        self.datasheet_panel = w.VBox([lb[0], lb[1], self.ds_section, lb[2], self.ds_question, lb[3], self.ds_answer,
                                       self.ds_save, self.ds_write, self.ds_status, self.accept_gate.widget,
                                       self.accept_button], layout=FULL)

    def _questions(self) -> None:
        from ..curation.datasheet import SECTIONS

        self.ds_question.options = [(self.tr(f"curation.ds.q.{q}"), q) for q in SECTIONS[self.ds_section.value]]
        self._load_answer()

    def _load_answer(self) -> None:
        from ..curation.datasheet import answers

        a = answers(self.project.store).get((self.ds_section.value, self.ds_question.value))
        self.ds_answer.value = a["text"] if a else ""

    def save_answer(self):
        from ..curation.datasheet import answer

        ev = self._run(lambda: answer(self.project.store, self.ds_section.value, self.ds_question.value,
                                      self.ds_answer.value, self.language, ACTOR))
        if ev is not None:
            self._ok("curation.ds.saved")
        return ev

    def write_datasheet(self):
        from ..curation.datasheet import write

        paths = self._run(lambda: write(self.project, self.language, actor=ACTOR))
        if paths is not None:
            self._ok("curation.ds.written", path=str(paths[0].parent))
            self.ds_status.value = "".join(f'<p class="wb-muted">{esc(p)}</p>' for p in paths)
        return paths

    def accept_dataset(self):
        from ..curation.accept import accept

        out = self._run(lambda: accept(self.project, language=self.language, actor=ACTOR))
        if out is not None:
            self._ok("curation.accept.done", hash=out["hash"][:12])
            self.accept_gate.refresh()
        return out

    # -- rendering ----------------------------------------------------------------------------------------
    def render(self) -> None:
        tr = self.tr
        self.header.value = (f'<p class="wb-muted">{esc(tr("app.name"))}</p>'
                             f"<h1>{esc(tr('app.curation.title'))}: {esc(self.project.name)}</h1>")
        if self.role != apps.FACILITATOR:
            self.status.value = f'<p class="wb-error">{esc(tr("curation.facilitators_only"))}</p>'
            return
        self.tabs.titles = tuple(tr(f"curation.tab.{p}") for p in PANELS)
        ds = self._dataset()
        lb = self.import_labels
        for label, key in zip(lb, ("curation.import.file", "curation.import.contributor", "curation.import.target",
                                   "curation.import.groups", "curation.import.text", "curation.import.drop"),
                              strict=True):
            label.value = f"<label>{esc(tr(key))}</label>"
        self.add_button.description = tr("curation.import.add")
        self.upload.description = tr("curation.import.upload")
        self.import_status.value = "" if ds is None else (
            f'<div class="wb-card"><p>{esc(tr("curation.import.current", name=ds.original_name, rows=ds.rows))}</p>'
            f'<p class="wb-muted"><code>{esc(ds.sha256)}</code></p></div>')
        self.consent_labels[0].value = f"<label>{esc(tr('curation.consent.use'))}</label>"
        self.consent_labels[1].value = f"<label>{esc(tr('curation.consent.at'))}</label>"
        current_use = self.use.value
        self._drawing = True  # relabelling the uses is not choosing one: render_pii runs once, below
        try:
            self.use.options = self._use_options()
            self.use.value = current_use
        finally:
            self._drawing = False
        self.show_button.description = tr("curation.consent.show")
        self.snapshot_button.description = tr("curation.snapshot.take")
        self.sheet_button.description = tr("curation.snapshot.spreadsheet")
        self.profile_button.description = tr("curation.profile.run")
        for label, key in zip(self.ref_labels, ("curation.profile.reference", "curation.profile.ref_attribute",
                                                "curation.profile.ref_shares", "curation.profile.ref_source"),
                              strict=True):
            label.value = f"<label>{esc(tr(key))}</label>"
        self.ref_labels[0].value = f"<h3>{esc(tr('curation.profile.reference'))}</h3>"
        self.ref_save.description = tr("curation.profile.ref_save")
        if ds is not None:
            self.ref_attribute.options = list(ds.mapping.groups)
        for label, key in zip(self.pii_labels, ("curation.pii.column", "curation.pii.kinds", "curation.log.reason"),
                              strict=True):
            label.value = f"<label>{esc(tr(key))}</label>"
        self.redact_button.description = tr("curation.pii.redact")
        log_keys = ("curation.log.exclude_rule", "curation.log.column", "curation.log.op", "curation.log.value",
                    "curation.log.reason", "curation.log.exclude_rows", "curation.log.rows", "curation.log.reason",
                    "curation.log.column_change", "curation.log.reason", "curation.log.correct", "curation.log.rows",
                    "curation.log.label", "curation.log.reason", "curation.log.revert")
        for i, (label, key) in enumerate(zip(self.log_labels, log_keys, strict=True)):
            tag = "h3" if i in (0, 5, 8, 10, 14) else "label"
            label.value = f"<{tag}>{esc(tr(key))}</{tag}>"
        self.rule_button.description = tr("curation.log.exclude")
        self.rows_button.description = tr("curation.log.exclude")
        self.column_button.description = tr("curation.log.apply")
        self.label_button.description = tr("curation.log.apply")
        self.revert_button.description = tr("curation.log.revert_button")
        for label, key in zip(self.ds_labels, ("curation.ds.heading", "curation.ds.section", "curation.ds.question",
                                               "curation.ds.answer"), strict=True):
            label.value = f"<label>{esc(tr(key))}</label>"
        self.ds_labels[0].value = f"<h2>{esc(tr('curation.ds.heading'))}</h2><p>{esc(tr('curation.ds.help'))}</p>"
        section = self.ds_section.value
        from ..curation.datasheet import SECTIONS

        self.ds_section.options = [(tr(f"curation.ds.section.{s}"), s) for s in SECTIONS]
        self.ds_section.value = section
        question = self.ds_question.value
        self.ds_question.options = [(tr(f"curation.ds.q.{q}"), q) for q in SECTIONS[section]]
        if question in SECTIONS[section]:
            self.ds_question.value = question
        self.ds_save.description = tr("curation.ds.save")
        self.ds_write.description = tr("curation.ds.write")
        self.accept_button.description = tr("curation.accept.button")
        self.accept_gate.relabel(tr)
        self.render_log()
        self.render_pii()
        self.work.set_language(self.language)

    def set_language(self, language: str) -> None:
        super().set_language(language)
        if self.role == apps.FACILITATOR and self.waterfall_table.value:
            self.render_consent()


class DataWorkView(View):
    """The data-work ledger: record work, set the agreed floor, see the checks.

    Controls: ``work_task``, ``work_worker``, ``work_hours``, ``work_items``, ``work_pay``, ``work_currency``,
    ``work_date``, ``work_paid_on``, ``work_note``, ``work_add``; ``floor_value``, ``floor_currency``,
    ``floor_days``, ``floor_benefit``, ``floor_save``; ``summary`` and ``workers_table`` (HTML), ``status``.
    """

    def __init__(self, project, role: str = apps.FACILITATOR, language: str | None = None, charts: bool = True,
                 embedded: bool = False):
        from ..curation.datawork import TASKS
        from ..i18n import available

        lang = language if language in available() else project.config.default_language
        super().__init__(lang)
        self.project, self.role, self.charts = project, role, charts
        self.style = w.HTML(STYLE)
        self.header = w.HTML()
        self.status = w.HTML()
        self.work_task = _dropdown(options=list(TASKS), value=TASKS[0])
        self.work_worker = _text()
        self.work_hours = _text()
        self.work_items = _text()
        self.work_pay = _text()
        self.work_currency = _text(value="")
        self.work_date = w.DatePicker(value=dt.date.today(), layout=FULL)
        self.work_paid_on = w.DatePicker(value=None, layout=FULL)
        self.work_note = _text()
        self.work_add = _button()
        self.work_add.on_click(lambda _b: self.add_entry())
        self.floor_value = _text()
        self.floor_currency = _text()
        self.floor_days = w.BoundedIntText(value=30, min=0, max=365, layout=FULL)
        self.floor_benefit = w.Textarea(layout=w.Layout(width="100%", height="70px"))
        self.floor_save = _button("info")
        self.floor_save.on_click(lambda _b: self.save_terms())
        self.summary = w.HTML()
        self.workers_table = w.HTML()
        self.chart = w.HTML()
        self.labels = [w.HTML() for _ in range(16)]
        lb = self.labels
        children = [lb[0], lb[1], self.work_task, lb[2], self.work_worker, lb[3], self.work_hours, lb[4],
                    self.work_items, lb[5], self.work_pay, lb[6], self.work_currency, lb[7], self.work_date, lb[8],
                    self.work_paid_on, lb[9], self.work_note, self.work_add, self.summary, self.chart,
                    self.workers_table, lb[10], lb[11], self.floor_value, lb[12], self.floor_currency, lb[13],
                    self.floor_days, lb[14], self.floor_benefit, lb[15], self.floor_save]
        if embedded:
            self.widget.children = [self.status, *children]
        else:
            self.language_switch = language_switch(lang)
            self.language_switch.observe(lambda ch: self.set_language(ch["new"]), names="value")
            self.widget.children = [self.style, self.header, self.language_switch, self.status, *children]
        if role != apps.FACILITATOR:
            self.widget.children = [self.style, self.header, self.status]
        self.render()

    def _fail(self, exc: WorkbenchError) -> None:
        text = self.tr(exc.key, **exc.params) if exc.key and self.tr.has(exc.key) else exc.sentence
        self.status.value = f'<p class="wb-error" role="alert">✖ {esc(text)}</p>'

    def add_entry(self):
        from ..curation import datawork

        try:
            ev = datawork.record(self.project.store, self.work_task.value, self.work_worker.value,
                                 hours=self.work_hours.value or None, items=self.work_items.value or None,
                                 pay=self.work_pay.value, currency=self.work_currency.value, on=self.work_date.value,
                                 paid_on=self.work_paid_on.value, note=self.work_note.value, actor=ACTOR)
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        for ctl in (self.work_worker, self.work_hours, self.work_items, self.work_pay, self.work_note):
            ctl.value = ""
        self.work_paid_on.value = None
        self.render()
        self.status.value = f'<p class="wb-ok" role="status">✔ {esc(self.tr("curation.work.recorded"))}</p>'
        return ev

    def save_terms(self):
        from ..curation import datawork

        try:
            ev = datawork.set_terms(self.project.store, self.floor_value.value, self.floor_currency.value,
                                    self.floor_days.value, self.floor_benefit.value, actor=ACTOR)
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        self.render()
        self.status.value = f'<p class="wb-ok" role="status">✔ {esc(self.tr("curation.work.terms_saved"))}</p>'
        return ev

    def render(self) -> None:
        from ..curation import datawork

        tr = self.tr
        self.header.value = (f'<p class="wb-muted">{esc(tr("app.name"))}</p>'
                             f"<h1>{esc(tr('app.datawork.title'))}: {esc(self.project.name)}</h1>")
        if self.role != apps.FACILITATOR:
            self.status.value = f'<p class="wb-error">{esc(tr("curation.facilitators_only"))}</p>'
            return
        keys = ("curation.work.heading", "curation.work.task", "curation.work.worker", "curation.work.hours",
                "curation.work.items", "curation.work.pay", "curation.work.currency", "curation.work.date",
                "curation.work.paid_on", "curation.work.note", "curation.work.terms", "curation.work.floor",
                "curation.work.currency", "curation.work.payment_days", "curation.work.benefit", "")
        for i, (label, key) in enumerate(zip(self.labels, keys, strict=True)):
            tag = "h2" if i in (0, 10) else "label"
            label.value = f"<{tag}>{esc(tr(key))}</{tag}>" if key else ""
        self.work_task.options = [(tr(f"curation.work.task.{t}"), t) for t in datawork.TASKS]
        self.work_add.description = tr("curation.work.add")
        self.floor_save.description = tr("curation.work.save_terms")
        checks = datawork.check(self.project)
        t, s = checks.terms, checks.summary
        if t.currency and not self.work_currency.value:
            self.work_currency.value = t.currency
        if t.hourly_floor and not self.floor_value.value:
            self.floor_value.value = f"{t.hourly_floor:g}"
            self.floor_currency.value = t.currency
            self.floor_days.value = t.payment_days
            self.floor_benefit.value = t.benefit_sharing
        lines = [tr("curation.ds.f.datawork", workers=s["workers"], hours=f"{s['hours']:.1f}", pay=f"{s['pay']:.2f}",
                    currency=s["currency"] or "")]
        if s["hourly_floor"]:
            lines.append(tr("curation.ds.f.floor", floor=f"{s['hourly_floor']:.2f}", currency=s["currency"],
                            share=_pct(s["share_at_or_above_floor"]) or "—"))
        else:
            lines.append(tr("curation.ds.f.no_floor"))
        lines.append(tr("curation.ds.f.unpaid", unpaid=s["unpaid_entries"], late=s["late_entries"]))
        flag = "wb-error" if s["workers_below_floor"] or s["unpaid_entries"] or s["late_entries"] else "wb-ok"
        self.summary.value = (f'<div class="wb-card" data-below="{s["workers_below_floor"]}">'
                              + "".join(f'<p class="{flag if i else ""}">{esc(x)}</p>' for i, x in enumerate(lines))
                              + "</div>")
        rows = [[r.worker, f"{r.hours:.1f}", f"{r.pay:.2f}", "" if r.hourly != r.hourly else f"{r.hourly:.2f}",
                 "⚠" if r.below_floor else "", int(r.unpaid_entries), int(r.late_entries)]
                for r in checks.workers.itertuples()]
        self.workers_table.value = _table([tr("curation.col.worker"), tr("curation.col.hours"), tr("curation.col.pay"),
                                           tr("curation.col.hourly"), tr("curation.col.below"),
                                           tr("curation.col.unpaid"), tr("curation.col.late")], rows,
                                          {1, 2, 3, 5, 6}) if rows else ""
        if self.charts and rows:
            from ..charts.curation import pay_vs_floor, to_svg
            from ..charts.readings import pay_reading, reading_html

            self.chart.value = (f'<div class="wb-chart" style="overflow-x:auto">{to_svg(pay_vs_floor(checks.workers, t.hourly_floor, tr))}</div>'
                                + reading_html(pay_reading(checks.workers, t.hourly_floor, tr)))


def _need(ds):
    if ds is None:
        raise WorkbenchError("This project has no dataset yet.", key="curation.error.no_dataset")
    return ds


def _row_list(text: str) -> list[str]:
    return [p for p in str(text or "").replace(";", ",").replace(" ", ",").split(",") if p]


def app():
    """The Voila entry point of notebooks/curation.ipynb."""
    from .context import open_app_project

    project, ctx = open_app_project("curation")
    return CurationView(project, ctx.role, ctx.language)


def datawork_app():
    """The Voila entry point of notebooks/datawork.ipynb."""
    from .context import open_app_project

    project, ctx = open_app_project("datawork")
    return DataWorkView(project, ctx.role, ctx.language)
