"""A code box's tries are counted before the code is checked, so tries at once cannot pass the limit together."""

from __future__ import annotations

import threading
import time

import pytest

from workbench.limits import Limiter, TooManyTries

LIMITS = [(3, 60.0)]


def test_tries_at_once_cannot_all_pass_the_check_before_the_first_wrong_one_is_counted(tmp_path):
    limiter = Limiter(None, tmp_path / "limits.db")
    checked, refused = [], []

    def wrong_code():
        checked.append(1)
        time.sleep(0.1)  # the time a real check takes, widened: every try is inside it at once
        return None

    def one_try():
        try:
            limiter.attempt(["addr:10.0.0.9"], wrong_code, limits=LIMITS)
        except TooManyTries:
            refused.append(1)

    threads = [threading.Thread(target=one_try) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(checked) == 3 and len(refused) == 9
    with pytest.raises(TooManyTries):
        limiter.check(["addr:10.0.0.9"], limits=LIMITS)


def test_a_right_code_or_an_error_is_not_counted(tmp_path):
    limiter = Limiter(None, tmp_path / "limits.db")
    for _ in range(10):
        assert limiter.attempt(["kernel:k1"], lambda: "p-1", limits=LIMITS) == "p-1"

    def broken():
        raise RuntimeError("a bug, not a wrong code")

    for _ in range(5):
        with pytest.raises(RuntimeError):
            limiter.attempt(["kernel:k1"], broken, limits=LIMITS)
    for _ in range(3):  # the limit is all still there for wrong codes
        assert limiter.attempt(["kernel:k1"], lambda: None, limits=LIMITS) is None
    with pytest.raises(TooManyTries):
        limiter.attempt(["kernel:k1"], lambda: "p-1", limits=LIMITS)
