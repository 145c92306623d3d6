"""Writers of one SQLite file combine their appends (group commit, workbench/store/_group.py).

Each test uses the real store file and real processes or threads; what is checked is what a writer
sees (its events, or NotSaved) and what the log holds afterwards (every acknowledged event once, in
each writer's order, the chain intact), including when a leader is killed at the worst moment.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import threading
import time

import pytest

from workbench.errors import NotSaved
from workbench.store import EventStore, _sql

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="group commit uses Linux OFD locks")


def _wait_for(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _spool(store) -> list[str]:
    try:
        return sorted(os.listdir(store._group.spool))
    except FileNotFoundError:
        return []


def _write_many(url: str, idx: int, n: int, barrier) -> None:
    store = EventStore.open(url)
    barrier.wait()
    for i in range(n):
        store.append("vote.cast", {"w": idx, "i": i}, actor=f"p-{idx}")
    store.close()


def test_many_writer_processes_each_get_every_append_once_in_their_order(sqlite_project):
    store = sqlite_project.store
    before = store.count()
    ctx = mp.get_context("spawn")
    writers, n = 8, 40
    barrier = ctx.Barrier(writers)
    procs = [ctx.Process(target=_write_many, args=(store.url, w, n, barrier)) for w in range(writers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    events = store.events(kinds=["vote.cast"])
    assert store.count() == before + writers * n and len(events) == writers * n
    for w in range(writers):
        assert [e.payload["i"] for e in events if e.payload["w"] == w] == list(range(n))
    assert store.verify().ok
    assert _spool(store) == []  # nothing left waiting or claimed


def _hold(store):
    """Another open file's hold on the lock (as another process's): appends must wait for it."""
    holder = EventStore.open(store.url)
    holder._write_lock.__enter__()
    return holder


def test_appends_waiting_on_a_held_lock_are_committed_together_when_it_is_let_go(sqlite_project):
    store = sqlite_project.store
    holder = _hold(store)
    batches: list[int] = []
    commit = store._commit_together

    def counted(requests):
        batches.append(len(requests))
        return commit(requests)

    store._commit_together = counted
    results: dict[int, object] = {}
    threads = [threading.Thread(target=lambda t=t: results.__setitem__(
        t, store.append("vote.cast", {"t": t}, actor=f"p-{t}"))) for t in range(10)]
    for thread in threads:
        thread.start()
    _wait_for(lambda: len([n for n in _spool(store) if n.endswith(".req")]) == 10)
    assert results == {} and batches == []  # nobody got past the holder
    holder._write_lock.__exit__(None, None, None)  # lets go, and wakes the oldest to lead
    for thread in threads:
        thread.join(30)
    holder.close()
    assert sorted(results) == list(range(10))
    assert sum(batches) == 10 and len(batches) <= 2  # one transaction (two at most if one came late)
    seqs = {e.seq: e for e in store.events(kinds=["vote.cast"])}
    for t, event in results.items():  # each writer's answer is what the log holds
        assert seqs[event.seq].payload == {"t": t} and seqs[event.seq].hash == event.hash
    assert store.verify().ok and _spool(store) == []


def _lead_then_die(url: str, commit: bool, ready, done) -> None:
    store = EventStore.open(url)
    group = store._group
    group.acquire(wait=True)
    ready.set()
    while not group.waiting():
        time.sleep(0.005)
    rid = group.waiting()[0]
    request = group.claim(rid, 0)
    if commit:
        store._commit_requests([request])  # committed, never answered
    done.set()
    time.sleep(600)


@pytest.mark.parametrize("committed", [True, False], ids=["after-commit", "before-commit"])
def test_a_leader_killed_mid_batch_loses_and_doubles_nothing(sqlite_project, committed):
    store = sqlite_project.store
    before = store.count()
    ctx = mp.get_context("spawn")
    ready, done = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_lead_then_die, args=(store.url, committed, ready, done))
    proc.start()
    try:
        assert ready.wait(60)
        got: list = []
        writer = threading.Thread(target=lambda: got.append(store.append("vote.cast", {"n": 1}, actor="p-1")))
        writer.start()
        assert done.wait(30)  # the leader claimed it (and committed it, or not)
        assert [n for n in _spool(store) if n.endswith(".taken")]
        os.kill(proc.pid, 9)
        writer.join(30)
    finally:
        proc.kill()
        proc.join(10)
    assert len(got) == 1
    events = store.events(kinds=["vote.cast"])
    assert [e.payload for e in events] == [{"n": 1}] and store.count() == before + 1
    assert (got[0].seq, got[0].hash) == (events[0].seq, events[0].hash)
    assert store.verify().ok and _spool(store) == []


def _hold_and_hang(url: str, ready) -> None:
    store = EventStore.open(url)
    store._write_lock.__enter__()
    ready.set()
    time.sleep(600)


def test_a_writer_killed_while_holding_the_lock_lets_the_next_append(sqlite_project):
    store = sqlite_project.store
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_and_hang, args=(store.url, ready))
    proc.start()
    try:
        assert ready.wait(60)
        done = threading.Event()
        writer = threading.Thread(target=lambda: (store.append("vote.cast", {"n": 1}, actor="p-1"), done.set()))
        writer.start()
        assert not done.wait(0.3)  # waiting behind the holder
        os.kill(proc.pid, 9)
        writer.join(30)
        assert done.is_set()
    finally:
        proc.kill()
        proc.join(10)
    assert store.verify().ok
    assert [e.payload for e in store.events(kinds=["vote.cast"])] == [{"n": 1}]


def test_a_refused_append_in_a_batch_fails_alone(sqlite_project):
    store = sqlite_project.store
    with store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER no_bad BEFORE INSERT ON events WHEN NEW.kind = 'bad.kind' "
                             "BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END")
    holder = _hold(store)
    outcomes: dict[str, object] = {}

    def write(kind: str) -> None:
        try:
            outcomes[kind] = store.append(kind, {"k": kind}, actor="p-1")
        except NotSaved as exc:
            outcomes[kind] = exc

    threads = [threading.Thread(target=write, args=(k,)) for k in ("vote.cast", "bad.kind", "vote.withdrawn")]
    for thread in threads:
        thread.start()
    _wait_for(lambda: len([n for n in _spool(store) if n.endswith(".req")]) == 3)
    holder._write_lock.__exit__(None, None, None)
    for thread in threads:
        thread.join(30)
    holder.close()
    assert isinstance(outcomes["bad.kind"], NotSaved) and "refused by a trigger" in str(outcomes["bad.kind"])
    assert not isinstance(outcomes["vote.cast"], NotSaved) and not isinstance(outcomes["vote.withdrawn"], NotSaved)
    assert sorted(e.kind for e in store.events(prefix="vote.")) == ["vote.cast", "vote.withdrawn"]
    assert store.verify().ok and _spool(store) == []


def test_an_append_that_waits_past_the_budget_is_withdrawn_and_never_committed_later(sqlite_project, monkeypatch):
    store = sqlite_project.store
    monkeypatch.setattr(_sql, "RETRY_BUDGET_S", 0.5)
    holder = _hold(store)
    try:
        with pytest.raises(NotSaved, match="stayed busy"):
            store.append("vote.cast", {"n": 1}, actor="p-1")
    finally:
        holder._write_lock.__exit__(None, None, None)
        holder.close()
    store.append("vote.cast", {"n": 2}, actor="p-1")
    assert [e.payload for e in store.events(kinds=["vote.cast"])] == [{"n": 2}]
    assert _spool(store) == []


def test_a_request_left_from_long_ago_is_dropped_not_committed(sqlite_project):
    store = sqlite_project.store
    store.append("vote.cast", {"n": 0}, actor="p-1")
    os.makedirs(store._group.spool, exist_ok=True)
    old = f"{time.time_ns() - 3600 * 10**9:020d}-deadbeef0000-1"
    with open(os.path.join(store._group.spool, f"{old}.req"), "w") as fh:
        json.dump([["vote.cast", json.dumps({"n": "stale"}), "p-9"]], fh)
    with open(os.path.join(store._group.spool, f"{old}.tmp"), "w") as fh:
        fh.write("[")  # a writer died while writing this one
    holder = _hold(store)  # so that the next append publishes and a leader claims what waits
    got: list = []
    writer = threading.Thread(target=lambda: got.append(store.append("vote.cast", {"n": 1}, actor="p-1")))
    writer.start()
    _wait_for(lambda: len([n for n in _spool(store) if n.endswith(".req")]) == 2)
    holder._write_lock.__exit__(None, None, None)
    holder.close()
    writer.join(30)
    assert len(got) == 1
    assert [e.payload for e in store.events(kinds=["vote.cast"])] == [{"n": 0}, {"n": 1}]
    assert _spool(store) == []


def _threads_append(store, threads: int, each: int) -> None:
    """``threads`` threads of this process, each appending ``each`` events {"t", "i"} in order."""

    def write(t: int) -> None:
        for i in range(each):
            store.append("vote.cast", {"t": t, "i": i}, actor=f"p-{t}")

    running = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(60)


def test_appends_from_threads_of_one_process_share_its_connection_safely(sqlite_project):
    store = sqlite_project.store
    before = store.count()
    _threads_append(store, 4, 20)
    assert store.count() == before + 80
    events = store.events(kinds=["vote.cast"])
    for t in range(4):
        assert [e.payload["i"] for e in events if e.payload["t"] == t] == list(range(20))
    assert store.verify().ok


def test_a_large_append_commits_alone_holding_the_lock(sqlite_project):
    store = sqlite_project.store
    items = [("vote.cast", {"i": i}, "p-1") for i in range(_sql.MAX_COMBINED + 1)]
    out = store.append_many(items)
    assert [e.payload["i"] for e in out] == list(range(_sql.MAX_COMBINED + 1))
    assert [e.seq for e in out] == list(range(out[0].seq, out[0].seq + len(items)))
    assert store.verify().ok and _spool(store) == []


def test_disposing_the_engine_drops_the_kept_writer_connection(sqlite_project):
    store = EventStore.open(sqlite_project.store.url)
    try:
        store.append("vote.cast", {"n": 1}, actor="p-1")
        kept = store._writer
        assert kept is not None and kept[0] == os.getpid()
        store.engine.dispose()
        assert store._writer is None
        store.append("vote.cast", {"n": 2}, actor="p-1")  # a new one is checked out
        assert store._writer is not None and store._writer[1] is not kept[1]
    finally:
        store.close()
    assert sqlite_project.store.verify().ok


def test_where_writers_cannot_combine_threads_take_turns_and_sqlite_keeps_the_order(sqlite_project):
    db = sqlite_project.root / "store.db"
    store = EventStore.open(f"sqlite:///file:{db}?uri=true")
    assert store._group is None
    before = store.count()
    _threads_append(store, 4, 15)
    store.close()
    assert sqlite_project.store.count() == before + 60 and sqlite_project.store.verify().ok


def test_a_writer_listens_only_to_answers_of_its_own_user_that_match_its_appends(sqlite_project):
    import socket

    from workbench.store._group import GroupCommit

    store = sqlite_project.store
    group = store._group
    rid, sock = group.publish([["vote.cast", json.dumps({"n": 1}), "p-1"]])
    forged = {"rid": rid, "ok": [[999, "2026-01-01T00:00:00Z", "0" * 64, "f" * 64]]}
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = group.read(rid, "req").address
    sender.sendto(json.dumps(forged).encode(), address)
    message = GroupCommit.listen(sock, rid, 2.0)  # from this user: heard, but it does not match the append
    assert message == forged and not _sql._answers([("vote.cast", json.dumps({"n": 1}), "p-1", {"n": 1})], message)
    if os.geteuid() == 0:  # another user's process is not heard at all
        pid = os.fork()
        if pid == 0:
            os.setuid(65534)
            other = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            other.sendto(json.dumps({"lead": True}).encode(), address)
            os._exit(0)
        os.waitpid(pid, 0)
        assert GroupCommit.listen(sock, rid, 0.3) is None
    group.withdraw(rid)
    # the real answer, through the whole path, matches
    event = store.append("vote.cast", {"n": 1}, actor="p-1")
    assert store.events(kinds=["vote.cast"])[-1].hash == event.hash


def test_old_marks_are_pruned_and_an_uncontended_store_needs_no_marks_table(sqlite_project, monkeypatch):
    import random
    import sqlite3

    store = sqlite_project.store
    monkeypatch.setattr(random, "random", lambda: 0.0)  # every commit with marks prunes
    store.append("vote.cast", {"n": 1}, actor="p-1")  # the lock was free: committed alone, no mark
    db = sqlite3.connect(sqlite_project.root / "store.db")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "write_requests" not in tables
    old = f"{time.time_ns() - 3600 * 10**9:020d}-deadbeef0000-1"
    store._ensure_requests_table(store._sqlite_writer().driver_connection)
    db.execute("INSERT INTO write_requests (rid, first_seq, n) VALUES (?, 1, 1)", (old,))
    db.commit()
    holder = _hold(store)
    writer = threading.Thread(target=lambda: store.append("vote.cast", {"n": 2}, actor="p-1"))
    writer.start()
    _wait_for(lambda: len([n for n in _spool(store) if n.endswith(".req")]) == 1)
    holder._write_lock.__exit__(None, None, None)
    holder.close()
    writer.join(30)
    rids = [r[0] for r in db.execute("SELECT rid FROM write_requests")]
    db.close()
    assert old not in rids and len(rids) == 1  # the old mark pruned, this batch's kept
    assert [e.payload["n"] for e in store.events(kinds=["vote.cast"])] == [1, 2] and store.verify().ok
