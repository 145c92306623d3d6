"""The community accepts the curated dataset with its datasheet (a gate, :mod:`workbench.decisions`).

What is accepted is the curated data's *state*: the raw file, its mapping and the curation actions in
force. Consent is not part of it: each contributor decides their own, and a withdrawal applies at once
without a new decision. A new file, a new mapping or a new curation action is a new state, which the
evaluation stage refuses until the community accepts it.

``curation.accepted`` ``{"hash", "raw_sha256", "actions", "datasheet_sha256", "snapshots",
"community_decision"}``.
"""

from __future__ import annotations

import hashlib

from ..errors import WorkbenchError
from ..store import canonical_json

ACCEPTED = "curation.accepted"


def state_hash(raw_sha256: str, mapping: dict, actions: list[str]) -> str:
    body = {"raw_sha256": raw_sha256, "mapping": mapping, "actions": list(actions)}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def state_of_inputs(inputs: dict) -> str:
    """The state hash of a snapshot's recorded inputs (:func:`workbench.curation.snapshot.inputs_of`)."""
    return state_hash(inputs["raw_sha256"], inputs["mapping"], inputs["actions"])


def state(project) -> dict:
    """The subject of the dataset decision: ``{"hash", "label", "raw_sha256", "actions"}``."""
    from .actions import CurationLog
    from .importer import require_current

    ds = require_current(project.store)
    actions = [a.hash for a in CurationLog.load(project.store).active(ds.sha256)]
    name = ds.original_name or ds.file
    return {"hash": state_hash(ds.sha256, ds.mapping.to_dict(), actions),
            "label": f"{name}: {ds.rows} rows, {len(actions)} curation actions", "raw_sha256": ds.sha256,
            "actions": len(actions)}


def accepted(store) -> list[dict]:
    return [{**ev.payload, "seq": ev.seq, "ts": ev.ts} for ev in store.events(kinds=[ACCEPTED])]


def accept(project, decision_id: str | None = None, language: str | None = None, actor: str = "facilitator") -> dict:
    """Record the acceptance the community decided: writes the datasheet of this state and logs it."""
    from ..decisions import require
    from . import datasheet

    subject = state(project)
    if any(a["hash"] == subject["hash"] for a in accepted(project.store)):
        raise WorkbenchError("The curated dataset as it stands is already accepted.",
                             key="curation.error.already_accepted")
    decision = require(project.store, "dataset", subject["hash"], decision_id)
    paths = datasheet.write(project, language, actor=actor)
    sheet = paths[0].read_bytes()
    written = project.store.events(kinds=[datasheet.WRITTEN])[-1].payload
    payload = {"hash": subject["hash"], "raw_sha256": subject["raw_sha256"], "actions": subject["actions"],
               "datasheet_sha256": hashlib.sha256(sheet).hexdigest(), "snapshots": written.get("snapshots", {}),
               "community_decision": decision.id}
    ev = project.store.append(ACCEPTED, payload, actor)
    return {**payload, "seq": ev.seq, "ts": ev.ts}


def require_accepted(store, inputs: dict) -> dict:
    """The acceptance of the state the snapshot ``inputs`` were made from; refused when there is none."""
    digest = state_of_inputs(inputs)
    for a in reversed(accepted(store)):
        if a["hash"] == digest:
            return a
    before = accepted(store)
    raise WorkbenchError(
        "The community has not accepted the curated dataset as it stands" +
        (" (it changed since it was accepted)." if before else "."),
        "Decide on it and accept it in the curation app (or 'workbench decide DIR dataset' then "
        "'workbench data accept DIR').", key="curation.error.not_accepted", changed=bool(before))
