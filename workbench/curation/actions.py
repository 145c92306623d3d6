"""Curation actions: each an event with actor, reason and time, reversible by a later event.

Kinds (every payload has ``id``, ``dataset`` (the raw file's sha256) and ``reason``):

- ``curation.excluded``      ``rule`` {column, op, value} or ``rows`` [raw row numbers]
- ``curation.redacted``      ``columns`` [text columns], ``kinds`` [pattern names] or null for all
- ``curation.column_dropped``  ``column``
- ``curation.column_hashed``   ``column``, ``salt`` (random, kept in the event so the snapshot is reproducible)
- ``curation.label_corrected`` ``rows`` [raw row numbers], ``label`` (the corrected class)
- ``curation.reverted``      ``target`` (the id of the action it undoes)

Rows are named by their position in the raw file (0 = the first data row): the
raw file never changes, so a position always means the same row.
:class:`CurationLog` folds the events; :func:`apply` applies the active actions
to a frame, vectorised.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import WorkbenchError
from ..text import check_text, free_text, snippet

EXCLUDED, REDACTED, DROPPED, HASHED, CORRECTED, REVERTED = (
    "curation.excluded", "curation.redacted", "curation.column_dropped", "curation.column_hashed",
    "curation.label_corrected", "curation.reverted")
KINDS = (EXCLUDED, REDACTED, DROPPED, HASHED, CORRECTED, REVERTED)
OPS = ("==", "!=", "in", "not_in", "contains", "missing", "present", "<", "<=", ">", ">=", "duplicate")
MAX_REASON = 500
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Action:
    """One curation event, with whether a later event has reverted it."""

    id: str
    kind: str
    dataset: str
    reason: str
    actor: str
    ts: str
    seq: int
    hash: str
    payload: dict
    reverted_by: str | None = None

    @property
    def active(self) -> bool:
        return self.reverted_by is None

    @property
    def short(self) -> str:
        return self.kind.split(".", 1)[1]

    def describe(self) -> str:
        """What the action does, in a neutral technical form (column names and values as given)."""
        p = self.payload
        if self.kind == EXCLUDED:
            if p.get("rule"):
                r = p["rule"]
                value = "" if r["op"] in ("missing", "present", "duplicate") else f" {r.get('value')!r}"
                return f"{r.get('column') or '*'} {r['op']}{value}"
            return f"rows: {len(p.get('rows', []))}"
        if self.kind == REDACTED:
            return f"{', '.join(p['columns'])}: {', '.join(p.get('kinds') or ['*'])}"
        if self.kind in (DROPPED, HASHED):
            return str(p["column"])
        if self.kind == CORRECTED:
            return f"rows: {len(p['rows'])} -> {p['label']!r}"
        return str(p.get("target", ""))


class CurationLog:
    """The curation actions of the log, in order; ``for_dataset(sha)`` and ``active(sha)``."""

    def __init__(self, actions: list[Action]):
        self.actions = actions
        self._by_id = {a.id: a for a in actions}

    @classmethod
    def from_events(cls, events: Iterable) -> CurationLog:
        actions: list[Action] = []
        by_id: dict[str, int] = {}
        for ev in events:
            if ev.kind not in KINDS:
                continue
            p = ev.payload
            action = Action(p["id"], ev.kind, p.get("dataset", ""), p.get("reason", ""), ev.actor, ev.ts, ev.seq,
                            ev.hash, p)
            if ev.kind == REVERTED and p.get("target") in by_id:
                i = by_id[p["target"]]
                if actions[i].reverted_by is None:
                    actions[i] = _with(actions[i], reverted_by=action.id)
            by_id[action.id] = len(actions)
            actions.append(action)
        return cls(actions)

    @classmethod
    def load(cls, store) -> CurationLog:
        return cls.from_events(store.events(prefix="curation."))

    def get(self, action_id: str) -> Action:
        try:
            return self._by_id[action_id]
        except KeyError:
            raise WorkbenchError(f"There is no curation action {action_id!r}.", "Pick one from the curation log.",
                                 key="curation.error.no_action", id=str(action_id)) from None

    def for_dataset(self, dataset: str) -> list[Action]:
        return [a for a in self.actions if a.dataset == dataset]

    def active(self, dataset: str) -> list[Action]:
        """The actions in force on ``dataset``, in log order (reverts themselves are not actions on data)."""
        return [a for a in self.actions if a.dataset == dataset and a.active and a.kind != REVERTED]


def _with(action: Action, **changes) -> Action:
    from dataclasses import replace

    return replace(action, **changes)


# -- validation -------------------------------------------------------------------------------------
def _reason(reason: Any) -> str:
    text = " ".join(check_text(reason, "The reason").split())  # a control character is refused, not dropped
    if not text:
        raise WorkbenchError("Every curation action needs a reason.", "Write why, in a few words.",
                             key="curation.error.no_reason")
    if len(text) > MAX_REASON:
        raise WorkbenchError(f"The reason is longer than {MAX_REASON} characters.", "Shorten it.",
                             key="curation.error.reason_too_long", limit=MAX_REASON)
    return text


def _column(dataset, column: Any) -> str:
    col = str(column or "").strip()
    if col not in dataset.columns:
        raise WorkbenchError(f"The dataset has no column {snippet(col)!r}.", f"Choose one of: {', '.join(dataset.columns)}.",
                             key="curation.error.no_such_column", column=snippet(col), known=", ".join(dataset.columns))
    return col


def _rows(dataset, rows: Iterable[Any]) -> list[int]:
    out = []
    for r in rows:
        try:
            n = int(r)
        except (TypeError, ValueError):
            raise WorkbenchError(f"{snippet(r)!r} is not a row number.", "Use the row numbers shown in the table.",
                                 key="curation.error.bad_row", row=snippet(r)) from None
        if not 0 <= n < dataset.rows or isinstance(r, bool) or (isinstance(r, float) and r != n):
            raise WorkbenchError(f"There is no row {r!r} in the dataset (it has {dataset.rows} rows, from 0).",
                                 "Use the row numbers shown in the table.", key="curation.error.bad_row", row=str(r))
        out.append(n)
    out = sorted(set(out))
    if not out:
        raise WorkbenchError("No rows were selected.", "Select at least one row.", key="curation.error.no_rows")
    if len(out) > MAX_ROWS:
        raise WorkbenchError(f"More than {MAX_ROWS} rows were selected.", "Exclude them with a rule instead.",
                             key="curation.error.too_many_rows", limit=MAX_ROWS)
    return out


def check_rule(dataset, column: str | None, op: str, value: Any = None) -> dict:
    if op not in OPS:
        raise WorkbenchError(f"{snippet(op)!r} is not a rule.", f"Use one of: {', '.join(OPS)}.",
                             key="curation.error.bad_op", op=snippet(op))
    if op == "duplicate":
        return {"column": _column(dataset, column) if column else None, "op": op, "value": None}
    col = _column(dataset, column)
    if op in ("missing", "present"):
        return {"column": col, "op": op, "value": None}
    if op in ("in", "not_in"):
        values = value if isinstance(value, list | tuple) else [v.strip() for v in str(value or "").split(",")]
        values = [str(v) for v in values if str(v) != ""]
        if not values:
            raise WorkbenchError("The rule needs at least one value.", "Write the values, separated by commas.",
                                 key="curation.error.no_value")
        return {"column": col, "op": op, "value": values}
    if value is None or str(value) == "":
        raise WorkbenchError("The rule needs a value.", "Write the value to compare with.",
                             key="curation.error.no_value")
    if op in ("<", "<=", ">", ">="):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise WorkbenchError(f"{snippet(value)!r} is not a number, and {op} compares numbers.", "Write a number.",
                                 key="curation.error.not_a_number", value=snippet(value)) from None
        return {"column": col, "op": op, "value": value}
    return {"column": col, "op": op, "value": str(value)}


# -- recording --------------------------------------------------------------------------------------
def _append(store, kind: str, dataset, payload: dict, reason: str, actor: str) -> Action:
    body = {"id": str(uuid.uuid4()), "dataset": dataset.sha256, "reason": _reason(reason), **payload}
    ev = store.append(kind, body, actor)
    return CurationLog.from_events([ev]).actions[0]


def exclude_rule(store, dataset, column: str | None, op: str, value: Any = None, *, reason: str,
                 actor: str = "facilitator") -> Action:
    """Exclude every row matching ``column op value`` (``duplicate``: exact duplicate rows after the first)."""
    return _append(store, EXCLUDED, dataset, {"rule": check_rule(dataset, column, op, value)}, reason, actor)


def exclude_rows(store, dataset, rows: Iterable[int], *, reason: str, actor: str = "facilitator") -> Action:
    return _append(store, EXCLUDED, dataset, {"rows": _rows(dataset, rows)}, reason, actor)


def redact(store, dataset, columns: Iterable[str], kinds: Iterable[str] | None = None, *, reason: str,
           actor: str = "facilitator") -> Action:
    """Replace personal data found in ``columns`` by tags (``[PHONE]``, ``[EMAIL]``, ...)."""
    from .pii import Scanner

    cols = list(dict.fromkeys(_column(dataset, c) for c in columns))
    if not cols:
        raise WorkbenchError("Choose at least one text column to redact.", key="curation.error.no_columns")
    chosen = None if kinds is None else list(dict.fromkeys(kinds))
    if chosen is not None:
        Scanner.default().only(chosen)
    return _append(store, REDACTED, dataset, {"columns": cols, "kinds": chosen}, reason, actor)


def _protected(dataset, column: str, what: str) -> None:
    m = dataset.mapping
    if column in (m.contributor, m.target):
        raise WorkbenchError(f"The column {column!r} is the {'contributor id' if column == m.contributor else 'target'}"
                             f"; it cannot be {what}.", "Change the mapping first.",
                             key="curation.error.protected_column", column=column)


def drop_column(store, dataset, column: str, *, reason: str, actor: str = "facilitator") -> Action:
    col = _column(dataset, column)
    _protected(dataset, col, "dropped")
    return _append(store, DROPPED, dataset, {"column": col}, reason, actor)


def hash_column(store, dataset, column: str, *, reason: str, actor: str = "facilitator") -> Action:
    """Replace each value by a keyed hash (equal values stay equal; the values cannot be read back)."""
    col = _column(dataset, column)
    _protected(dataset, col, "hashed")
    return _append(store, HASHED, dataset, {"column": col, "salt": secrets.token_hex(16)}, reason, actor)


def correct_labels(store, dataset, rows: Iterable[int], label: str, *, reason: str,
                   actor: str = "facilitator") -> Action:
    if not dataset.mapping.target:
        raise WorkbenchError("The dataset has no target column, so there are no labels to correct.",
                             "Map the target column first.", key="curation.error.no_target")
    text = free_text(label, "The corrected label", 200)
    if not text:
        raise WorkbenchError("The corrected label is empty.", "Write the right class.",
                             key="curation.error.empty_label")
    return _append(store, CORRECTED, dataset, {"rows": _rows(dataset, rows), "label": text}, reason, actor)


def revert(store, dataset, action_id: str, *, reason: str, actor: str = "facilitator") -> Action:
    """Undo an earlier action by a new event (the earlier one stays in the log)."""
    log = CurationLog.load(store)
    target = log.get(action_id)
    if target.kind == REVERTED:
        raise WorkbenchError("A revert cannot be reverted.", "Record the action again instead.",
                             key="curation.error.revert_revert")
    if not target.active:
        raise WorkbenchError("That action was already reverted.", key="curation.error.already_reverted")
    if target.dataset != dataset.sha256:
        raise WorkbenchError("That action belongs to another dataset.", key="curation.error.other_dataset")
    return _append(store, REVERTED, dataset, {"target": target.id}, reason, actor)


# -- applying ---------------------------------------------------------------------------------------
def rule_mask(frame, rule: dict):
    """Boolean numpy array: which rows of ``frame`` the rule selects (vectorised)."""
    import numpy as np
    import pandas as pd

    op, col, value = rule["op"], rule.get("column"), rule.get("value")
    if op == "duplicate":
        return (frame.duplicated(subset=[col] if col else None, keep="first")).to_numpy()
    s = frame[col]
    if op == "missing":
        return s.isna().to_numpy()
    if op == "present":
        return s.notna().to_numpy()
    if op in ("<", "<=", ">", ">="):
        num = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            out = {"<": num < value, "<=": num <= value, ">": num > value, ">=": num >= value}[op]
        return np.asarray(out, dtype=bool)
    text = s.astype("str").where(s.notna(), None) if not pd.api.types.is_string_dtype(s.dtype) else s
    if op == "contains":
        return text.str.contains(str(value), regex=False, na=False).to_numpy(dtype=bool)
    if op in ("in", "not_in"):
        hit = text.isin([str(v) for v in value]).to_numpy(dtype=bool)
        return hit if op == "in" else ~hit & s.notna().to_numpy()
    hit = (text == str(value)).fillna(False).to_numpy(dtype=bool)
    return hit if op == "==" else ~hit & s.notna().to_numpy()


def exclusion_mask(frame, actions: Iterable[Action]):
    """Rows excluded by the active exclusion actions (numpy bool)."""
    import numpy as np

    out = np.zeros(len(frame), dtype=bool)
    for a in actions:
        if a.kind != EXCLUDED:
            continue
        if a.payload.get("rule"):
            out |= rule_mask(frame, a.payload["rule"])
        else:
            rows = np.asarray(a.payload.get("rows", []), dtype="int64")
            out[rows[rows < len(out)]] = True
    return out


def keyed_hash(series, salt: str):
    """Each value's salted SHA-256 (first 16 hex digits); missing stays missing. One hash per distinct value."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series)
    digests = np.array([hashlib.sha256(f"{salt}:{u}".encode()).hexdigest()[:16] for u in uniques] + [None],
                       dtype=object)
    return pd.Series(digests[codes], index=series.index, dtype=object)


def apply(frame, dataset, actions: Iterable[Action], *, exclude: bool = True):
    """The frame after the active transforms (labels, redaction, hashing, drops), in log order.

    Rows keep their raw positions as index. ``exclude`` also drops the rows that exclusion actions select.
    """
    actions = list(actions)
    out = frame
    for a in actions:
        p = a.payload
        if a.kind == CORRECTED and dataset.mapping.target in out.columns:
            rows = [r for r in p["rows"] if r in out.index]
            if rows:
                target = out[dataset.mapping.target].astype(object)
                target.loc[rows] = p["label"]
                out = out.assign(**{dataset.mapping.target: target})
        elif a.kind == REDACTED:
            from .pii import Scanner

            scanner = Scanner.default()
            for col in p["columns"]:
                if col in out.columns:
                    out = out.assign(**{col: scanner.redact(out[col], p.get("kinds"))})
        elif a.kind == HASHED and p["column"] in out.columns:
            out = out.assign(**{p["column"]: keyed_hash(out[p["column"]], p["salt"])})
        elif a.kind == DROPPED and p["column"] in out.columns:
            out = out.drop(columns=[p["column"]])
    return out
