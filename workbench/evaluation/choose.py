"""The recommendation, and the community's decision as an event.

The rule: **among the candidates that pass every criterion (the footprint budget
included), the lowest energy (training + evaluation), where energies inside the
measurement's noise band count as equal; equal ones go to the smaller model
(bytes of the fitted model), then to the name.** Energy stays measured and
reported, but a measured kWh moves between identical runs (tenfold at the micro-kWh
a small model takes here), so it only decides where the difference is real:

- below :data:`ENERGY_FLOOR_KWH` (0.1 Wh) a measurement is not told apart from another;
- above it, energies within a factor :data:`NOISE_FACTOR` (3) of the lowest tie with it.

The size of a fitted model with the same inputs and seed is the same every run, so
the same inputs give the same recommendation; the card states the rule and the
figures (``params``: ``floor_kwh``, ``noise_factor``, ``tied``). If none passes, there is no recommendation,
and for each candidate the criteria it failed or could not show are listed.
A charter without criteria recommends nothing: fit for purpose needs a purpose.
When the majority-class baseline passes everything, the recommendation says so:
the criteria may be too weak to tell a model from a guess.

The decision is the community's, not the rule's: ``evaluation.decided``
``{run, decision: "adopt" | "none", candidate, reason, recommended, passes_all}``.
Adopting a candidate that does not pass every criterion needs a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import WorkbenchError
from ..text import free_text, snippet
from .criteria import FAIL, INSUFFICIENT, PASS, candidate_status

DECIDED = "evaluation.decided"
ENERGY_FLOOR_KWH = 1e-4  # 0.1 Wh: below this a measurement cannot tell two candidates apart
NOISE_FACTOR = 3.0  # energies within this factor of the lowest tie with it
MAX_REASON = 2000
BASELINE = "majority"


@dataclass
class Recommendation:
    candidate: str | None
    reason: str  # catalog key
    params: dict = field(default_factory=dict)
    missing: dict[str, list[dict]] = field(default_factory=dict)  # candidate -> [{id, status, reason}]
    ranking: list[str] = field(default_factory=list)  # passing candidates, cheapest first
    baseline_passes: bool = False

    def to_dict(self) -> dict:
        return {"candidate": self.candidate, "reason": self.reason, "params": self.params, "missing": self.missing,
                "ranking": self.ranking, "baseline_passes": self.baseline_passes}

    @classmethod
    def from_dict(cls, raw: dict) -> Recommendation:
        raw = dict(raw or {})
        return cls(raw.get("candidate"), raw.get("reason", ""), dict(raw.get("params") or {}),
                   dict(raw.get("missing") or {}), list(raw.get("ranking") or []),
                   bool(raw.get("baseline_passes", False)))


def _get(obj, name, default=None):
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def recommend(results) -> Recommendation:
    """``results``: candidate results with ``key``, ``status`` ("ok" when it ran), ``criteria`` (a list of
    :class:`~.criteria.CriterionResult` or dicts, footprint included) and ``footprint`` (``total_kwh``,
    ``model_bytes``), as objects or dicts."""
    ran = [r for r in results if _get(r, "status", "ok") == "ok"]
    if not ran:
        return Recommendation(None, "evaluation.recommend.nothing_ran")
    if not any(_checks(r) for r in ran):
        return Recommendation(None, "evaluation.recommend.no_criteria")
    passing, missing = [], {}
    for r in ran:
        gaps = [{"id": _get(c, "id"), "status": _get(c, "status"), "reason": _get(c, "reason", ""),
                 "group": _get(c, "group")} for c in _checks(r) if _get(c, "status") != PASS]
        if gaps:
            missing[_get(r, "key")] = gaps
        else:
            passing.append(r)
    passing.sort(key=lambda r: (_energy(r), _size(r), _get(r, "key")))
    tied: list = []
    if passing:
        lowest = max(_energy(passing[0]), ENERGY_FLOOR_KWH)
        tied = [r for r in passing if max(_energy(r), ENERGY_FLOOR_KWH) <= lowest * NOISE_FACTOR]
        rest = [r for r in passing if r not in tied]
        passing = sorted(tied, key=lambda r: (_size(r), _get(r, "key"))) + rest
    ranking = [_get(r, "key") for r in passing]
    if not passing:
        fails = sum(1 for gaps in missing.values() if any(g["status"] == FAIL for g in gaps))
        unsure = sum(1 for gaps in missing.values() if all(g["status"] == INSUFFICIENT for g in gaps))
        return Recommendation(None, "evaluation.recommend.none_passes", {"fail": fails, "unsure": unsure},
                              missing, ranking)
    best = ranking[0]
    params = {"candidate": best, "passing": len(ranking), "floor_kwh": ENERGY_FLOOR_KWH,
              "noise_factor": NOISE_FACTOR, "tied": [_get(r, "key") for r in tied]}
    return Recommendation(best, "evaluation.recommend.smallest_in_band", params, missing, ranking,
                          baseline_passes=BASELINE in ranking)


def _checks(r) -> list:
    return list(_get(r, "criteria", None) or [])


def _size(r) -> int:
    return int(_get(_get(r, "footprint"), "model_bytes", 0) or 0)


def _energy(r) -> float:
    fp = _get(r, "footprint")
    total = _get(fp, "total_kwh", None)
    if total is None and isinstance(fp, dict):
        total = (fp.get("train_kwh") or 0) + (fp.get("eval_kwh") or 0)
    return float(total or 0.0)


def record_decision(store, run: dict, candidate: str | None, reason: str = "", actor: str = "facilitator",
                    community_decision: str | None = None):
    """Record the community's decision on ``run`` (a folded run, see :func:`.protocol.runs`): adopt or none."""
    reason = free_text(reason or "", "The reason", MAX_REASON)  # refused (control character, too long), never cut
    results = run.get("candidates", {})
    rec = Recommendation.from_dict(run.get("recommendation") or {})
    if run.get("status") != "completed":
        raise WorkbenchError("This evaluation did not finish, so there is nothing to decide on.",
                             "Run the evaluation again and let it finish.", key="evaluation.error.run_unfinished")
    passes_all = None
    if candidate is not None:
        result = results.get(candidate)
        if result is None or result.get("status") != "ok":
            raise WorkbenchError(f"The candidate {snippet(candidate)!r} did not run in this evaluation.",
                                 "Choose one of the candidates in the table.",
                                 key="evaluation.error.not_in_run", candidate=snippet(candidate))
        passes_all = candidate_status(result) == PASS
        if not passes_all and not reason:
            raise WorkbenchError(f"{candidate} does not pass every criterion.",
                                 "Write down why the community adopts it anyway.",
                                 key="evaluation.error.reason_needed", candidate=str(candidate))
    payload = {"run": run["run"], "decision": "adopt" if candidate else "none", "candidate": candidate,
               "reason": reason, "recommended": rec.candidate, "passes_all": passes_all}
    if candidate is not None:  # adopting is a gate: the community's decision on this run and candidate
        from ..decisions import require, subjects

        payload["community_decision"] = require(store, "adopt", subjects.adopt(run["run"], candidate)["hash"],
                                                community_decision).id
    return store.append(DECIDED, payload, actor=actor)
