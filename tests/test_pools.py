"""When spare kernels warm up (workbench/serve/pools.py): after a burst of arrivals, and when the CPUs are free.

No wall-clock windows (issue 23: an upper bound on elapsed time flakes on a loaded machine): each test
waits for the event it is about (the wait returning, a reading taken) with a generous deadline, and asserts
on what was read and in which order. The few lower bounds left ("held back at least this long") are the
behaviour itself, and a loaded machine only makes them easier to meet.
"""

from __future__ import annotations

import asyncio
import time

from workbench.serve.pools import WarmingKernelManager

DEADLINE = 60.0  # seconds: far beyond any wait these tests ask for, so only a hang fails


class Scripted(WarmingKernelManager):
    """CPU readings from a list (the last one repeats), each recorded with its time; no kernels started."""

    readings: list[float] = []

    def cpu_busy_percent(self) -> float:
        value = self.readings.pop(0) if len(self.readings) > 1 else (self.readings or [0.0])[0]
        self.__dict__.setdefault("taken", []).append((value, time.monotonic()))
        return value


def manager(readings, **config) -> Scripted:
    Scripted.readings = list(readings)
    km = Scripted(**config)
    km.taken = []  # the reading the constructor takes (to start psutil's interval) is not counted
    km._cpu_at = 0.0  # the next reading is due now
    return km


def values(km) -> list[float]:
    return [v for v, _ in km.taken]


async def _wait(*waits):
    await asyncio.wait_for(asyncio.gather(*waits), DEADLINE)


def quiet(km) -> float:
    """Wait until ``km`` would start a spare; the time it returned (the code's own clock)."""
    asyncio.run(_wait(km._until_quiet()))
    return time.monotonic()


def test_a_quiet_idle_machine_warms_at_once():
    km = manager([0.0, 10.0], warm_quiet_seconds=0.0)

    async def main():
        task = asyncio.ensure_future(km._until_quiet())
        await asyncio.sleep(0)  # one step of the loop: the task ran until its first wait, if any
        return task.done()

    assert asyncio.run(main()), "it waited although the machine was quiet and idle"
    assert values(km) == [10.0]  # one reading, and it was enough


def test_a_busy_machine_waits_until_the_cpus_are_free():
    # Busy for the first readings (one a second, shared), then free.
    km = manager([0.0, 99.0, 95.0, 20.0], warm_quiet_seconds=0.0, warm_cpu_percent=70.0)
    quiet(km)
    assert values(km) == [99.0, 95.0, 20.0]  # it kept reading while busy and stopped at the first free reading
    times = [t for _, t in km.taken]
    assert all(b - a >= 0.99 for a, b in zip(times, times[1:], strict=False))  # one reading a second


def test_a_recent_page_request_holds_spares_back_even_on_a_free_machine():
    km = manager([0.0, 0.0], warm_quiet_seconds=1.0)
    km.note_render()
    returned = quiet(km)
    assert returned - km.last_render >= km.warm_quiet_seconds  # not before the room was quiet that long
    assert set(values(km)) == {0.0}  # the CPUs were free all along: the page request alone held it back


def test_never_held_back_longer_than_the_maximum():
    # Always busy: without the maximum this would wait forever (the deadline would fail the test).
    km = manager([0.0, 100.0], warm_quiet_seconds=0.0, warm_quiet_max_seconds=1.0)
    started = time.monotonic()
    returned = quiet(km)
    assert values(km) and set(values(km)) == {100.0}  # it never saw a free machine: it gave up waiting
    assert returned - started >= 0.99  # after the maximum, not before


def test_many_waiting_spares_share_one_reading_a_second():
    km = manager([0.0, 99.0, 99.0, 99.0, 10.0], warm_quiet_seconds=0.0)
    asyncio.run(_wait(*(km._until_quiet() for _ in range(20))))
    # One reading per second for all twenty: each busy reading is followed by one more, and the first free
    # one releases every spare (twenty readings of their own would have used up the busy ones at once).
    assert values(km) == [99.0, 99.0, 99.0, 10.0]
    times = [t for _, t in km.taken]
    assert all(b - a >= 0.99 for a, b in zip(times, times[1:], strict=False))
