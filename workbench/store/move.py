"""Copy a project's whole event log to another backend, byte for byte, for ``workbench store move``.

Every row is copied as stored (seq, ts, actor, kind, the payload's canonical JSON text, prev_hash,
hash): nothing is re-encoded or re-hashed, so the chain and its head are the same on the target.

The source is held still for the whole move: on SQLite the writers' file lock and an IMMEDIATE
transaction (no one else can write the file), on PostgreSQL the project's advisory lock that every
writer takes. The target must be reachable and hold no log; it is filled in batches inside one
transaction and checked (count, head, a full :meth:`EventStore.verify`) before that transaction
commits, and again through a fresh connection after. ``then`` (the caller's config rewrite) runs
while the source is still held; if anything fails after the commit, the target is emptied again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError, OperationalError

from ..errors import StoreError
from ._sql import EventStore, _make_engine, _show, events_table, meta_table, utc_now

BATCH = 1000
CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class MoveResult:
    """What was copied: how many events and the head they end on (the same on both sides)."""

    count: int
    head_seq: int
    head_hash: str
    source: str  # shown without password
    target: str


class _Pinned(EventStore):
    """A store read through one open connection (so :meth:`verify` sees an uncommitted copy)."""

    def __init__(self, url: str, engine: sa.Engine, conn: sa.Connection):
        super().__init__(url, engine)
        self._conn = conn

    def _reading(self):
        return contextlib.nullcontext(self._conn)


def same_place(url_a: str, url_b: str) -> bool:
    """Do two resolved store URLs name the same database (driver names aside)?"""
    a, b = sa.engine.make_url(url_a), sa.engine.make_url(url_b)
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        return bool(a.database and b.database) and os.path.realpath(a.database) == os.path.realpath(b.database)
    key = ("host", "port", "database", "username")
    return [getattr(a, k) for k in key] == [getattr(b, k) for k in key] and dict(a.query) == dict(b.query)


def _sqlite_path(url: str) -> str | None:
    parsed = sa.engine.make_url(url)
    return parsed.database if parsed.get_backend_name() == "sqlite" else None


def _engine_for(url: str) -> sa.Engine:
    """An engine for the move only: PostgreSQL gives up connecting after CONNECT_TIMEOUT_S."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
    return _make_engine(parsed.render_as_string(hide_password=False))


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).strip()
    return " ".join(text.splitlines()[0].split()) if text else type(exc).__name__


def check_target(url: str) -> None:
    """Refuse (one sentence) unless ``url`` is reachable and holds no event log; changes nothing."""
    shown = _show(url)
    path = _sqlite_path(url)
    if path is not None:
        if not path or path == ":memory:" or sa.engine.make_url(url).query.get("uri"):
            raise StoreError(f"{url} is not a file path.", "Give a SQLite file path, like sqlite:////srv/coop.db.")
        if os.path.lexists(path):
            raise StoreError(f"{path} already exists.", "Choose a new file for the store, so nothing is overwritten.")
        if not os.path.isdir(os.path.dirname(path) or "."):
            raise StoreError(f"The folder of {path} does not exist.", "Create it first, or choose another path.")
        return
    engine = _engine_for(url)
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            held = {events_table.name, meta_table.name} & names
            owner = ""
            if meta_table.name in held:
                owner = dict(conn.execute(sa.select(meta_table.c.key, meta_table.c.value)).all()).get("project_id", "")
    except DatabaseError as exc:
        raise StoreError(f"Cannot reach {shown} ({_reason(exc)}).",
                         "Check the server, the database name and the user in the URL.") from None
    except Exception as exc:  # a driver refusing the URL itself
        raise StoreError(f"Cannot use {shown} ({_reason(exc)}).", "Check the store URL.") from None
    finally:
        engine.dispose()
    if held:
        whose = f"project {owner}'s" if owner else "an"
        raise StoreError(f"{shown} already holds {whose} event log (tables {', '.join(sorted(held))}).",
                         "Move into an empty database or schema; nothing was changed.")


