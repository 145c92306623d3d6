"""The event log: append and read, hash chain, tamper detection, refusals."""

from __future__ import annotations

import sqlite3

import pytest

from workbench.errors import NotSaved, StoreError, WorkbenchError
from workbench.store import GENESIS, EventStore, event_hash


def test_append_and_read_back_in_order(store):
    first = store.append("statement.added", {"text": "Olá, vizinhança 👋", "n": 1}, actor="river-42")
    second = store.append("vote.cast", {"statement": 1, "vote": 1}, actor="sea-7")
    events = store.events()
    assert [e.kind for e in events] == ["project.created", "statement.added", "vote.cast"]
    assert events[1] == first and events[2] == second
    assert events[1].payload == {"text": "Olá, vizinhança 👋", "n": 1}
    assert second.prev_hash == first.hash
    assert store.head() == (3, second.hash)
    assert store.count() == 3


def test_filters_by_kind_prefix_and_after(store):
    store.append_many([("statement.added", {"i": i}, "a-1") for i in range(3)] + [("vote.cast", {}, "a-1")])
    assert len(store.events(prefix="statement.")) == 3
    assert [e.kind for e in store.events(kinds=["vote.cast"])] == ["vote.cast"]
    assert [e.seq for e in store.events(after=3)] == [4, 5]
    # A prefix with SQL wildcards matches literally.
    assert store.events(prefix="statement_%") == []


def test_chain_links_every_event_to_the_one_before(store):
    store.append_many([("x.y", {"i": i}, "a") for i in range(5)])
    prev = GENESIS
    for ev in store.events():
        assert ev.prev_hash == prev
        assert ev.hash == event_hash(ev.seq, ev.ts, ev.actor, ev.kind,
                                     __import__("workbench.store", fromlist=["canonical_json"]).canonical_json(ev.payload),
                                     ev.prev_hash)
        prev = ev.hash
    result = store.verify()
    assert result.ok and result.count == 6
    assert result.sentence == "OK: 6 events, hash chain intact."


def _db(project):
    return sqlite3.connect(project.root / "store.db")


def _tamper(store, sql: str, **params) -> None:
    """Edit the log behind the store's back, as someone with database access could."""
    import sqlalchemy as sa

    with store.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def test_verify_names_an_event_edited_with_sqlite3(sqlite_project):
    store = sqlite_project.store
    store.append_many([("vote.cast", {"vote": 1}, f"p-{i}") for i in range(5)])
    with _db(sqlite_project) as db:
        db.execute("UPDATE events SET payload = ? WHERE seq = 4", ('{"vote":-1}',))
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 4
    assert "event 4" in result.sentence and "changed after it was written" in result.sentence


def test_verify_names_an_edited_event(store):
    store.append_many([("vote.cast", {"vote": 1}, f"p-{i}") for i in range(5)])
    _tamper(store, "UPDATE events SET payload = :p WHERE seq = 4", p='{"vote":-1}')
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 4
    assert "event 4" in result.sentence and "changed after it was written" in result.sentence


def test_verify_names_a_deleted_event(store):
    store.append_many([("vote.cast", {"vote": 1}, "p-1") for _ in range(4)])
    _tamper(store, "DELETE FROM events WHERE seq = 3")
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 4
    assert "missing" in result.reason


def test_verify_catches_a_rehashed_edit_by_the_broken_link(store):
    """Someone who edits a row and recomputes its hash still breaks the next link."""
    store.append_many([("vote.cast", {"vote": 1}, "p-1") for _ in range(3)])
    ev = store.events()[2]
    forged = event_hash(ev.seq, ev.ts, ev.actor, ev.kind, '{"vote":-1}', ev.prev_hash)
    _tamper(store, "UPDATE events SET payload = :p, hash = :h WHERE seq = 3", p='{"vote":-1}', h=forged)
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 4
    assert "does not link" in result.reason


