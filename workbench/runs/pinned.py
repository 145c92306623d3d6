"""A run reads the project as it stood at one event, and never writes to it.

:class:`PinnedStore` wraps the project's :class:`~workbench.store.EventStore`: reads
see only events up to the pinned sequence number (so a workshop writing while a
run goes on cannot change what the run sees half-way), and every write is
refused. :func:`pinned_project` gives the stage APIs a :class:`~workbench.project.Project`
over such a store. :class:`MemoryLog` collects the events that the evaluation
protocol would append (started, recorded, completed), so the run can fold them
with :func:`workbench.evaluation.protocol.runs` without touching the community's log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ..errors import WorkbenchError
from ..store import GENESIS, Event


class PinnedStore:
    """Read-only view of ``inner`` up to event ``seq`` (default: its head when pinned)."""

    def __init__(self, inner, seq: int | None = None):
        self.inner = inner
        head = inner.head()
        self.seq = head[0] if seq is None else int(seq)
        if self.seq > head[0]:
            raise WorkbenchError(f"The log has {head[0]} events, so it cannot be read as at event {self.seq}.",
                                 "Check the run's manifest and the project folder.")
        self._head = head if self.seq == head[0] else self._find(self.seq)
        self.project_id = getattr(inner, "project_id", "")
        self.url = getattr(inner, "url", "")

    def _find(self, seq: int) -> tuple[int, str]:
        if seq == 0:
            return 0, GENESIS
        found = self.inner.events(after=seq - 1)
        return (seq, found[0].hash) if found else (0, GENESIS)

    def events(self, kinds: Iterable[str] | None = None, prefix: str | None = None, after: int = 0) -> list[Event]:
        return [e for e in self.inner.events(kinds=kinds, prefix=prefix, after=after) if e.seq <= self.seq]

    def head(self) -> tuple[int, str]:
        return self._head

    def count(self) -> int:
        return len(self.events())

    def verify(self):
        return self.inner.verify()

    def append(self, kind: str, payload: dict[str, Any], actor: str) -> Event:
        raise WorkbenchError(f"A run only reads the project's log; it tried to write {kind!r}.",
                             "This is a bug in the run's template or the stage it called.")

    def append_many(self, items) -> list[Event]:
        kinds = ", ".join(sorted({k for k, _p, _a in items})) or "nothing"
        raise WorkbenchError(f"A run only reads the project's log; it tried to write {kinds}.",
                             "This is a bug in the run's template or the stage it called.")

    def close(self) -> None:
        self.inner.close()


class MemoryLog:
    """Just enough of a store for :func:`workbench.evaluation.protocol.evaluate` to log into memory."""

    def __init__(self):
        self.collected: list[Event] = []

    def append(self, kind: str, payload: dict[str, Any], actor: str) -> Event:
        ev = Event(len(self.collected) + 1, datetime.now(UTC).isoformat(timespec="microseconds"), actor, kind,
                   payload, "", "")
        self.collected.append(ev)
        return ev

    def append_many(self, items) -> list[Event]:
        return [self.append(k, p, a) for k, p, a in items]

    def events(self, kinds: Iterable[str] | None = None, prefix: str | None = None, after: int = 0) -> list[Event]:
        wanted = None if kinds is None else set(kinds)
        return [e for e in self.collected if e.seq > after and (wanted is None or e.kind in wanted)
                and (prefix is None or e.kind.startswith(prefix))]


def pinned_project(path, seq: int | None = None):
    """The project at ``path`` opened read-only, its log pinned at ``seq`` (default: the head now)."""
    from ..project import Project

    project = Project.open(path)
    try:
        store = PinnedStore(project.store, seq)
    except BaseException:
        project.close()
        raise
    return Project(project.root, project.config, store)
