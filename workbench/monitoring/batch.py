"""A batch of outcomes from use: read it, keep only the consented rows, store it raw, log its numbers.

The file is a CSV with the columns ``prediction`` (what the adopted model said), ``outcome`` (what really
happened; empty while unknown), ``date`` (ISO, YYYY-MM-DD), the contributor column (the dataset mapping's, or
``contributor_id``) and the group columns the agreed charter names. It is read with the project's bounded
reader (``[limits] data_file_mb``) and refused with one sentence when a column is missing, a date is not ISO or
lies after the batch's time, a prediction is empty, or the file is too big or not a table.

Consent: a row is kept only when its contributor permits the ``monitor`` use at the batch's time (the
curation stage's vectorised :func:`~workbench.curation.enforce.consent_reasons`, over the consent ledger's
``permitted_mask``). The others are counted by reason, never stored in the event.

The raw file is stored under ``data/<sha256>.csv`` (as :mod:`workbench.curation.importer` does) and
``monitor.batch_added`` logs: file, sha256, rows, kept, dropped (by reason), known outcomes, date range, the
adopted model it is about, the charter version, the criteria, per-group counts, and per criterion and group the
metric with its bootstrap interval (:func:`workbench.evaluation.metrics.group_metrics`, read through
:func:`workbench.evaluation.criteria.check`) judged by :func:`.status.judge`, next to the adopted model's own
evaluation figure.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .._atomic import atomic_path
from ..errors import WorkbenchError
from ..text import snippet

BATCH_ADDED = "monitor.batch_added"
USE = "monitor"
PREDICTION, OUTCOME, DATE = "prediction", "outcome", "date"
DEFAULT_CONTRIBUTOR = "contributor_id"
MAX_GROUPS = 500  # distinct values of one group column: more is an id column, not a group
N_BOOT = 1000
SEED = 0


def _err(message: str, fix: str, key: str, **params) -> WorkbenchError:
    return WorkbenchError(message, fix, key=key, **params)


# -- what the batch is about ----------------------------------------------------------------------------------
def adopted_model(store, required: bool = True) -> dict | None:
    """``{run, candidate, model_sha256, card_seq, decided_seq}`` of the model in use
    (:func:`workbench.evaluation.lifecycle.in_use`); refused (or None) if none."""
    from ..evaluation.lifecycle import adoptions

    found = adoptions(store)
    if not found or found[-1]["retired"] is not None:
        if not required:
            return None
        if not found:
            raise _err("No model has been adopted in this project, so there is nothing to monitor.",
                       "Record the community's decision first ('workbench adopt DIR RUN CANDIDATE').",
                       "monitor.error.no_model")
        raise _err("The model adopted last was retired and is no longer in use, so there is nothing to monitor.",
                   "Adopt a model again first.",
                   "monitor.error.not_in_use")
    using = found[-1]
    card = using["card"]
    return {"run": using["run"], "candidate": using["candidate"], "model_sha256": card.get("model_sha256", ""),
            "card_seq": card["seq"], "decided_seq": using["seq"]}


def agreed_charter(store):
    """The latest agreed charter version (its groups and criteria are what is monitored), or a refusal."""
    from ..purpose.charter import CharterHistory

    version = CharterHistory.load(store).latest_agreed()
    if version is None:
        raise _err("The project has no agreed charter, so there are no criteria to check the model against.",
                   "Agree the charter in the charter app first.", "monitor.error.no_charter")
    return version


def contributor_column(store) -> str:
    from ..curation.importer import current

    ds = current(store)
    return ds.mapping.contributor if ds is not None else DEFAULT_CONTRIBUTOR


# -- reading ----------------------------------------------------------------------------------------------------
def read_batch(project, path, at, contributor: str, groups: list[str]):
    """(bytes, frame, parsed dates) of the batch at ``path``, every column checked, or a one-sentence refusal."""
    import pandas as pd

    from ..curation.importer import read_table
    from ..filecheck import read_regular_file

    path = Path(path)
    name = snippet(path.name, 120)
    data = read_regular_file(path, project.config.limits.data_file_mb * 1_000_000, what="batch file")
    needed = list(dict.fromkeys([PREDICTION, OUTCOME, DATE, contributor, *groups]))
    frame = read_table(data, name, "csv", string_columns=needed)
    for col in needed:
        if col not in frame.columns:
            raise _err(f"The batch {name!r} has no column {snippet(col)!r}.",
                       f"A batch needs the columns {', '.join(needed)}.", "monitor.error.no_column",
                       name=name, column=snippet(col), needed=", ".join(needed))
    empty = frame[PREDICTION].isna() | (frame[PREDICTION].str.strip() == "")
    if empty.any():
        line = int(empty.to_numpy().argmax()) + 2
        raise _err(f"Line {line} of {name!r} has no prediction.", "Every row is one prediction the model made: "
                   "fill it in or remove the row.", "monitor.error.no_prediction", name=name, line=line)
    text = frame[DATE].fillna("").str.strip()
    dates = pd.to_datetime(text.where(text != "", None), format="ISO8601", errors="coerce", utc=True)
    bad = dates.isna().to_numpy()
    if bad.any():
        i = int(bad.argmax())
        raise _err(f"Line {i + 2} of {name!r} has no date as YYYY-MM-DD ({snippet(text.iloc[i], 40)!r}).",
                   "Write every date as YYYY-MM-DD and add the file again.", "monitor.error.bad_date",
                   name=name, line=i + 2, value=snippet(text.iloc[i], 40))
    late = (dates > pd.Timestamp(at)).to_numpy()
    if late.any():
        i = int(late.argmax())
        raise _err(f"Line {i + 2} of {name!r} is dated {text.iloc[i]}, after the batch's time {at.date()}.",
                   "Check the dates: an outcome cannot come from the future.", "monitor.error.future_date",
                   name=name, line=i + 2, value=snippet(text.iloc[i], 40))
    for col in groups:
        distinct = frame[col].nunique(dropna=True)
        if distinct > MAX_GROUPS:
            raise _err(f"The column {snippet(col)!r} of {name!r} has {distinct:,} different values; a group column "
                       f"has at most {MAX_GROUPS}.", "Check that it is the charter's group column.",
                       "monitor.error.too_many_groups", name=name, column=snippet(col), count=distinct,
                       max=MAX_GROUPS)
    return data, frame, dates


# -- numbers ------------------------------------------------------------------------------------------------------
def _f(x):
    import math

    return None if x is None or not isinstance(x, int | float) or not math.isfinite(x) else round(float(x), 6)


def group_counts(frame, known, groups: list[str]) -> dict[str, list[dict]]:
    """Per group column: ``[{group, rows, known}]`` (empty values are the group ``(missing)``), vectorised."""
    from ..evaluation.metrics import MISSING

    out = {}
    for col in groups:
        values = frame[col].fillna("").str.strip().replace("", MISSING)
        rows, with_outcome = values.value_counts(), values[known].value_counts()
        out[col] = [{"group": str(g), "rows": int(n), "known": int(with_outcome.get(g, 0))}
                    for g, n in sorted(rows.items())]
    return out


def _evaluated(run_result: dict | None) -> dict:
    """The adopted candidate's criteria as evaluated: {criterion id: {group or None: {value, lo, hi, n, status}}}."""
    out: dict = {}
    for c in (run_result or {}).get("criteria") or []:
        per = out.setdefault(c.get("id"), {})
        per[None] = {k: c.get(k) for k in ("value", "lo", "hi", "n", "status")}
        for g in c.get("groups") or []:
            per[g.get("group")] = {k: g.get(k) for k in ("value", "lo", "hi", "n", "status")}
    return out


