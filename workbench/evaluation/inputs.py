"""From a project to the plain inputs of :mod:`.protocol`: the curated views, the charter, the hashes.

- Rows: the curation stage's curated views for the uses ``train`` and
  ``evaluate`` at a time (``workbench.curation.snapshot.compute``: consent
  enforced row by row, curation actions applied), indexed by raw row number so
  a row permitted for both uses is the same row in both. Their content hashes
  are the snapshot hashes recorded with the run.
- Columns: the dataset's mapping names the target, the contributor, the text
  and the groups; the groups checked are the charter's (the agreed version).
  Other columns are inputs unless nearly every value is distinct (ids, free
  text), which would only let a model memorise rows, or they hold dates (the
  mapping's ``dates``, or text that reads as a date and not as a number: a
  ``year`` column of "2002" is a number). Every column gets a line saying why it
  is used or left out (``column_notes``: recorded with the run, shown on the card).
- Criteria: the latest agreed charter's (``criteria_document``), else the
  latest draft's, marked as a draft.
"""

from __future__ import annotations

import hashlib

from ..errors import WorkbenchError
from .protocol import EvaluationData

ID_LIKE_SHARE = 0.5  # a column with more distinct values than this share of rows is not an input


def charter_criteria(project) -> dict | None:
    """The criteria document of the latest agreed charter (or the latest draft), or None without a charter."""
    from ..purpose.charter import CharterHistory, criteria_document

    history = CharterHistory.load(project.store)
    version = history.latest_agreed() or history.latest
    return criteria_document(version, project.config.id) if version is not None else None


def provenance(project) -> dict:
    """Hash links for the card: charter version, consent scope version, datasheet."""
    out: dict = {}
    doc = charter_criteria(project)
    if doc:
        out["charter"] = {"version": doc["charter_version"], "hash": doc["charter_hash"], "status": doc["status"]}
    from ..consent.scope import ScopeHistory

    scope = ScopeHistory.load(project.store).latest
    if scope is not None:
        out["consent_scope"] = {"version": scope.version, "hash": scope.hash}
    sheets = project.store.events(kinds=["datasheet.written"])
    if sheets:
        p = sheets[-1].payload
        out["datasheet"] = {"hash": p.get("md_sha256") or sheets[-1].hash, "file": "datasheet.md",
                            "snapshots": p.get("snapshots", {})}
    return out


def _is_date(values) -> bool:
    """Text that reads as a date and not as a number ("2026-03-01" yes; "2002" or "20020301" no)."""
    import pandas as pd

    sample = values.astype(str).str.strip().head(200)
    if not len(sample):
        return False
    if pd.to_numeric(sample, errors="coerce").notna().mean() > 0.9:
        return False  # a number (a year, a count), whatever else it could parse as
    return bool(pd.to_datetime(sample, errors="coerce", format="ISO8601").notna().mean() > 0.9)


def column_notes(frame, mapping, groups) -> list[dict]:
    """Every column of ``frame`` with whether it is a model input and why: ``{column, used, why}``.

    ``why``: ``input``, ``text``, ``target``, ``contributor``, ``group``, ``dropped`` (the mapping drops it),
    ``date``, ``id_like`` (nearly every value distinct), ``empty`` (no values); a catalog key
    ``evaluation.card.column.<why>`` says it in words.
    """
    groups = set(groups)
    dates = set(getattr(mapping, "dates", ()) or ())
    out = []
    for col in frame.columns:
        if col == "row":
            continue
        values = frame[col].dropna()
        if col == mapping.target:
            why = "target"
        elif col == mapping.contributor:
            why = "contributor"
        elif col == mapping.text:
            why = "text"
        elif col in groups:
            why = "group"
        elif col in mapping.drop:
            why = "dropped"
        elif col in dates:
            why = "date"
        elif not (values.astype(str).str.strip() != "").any():
            why = "empty"
        elif values.nunique() > ID_LIKE_SHARE * max(1, len(frame)):
            why = "id_like"
        elif _is_date(values):
            why = "date"  # dates say when, not what: a model would learn the calendar
        else:
            why = "input"
        out.append({"column": str(col), "used": why in ("input", "text"), "why": why})
    return out


def _inputs(frame, mapping, groups) -> list[str]:
    return [n["column"] for n in column_notes(frame, mapping, groups) if n["why"] == "input"]


def from_project(project, at=None) -> EvaluationData:
    """The evaluation inputs of ``project`` as its curated views stand at ``at`` (default now)."""
    from ..curation import snapshot
    from ..curation.importer import require_current

    dataset = require_current(project.store)
    mapping = dataset.mapping
    if not mapping.target:
        raise WorkbenchError("The dataset's mapping names no target column to predict.",
                             "Name it in the curation app.", key="evaluation.error.no_target_mapped")
    train_view, _ds, train_inputs, train_hash, _ = snapshot.compute(project, "train", at)
    eval_view, _ds, eval_inputs, eval_hash, _ = snapshot.compute(project, "evaluate", at)
    from ..curation.accept import require_accepted

    require_accepted(project.store, train_inputs)  # a gate: the community accepted the curated data as it is
    doc = charter_criteria(project)
    columns = set(train_view.frame.columns) | set(eval_view.frame.columns)
    groups = [g for g in (doc["groups"] if doc and doc.get("groups") else mapping.groups) if g in columns]
    both = train_view.frame if len(train_view.frame) >= len(eval_view.frame) else eval_view.frame
    notes = column_notes(both, mapping, groups)
    features = [n["column"] for n in notes if n["why"] == "input"]
    combined = hashlib.sha256(f"train:{train_hash}\nevaluate:{eval_hash}\n".encode()).hexdigest()
    prov = provenance(project)
    in_force = train_inputs.get("scope")
    if in_force is not None:  # the scope in force at ``at`` (the snapshot's), not the latest one
        if in_force.get("hash"):
            prov["consent_scope"] = {"version": in_force.get("version"), "hash": in_force["hash"]}
        else:
            prov.pop("consent_scope", None)
    prov["snapshots"] = {"train": {"content_sha256": train_hash, "scope": train_inputs.get("scope", {}),
                                   "rows": int(len(train_view.frame))},
                         "evaluate": {"content_sha256": eval_hash, "scope": eval_inputs.get("scope", {}),
                                      "rows": int(len(eval_view.frame))},
                         "dataset_sha256": dataset.sha256}
    return EvaluationData(train_view.frame, eval_view.frame, mapping.target, groups, mapping.text, features,
                          mapping.contributor, snapshot=combined, provenance=prov, column_notes=notes)