@contextlib.contextmanager
def _held(source: EventStore):
    """Yield a connection on the source that no workbench writer can get past until it closes."""
    with contextlib.ExitStack() as stack:
        try:
            if source.dialect == "sqlite":
                stack.enter_context(source._write_lock)  # writers of the file queue on this
                conn = stack.enter_context(source.engine.connect().execution_options(workbench_begin="IMMEDIATE"))
                stack.enter_context(conn.begin())  # and SQLite itself refuses any other writer
            else:
                conn = stack.enter_context(source.engine.connect())
                stack.enter_context(conn.begin())
                if source.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": source._pg_lock_key()})
        except OperationalError as exc:
            raise StoreError(f"Cannot hold the store at {_show(source.url)} still ({_reason(exc)}).",
                             "Stop whatever is writing to the project, then try again.") from None
        yield conn


def _drop_target(url: str) -> None:
    """Remove a copy this module made (only ever called after check_target found the place empty)."""
    path = _sqlite_path(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm", "-journal", ".writelock"):
            with contextlib.suppress(OSError):
                os.remove(path + suffix)
        return
    engine = _engine_for(url)
    try:
        with engine.begin() as conn:
            meta_table.drop(conn, checkfirst=True)
            events_table.drop(conn, checkfirst=True)
    finally:
        engine.dispose()


def copy_log(source: EventStore, target_url: str, *, then: Callable[[MoveResult], None] | None = None,
             batch: int = BATCH) -> MoveResult:
    """Copy ``source``'s whole log to the empty store at ``target_url``; see the module docstring.

    Refuses with a :class:`StoreError` (nothing changed) when the target is the same place,
    unreachable or not empty, or the source does not verify.
    """
    if same_place(source.url, target_url):
        raise StoreError(f"The store is already at {_show(target_url)}.", "Give another URL with --to.")
    check_target(target_url)
    shown_source, shown_target = _show(source.url), _show(target_url)
    with _held(source) as src:
        checked = _Pinned(source.url, source.engine, src).verify()
        if not checked.ok:
            raise StoreError(f"The log at {shown_source} does not verify ({checked.sentence})",
                             "Nothing was moved; restore the project from a backup first.")
        head = _Pinned(source.url, source.engine, src).head()
        meta = dict(src.execute(sa.select(meta_table.c.key, meta_table.c.value)).all())
        meta.update(moved_from=shown_source, moved_at=utc_now())
        result = MoveResult(checked.count, head[0], head[1], shown_source, shown_target)

        engine = _engine_for(target_url)
        committed = False
        try:
            with engine.connect().execution_options(workbench_begin="IMMEDIATE") as dst, dst.begin():
                metadata_tables = [meta_table, events_table]
                for table in metadata_tables:
                    table.create(dst)
                dst.execute(meta_table.insert(), [{"key": k, "value": v} for k, v in meta.items()])
                after = 0
                while True:
                    rows = [dict(r._mapping) for r in src.execute(
                        sa.select(events_table).where(events_table.c.seq > after)
                        .order_by(events_table.c.seq).limit(batch))]
                    if not rows:
                        break
                    dst.execute(events_table.insert(), rows)
                    after = rows[-1]["seq"]
                _check_copy(_Pinned(target_url, engine, dst), result, "before committing")
            committed = True
            engine.dispose()
            opened = EventStore.open(target_url, _engine=_engine_for(target_url))
            try:
                _check_copy(opened, result, "after committing")
            finally:
                opened.close()
            if then is not None:
                then(result)
        except BaseException as exc:
            engine.dispose()
            if committed or _sqlite_path(target_url) is not None:
                with contextlib.suppress(Exception):
                    _drop_target(target_url)
            if isinstance(exc, DatabaseError):
                raise StoreError(f"Cannot write the log to {shown_target} ({_reason(exc)}).",
                                 "Nothing was moved; check the target and try again.") from None
            raise
    return result


def _check_copy(store: EventStore, want: MoveResult, when: str) -> None:
    checked = store.verify()
    head = store.head()
    if not checked.ok or checked.count != want.count or head != (want.head_seq, want.head_hash):
        raise StoreError(
            f"The copy at {want.target} does not match the source {when} ({checked.sentence} "
            f"head {head[0]} {head[1][:12]}, expected {want.count} events ending {want.head_hash[:12]}).",
            "Nothing was moved; report this as a bug.",
        )