def criteria_rows(criteria: list[dict], report, evaluated: dict) -> list[dict]:
    """One row per (criterion, group) from the batch's :class:`MetricReport`, judged by :func:`.status.judge`."""
    from ..evaluation.criteria import check
    from ..evaluation.metrics import OVERALL
    from .status import INSUFFICIENT, judge

    rows = []
    for c in criteria:
        res = check(c, report)
        base = {"criterion": res.id, "metric": res.metric, "label": res.label, "scope": res.scope,
                "attribute": res.attribute, "direction": res.direction, "threshold": res.threshold,
                "min_group_size": res.min_group_size}
        mine = evaluated.get(res.id, {})
        if res.scope == "every_group" and res.groups:
            points = [(g["group"], g["value"], g["lo"], g["hi"], g["n"]) for g in res.groups]
        elif res.scope == "overall" and res.n is not None:
            points = [(OVERALL, res.value, res.lo, res.hi, res.n)]
        elif res.scope == "gap" and res.value is not None:
            points = [(res.group, res.value, res.lo, res.hi, res.n)]
        else:  # no such class, metric or attribute in this batch, or fewer than two groups to compare
            rows.append({**base, "group": None, "value": None, "lo": None, "hi": None, "n": None,
                         "status": INSUFFICIENT, "reason": res.reason, "params": res.params, "evaluated": mine.get(None)})
            continue
        for group, value, lo, hi, n in points:
            value, lo, hi = _f(value), _f(lo), _f(hi)
            state, reason = judge(value, lo, hi, res.direction, res.threshold, n, res.min_group_size)
            key = group if res.scope == "every_group" else None
            rows.append({**base, "group": group, "value": value, "lo": lo, "hi": hi, "n": None if n is None else int(n),
                         "status": state, "reason": reason, "params": {}, "evaluated": mine.get(key)})
    return rows


