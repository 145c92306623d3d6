"""One limiter for every place that accepts a code, shared by the server and every app kernel.

The login page (server process), "continue with my code" in the purpose app, the contributor card and
the receipt code in the consent app (kernels) all ask the same limiter, kept in a small SQLite file
(``.workbench/limits.db``) so separate processes see each other's counts. It is not the event log: a
wrong guess is nobody's decision, and the file can be deleted at any time (the limits simply restart).

Keys name who is trying: ``addr:<client address>``, ``session:<cookie session>``, ``kernel:<kernel id>``
(:func:`workbench.ui.context.client_keys` gives a kernel its own). A try is refused while **any** of
its keys is over a limit, so opening new pages (new kernels) from one address does not reset anything.

Wrong codes (``kind="code"``): at most :data:`CODE_LIMITS` — 10 in a minute and 30 in an hour per key.
The arithmetic is in docs/security.md.

The same file counts other human-pace limits, e.g. new participants per page and per address
(:meth:`Limiter.take` with a ``kind`` of the caller's and its own limit).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from .errors import WorkbenchError

LIMITS_PATH = Path(".workbench") / "limits.db"
# (failures allowed, window in seconds): both apply.
CODE_LIMITS: tuple[tuple[int, float], ...] = ((10, 60.0), (30, 3600.0))
_KEEP_S = 24 * 3600.0


class TooManyTries(WorkbenchError):
    """Refused by the limiter; ``retry_after`` seconds until the oldest counted try leaves its window."""

    def __init__(self, retry_after: float, key: str = "error.too_many_tries"):
        self.retry_after = max(1, int(retry_after + 0.999))
        minutes = max(1, (self.retry_after + 59) // 60)
        super().__init__("Too many tries.", f"Wait {minutes} minute(s), then try again.", key=key,
                         minutes=minutes)


def _norm_keys(keys: Iterable[str]) -> list[str]:
    out = []
    for k in keys:
        k = str(k or "").strip()
        if k and k not in out:
            out.append(k[:200])
    return out


class Limiter:
    """Counts tries per key in a shared SQLite file; every method is one short transaction."""

    def __init__(self, root: str | os.PathLike | None, path: str | os.PathLike | None = None,
                 clock=time.time):
        self.path = Path(path) if path is not None else (Path(root) / LIMITS_PATH if root else None)
        self.clock = clock
        self._memory: sqlite3.Connection | None = None

    # -- storage ---------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self.path is None:  # no project folder (a test's bare view): one in-memory table per limiter
            if self._memory is None:
                self._memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
                self._init(self._memory)
            return self._memory
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        with contextlib.suppress(sqlite3.OperationalError):
            con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        self._init(con)
        return con

    @staticmethod
    def _init(con: sqlite3.Connection) -> None:
        con.execute("CREATE TABLE IF NOT EXISTS tries (kind TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL)")
        con.execute("CREATE INDEX IF NOT EXISTS tries_kind_key_at ON tries (kind, key, at)")

    @contextlib.contextmanager
    def _tx(self):
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise
        finally:
            if con is not self._memory:
                con.close()

    # -- queries ---------------------------------------------------------------------------------
    def _wait(self, con, kind: str, keys: list[str], limits) -> float:
        """Seconds until every key is under every limit (0: allowed now)."""
        now = self.clock()
        wait = 0.0
        for key in keys:
            for count, window in limits:
                rows = con.execute(
                    "SELECT at FROM tries WHERE kind=? AND key=? AND at>? ORDER BY at DESC LIMIT ?",
                    (kind, key, now - window, count)).fetchall()
                if len(rows) >= count:
                    wait = max(wait, rows[-1][0] + window - now)
        return wait

    def _record(self, con, kind: str, keys: list[str]) -> list[int]:
        """Count one try against every key; the rows' ids (to take a try back)."""
        now = self.clock()
        rowids = [con.execute("INSERT INTO tries (kind, key, at) VALUES (?, ?, ?)", (kind, k, now)).lastrowid
                  for k in keys]
        if int(now) % 97 == 0:  # now and then, forget what no window can still see
            con.execute("DELETE FROM tries WHERE at < ?", (now - _KEEP_S,))
        return rowids

    def check(self, keys: Iterable[str], kind: str = "code", limits=CODE_LIMITS, key: str | None = None) -> None:
        """Raise :class:`TooManyTries` while any key is over a limit (nothing is counted)."""
        keys = _norm_keys(keys)
        with self._tx() as con:
            wait = self._wait(con, kind, keys, limits)
        if wait > 0:
            raise TooManyTries(wait, key or "error.too_many_tries")

    def fail(self, keys: Iterable[str], kind: str = "code") -> None:
        """Count one wrong try against every key."""
        keys = _norm_keys(keys)
        with self._tx() as con:
            self._record(con, kind, keys)

    def take(self, keys: Iterable[str], kind: str, limits, key: str | None = None) -> None:
        """Count one try if every key is under its limits, else raise :class:`TooManyTries` (one transaction)."""
        keys = _norm_keys(keys)
        with self._tx() as con:
            wait = self._wait(con, kind, keys, limits)
            if wait <= 0:
                self._record(con, kind, keys)
        if wait > 0:
            raise TooManyTries(wait, key or "error.too_many_tries")

    def attempt(self, keys: Iterable[str], ok_fn, kind: str = "code", limits=CODE_LIMITS):
        """Check, run ``ok_fn()`` (returns a falsy value for a wrong code), count a failure when it is wrong.

        Returns what ``ok_fn`` returned. The one pattern every code box uses. The try is counted *before*
        ``ok_fn`` runs, in the transaction that checks the limits, and taken back when the code was right (or
        ``ok_fn`` raised): so many tries at once (several pages, several kernels) cannot all pass the check
        before the first wrong one is counted.
        """
        keys = _norm_keys(keys)
        with self._tx() as con:
            wait = self._wait(con, kind, keys, limits)
            held = self._record(con, kind, keys) if wait <= 0 else []
        if wait > 0:
            raise TooManyTries(wait, "error.too_many_tries")
        try:
            result = ok_fn()
        except BaseException:
            self._release(held)  # an error is not a wrong code
            raise
        if result:
            self._release(held)
        return result

    def _release(self, rowids: list[int]) -> None:
        if rowids:
            with self._tx() as con:
                con.executemany("DELETE FROM tries WHERE rowid = ?", [(r,) for r in rowids])


def for_project(root: str | os.PathLike | None) -> Limiter:
    return Limiter(root)
