"""Faults: a read-only store, a full disk, a writer killed halfway. Nothing is claimed or half-written."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time

import pytest
import sqlalchemy as sa

from workbench.errors import NotSaved
from workbench.i18n import Translator
from workbench.store import EventStore


def _read_only(project) -> EventStore:
    return EventStore.open(f"sqlite:///file:{project.root / 'store.db'}?mode=ro&uri=true")


def _disk_full(project) -> EventStore:
    """The same store with SQLite told the disk holds no more pages: writes fail as on a full disk."""
    store = EventStore.open(project.store.url)

    @sa.event.listens_for(store.engine, "connect")
    def _no_room(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count={pages}")
        cur.close()

    store.engine.dispose()  # new connections get the limit
    # Fill what room is left in the last pages, as a disk that has just filled up.
    for _ in range(1000):
        try:
            store.append("filler.added", {"pad": "f" * 3000}, actor="facilitator")
        except NotSaved:
            break
    return store


@pytest.mark.parametrize(("make", "sentence"), [(_read_only, "read-only"), (_disk_full, "disk is full")])
def test_the_store_refusing_a_write_raises_not_saved(sqlite_project, make, sentence):
    store = make(sqlite_project)
    before = sqlite_project.store.count()
    with pytest.raises(NotSaved, match=sentence):
        store.append_many([("vote.cast", {"text": "x" * 5000, "i": i}, "p-1") for i in range(200)])
    store.close()
    assert sqlite_project.store.count() == before
    assert sqlite_project.store.verify().ok


@pytest.mark.parametrize("make", [_read_only, _disk_full])
def test_participant_sees_not_saved_and_keeps_the_text(sqlite_project, make):
    from workbench.purpose import deliberation as dl
    from workbench.ui.purpose.participant import ParticipantView

    project = sqlite_project
    code = dl.join(project.store, "pt-BR")
    healthy = project.store
    project.store = make(project)
    try:
        view = ParticipantView(project, "pt-BR", code)
        before = healthy.count()
        view.text.value = "Ninguém deve ficar sem resposta. " * 4
        view.submit.click()
        assert Translator("pt-BR")("error.not_saved") in view.write_status.value
        assert "wb-error" in view.write_status.value
        assert view.text.value.startswith("Ninguém deve ficar sem resposta.")
        assert healthy.count() == before
    finally:
        project.store.close()
        project.store = healthy


def _batch_writer(url: str, ready) -> None:
    store = EventStore.open(url)
    ready.set()
    i = 0
    while True:
        i += 1
        store.append_many([("vote.cast", {"batch": i, "part": k, "pad": "z" * 2000}, "p-1") for k in range(5)])


def test_a_writer_killed_halfway_leaves_the_log_consistent(sqlite_project):
    store = sqlite_project.store
    ctx = mp.get_context("spawn")
    for round_ in range(3):
        ready = ctx.Event()
        proc = ctx.Process(target=_batch_writer, args=(store.url, ready))
        proc.start()
        assert ready.wait(60)
        time.sleep(0.3 + 0.2 * round_)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(10)
        result = store.verify()
        assert result.ok, result.sentence
        votes = store.events(kinds=["vote.cast"])
        # Batches are all-or-nothing: never part of one.
        assert len(votes) % 5 == 0
    # And the store still takes writes after the crashes.
    store.append("vote.cast", {"after": True}, actor="p-2")
    assert store.verify().ok
