"""Many kernels write one store at once: every acknowledged event is there afterwards."""

from __future__ import annotations

import multiprocessing as mp

from workbench.store import EventStore

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
    url = project.store.url
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, w, start, out)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    start.set()
    results = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0

    events = project.store.events(kinds=["vote.cast"])
    found = {(e.payload["writer"], e.payload["i"]): e.seq for e in events}
    assert len(found) == WRITERS * EVENTS_EACH
    for writer, seqs in results.items():
        assert len(seqs) == EVENTS_EACH
        assert [found[(writer, i)] for i in range(EVENTS_EACH)] == seqs
    result = project.store.verify()
    assert result.ok, result.sentence
    assert result.count == 1 + WRITERS * EVENTS_EACH
