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
    from ..evaluation.criteria import FAIL, candidate_status

    best = None
    for key, res in run["candidates"].items():
        if candidate_status(res) in ("failed", FAIL):  # it crashed, or failed a criterion
            continue
        statuses = [c["status"] for c in res.get("criteria", [])]
        score = (statuses.count("not_enough_evidence"), (res.get("footprint") or {}).get("total_kwh") or 0.0)
        if best is None or score < best[0]:
            best = (score, key)
    return best[1] if best else None


def build(project, rows, plan) -> None:
    from ..evaluation.card import adopt
    from ..evaluation.run import run_evaluation
    from ..i18n import Translator

    ran = run_evaluation(project, DEMO_CANDIDATES, seed=7)
    run = ran.folded()
    chosen = ran.recommendation.candidate if ran.recommendation else None
    reason = ""
    if chosen is None:
        chosen = _closest(run)
        reason = Translator(project.config.default_language)("evaluation.demo.reason")
    if chosen is not None:
        _phones_decide(project, run, chosen, reason)
    adopt(project, run, chosen, reason)


def _phones_decide(project, run: dict, chosen: str, reason: str) -> None:
    """The adoption is voted from the members' phones: most agree, one disagrees, one abstains."""
    from ..decisions import Register, close, propose, subjects, vote

    decision = propose(project.store, "adopt", subjects.adopt(run["run"], chosen),
                       title=f"Adopt {chosen}", explain=reason or "It passes every criterion of the charter.")
    voters = Register.load(project.store).voters()
    for i, code in enumerate(voters[:17]):
        vote(project.store, decision.id, code, "disagree" if i == 3 else "abstain" if i == 8 else "agree")
    close(project.store, decision.id, outcome=f"Adopted {chosen} from the phones' votes.")
