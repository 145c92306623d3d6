"""Many kernels write one store at once: every acknowledged event is there afterwards."""

from __future__ import annotations

from workbench.store import EventStore

from ._spawn import spawn_and_collect

WRITERS = 20
EVENTS_EACH = 25


def _writer(url: str, writer: int, start, out) -> None:
    store = EventStore.open(url)
    start.wait()
    acked = []
    for i in range(EVENTS_EACH):
        ev = store.append("vote.cast", {"writer": writer, "i": i}, actor=f"p-{writer}")
        acked.append(ev.seq)
    store.close()
    out.put((writer, acked))


def test_twenty_processes_append_at_once_and_nothing_is_lost(project):
    results = spawn_and_collect(_writer, [(project.store.url, w) for w in range(WRITERS)], timeout=120)

    events = project.store.events(kinds=["vote.cast"])
    found = {(e.payload["writer"], e.payload["i"]): e.seq for e in events}
    assert len(found) == WRITERS * EVENTS_EACH
    for writer, seqs in results.items():
        assert len(seqs) == EVENTS_EACH
        assert [found[(writer, i)] for i in range(EVENTS_EACH)] == seqs
    result = project.store.verify()
    assert result.ok, result.sentence
    assert result.count == 1 + WRITERS * EVENTS_EACH


def test_projects_sharing_one_postgresql_database_do_not_queue_on_each_others_writes(pg_url, tmp_path):
    """Advisory locks are per database: a schema per project must not mean one lock for all projects."""
    import threading

    import sqlalchemy as sa

    import workbench

    from ._pg import fresh_schema_url

    a = workbench.init(tmp_path / "a", "A", ["en"], store_url=fresh_schema_url(pg_url))
    b = workbench.init(tmp_path / "b", "B", ["en"], store_url=fresh_schema_url(pg_url))
    holder = sa.create_engine(pg_url)
    try:
        with holder.connect() as conn, conn.begin():  # another writer of A, mid-transaction
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": a.store._pg_lock_key()})
            b.store.append("vote.cast", {"n": 1}, actor="p-b")  # B does not wait for A's writer
            done = threading.Event()
            waiter = threading.Thread(target=lambda: (a.store.append("vote.cast", {"n": 1}, actor="p-a"), done.set()))
            waiter.start()
            assert not done.wait(0.5)  # A's own writers do queue behind it
        waiter.join(10)
        assert done.is_set()
        assert a.store.verify().ok and b.store.verify().ok and a.store.count() == b.store.count() == 2
    finally:
        holder.dispose()
        a.close()
        b.close()