@pytest.mark.parametrize(
    ("kind", "payload", "actor", "needle"),
    [
        ("Statement Added", {}, "a-1", "not a valid event kind"),
        ("statement", {}, "a-1", "not a valid event kind"),
        ("statement.added", {}, "Maria da Silva", "not a valid actor code"),
        ("statement.added", {}, "", "not a valid actor code"),
        ("statement.added", ["not", "a", "dict"], "a-1", "must be a dict"),
        ("statement.added", {"x": float("nan")}, "a-1", "NaN"),
        ("statement.added", {"x": {1, 2}}, "a-1", "cannot be stored as JSON"),
        ("statement.added", {"x": "a" * 1_100_000}, "a-1", "larger than 1 MB"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(store, kind, payload, actor, needle):
    before = store.count()
    with pytest.raises(WorkbenchError, match=needle):
        store.append(kind, payload, actor=actor)
    assert store.count() == before


def test_append_many_is_all_or_nothing(store):
    before = store.count()
    with pytest.raises(WorkbenchError):
        store.append_many([("a.b", {}, "x"), ("a.b", {"bad": float("inf")}, "x")])
    assert store.count() == before


def test_a_sqlite_file_that_is_not_a_store_is_refused(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="is not a Commons Workbench store"):
        EventStore.open(f"sqlite:///{other}")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="is not a Commons Workbench store"):
        EventStore.open(f"sqlite:///{junk}")
    with pytest.raises(StoreError, match="There is no event store"):
        EventStore.open(f"sqlite:///{tmp_path / 'absent.db'}")


def test_a_read_only_store_says_not_saved(sqlite_project):
    project, store = sqlite_project, sqlite_project.store
    import os

    if os.geteuid() == 0:
        # root ignores file permissions; a read-only SQLite connection shows the same refusal.
        ro = EventStore.open(f"sqlite:///file:{project.root / 'store.db'}?mode=ro&uri=true")
    else:
        (project.root / "store.db").chmod(0o444)
        ro = EventStore.open(f"sqlite:///{project.root / 'store.db'}")
    before = store.count()
    with pytest.raises(NotSaved, match="Not saved: the project's store is read-only"):
        ro.append("vote.cast", {"vote": 1}, actor="p-1")
    ro.close()
    assert store.count() == before and store.verify().ok


def test_wal_mode_is_on(sqlite_project):
    with _db(sqlite_project) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_backup_is_a_verified_copy_of_the_log(project, tmp_path):
    from workbench.project import backup_project

    project.store.append_many([("vote.cast", {"v": i}, "p-1") for i in range(10)])
    (project.data_dir / "raw.csv").write_text("a,b\n1,2\n")
    dest, result = backup_project(project.root, tmp_path / "copy")
    assert result.ok and result.count == 11
    assert (dest / "data" / "raw.csv").read_text() == "a,b\n1,2\n"
    import workbench

    with workbench.open(dest) as copy:
        assert copy.config.store_url == "sqlite:///store.db"
        assert [e.hash for e in copy.store.events()] == [e.hash for e in project.store.events()]
    # Never over an existing backup.
    with pytest.raises(WorkbenchError, match="is not empty"):
        backup_project(project.root, dest)


def test_a_second_project_on_the_same_store_url_is_refused_and_the_first_log_untouched(project, tmp_path):
    import workbench

    url = project.store.url  # the first project's store, absolute (a SQLite path, or a PostgreSQL schema)
    before = project.store.head()
    with pytest.raises(StoreError, match="already holds the event log of another project") as err:
        workbench.init(tmp_path / "second", "Second", ["en"], store_url=url)
    assert "\n" not in err.value.sentence and "own empty database or schema" in err.value.fix
    assert project.store.head() == before and project.store.verify().ok
    # nothing half-made is left: the same folder can be used again
    assert not (tmp_path / "second").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError):
        workbench.init(tmp_path / "empty", "Second", ["en"], store_url=url)
    assert (tmp_path / "empty").is_dir() and not any((tmp_path / "empty").iterdir())
    workbench.init(tmp_path / "empty", "Second", ["en"]).close()


def test_workbench_init_store_puts_the_log_where_the_url_says(backend_url, tmp_path):
    from workbench.cli import run_cli
    from workbench.project import Project

    code, out, err = run_cli(["init", str(tmp_path / "p"), "--name", "Coop", "--store", backend_url])
    assert code == 0, err
    with Project.open(tmp_path / "p") as p:
        assert p.config.store_url == backend_url and p.store.dialect == backend_url.split(":")[0].split("+")[0]
        assert p.store.events()[0].kind == "project.created"
    assert (tmp_path / "p" / "store.db").exists() == backend_url.startswith("sqlite")
    code, out, err = run_cli(["verify", str(tmp_path / "p")])
    assert code == 0 and "hash chain intact" in out, err
