"""Property-based (hypothesis): the vectorised mask equals the one-by-one answer on random ledgers.

Skipped where hypothesis is not installed; the seeded random tests in test_consent_ledger.py always run.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pandas as pd
import pytest

from workbench.consent import ledger as L
from workbench.consent.uses import USE_KEYS

from .test_consent_ledger import BASE, assert_mask_matches_rows, random_history

hypothesis = pytest.importorskip("hypothesis", reason="property tests need hypothesis (test extra)")
st = pytest.importorskip("hypothesis.strategies")


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(seed=st.integers(0, 10**6), contributors=st.integers(1, 30), events=st.integers(0, 120),
                  day=st.integers(-5, 1000), use=st.sampled_from(USE_KEYS))
def test_property_vectorised_equals_one_by_one(seed, contributors, events, day, use):
    rng = random.Random(seed)
    led = L.ConsentLedger.from_events(random_history(rng, contributors, events))
    ids = pd.Series([f"c-{rng.randrange(contributors + 3)}" for _ in range(60)])
    assert_mask_matches_rows(led, ids, use, BASE + timedelta(days=day))
