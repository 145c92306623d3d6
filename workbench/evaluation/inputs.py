"""From a project to the plain inputs of :mod:`.protocol`: the curated views, the charter, the hashes.

- Rows: the curation stage's curated views for the uses ``train`` and
  ``evaluate`` at a time (``workbench.curation.snapshot.compute``: consent
  enforced row by row, curation actions applied), indexed by raw row number so
  a row permitted for both uses is the same row in both. Their content hashes
  are the snapshot hashes recorded with the run.
- Columns: the dataset's mapping names the target, the contributor, the text
  and the groups; the groups checked are the charter's (the agreed version).
  Other columns are inputs unless nearly every value is distinct (ids, dates,
  free text), which would only let a model memorise rows.
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


def _inputs(frame, mapping, groups) -> list[str]:
    import pandas as pd

    skip = {mapping.contributor, mapping.target, mapping.text, *groups, *mapping.drop}
    out = []
    for col in frame.columns:
        if col in skip or col == "row":
            continue
        values = frame[col].dropna()
        if values.nunique() > ID_LIKE_SHARE * max(1, len(frame)):
            continue
        sample = values.astype(str).head(200)
        if len(sample) and pd.to_datetime(sample, errors="coerce", format="ISO8601").notna().mean() > 0.9:
            continue  # dates say when, not what: a model would learn the calendar
        out.append(col)
    return out


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
    doc = charter_criteria(project)
    columns = set(train_view.frame.columns) | set(eval_view.frame.columns)
    groups = [g for g in (doc["groups"] if doc and doc.get("groups") else mapping.groups) if g in columns]
    both = train_view.frame if len(train_view.frame) >= len(eval_view.frame) else eval_view.frame
    features = _inputs(both, mapping, groups)
    combined = hashlib.sha256(f"train:{train_hash}\nevaluate:{eval_hash}\n".encode()).hexdigest()
    prov = provenance(project)
    prov["snapshots"] = {"train": {"content_sha256": train_hash, "scope": train_inputs.get("scope", {}),
                                   "rows": int(len(train_view.frame))},
                         "evaluate": {"content_sha256": eval_hash, "scope": eval_inputs.get("scope", {}),
                                      "rows": int(len(eval_view.frame))},
                         "dataset_sha256": dataset.sha256}
    return EvaluationData(train_view.frame, eval_view.frame, mapping.target, groups, mapping.text, features,
                          mapping.contributor, snapshot=combined, provenance=prov)
