"""Consent mask at scale: one million rows over 100,000 contributors (issue 4: well under one second).

    .venv/bin/python benchmarks/bench_consent.py [--rows N] [--people N] [--repeat N] [--no-write]

Prints (and writes to its section of benchmarks/RESULTS.md unless ``--no-write``) the time to fold the
ledger from events, the first mask for a use (builds per-use arrays), and then the median, fastest and
slowest of N masks for plain text ids and for a categorical column, with the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks import _results  # noqa: E402
from workbench.consent import _time  # noqa: E402
from workbench.consent import ledger as L  # noqa: E402
from workbench.consent.scope import CHOOSES, NEVER, Conditions, Scope, ScopeHistory  # noqa: E402
from workbench.store import Event  # noqa: E402


def events(people: int, seed: int = 0) -> list[Event]:
    rng = random.Random(seed)
    scope = Scope(holder="bench", uses={"train": CHOOSES, "evaluate": CHOOSES, "commercial": NEVER},
                  conditions=Conditions(expiry_months=24))
    pub = Event(1, "2020-01-01T00:00:00+00:00", "facilitator", "scope.published",
                {"scope": scope.to_dict(), "hash": scope.content_hash, "version": 1}, "", "")
    version = ScopeHistory.from_events([pub]).latest
    out = [pub]
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(people):
        at = base + timedelta(minutes=rng.randrange(60 * 24 * 900))
        roll = rng.random()
        if roll < 0.08:
            continue
        payload = L.grant_payload(version, f"c-{i}", {"train": roll > 0.12, "evaluate": roll < 0.5},
                                  method="paper", at=at)
        out.append(Event(len(out) + 1, _time.iso(at), "facilitator", "consent.granted", payload, "", ""))
        if roll > 0.93:
            later = at + timedelta(days=30)
            out.append(Event(len(out) + 1, _time.iso(later), "facilitator", "consent.withdrawn",
                             L.withdraw_payload(f"c-{i}", ["train"], method="paper", at=later), "", ""))
    return out


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md as it is")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()

    evs = events(args.people)
    t = time.perf_counter()
    led = L.ConsentLedger.from_events(evs)
    fold = time.perf_counter() - t
    rng = np.random.default_rng(0)
    # Distinct string objects per row, as read_csv makes them (shared objects would hash from cache).
    ids = "c-" + pd.Series(rng.integers(0, args.people + args.people // 20, args.rows)).astype(str)
    cat = ids.astype("category")
    at = datetime(2026, 3, 1, tzinfo=UTC)
    t = time.perf_counter()
    led.permitted_mask(ids, "train", at)
    first = time.perf_counter() - t
    text = timed(lambda: led.permitted_mask(ids, "train", at), args.repeat)
    categorical = timed(lambda: led.permitted_mask(cat, "train", at), args.repeat)
    load_after = os.getloadavg()

    def row(name, secs):
        return [name, f"{statistics.median(secs):.3f}", f"{min(secs):.3f}", f"{max(secs):.3f}", len(secs)]

    loads = [" / ".join(f"{x:.2f}" for x in la) for la in (load_before, load_after)]
    body = "\n".join([
        f"## Consent mask: {args.rows:,} rows, {args.people:,} contributors, {len(evs):,} events "
        "(`bench_consent.py`)",
        "",
        f"- Machine: {_results.machine_line()}; pandas {pd.__version__}, numpy {np.__version__}",
        f"- Date: {_results.now()}",
        f"- Load average (1 / 5 / 15 min): {loads[0]} before, {loads[1]} after (the machine is shared)",
        f"- Command: `{_results.command_line()}`",
        "- `ConsentLedger.permitted_mask(ids, 'train', at)`: a boolean mask and a reason per row. The text ids "
        f"are a `{ids.dtype}` column ({type(ids.array).__name__}), the kind read_csv gives; the categorical ids "
        "are the same column as a category (factorised beforehand, not timed).",
        "",
        _results.table(["step", "median s", "min s", "max s", "runs"], [
            row("fold the ledger from its events", [fold]),
            row("first mask for a use (builds the per-use arrays)", [first]),
            row(f"mask, text ids ({ids.dtype})", text),
            row("mask, categorical ids", categorical),
        ]),
    ])
    print(body)
    if not args.no_write:
        _results.write_section("bench_consent", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
