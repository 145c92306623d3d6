"""The adopted model's life: in use, under review, retired (issue 20).

- In use: the latest ``evaluation.decided`` that adopted a candidate, unless a ``model.retired`` for it
  came later (deciding to adopt none from a later evaluation keeps the model in use, as
  :func:`workbench.federation.bundle.adopted_run` does).
- Under review: in use, and since it was adopted an upheld concern about the model
  (:func:`workbench.concerns.under_review_reasons`) or a monitoring batch in which a group fell below a
  charter criterion with enough evidence (:func:`workbench.monitoring.under_review_reasons`). A new
  community decision (adopting again, or retiring) ends the review.
- Retiring is a gate: ``model.retired`` ``{"run", "candidate", "reason", "community_decision"}``.
"""

from __future__ import annotations

from ..errors import WorkbenchError

RETIRED = "model.retired"


def in_use(store) -> dict | None:
    """``{"run", "candidate", "seq", "ts", "community_decision"}`` of the model in use, or None."""
    current = None
    for ev in store.events(kinds=["evaluation.decided", RETIRED]):
        p = ev.payload
        if ev.kind == "evaluation.decided":
            if p.get("candidate"):  # adopting none from a later evaluation keeps the model in use as it is
                current = {"run": p["run"], "candidate": p["candidate"], "seq": ev.seq, "ts": ev.ts,
                           "community_decision": p.get("community_decision")}
        elif current is not None and p.get("run") == current["run"] and p.get("candidate") == current["candidate"]:
            current = None
    return current


def review_reasons(project, since_seq: int) -> list[dict]:
    """Why the model adopted at ``since_seq`` is under review (empty: it is not)."""
    from ..concerns import under_review_reasons as concern_reasons
    from ..monitoring import under_review_reasons as monitoring_reasons

    return ([{"source": "concern", **r} for r in concern_reasons(project.store, since_seq)]
            + [{"source": "monitoring", **r} for r in monitoring_reasons(project, since_seq)])


def status(project) -> dict:
    """``{"state": "none"|"in use"|"under review"|"retired", "model": ..., "reasons": [...]}``."""
    model = in_use(project.store)
    if model is None:
        retired = project.store.events(kinds=[RETIRED])
        return {"state": "retired" if retired else "none", "model": retired[-1].payload if retired else None,
                "reasons": []}
    reasons = review_reasons(project, model["seq"])
    return {"state": "under review" if reasons else "in use", "model": model, "reasons": reasons}


def retire(project, reason: str = "", decision: str | None = None, actor: str = "facilitator") -> dict:
    """Retire the model in use, as the community decided (a gate)."""
    from ..decisions import require, subjects
    from ..text import free_text

    model = in_use(project.store)
    if model is None:
        raise WorkbenchError("No model is in use, so there is nothing to retire.", key="decisions.error.no_model")
    reason = free_text(reason or "", "The reason", 2000)
    subject = subjects.retire(model["run"], model["candidate"])
    agreed = require(project.store, "retire", subject["hash"], decision)
    payload = {"run": model["run"], "candidate": model["candidate"], "reason": reason,
               "community_decision": agreed.id}
    ev = project.store.append(RETIRED, payload, actor)
    from ..store.witness import checkpoint_now

    checkpoint_now(project, f"decision {agreed.id}: {model['candidate']} retired", actor)
    return {**payload, "seq": ev.seq}
