"""The community's decisions at the gates, recorded the way a room would, for tests about something else.

Tests of the gates themselves (tests/test_decisions.py) call the domain directly; these helpers stand for
"the room agreed" so that a test of consent, curation or evaluation can get past the gate it is not about.
"""

from __future__ import annotations

from workbench.consent import scope as _scope
from workbench.decisions import decide, subjects


def agree(store, gate: str, subject: dict):
    return decide(store, gate, subject, present=3, in_favour=3, against=0, abstain=0, title=f"test: {gate}")


def publish(store, scope, actor: str = "facilitator", effective_at=None):
    """:func:`workbench.consent.scope.publish` after the room agreed this scope."""
    agree(store, "scope", subjects.scope(scope))
    return _scope.publish(store, scope, actor, effective_at)


def accept_dataset(project):
    """The room accepts the curated dataset as it stands (:func:`workbench.curation.accept.accept`)."""
    from workbench.curation.accept import accept, accepted, state

    subject = state(project)
    if any(a["hash"] == subject["hash"] for a in accepted(project.store)):
        return None
    agree(project.store, "dataset", subject)
    return accept(project)


def agree_adoption(project, run_id: str, candidate: str):
    return agree(project.store, "adopt", subjects.adopt(run_id, candidate))
