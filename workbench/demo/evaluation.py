"""Stage 4 of the demo: a few small candidates evaluated against the agreed charter, one adopted, its card.

Kept to four quick candidates (the rest are one click away in the evaluation
app). When no candidate passes every criterion, the demo community adopts the
one closest to passing (no criterion failed, the fewest without enough
evidence, the lowest energy) and writes down why: the decision-with-a-reason
path the app offers.
"""

from __future__ import annotations

DEMO_CANDIDATES = ("majority", "decision_tree", "tfidf_naive_bayes", "tfidf_logistic")


def _closest(run: dict) -> str | None:
    best = None
    for key, res in run["candidates"].items():
        statuses = [c["status"] for c in res.get("criteria", [])]
        if res.get("status") != "ok" or "fail" in statuses:
            continue
        score = (statuses.count("not_enough_evidence"), (res.get("footprint") or {}).get("total_kwh") or 0.0)
        if best is None or score < best[0]:
            best = (score, key)
    return best[1] if best else None


def build(project, rows, plan) -> None:
    from ..evaluation.card import adopt
    from ..evaluation.inputs import charter_criteria, from_project
    from ..evaluation.protocol import evaluate, load_runs
    from ..i18n import Translator

    data = from_project(project)
    doc = charter_criteria(project) or {}
    result = evaluate(data, DEMO_CANDIDATES, seed=7, criteria=doc.get("criteria", []),
                      budget_kwh=doc.get("footprint_kwh"), store=project.store,
                      runs_dir=project.artifacts_dir / "runs", country=project.config.country)
    run = load_runs(project.store)[result.run]
    chosen = result.recommendation.candidate if result.recommendation else None
    reason = ""
    if chosen is None:
        chosen = _closest(run)
        reason = Translator(project.config.default_language)("evaluation.demo.reason")
    adopt(project, run, chosen, reason)
