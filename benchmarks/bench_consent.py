"""Consent mask at scale: one million rows over 100,000 contributors (issue 4: well under one second).

    .venv/bin/python benchmarks/bench_consent.py [--rows N] [--people N] [--repeat N]

Prints the time to fold the ledger from events, the first mask for a use (builds per-use arrays),
and then the best of N masks for plain text ids and for a categorical column.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

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


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

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
    text = best(lambda: led.permitted_mask(ids, "train", at), args.repeat)
    categorical = best(lambda: led.permitted_mask(cat, "train", at), args.repeat)
    print(f"consent mask: {args.rows:,} rows, {args.people:,} contributors, {len(evs):,} events")
    print(f"  fold ledger from events      {fold:8.3f} s")
    print(f"  first mask (builds arrays)   {first:8.3f} s")
    print(f"  mask, text ids, {ids.dtype} dtype (best of {args.repeat})  {text:8.3f} s")
    print(f"  mask, categorical ids (best of {args.repeat})       {categorical:8.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