def batch_numbers(kept, known, groups: list[str], criteria: list[dict], labels: list[str], evaluated: dict) -> dict:
    """Per-group counts and per-criterion metrics of the consented rows (``kept``; ``known``: outcome known)."""
    from ..evaluation.metrics import DEFAULT_LEVEL, group_metrics

    counts = group_counts(kept, known, groups)
    rows = kept[known]
    if rows.empty or not criteria:
        return {"groups": counts, "results": [], "labels": labels}
    y_true, y_pred = rows[OUTCOME].str.strip(), rows[PREDICTION].str.strip()
    labels = sorted({*map(str, labels), *y_true.unique(), *y_pred.unique()})
    attributes = list(dict.fromkeys([*groups, *(c["attribute"] for c in criteria if c.get("attribute"))]))
    floor = min(int(c.get("min_group_size") or 30) for c in criteria)
    frame = rows[attributes].fillna("").astype(str).reset_index(drop=True)
    report = group_metrics(y_true.reset_index(drop=True), y_pred.reset_index(drop=True), frame, labels=labels,
                           attributes=attributes, min_group_size=floor, n_boot=N_BOOT, seed=SEED)
    return {"groups": counts, "results": criteria_rows(criteria, report, evaluated), "labels": labels,
            "n_boot": N_BOOT, "level": DEFAULT_LEVEL, "seed": SEED}


# -- adding -----------------------------------------------------------------------------------------------------
def _write_raw(project, data: bytes, digest: str) -> tuple[Path, bool]:
    target = Path(project.data_dir) / f"{digest}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
        return target, False  # the same bytes are already there: a raw file is never touched
    try:
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        raise _err(f"Cannot write the batch into {target.parent} ({exc.strerror}).",
                   "Check the disk space and the folder's permissions.", "monitor.error.write") from None
    return target, True


def add_batch(project, path, actor: str = "facilitator", at=None):
    """Add the batch of outcomes at ``path`` (consent checked at ``at``, default now); returns the logged event."""
    import numpy as np

    from ..consent import _time
    from ..consent.ledger import ConsentLedger
    from ..curation.enforce import KEPT, REASONS, consent_reasons
    from ..evaluation.lifecycle import adopted_run
    from ..purpose.charter import criteria_document

    store = project.store
    when = _time.to_datetime(at)
    model = adopted_model(store)
    run = adopted_run(store)
    version = agreed_charter(store)
    doc = criteria_document(version, project.config.id)
    groups, criteria = list(doc.get("groups") or []), [dict(c) for c in doc.get("criteria") or []]
    contributor = contributor_column(store)
    data, frame, dates = read_batch(project, path, when, contributor,
                                    list(dict.fromkeys([*groups, *(c["attribute"] for c in criteria
                                                                   if c.get("attribute"))])))
    digest = hashlib.sha256(data).hexdigest()
    earlier = [ev for ev in store.events(kinds=[BATCH_ADDED]) if ev.payload.get("sha256") == digest]
    if earlier:
        raise _err(f"This batch was already added (event {earlier[0].seq}).",
                   "Add each batch once; a new batch is a new file.", "monitor.error.duplicate", seq=earlier[0].seq)
    codes, _factorised = consent_reasons(frame[contributor], ConsentLedger.load(store), USE, when)
    per_reason = np.bincount(codes, minlength=len(REASONS))
    keep = codes == REASONS.index(KEPT)
    kept = frame[keep]
    known = (kept[OUTCOME].fillna("").str.strip() != "").to_numpy()
    result = run["candidates"].get(model["candidate"]) if run else None
    numbers = batch_numbers(kept, known, groups, criteria, list(run["started"].get("labels") or []),
                            _evaluated(result))
    dropped = {r: int(per_reason[i]) for i, r in enumerate(REASONS) if r != KEPT and per_reason[i]}
    payload = {
        "file": f"{digest}.csv", "sha256": digest, "bytes": len(data), "original_name": snippet(Path(path).name, 120),
        "at": _time.iso(when), "use": USE, "contributor_column": contributor,
        "rows": int(len(frame)), "kept": int(keep.sum()), "dropped_no_consent": int(sum(dropped.values())),
        "dropped_by_reason": dropped, "known": int(known.sum()),
        "date_from": dates.min().date().isoformat(), "date_to": dates.max().date().isoformat(),
        "model": model, "charter": {"version": version.version, "hash": doc.get("charter_hash")},
        "criteria": criteria, "rule": "interval", **numbers,
    }
    target, created = _write_raw(project, data, digest)
    try:
        return store.append(BATCH_ADDED, payload, actor)
    except BaseException:
        if created:
            target.unlink(missing_ok=True)
        raise
