"""The adopted model's life: in use, under review, retired (issue 20). The one rule for "the adopted model".

- Adopted: an ``evaluation.decided`` that adopted a candidate, completed by the ``modelcard.written`` for
  that run and candidate which follows it (the saved model and its card). :func:`adoptions` folds them, in
  log order; monitoring, the commons bundle, consent drift, the card command, the report and the pipeline
  all ask this module (:func:`adoptions`, :func:`in_use`, :func:`adopted_run`), never the log themselves.
- In use: the latest adoption, unless a ``model.retired`` for it came later (deciding to adopt none from a
  later evaluation keeps the model in use).
- Under review: in use, and since it was adopted an upheld concern about the model
  (:func:`workbench.concerns.under_review_reasons`) or a monitoring batch in which a group fell below a
  charter criterion with enough evidence (:func:`workbench.monitoring.under_review_reasons`). A new
  community decision (adopting again, or retiring) ends the review.
- Retiring is a gate: ``model.retired`` ``{"run", "candidate", "reason", "community_decision"}``.

Everything said about the adopted model (run id, candidate, decision, model file and hash, metrics) is
read from the stored events, never recomputed.
"""

from __future__ import annotations

from ..errors import WorkbenchError

RETIRED = "model.retired"
DECIDED, WRITTEN = "evaluation.decided", "modelcard.written"


def adoptions(store) -> list[dict]:
    """Every adoption, in log order: ``{"run", "candidate", "seq", "ts", "community_decision", "decision",
    "card", "retired"}``. ``seq``/``ts`` are the deciding event's, ``decision`` its payload, ``card`` the
    ``modelcard.written`` payload (with its ``seq``, ``ts``) that completed it, ``retired`` the ``seq`` of the
    ``model.retired`` that ended it (None while it has not). A decision whose model card was never written
    (the adoption did not finish) is not an adoption."""
    pending: dict[tuple, dict] = {}
    out: list[dict] = []
    for ev in store.events(kinds=[DECIDED, WRITTEN, RETIRED]):
        p = ev.payload
        key = (p.get("run"), p.get("candidate"))
        if ev.kind == DECIDED:
            if p.get("candidate"):  # adopting none from a later evaluation keeps the model in use as it is
                pending[key] = {"run": p["run"], "candidate": p["candidate"], "seq": ev.seq, "ts": ev.ts,
                                "community_decision": p.get("community_decision"),
                                "decision": {**p, "ts": ev.ts, "seq": ev.seq}, "card": None, "retired": None}
        elif ev.kind == WRITTEN:
            adoption = pending.pop(key, None)
            if adoption is not None:
                adoption["card"] = {**p, "ts": ev.ts, "seq": ev.seq}
                out.append(adoption)
        elif out and out[-1]["retired"] is None and key == (out[-1]["run"], out[-1]["candidate"]):
            out[-1]["retired"] = ev.seq
    return out


def in_use(store) -> dict | None:
    """The model in use (the latest adoption, not retired since; see :func:`adoptions`), or None."""
    found = adoptions(store)
    return found[-1] if found and found[-1]["retired"] is None else None


def adopted_run(store, retired: bool = False) -> dict | None:
    """The folded evaluation run (:func:`.protocol.load_runs`) of the model in use, or None; with
    ``retired=True``, of the latest adoption even if it was retired since.

    The run's ``decision`` and ``card`` are the adoption's own events (a later decision on the same run,
    such as adopting none, does not replace them); ``adoption`` is the :func:`adoptions` entry."""
    from .protocol import load_runs

    found = adoptions(store)
    if not found or (found[-1]["retired"] is not None and not retired):
        return None
    adoption = found[-1]
    run = load_runs(store).get(adoption["run"])
    if run is None:
        return None
    return {**run, "decision": adoption["decision"], "card": adoption["card"], "adoption": adoption}


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
