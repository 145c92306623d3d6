"""Helpers shared by the consent tests."""

from __future__ import annotations

import pytest

from workbench.consent.scope import CHOOSES, NEVER, Conditions, Scope
from workbench.project import Project

from .gates import publish

HOLDER = "Test co-op, on its own laptop"


def make_scope(**changes) -> Scope:
    uses = {"train": CHOOSES, "evaluate": CHOOSES, "publish_aggregates": "always", "publish_examples": NEVER,
            "share_data": NEVER, "share_models": CHOOSES, "commercial": NEVER}
    base = {"holder": HOLDER, "uses": uses, "conditions": Conditions(expiry_months=24, benefit_sharing="A party."),
                "labels": ("bc_provenance", "tk_community_use_only"), "contact": "The co-op office, Tuesdays."}
    base.update(changes)
    return Scope(**base)


def new_project(tmp_path, name="p", store_url="sqlite:///store.db") -> Project:
    return Project.init(tmp_path / name, "Test co-op", ["pt-BR", "es", "en"], "BR", "", store_url)


@pytest.fixture(name="project")
def scoped_project(tmp_path, backend_url):
    """A project with the test scope published, on each store backend.

    A consent test module uses it as ``project`` by importing it:
    ``from .consent_support import scoped_project  # noqa: F401``.
    """
    p = new_project(tmp_path, store_url=backend_url)
    publish(p.store, make_scope())
    yield p
    p.close()


def fake_events(items):
    """Events without a store: ``items`` are (kind, payload, ts) triples, in log order."""
    from workbench.store import Event

    return [Event(i + 1, ts, "facilitator", kind, payload, "", f"h{i}") for i, (kind, payload, ts) in
            enumerate(items)]


def published_version(scope=None, ts="2020-01-01T00:00:00+00:00"):
    """A ScopeVersion for ``scope`` as if published at ``ts`` (no store)."""
    from workbench.consent.scope import ScopeHistory

    scope = scope or make_scope()
    ev = ("scope.published", {"scope": scope.to_dict(), "hash": scope.content_hash, "version": 1}, ts)
    return ScopeHistory.from_events(fake_events([ev])).latest, ev


# A paper decision as a facilitator records it: witness and where the paper is kept (issue 19).
PAPER = {"method": "paper", "witness": "f-ana", "paper_ref": "folder A, form 1"}


def card(store, who: str):
    """Issue ``who`` a contributor card and return the proof its code gives (as the app gets it)."""
    from workbench.consent import cards

    return cards.verify(store, cards.issue(store, who, actor="facilitator").code)
