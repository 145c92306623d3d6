"""The four stages and where a project stands in each, folded from its events.

A stage is *not started* until one of its ``started_by`` kinds is logged, and
*done* once its ``done_by`` kind is. Each stage package adds its kinds here when
it lands; nothing else needs to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .store import Event

NOT_STARTED, IN_PROGRESS, DONE = "not_started", "in_progress", "done"


@dataclass(frozen=True)
class Stage:
    key: str
    number: int
    started_by: tuple[str, ...]  # kind prefixes
    done_by: tuple[str, ...]  # exact kinds

    @property
    def title_key(self) -> str:
        return f"stage.{self.key}.title"

    @property
    def summary_key(self) -> str:
        return f"stage.{self.key}.summary"


STAGES: tuple[Stage, ...] = (
    Stage("purpose", 1, ("statement.", "vote.", "charter."), ("charter.agreed",)),
    Stage("consent", 2, ("scope.", "consent."), ("scope.published",)),
    Stage("curation", 3, ("dataset.", "curation.", "datawork."), ("datasheet.written",)),
    Stage("evaluation", 4, ("evaluation.", "modelcard."), ("modelcard.written",)),
)


@dataclass(frozen=True)
class StageStatus:
    stage: Stage
    status: str
    events: int

    @property
    def status_key(self) -> str:
        return f"status.{self.status}"


def stage_statuses(events: Iterable[Event]) -> list[StageStatus]:
    counts = {s.key: 0 for s in STAGES}
    done = {s.key: False for s in STAGES}
    for ev in events:
        for s in STAGES:
            if ev.kind.startswith(s.started_by):
                counts[s.key] += 1
            if ev.kind in s.done_by:
                done[s.key] = True
    out = []
    for s in STAGES:
        status = DONE if done[s.key] else IN_PROGRESS if counts[s.key] else NOT_STARTED
        out.append(StageStatus(s, status, counts[s.key]))
    return out
