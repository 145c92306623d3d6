"""Many writer processes appending to one project's SQLite event log at once.

Each writer is a separate process (as each participant is a separate kernel)
calling ``EventStore.append`` in a loop for a few seconds. Reported per number
of writers: throughput, append latency (p50 / p95 / p99 / worst), events
acknowledged vs. found in the log afterwards (lost must be 0) and ``verify()``.

    python benchmarks/bench_store.py                      # 5, 20, 60 writers, 4 s each: as-is, queue, raw
    python benchmarks/bench_store.py --writers 60         # issue 22's target: 60 writers
    python benchmarks/bench_store.py --writers 5,20 --seconds 2 --no-write
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _results

KIND = "bench.appended"
VARIANTS = ("as-is", "queue", "flock", "no-lock", "raw-sqlite3")


def _without_lock(store) -> None:
    """The store with its OS write lock taken out: writers wait in SQLite's busy handler instead."""
    from workbench.store._sql import _NoLock

    store._group = None
    store._write_lock = _NoLock()


class _Flock:
    """The store's previous write lock: one ``flock`` on the lock file, which a writer that has just
    released it can take again before the woken waiter runs (no queue order)."""

    def __init__(self, path: str):
        import threading

        self._thread_lock = threading.Lock()
        self._fh = open(path, "a+b")  # noqa: SIM115 - closed with the store

    def __enter__(self):
        import fcntl

        self._thread_lock.acquire()
        fcntl.flock(self._fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        import fcntl

        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._thread_lock.release()

    def close(self):
        self._fh.close()


def _with_flock(store) -> None:
    """The store with its queue swapped for a plain ``flock`` (the lock before 2026-12-05, 21:00)."""
    from sqlalchemy.engine import make_url

    store._group = None
    store._write_lock = _Flock(f"{make_url(store.url).database}.flock")


class _Queue:
    """The store's lock before group commit (2026-12-05, 23:00): one transaction per append, writers
    queued first come, first served on a ticket counter and one OFD-locked byte per ticket."""

    SLOTS, BASE = 4096, 4096

    def __init__(self, path: str):
        import os
        import threading

        self._thread_lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._ticket = -1

    def _byte(self, kind: int, offset: int) -> None:
        import fcntl
        import os
        import struct

        fcntl.fcntl(self._fd, fcntl.F_OFD_SETLKW, struct.pack("hhxxxxqqixxxx", kind, os.SEEK_SET, offset, 1, 0))

    def __enter__(self):
        import fcntl
        import os

        self._thread_lock.acquire()
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            raw = os.pread(self._fd, 8, 0)
            self._ticket = int.from_bytes(raw, "little") if len(raw) == 8 else 0
            os.pwrite(self._fd, (self._ticket + 1).to_bytes(8, "little"), 0)
            self._byte(fcntl.F_WRLCK, self.BASE + self._ticket % self.SLOTS)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        if self._ticket > 0:  # wait for the writer before this one
            before = self.BASE + (self._ticket - 1) % self.SLOTS
            self._byte(fcntl.F_WRLCK, before)
            self._byte(fcntl.F_UNLCK, before)
        return self

    def __exit__(self, *exc):
        import fcntl

        self._byte(fcntl.F_UNLCK, self.BASE + self._ticket % self.SLOTS)
        self._thread_lock.release()

    def close(self):
        import os

        os.close(self._fd)


def _with_queue(store) -> None:
    """The store with one transaction per append under the previous first-come-first-served queue."""
    from sqlalchemy.engine import make_url

    store._group = None
    store._write_lock = _Queue(f"{make_url(store.url).database}.queue")


class _RawStore:
    """The floor: the same hash-chained insert through plain ``sqlite3`` at the store's durability
    (WAL, synchronous=FULL, BEGIN IMMEDIATE, busy timeout), with no SQLAlchemy, checks or lock."""

    def __init__(self, url: str):
        import sqlite3

        from sqlalchemy.engine import make_url

        self.con = sqlite3.connect(make_url(url).database, timeout=30, isolation_level=None)
        self.con.execute("PRAGMA busy_timeout=30000")
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=FULL")

    def append(self, kind, payload, actor):
        import json

        from workbench.store import event_hash, utc_now

        body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        while True:
            try:
                self.con.execute("BEGIN IMMEDIATE")
                break
            except Exception as exc:  # noqa: BLE001 - "database is locked" past the busy timeout: retry
                if "locked" not in str(exc):
                    raise
        try:
            seq, prev = self.con.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            ts = utc_now()
            digest = event_hash(seq + 1, ts, actor, kind, body, prev)
            self.con.execute("INSERT INTO events (seq, ts, actor, kind, payload, prev_hash, hash) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", (seq + 1, ts, actor, kind, body, prev, digest))
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def close(self):
        self.con.close()


def _writer(url: str, idx: int, seconds: float, barrier, out, variant: str = "as-is") -> None:
    from workbench.errors import NotSaved
    from workbench.store import EventStore

    store = _RawStore(url) if variant == "raw-sqlite3" else EventStore.open(url)
    if variant == "no-lock":
        _without_lock(store)
    elif variant == "flock":
        _with_flock(store)
    elif variant == "queue":
        _with_queue(store)
    acked: list[int] = []
    latencies: list[float] = []
    refused = 0
    n = 0
    barrier.wait()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t = time.perf_counter()
        try:
            store.append(KIND, {"writer": idx, "n": n}, actor=f"writer-{idx}")
        except NotSaved:
            refused += 1
        else:
            latencies.append(time.perf_counter() - t)
            acked.append(n)
        n += 1
    finished = time.monotonic()
    store.close()
    out.put((idx, acked, latencies, refused, finished))


def _pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def run(writers: int, seconds: float, workdir: Path, variant: str = "as-is") -> dict:
    import workbench

    project = workbench.init(workdir / f"writers-{writers}-{variant.replace('+', '-')}", f"bench {writers} writers")
    url = project.store.url
    before = project.store.count()
    project.close()

    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(writers + 1)
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, i, seconds, barrier, out, variant)) for i in range(writers)]
    for p in procs:
        p.start()
    barrier.wait(timeout=300)  # every writer has opened the store
    started = time.monotonic()
    results = [out.get(timeout=seconds + 600) for _ in procs]
    for p in procs:
        p.join(60)
    wall = max(r[4] for r in results) - started

    acked = {(idx, n) for idx, ns, _, _, _ in results for n in ns}
    latencies = sorted(x for r in results for x in r[2])
    refused = sum(r[3] for r in results)

    from workbench.store import EventStore

    with EventStore.open(url) as store:
        found_events = store.events(kinds=[KIND])
        found = {(e.payload["writer"], e.payload["n"]) for e in found_events}
        verified = store.verify()
        total = store.count()
    return {
        "variant": variant,
        "writers": writers,
        "seconds": wall,
        "acked": len(acked),
        "found": len(found),
        "lost": len(acked - found),
        "unacked_but_saved": len(found - acked),
        "duplicates": len(found_events) - len(found),
        "refused": refused,
        "per_s": len(acked) / wall if wall > 0 else float("nan"),
        "p50": _pct(latencies, 0.50) * 1000,
        "p95": _pct(latencies, 0.95) * 1000,
        "p99": _pct(latencies, 0.99) * 1000,
        "worst": (latencies[-1] if latencies else float("nan")) * 1000,
        "mean": (statistics.fmean(latencies) if latencies else float("nan")) * 1000,
        "verify": verified.sentence if verified.ok else verified.sentence,
        "verify_ok": verified.ok and total == before + len(found_events),
    }


