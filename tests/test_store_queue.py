"""Writers of one SQLite file queue first come, first served, and a killed writer never blocks the queue."""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import threading
import time

import pytest

from workbench.store import EventStore
from workbench.store._sql import _WriteLock

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the queue uses Linux OFD locks")


def _tickets_taken(path: str) -> int:
    with open(f"{path}.writelock", "rb") as fh:
        return int.from_bytes(fh.read(8), "little")


def _wait_for(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_writers_get_the_lock_in_the_order_they_asked(tmp_path):
    db = str(tmp_path / "store.db")
    holder = _WriteLock(db)
    holder.__enter__()
    order: list[int] = []
    waiters = []
    for i in range(4):  # each its own lock object: its own open file, as in another process
        lock = _WriteLock(db)

        def wait(i=i, lock=lock):
            with lock:
                order.append(i)

        thread = threading.Thread(target=wait)
        thread.start()
        _wait_for(lambda i=i: _tickets_taken(db) == i + 2)  # waiter i is queued before the next asks
        waiters.append((thread, lock))
    time.sleep(0.05)
    assert order == []  # nobody got past the holder
    holder.__exit__(None, None, None)
    for thread, lock in waiters:
        thread.join(10)
        lock.close()
    holder.close()
    assert order == [0, 1, 2, 3]


def _hold_and_hang(url: str, ready) -> None:
    store = EventStore.open(url)
    store._write_lock.__enter__()
    ready.set()
    time.sleep(600)


def test_a_writer_killed_while_holding_the_queue_lets_the_next_append(sqlite_project):
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
        assert not done.wait(0.3)  # queued behind the holder
        os.kill(proc.pid, 9)
        writer.join(30)
        assert done.is_set()
    finally:
        proc.kill()
        proc.join(10)
    assert store.verify().ok
    assert [e.payload for e in store.events(kinds=["vote.cast"])] == [{"n": 1}]


def test_appends_from_threads_of_one_process_share_its_connection_safely(sqlite_project):
    store = sqlite_project.store
    before = store.count()

    def write(t: int) -> None:
        for i in range(20):
            store.append("vote.cast", {"t": t, "i": i}, actor=f"p-{t}")

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert store.count() == before + 80
    assert store.verify().ok


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
