"""Helpers shared by the consent tests (imported by name: pytest puts tests/ on sys.path)."""

from __future__ import annotations

from workbench.consent.scope import CHOOSES, NEVER, Conditions, Scope
from workbench.project import Project

HOLDER = "Test co-op, on its own laptop"


def make_scope(**changes) -> Scope:
    uses = {"train": CHOOSES, "evaluate": CHOOSES, "publish_aggregates": "always", "publish_examples": NEVER,
            "share_data": NEVER, "share_models": CHOOSES, "commercial": NEVER}
    base = dict(holder=HOLDER, uses=uses, conditions=Conditions(expiry_months=24, benefit_sharing="A party."),
                labels=("bc_provenance", "tk_community_use_only"), contact="The co-op office, Tuesdays.")
    base.update(changes)
    return Scope(**base)


def new_project(tmp_path, name="p") -> Project:
    return Project.init(tmp_path / name, "Test co-op", ["pt-BR", "es", "en"], "BR")