def _load() -> str:
    try:
        with open("/proc/loadavg") as fh:
            return " / ".join(fh.read().split()[:3])
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", default="5,20,60", help="comma-separated numbers of writer processes")
    parser.add_argument("--seconds", type=float, default=4.0, help="how long each writer appends")
    parser.add_argument("--variants", default="as-is,queue,raw-sqlite3",
                        help=f"comma-separated what-if variants of the writer: {', '.join(VARIANTS)}")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    counts = [int(x) for x in args.writers.split(",") if x.strip()]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variant(s): {', '.join(sorted(unknown))}")

    rows = []
    ok = True
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        for variant, n in [(v, n) for v in variants for n in counts]:
            r = run(n, args.seconds, Path(tmp), variant)
            ok &= r["lost"] == 0 and r["verify_ok"] and r["duplicates"] == 0
            print(f"{variant}, {n} writers: {r['per_s']:.0f} events/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, "
                  f"worst {r['worst']:.0f} ms, acked {r['acked']}, found {r['found']}, lost {r['lost']}, "
                  f"{r['verify']}", file=sys.stderr, flush=True)
            rows.append([
                r["variant"], r["writers"], f"{r['seconds']:.1f}", f"{r['per_s']:,.0f}", f"{r['p50']:.1f}", f"{r['p95']:.1f}",
                f"{r['p99']:.1f}", f"{r['worst']:.0f}", f"{r['acked']:,}", f"{r['found']:,}", r["lost"],
                r["unacked_but_saved"], r["refused"], "OK" if r["verify_ok"] else f"FAILED: {r['verify']}",
            ])

    body = "\n".join([
        "## Event store: concurrent writer processes (`bench_store.py`)",
        "",
        f"- Machine: {_results.machine_line()}",
        f"- Date: {_results.now()}",
        f"- Command: `{_results.command_line()}`",
        f"- Each writer is its own process calling `EventStore.append` (one event per call, waiting for it to "
        f"be committed) in a loop for {args.seconds:g} s on one project's SQLite store (WAL, synchronous=FULL).",
        "- *as-is* is the store as shipped: writers of the file combine (group commit, `workbench/store/_group.py`): "
        "each publishes its append, whoever holds the file's lock commits every waiting append in one "
        "transaction and answers each writer. *queue* is the store before it: one transaction per append, "
        "writers queued first come, first served on OS locks. *flock* is one transaction per append under one "
        "plain `flock`. *no-lock* is one transaction per append with no lock (writers wait in SQLite's busy "
        "handler). *raw-sqlite3* is the floor the issue measures against: the same hash-chained insert through "
        "plain `sqlite3` at the same durability (WAL, synchronous=FULL, BEGIN IMMEDIATE), one transaction per "
        "append, no SQLAlchemy, checks or lock.",
        f"- Load average (1 / 5 / 15 min): {load_before} before, {_load()} after (the machine is shared: "
        "other work ran at the same time, and 60 writers on 2 cores wait on the scheduler as much as on the disk).",
        "",
        _results.table(
            ["writer", "writers", "wall s", "events/s", "p50 ms", "p95 ms", "p99 ms", "worst ms", "acknowledged",
             "found after", "lost", "saved, not acked", "refused (NotSaved)", "verify()"],
            rows,
        ),
    ])
    print(body)
    if not args.no_write:
        _results.write_section("bench_store", body)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
