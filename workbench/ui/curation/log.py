"""The curation log panel: exclusions, column changes, label corrections and reverts, each with its reason."""

from __future__ import annotations

import ipywidgets as w

from ...text import esc
from ..kit import Labels, heading
from .common import ACTOR, Panel, need, row_list, table

RULE_OPS = ("==", "!=", "in", "not_in", "contains", "missing", "present", "<", "<=", ">", ">=", "duplicate")


class LogPanel(Panel):
    """``rule_column``, ``rule_op``, ``rule_value``, ``rule_reason``, ``rule_button``; ``rows_text``,
    ``rows_reason``, ``rows_button``; ``column_pick``, ``column_action``, ``column_reason``, ``column_button``;
    ``label_rows``, ``label_value``, ``label_reason``, ``label_button``; ``revert_pick``, ``revert_reason``,
    ``revert_button``; ``log_table``."""

    def _build_log(self):
        self.rule_column = self.kit.drop([], full=True)
        self.rule_op = self.kit.drop(list(RULE_OPS), "==", full=True)
        self.rule_value = self.kit.text()
        self.rule_reason = self.kit.text()
        self.rule_button = self.kit.button(style="warning")
        self.rule_button.on_click(lambda _b: self.exclude_rule())
        self.rows_text = self.kit.text()
        self.rows_reason = self.kit.text()
        self.rows_button = self.kit.button(style="warning")
        self.rows_button.on_click(lambda _b: self.exclude_rows())
        self.column_pick = self.kit.drop([], full=True)
        self.column_action = w.ToggleButtons(options=[("", "drop"), ("", "hash")], value="drop")
        self.column_reason = self.kit.text()
        self.column_button = self.kit.button(style="warning")
        self.column_button.on_click(lambda _b: self.column_change())
        self.label_rows = self.kit.text()
        self.label_value = self.kit.text()
        self.label_reason = self.kit.text()
        self.label_button = self.kit.button(style="warning")
        self.label_button.on_click(lambda _b: self.correct_labels())
        self.revert_pick = self.kit.drop([], full=True)
        self.revert_reason = self.kit.text()
        self.revert_button = self.kit.button(style="danger")
        self.revert_button.on_click(lambda _b: self.revert())
        self.log_table = self.kit.html()
        lb = self.log_labels = Labels(self.kit)
        self.log_panel = w.VBox([
            lb.heading("curation.log.exclude_rule", 3), lb.label("curation.log.column"), self.rule_column,
            lb.label("curation.log.op"), self.rule_op, lb.label("curation.log.value"), self.rule_value,
            lb.label("curation.log.reason"), self.rule_reason, self.rule_button,
            lb.heading("curation.log.exclude_rows", 3), lb.label("curation.log.rows"), self.rows_text,
            lb.label("curation.log.reason"), self.rows_reason, self.rows_button,
            lb.heading("curation.log.column_change", 3), self.column_pick, self.column_action, lb.label("curation.log.reason"),
            self.column_reason, self.column_button,
            lb.heading("curation.log.correct", 3), lb.label("curation.log.rows"), self.label_rows,
            lb.label("curation.log.label"), self.label_value, lb.label("curation.log.reason"), self.label_reason,
            self.label_button,
            self.log_table, lb.heading("curation.log.revert", 3), self.revert_pick, self.revert_reason, self.revert_button,
        ], layout=self.kit.full)

    def _record(self, fn):
        a = self._run(fn)
        if a is not None:
            self._ok("curation.log.recorded")
        return a

    def exclude_rule(self):
        from ...curation import actions

        ds = self._dataset()
        col = None if self.rule_op.value == "duplicate" and not self.rule_column.value else self.rule_column.value
        return self._record(lambda: actions.exclude_rule(self.project.store, need(ds), col, self.rule_op.value,
                                                         self.rule_value.value, reason=self.rule_reason.value,
                                                         actor=ACTOR))

    def exclude_rows(self):
        from ...curation import actions

        ds = self._dataset()
        return self._record(lambda: actions.exclude_rows(self.project.store, need(ds), row_list(self.rows_text.value),
                                                         reason=self.rows_reason.value, actor=ACTOR))

    def column_change(self):
        from ...curation import actions

        ds = self._dataset()
        fn = actions.drop_column if self.column_action.value == "drop" else actions.hash_column
        return self._record(lambda: fn(self.project.store, need(ds), self.column_pick.value or "",
                                       reason=self.column_reason.value, actor=ACTOR))

    def correct_labels(self):
        from ...curation import actions

        ds = self._dataset()
        return self._record(lambda: actions.correct_labels(self.project.store, need(ds),
                                                           row_list(self.label_rows.value), self.label_value.value,
                                                           reason=self.label_reason.value, actor=ACTOR))

    def revert(self):
        from ...curation import actions

        ds = self._dataset()
        return self._record(lambda: actions.revert(self.project.store, need(ds), self.revert_pick.value or "",
                                                   reason=self.revert_reason.value, actor=ACTOR))

    def render_log(self) -> None:
        from ...curation.actions import REVERTED, CurationLog

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
        self.log_table.value = (heading(tr("curation.log.heading"))
                                + (table([tr("curation.col.when"), tr("curation.col.action"), tr("curation.col.what"),
                                           tr("curation.col.reason"), tr("curation.col.who"),
                                           tr("curation.col.active")], rows)
                                   if rows else f"<p>{esc(tr('curation.log.empty'))}</p>"))
        self.revert_pick.options = [(f"{tr('curation.action.' + a.short)}: {a.describe()} ({a.reason})"[:120], a.id)
                                    for a in reversed(acts) if a.active and a.kind != REVERTED]


    def _relabel_log(self, tr, ds) -> None:
        self.log_labels.relabel(tr)
        self.rule_button.description = tr("curation.log.exclude")
        self.rows_button.description = tr("curation.log.exclude")
        self.column_button.description = tr("curation.log.apply")
        self.label_button.description = tr("curation.log.apply")
        self.revert_button.description = tr("curation.log.revert_button")
