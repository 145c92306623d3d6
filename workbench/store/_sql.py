"""The event log on SQLAlchemy Core: SQLite (WAL) for a laptop, PostgreSQL by URL.

No caller outside this package writes SQL.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DatabaseError, OperationalError

from ..errors import NotSaved, StoreError
from ._chain import (
    GENESIS,
    Event,
    canonical_json,
    check_actor,
    check_kind,
    check_payload,
    event_hash,
)
from ._group import _WAIT_FIRST_S, _WAIT_MAX_S, MAX_BATCH, MAX_COMBINED, GroupCommit, Request
from ._group import supported as group_supported

STORE_FORMAT = "commons-workbench-events"
SCHEMA_VERSION = "1"
BUSY_TIMEOUT_S = 30.0
RETRY_BUDGET_S = 60.0

metadata = sa.MetaData()
events_table = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ts", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(80), nullable=False, index=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
)
meta_table = sa.Table(
    "workbench_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class VerifyResult:
    """What ``verify`` found: ``ok``, how many events, and the first bad one."""

    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str = ""

    @property
    def sentence(self) -> str:
        if self.ok:
            return f"OK: {self.count} events, hash chain intact."
        return f"FAILED at event {self.first_bad_seq}: {self.reason}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _is_sqlite(url: sa.engine.URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _make_engine(url: str) -> sa.Engine:
    parsed = sa.engine.make_url(url)
    if _is_sqlite(parsed):
        # Connections are kept per process (closing the last connection to a WAL
        # database checkpoints it, which made every append pay for a checkpoint).
        engine = sa.create_engine(
            parsed,
            connect_args={"timeout": BUSY_TIMEOUT_S, "isolation_level": None, "check_same_thread": False},
            poolclass=sa.pool.QueuePool,
            pool_size=2,
            max_overflow=8,
        )

        @sa_event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - exercised via tests
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            mode = cur.execute("PRAGMA journal_mode=WAL").fetchone()
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()
            del mode

        @sa_event.listens_for(engine, "begin")
        def _begin(conn):
            # pysqlite's own transaction handling is off (isolation_level=None);
            # writers ask for IMMEDIATE so read-last-hash-then-insert is atomic.
            mode = conn.get_execution_options().get("workbench_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return sa.create_engine(parsed, pool_pre_ping=True)


def _retryable(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(
        word in text
        for word in ("database is locked", "database is busy", "could not serialize", "deadlock")
    )


def _not_saved_sentence(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).lower()
    if "readonly" in text or "read-only" in text:
        return "Not saved: the project's store is read-only. Check the folder's permissions, then try again."
    if "full" in text or "no space" in text:
        return "Not saved: the disk is full. Free some space, then try again."
    return f"Not saved: the store refused the write ({str(getattr(exc, 'orig', exc)).strip()}). Try again."


class _ThreadLock:
    """Where the writers of a file cannot combine (Windows, macOS, a read-only folder, a ``file:`` URI):
    threads of one process take turns, and SQLite's own locking keeps the log consistent."""

    def __init__(self):
        self._lock = threading.Lock()

    def __enter__(self):
        self._lock.acquire()
        return self

    def __exit__(self, *exc):
        self._lock.release()

    def close(self):
        return None


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def close(self):
        return None


# A leader whose own append is committed goes on for this many batches while others wait: it is already
# running, and handing the lock over means waiting for another process to be scheduled.
_ROUNDS_AFTER = 2


def _events(prepared, ok: list) -> list[Event]:
    """The events of these appends, from their committed (seq, ts, prev, hash)."""
    return [Event(seq, ts, actor, kind, payload, prev, digest)
            for (kind, _, actor, payload), (seq, ts, prev, digest) in zip(prepared, ok, strict=True)]


def _answers(prepared, message: dict) -> bool:
    """Whether a leader's message is a well-formed answer to these appends: a refusal, or events whose
    hashes are those of these kinds, payloads and actors, chained one to the next."""
    if isinstance(message.get("error"), str):
        return True
    ok = message.get("ok")
    if not isinstance(ok, list) or len(ok) != len(prepared):
        return False
    try:
        for i, ((kind, payload_json, actor, _), (seq, ts, prev, digest)) in enumerate(zip(prepared, ok, strict=True)):
            if digest != event_hash(seq, ts, actor, kind, payload_json, prev) or (i and prev != ok[i - 1][3]):
                return False
    except (TypeError, ValueError):
        return False
    return True


