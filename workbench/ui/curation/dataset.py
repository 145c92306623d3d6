"""The import panel: add the dataset and map its columns."""

from __future__ import annotations

import ipywidgets as w

from ...errors import WorkbenchError
from ...text import esc
from ..kit import Labels, card, muted
from .common import ACTOR, Panel

UPLOAD_ACCEPT = ".csv,.tsv,.tab,.txt,.xlsx,.xlsm,.parquet,.pq,.jsonl,.ndjson"


class ImportPanel(Panel):
    """``upload``, ``contributor_col``, ``target_col``, ``group_cols``, ``text_col``, ``drop_cols``,
    ``add_button``, ``import_status`` (``load_file(bytes, name)`` does what an upload does)."""

    def _build_import(self):
        self.upload = self.kit.upload(UPLOAD_ACCEPT)
        self.upload.observe(self._on_upload, names="value")
        self.file_info = self.kit.html()
        self.contributor_col = self.kit.drop([], full=True)
        self.target_col = self.kit.drop([], full=True)
        self.group_cols = w.SelectMultiple(options=[], rows=5, layout=self.kit.full)
        self.text_col = self.kit.drop([], full=True)
        self.drop_cols = w.SelectMultiple(options=[], rows=5, layout=self.kit.full)
        self.add_button = self.kit.button(style="primary")
        self.add_button.on_click(lambda _b: self.add_dataset())
        self.import_status = self.kit.html()
        lb = self.import_labels = Labels(self.kit)
        self.import_panel = w.VBox([lb.label("curation.import.file"), self.upload, self.file_info,
                                    lb.label("curation.import.contributor"), self.contributor_col,
                                    lb.label("curation.import.target"), self.target_col,
                                    lb.label("curation.import.groups"), self.group_cols,
                                    lb.label("curation.import.text"), self.text_col,
                                    lb.label("curation.import.drop"), self.drop_cols,
                                    self.add_button, self.import_status], layout=self.kit.full)

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0] if isinstance(files, list | tuple) else next(iter(files.values()))
        self.load_file(bytes(item["content"]), item["name"])

    def load_file(self, data: bytes, name: str) -> None:
        """Read and check a file (what the upload does); fill the mapping controls with its columns."""
        from ...curation.importer import guess_mapping, inspect

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
        self.file_info.value = muted(info)
        self.status.value = ""

    def _fill_columns(self, cols: list[str]) -> None:
        none = [(self.tr("curation.import.none"), None)]
        self.contributor_col.options = [(c, c) for c in cols]
        self.target_col.options = none + [(c, c) for c in cols]
        self.text_col.options = none + [(c, c) for c in cols]
        self.group_cols.options = cols
        self.drop_cols.options = cols

    def add_dataset(self):
        from ...curation.importer import ColumnMapping, add

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


    def _relabel_import(self, tr, ds) -> None:
        self.import_labels.relabel(tr)
        self.add_button.description = tr("curation.import.add")
        self.upload.description = tr("curation.import.upload")
        self.import_status.value = "" if ds is None else (
            card(tr("curation.import.current", name=ds.original_name, rows=ds.rows),
                 f'<p class="wb-muted"><code>{esc(ds.sha256)}</code></p>'))
