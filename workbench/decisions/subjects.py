"""What each gate's decision is about: a hash of exactly the thing the gate will act on, and a label.

The hash links the decision to its subject: a decision on one version of the consent scope does not
allow publishing another, a decision on the curated data as it stood does not allow a later curation.
"""

from __future__ import annotations

import hashlib


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def scope(scope_obj) -> dict:
    """The consent scope about to be published (its content hash, as stored with ``scope.published``)."""
    return {"hash": scope_obj.content_hash, "label": "consent scope " + scope_obj.content_hash[:12]}


def dataset(project) -> dict:
    """The curated dataset as it stands: raw file, mapping and curation actions (not consent, which each
    contributor changes on their own; withdrawals apply at once without a new decision)."""
    from ..curation.accept import state

    return state(project)


def adopt(run_id: str, candidate: str) -> dict:
    return {"hash": _digest("adopt", str(run_id), str(candidate)), "label": f"{candidate} from evaluation {run_id}",
            "run": str(run_id), "candidate": str(candidate)}


def retire(run_id: str, candidate: str) -> dict:
    return {"hash": _digest("retire", str(run_id), str(candidate)),
            "label": f"retire {candidate} (evaluation {run_id})", "run": str(run_id), "candidate": str(candidate)}


def for_gate(project, gate: str, **kw) -> dict:
    """The subject of ``gate`` in ``project`` now (``run``/``candidate`` for adopt; the draft scope for scope)."""
    from ..errors import WorkbenchError
    from .core import _check_gate

    _check_gate(gate)
    if gate == "scope":
        from ..consent.scope import ScopeHistory

        draft = kw.get("scope") or ScopeHistory.load(project.store).draft
        if draft is None:
            raise WorkbenchError("There is no draft consent scope to decide on.",
                                 "Save the scope as a draft in the scope app first, or give the scope's JSON file.",
                                 key="decisions.error.no_scope_draft")
        return scope(draft)
    if gate == "dataset":
        return dataset(project)
    if gate == "adopt":
        return adopt(kw["run"], kw["candidate"])
    from ..evaluation.lifecycle import in_use  # retire

    model = in_use(project.store)
    if model is None:
        raise WorkbenchError("No model is in use, so there is nothing to retire.", key="decisions.error.no_model")
    return retire(model["run"], model["candidate"])