def _refusal(exc: DatabaseError, committed: dict[str, dict]) -> dict:
    """A request's answer when the store refused it; SQLite busy raises :class:`_Busy` instead (with the
    answers ``committed`` so far: nothing of the refused transaction was)."""
    if isinstance(exc, OperationalError) and _retryable(exc):
        raise _Busy(committed, exc) from None
    return {"error": _not_saved_sentence(exc)}


class _Busy(Exception):
    """SQLite was busy (another tool writing): the requests committed before it, and the error."""

    def __init__(self, answers: dict[str, dict], error: OperationalError):
        super().__init__("busy")
        self.answers, self.error = answers, error


class _CannotSpool(Exception):
    """The spool folder cannot be written (a read-only folder): this store appends alone."""


class _Taken(Exception):
    """EventStore.create found another project's log at the URL."""


class EventStore:
    """Append-only, hash-chained event log.

    Use :meth:`create` for a new store and :meth:`open` for an existing one;
    both take a SQLAlchemy URL (``sqlite:////abs/path/store.db`` or
    ``postgresql://...``).
    """

    def __init__(self, url: str, _engine: sa.Engine):
        self.url = url
        self.engine = _engine
        self.dialect = _engine.dialect.name
        self.project_id = ""
        parsed = sa.engine.make_url(url)
        # Writers of one SQLite file combine their appends (see _group.py); ``_write_lock`` holds them
        # all still (a move, an append too large to combine). Elsewhere it is a thread lock.
        self._group: GroupCommit | None = None
        if self.dialect == "sqlite":
            on_file = parsed.database and not parsed.query.get("uri")
            if on_file and group_supported(parsed.database):
                self._group = GroupCommit(parsed.database)
                self._write_lock = self._group
            else:
                self._write_lock = _ThreadLock()
        else:
            self._write_lock = _NoLock()
        self._requests_table = False
        # SQLite: each process appends through one pooled connection it keeps (see _sqlite_writer).
        self._writer: tuple[int, Any] | None = None
        if self.dialect == "sqlite":
            sa_event.listen(_engine, "engine_disposed", self._drop_writer)

    # -- lifecycle -----------------------------------------------------------
    @classmethod
    def create(cls, url: str, project_id: str) -> EventStore:
        engine = _make_engine(url)
        try:
            with engine.connect().execution_options(workbench_begin="IMMEDIATE") as conn, conn.begin():
                metadata.create_all(conn)
                existing = dict(conn.execute(sa.select(meta_table.c.key, meta_table.c.value)).all())
                if existing and existing.get("project_id") != project_id:
                    # A database or schema that already holds a project's log (another URL's target on
                    # PostgreSQL, an absolute SQLite path): never append a second project to it.
                    raise _Taken(existing.get("project_id", ""))
                if not existing:
                    conn.execute(
                        meta_table.insert(),
                        [
                            {"key": "format", "value": STORE_FORMAT},
                            {"key": "schema_version", "value": SCHEMA_VERSION},
                            {"key": "project_id", "value": project_id},
                            {"key": "created", "value": utc_now()},
                        ],
                    )
        except _Taken as taken:
            engine.dispose()
            raise StoreError(
                f"{_show(url)} already holds the event log of another project ({taken.args[0] or 'unknown id'}).",
                "Give each project its own empty database or schema in the store URL.",
            ) from None
        except DatabaseError as exc:
            engine.dispose()
            raise StoreError(
                f"Cannot create the event store at {_show(url)} ({getattr(exc, 'orig', exc)}).",
                "Check the path and its permissions.",
            ) from None
        return cls.open(url, _engine=engine)

    @classmethod
    def open(cls, url: str, _engine: sa.Engine | None = None) -> EventStore:
        engine = _engine or _make_engine(url)
        parsed = sa.engine.make_url(url)
        if (_is_sqlite(parsed) and parsed.database and not parsed.query.get("uri")
                and not os.path.exists(parsed.database)):
            raise StoreError(
                f"There is no event store at {parsed.database}.",
                "Run 'workbench init' to create a project, or check the path.",
            )
        try:
            with engine.connect() as conn:
                rows = dict(conn.execute(sa.select(meta_table.c.key, meta_table.c.value)).all())
        except DatabaseError:
            engine.dispose()
            raise StoreError(
                f"{_show(url)} is not a Commons Workbench store.",
                "Point workbench.toml's store URL at the store.db that 'workbench init' made.",
            ) from None
        if rows.get("format") != STORE_FORMAT:
            engine.dispose()
            raise StoreError(
                f"{_show(url)} is not a Commons Workbench store.",
                "Point workbench.toml's store URL at the store.db that 'workbench init' made.",
            )
        if rows.get("schema_version") != SCHEMA_VERSION:
            engine.dispose()
            raise StoreError(
                f"This store has schema version {rows.get('schema_version')}, "
                f"but this workbench reads version {SCHEMA_VERSION}.",
                "Install the workbench version that made it.",
            )
        store = cls(url, engine)
        store.project_id = rows.get("project_id", "")
        return store

    def close(self) -> None:
        self._drop_writer()
        self._write_lock.close()
        self.engine.dispose()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -------------------------------------------------------------
    def append(self, kind: str, payload: dict[str, Any], actor: str) -> Event:
        """Append one event; returns it only once it is committed."""
        return self.append_many([(kind, payload, actor)])[0]

    def append_many(self, items: Sequence[tuple[str, dict[str, Any], str]]) -> list[Event]:
        """Append several events in one transaction: all of them or none."""
        prepared = []
        for kind, payload, actor in items:
            check_kind(kind)
            check_actor(actor)
            payload_json = canonical_json(check_payload(payload))
            # Everything that does not depend on the previous event is done here, before the lock.
            prepared.append((kind, payload_json, actor, _loads(payload_json)))
        if not prepared:
            return []
        if self._group is not None and self._group.usable and len(prepared) <= MAX_COMBINED:
            try:
                return self._append_combined(prepared)
            except _CannotSpool:
                # a folder this process cannot write: append alone, SQLite's own lock keeping the order
                self._group.usable = False
                self._write_lock = _ThreadLock()
        deadline = time.monotonic() + RETRY_BUDGET_S
        delay = 0.005
        while True:
            try:
                # Held still by the file's lock (see _group.py); SQLite's BEGIN IMMEDIATE then comes
                # uncontended (benchmarks/bench_store.py measures it against the store without the lock).
                with self._write_lock:
                    return self._append_once(prepared)
            except OperationalError as exc:
                if _retryable(exc) and time.monotonic() < deadline:
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 0.5)
                    continue
                raise NotSaved(_not_saved_sentence(exc), key="error.not_saved") from None
            except DatabaseError as exc:
                raise NotSaved(_not_saved_sentence(exc), key="error.not_saved") from None

    # -- group commit (SQLite on a local file; see _group.py) ---------------------------------------
    def _append_combined(self, prepared) -> list[Event]:
        """Commit alone when the lock is free; else publish the append and wait for a leader's answer.

        The rule that makes a published request never wait unseen: a writer publishes *before* it tries
        the lock, and whoever holds the lock looks for waiting requests *after* letting go of it.
        """
        group = self._group
        items = [[kind, payload_json, actor] for kind, payload_json, actor, _ in prepared]
        rid = sock = None
        deadline = time.monotonic() + RETRY_BUDGET_S
        wait, delay = _WAIT_FIRST_S, 0.005
        while True:
            answer = busy = None
            try:
                leading = group.acquire(wait=False)
            except OSError as exc:  # the lock file cannot be opened (a read-only folder)
                raise _CannotSpool() from exc
            if leading:
                try:
                    answer = self._lead(rid, items)
                except OperationalError as exc:  # SQLite busy (another tool writes): the requests wait again
                    if not _retryable(exc):
                        raise NotSaved(_not_saved_sentence(exc), key="error.not_saved") from None
                    busy = exc
                finally:
                    group.release()
                if busy is not None:
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 0.5)
            elif rid is None:
                try:
                    rid, sock = group.publish(items)
                except OSError as exc:
                    raise _CannotSpool() from exc
                continue  # published: now try the lock again
            else:
                message = group.listen(sock, rid, wait)
                if message is not None and not message.get("lead") and _answers(prepared, message):
                    answer = message
                elif message is None:
                    wait = min(wait * 2, _WAIT_MAX_S)
            if answer is not None:
                if "error" in answer:
                    raise NotSaved(answer["error"], key="error.not_saved")
                return _events(prepared, answer["ok"])
            if time.monotonic() > deadline and (rid is None or group.withdraw(rid)):
                raise NotSaved("Not saved: the project's store stayed busy for a minute. Try again.",
                               key="error.not_saved")

    def _lead(self, own_rid: str | None, own_items: list) -> dict:
        """Holding the file's lock: commit every waiting request, answer each; return this writer's answer.

        ``own_rid`` is None when this writer found the lock free before publishing: its append then goes
        in the first batch straight from memory.
        """
        group = self._group
        found = group.scan()
        answers = self._settle_orphans(found["taken"])
        if own_rid is not None:
            if own_rid in answers:
                return answers[own_rid]
            if group.state(own_rid) is None:  # answered while this writer was not listening
                return self._answer_from_log(own_rid) or {"error": "Not saved: the write took too long. Try again."}
        own_key = own_rid or ""
        direct = [Request("", own_items)] if own_rid is None else []
        stale = time.time_ns() - int(RETRY_BUDGET_S * 2e9)
        mine, rounds_after = None, 0
        waiting = found["req"] if not found["taken"] else group.waiting()
        while True:
            if mine is not None and (not waiting or rounds_after >= _ROUNDS_AFTER):
                return mine  # the oldest request still waiting is woken to lead the next batch
            if own_rid in waiting[MAX_BATCH:]:
                waiting.insert(0, waiting.pop(waiting.index(own_rid)))
            claimed = direct + [r for r in (group.claim(rid, stale) for rid in waiting[:MAX_BATCH]) if r is not None]
            direct = []
            if not claimed:
                return mine or {"error": "Not saved: the write took too long. Try again."}
            try:
                answers, busy = self._commit_requests(claimed), None
            except _Busy as exc:
                answers, busy = exc.answers, exc.error
            for request in claimed:
                answer = answers.get(request.rid)
                if answer is None:
                    if request.rid:
                        group.requeue(request.rid)  # not committed: it waits for the next batch
                    continue
                if request.rid == own_key:
                    mine = answer
                else:
                    group.tell(request, {"rid": request.rid, **answer})  # a writer gone: committed all the same
                if request.rid:
                    group.forget(request.rid)
            if busy is not None:
                if mine is not None:
                    return mine
                raise busy
            if mine is not None:
                rounds_after += 1
            waiting = group.waiting()

    def _settle_orphans(self, taken: list[str]) -> dict[str, dict]:
        """Requests a killed leader claimed: answered from the log when committed, else waiting again."""
        group = self._group
        answers = {}
        for rid in taken:
            answer = self._answer_from_log(rid)
            if answer is None:
                group.requeue(rid)
                continue
            answers[rid] = answer
            group.tell(Request(rid, []), {"rid": rid, **answer})
            group.forget(rid)
        return answers

    def _answer_from_log(self, rid: str) -> dict | None:
        conn = self._sqlite_writer().driver_connection
        self._ensure_requests_table(conn)
        row = conn.execute("SELECT first_seq, n FROM write_requests WHERE rid = ?", (rid,)).fetchone()
        if row is None:
            return None
        rows = conn.execute("SELECT seq, ts, prev_hash, hash FROM events WHERE seq >= ? AND seq < ? ORDER BY seq",
                            (row[0], row[0] + row[1])).fetchall()
        return {"ok": [list(r) for r in rows]}

    def _ensure_requests_table(self, conn) -> None:
        if not self._requests_table:
            conn.execute("CREATE TABLE IF NOT EXISTS write_requests "
                         "(rid TEXT PRIMARY KEY, first_seq INTEGER NOT NULL, n INTEGER NOT NULL)")
            self._requests_table = True

    def _commit_requests(self, requests: list[Request]) -> dict[str, dict]:
        """One transaction for all the requests; when it is refused, each alone (only the refused fail).

        SQLite busy (another tool holds the file) raises _Busy with the answers of those committed so far.
        """
        try:
            return self._commit_together(requests)
        except DatabaseError as exc:
            refused = _refusal(exc, {})
            if len(requests) == 1:
                return {requests[0].rid: refused}
        answers: dict[str, dict] = {}
        for request in requests:
            try:
                answers.update(self._commit_together([request]))
            except DatabaseError as exc:
                answers[request.rid] = _refusal(exc, answers)
        return answers

    def _commit_together(self, requests: list[Request]) -> dict[str, dict]:
        conn = self._sqlite_writer().driver_connection
        try:
            if any(request.rid for request in requests):  # others' requests: their marks need the table
                self._ensure_requests_table(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                last = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (last[0], last[1]) if last else (0, GENESIS)
                rows, marks, answers = [], [], {}
                for request in requests:
                    if request.rid:  # a writer's own append, from memory, needs no mark
                        marks.append((request.rid, seq + 1, len(request.items)))
                    out = answers[request.rid] = {"ok": []}
                    for kind, payload_json, actor in request.items:
                        seq += 1
                        ts = utc_now()
                        digest = event_hash(seq, ts, actor, kind, payload_json, prev)
                        rows.append((seq, ts, actor, kind, payload_json, prev, digest))
                        out["ok"].append([seq, ts, prev, digest])
                        prev = digest
                conn.executemany("INSERT INTO events (seq, ts, actor, kind, payload, prev_hash, hash) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                if marks:
                    conn.executemany("INSERT INTO write_requests (rid, first_seq, n) VALUES (?, ?, ?)", marks)
                    if random.random() < 0.01:  # the marks matter only while a writer may still ask
                        conn.execute("DELETE FROM write_requests WHERE rid < ?",
                                     (f"{time.time_ns() - int(RETRY_BUDGET_S * 4e9):020d}",))
                conn.execute("COMMIT")
                return answers
            except BaseException:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    self._drop_writer()
                raise
        except sqlite3.OperationalError as exc:
            if not _retryable(exc):
                self._drop_writer()
            raise OperationalError("append", None, exc) from None
        except sqlite3.DatabaseError as exc:
            self._drop_writer()
            raise DatabaseError("append", None, exc) from None

    def _append_once(self, prepared) -> list[Event]:
        if self.dialect == "sqlite":
            return self._append_once_sqlite(prepared)
        out: list[Event] = []
        with self.engine.connect().execution_options(workbench_begin="IMMEDIATE") as conn, conn.begin():
            if self.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": self._pg_lock_key()})
            last = conn.execute(
                sa.select(events_table.c.seq, events_table.c.hash)
                .order_by(events_table.c.seq.desc())
                .limit(1)
            ).first()
            seq, prev = (last[0], last[1]) if last else (0, GENESIS)
            rows = []
            for kind, payload_json, actor, payload in prepared:
                seq += 1
                ts = utc_now()
                digest = event_hash(seq, ts, actor, kind, payload_json, prev)
                rows.append(
                    {
                        "seq": seq,
                        "ts": ts,
                        "actor": actor,
                        "kind": kind,
                        "payload": payload_json,
                        "prev_hash": prev,
                        "hash": digest,
                    }
                )
                out.append(Event(seq, ts, actor, kind, payload, prev, digest))
                prev = digest
            conn.execute(events_table.insert(), rows)
        return out

    def _sqlite_writer(self):
        """This process's writing connection: checked out of the pool once and kept.

        A checkout and check-in per append (with the pool's reset rollback) cost ~0.1 ms, inside the
        write lock. A forked child checks out its own; disposing of the engine drops it.
        """
        held = self._writer
        pid = os.getpid()
        if held is not None and held[0] == pid:
            return held[1]
        fairy = self.engine.raw_connection()
        self._writer = (pid, fairy)
        return fairy

    def _drop_writer(self, *_args) -> None:
        held, self._writer = self._writer, None
        if held is not None and held[0] == os.getpid():
            try:
                held[1].close()  # back to the pool (closed with it when the engine is disposed)
            except Exception:  # noqa: BLE001 - a broken connection is dropped all the same
                pass

    def _append_once_sqlite(self, prepared) -> list[Event]:
        """The same transaction as a batch of one (``_commit_together``), through this process's own
        ``sqlite3`` connection: BEGIN IMMEDIATE, read the head, hash, insert, COMMIT; the payload was checked,
        encoded and parsed before the lock. The durability (WAL, synchronous=FULL) and the retry are the
        same (sqlite3's errors are mapped to SQLAlchemy's)."""
        answer = self._commit_together([Request("", [[kind, payload_json, actor] for kind, payload_json, actor, _ in prepared])])
        return _events(prepared, answer[""]["ok"])

    # -- reading -------------------------------------------------------------
    def events(
        self,
        kinds: Iterable[str] | None = None,
        prefix: str | None = None,
        after: int = 0,
    ) -> list[Event]:
        """Events in log order, optionally only some kinds, a kind prefix, or after a seq."""
        query = sa.select(events_table).where(events_table.c.seq > after)
        if kinds is not None:
            query = query.where(events_table.c.kind.in_(list(kinds)))
        if prefix is not None:
            query = query.where(events_table.c.kind.startswith(prefix, autoescape=True))
        query = query.order_by(events_table.c.seq)
        with self._reading() as conn:
            return [
                Event(r.seq, r.ts, r.actor, r.kind, _loads(r.payload), r.prev_hash, r.hash)
                for r in conn.execute(query)
            ]

    def head(self) -> tuple[int, str]:
        """(sequence number, hash) of the last event; (0, GENESIS) when empty."""
        with self._reading() as conn:
            row = conn.execute(
                sa.select(events_table.c.seq, events_table.c.hash)
                .order_by(events_table.c.seq.desc())
                .limit(1)
            ).first()
        return (row[0], row[1]) if row else (0, GENESIS)

    def count(self) -> int:
        with self._reading() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(events_table)).scalar_one()

    def verify(self) -> VerifyResult:
        """Recompute the chain; name the first event that does not match."""
        prev = GENESIS
        expected_seq = 0
        count = 0
        query = sa.select(events_table).order_by(events_table.c.seq)
        with self._reading() as conn:
            for r in conn.execute(query):
                expected_seq += 1
                count += 1
                where = f"{r.kind} at {r.ts}"
                if r.seq != expected_seq:
                    return VerifyResult(
                        False, count, r.seq, f"expected event {expected_seq} here; events are missing."
                    )
                if r.prev_hash != prev:
                    return VerifyResult(
                        False, count, r.seq,
                        f"({where}) does not link to the event before it; the log was cut or reordered.",
                    )
                if event_hash(r.seq, r.ts, r.actor, r.kind, r.payload, r.prev_hash) != r.hash:
                    return VerifyResult(
                        False, count, r.seq,
                        f"({where}) does not match its hash; it was changed after it was written.",
                    )
                prev = r.hash
        return VerifyResult(True, count)

    def _reading(self):
        return self.engine.connect()

    def _pg_lock_key(self) -> int:
        """This store's advisory-lock key: writers of one project queue, other projects' do not.

        Advisory locks are per database, and many projects can share one (a schema each), so the
        key comes from the project id (a fixed key made every project on a server queue on one lock).
        """
        import hashlib

        digest = hashlib.sha256(f"commons-workbench-store:{self.project_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def backup_to(self, path: str | os.PathLike) -> int:
        """Copy the whole store, consistently, into a new SQLite file at ``path``.

        SQLite uses the online backup API (safe while writers are busy); another
        backend copies every event inside one repeatable-read transaction.
        Returns the number of events copied.
        """
        target = os.fspath(path)
        if os.path.exists(target):
            raise StoreError(f"{target} already exists.", "Choose a new file for the backup.")
        if self.dialect == "sqlite":
            raw = self.engine.raw_connection()
            try:
                dest = sqlite3.connect(target)
                try:
                    raw.driver_connection.backup(dest)
                finally:
                    dest.close()
            finally:
                raw.close()
            copy = EventStore.open(f"sqlite:///{target}")
            try:
                return copy.count()
            finally:
                copy.close()
        with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            meta = dict(conn.execute(sa.select(meta_table.c.key, meta_table.c.value)).all())
            rows = [dict(r._mapping) for r in conn.execute(sa.select(events_table).order_by(events_table.c.seq))]
        copy = EventStore.create(f"sqlite:///{target}", meta.get("project_id", ""))
        try:
            with copy.engine.connect().execution_options(workbench_begin="IMMEDIATE") as conn, conn.begin():
                conn.execute(meta_table.delete())
                conn.execute(meta_table.insert(), [{"key": k, "value": v} for k, v in meta.items()])
                if rows:
                    conn.execute(events_table.insert(), rows)
            return len(rows)
        finally:
            copy.close()


def _loads(text: str) -> dict[str, Any]:
    return json.loads(text)


def _show(url: str) -> str:
    parsed = sa.engine.make_url(url)
    if _is_sqlite(parsed):
        return parsed.database or url
    return parsed.render_as_string(hide_password=True)
