"""One million rows over 100,000 contributors: the mask is computed without a Python loop per row.

No time assertion here (timings belong in benchmarks/bench_consent.py): instead we count the Python
bytecode lines executed while the mask is computed. A loop per row would execute at least a million.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from workbench.consent import _time
from workbench.consent import ledger as L

from .consent_support import fake_events, published_version

ROWS, PEOPLE = 1_000_000, 100_000


def big_ledger(rng):
    version, scope_event = published_version(ts="2020-01-01T00:00:00+00:00")
    base = datetime(2024, 1, 1, tzinfo=UTC)
    items = [scope_event]
    for i in range(PEOPLE):
        roll = rng.random()
        at = base + timedelta(minutes=int(rng.integers(0, 60 * 24 * 900)))
        if roll < 0.08:
            continue  # no record
        if roll < 0.12:
            items.append(("consent.refused", {"contributor": f"c-{i}", "at": _time.iso(at), "method": "app"},
                          _time.iso(at)))
            continue
        payload = L.grant_payload(version, f"c-{i}", {"train": True, "evaluate": roll < 0.5}, method="paper", at=at)
        items.append(("consent.granted", payload, _time.iso(at)))
        if roll > 0.93:
            later = at + timedelta(days=30)
            items.append(("consent.withdrawn", L.withdraw_payload(f"c-{i}", ["train"], method="paper", at=later),
                          _time.iso(later)))
    return L.ConsentLedger.from_events(fake_events(items))


class LineCounter:
    def __init__(self):
        self.lines = 0

    def __call__(self, frame, event, arg):
        if event == "line":
            self.lines += 1
        return self


@pytest.mark.slow
def test_one_million_rows_is_vectorised():
    rng = np.random.default_rng(0)
    led = big_ledger(rng)
    ids = pd.Series(np.array([f"c-{i}" for i in range(PEOPLE + 5000)], dtype=object)[
        rng.integers(0, PEOPLE + 5000, ROWS)])
    at = datetime(2026, 3, 1, tzinfo=UTC)
    led.permitted_mask(ids.iloc[:10], "train", at)  # build the per-use arrays once, outside the count

    counter = LineCounter()
    sys.settrace(counter)
    try:
        mask, reason = led.permitted_mask(ids, "train", at)
    finally:
        sys.settrace(None)
    assert len(mask) == ROWS and mask.dtype == bool
    assert counter.lines < 100_000, f"{counter.lines} Python lines for {ROWS} rows: is there a loop per row?"

    # and the answers are right: check a sample one by one
    sample = rng.choice(ROWS, 2000, replace=False)
    for i in sample:
        assert reason.iloc[i] == led.explain(ids.iloc[i], "train", at)
    counts = reason.value_counts()
    assert counts[L.OK] > 0 and counts[L.NO_RECORD] > 0 and counts[L.WITHDRAWN] > 0 and counts[L.EXPIRED] > 0
