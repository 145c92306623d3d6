"""When spare kernels warm up (workbench/serve/pools.py): after a burst of arrivals, and when the CPUs are free."""

from __future__ import annotations

import asyncio
import time

from workbench.serve.pools import WarmingKernelManager


class Scripted(WarmingKernelManager):
    """CPU readings from a list (the last one repeats); no kernels started."""

    readings: list[float] = []

    def cpu_busy_percent(self) -> float:
        return self.readings.pop(0) if len(self.readings) > 1 else (self.readings or [0.0])[0]


def manager(readings, **config) -> Scripted:
    Scripted.readings = list(readings)
    km = Scripted(**config)
    km._cpu_at = 0.0  # the next reading is due now
    return km


def waited(km) -> float:
    t = time.monotonic()
    asyncio.run(km._until_quiet())
    return time.monotonic() - t


def test_a_quiet_idle_machine_warms_at_once():
    km = manager([0.0, 10.0], warm_quiet_seconds=0.0)
    assert waited(km) < 0.3


def test_a_busy_machine_waits_until_the_cpus_are_free():
    # Busy for the first readings (one a second, shared), then free.
    km = manager([0.0, 99.0, 95.0, 20.0], warm_quiet_seconds=0.0, warm_cpu_percent=70.0)
    t = waited(km)
    assert 1.5 <= t < 4.0, t


def test_a_recent_page_request_holds_spares_back_even_on_a_free_machine():
    km = manager([0.0, 0.0], warm_quiet_seconds=1.0)
    km.note_render()
    assert 0.9 <= waited(km) < 2.5


def test_never_held_back_longer_than_the_maximum():
    km = manager([0.0, 100.0], warm_quiet_seconds=0.0, warm_quiet_max_seconds=1.0)
    assert 0.9 <= waited(km) < 2.0


def test_many_waiting_spares_share_one_reading_a_second():
    km = manager([0.0, 99.0, 99.0, 99.0, 10.0], warm_quiet_seconds=0.0)
    calls = []
    real = km.cpu_busy_percent
    km.cpu_busy_percent = lambda: calls.append(1) or real()

    async def many():
        await asyncio.gather(*(km._until_quiet() for _ in range(20)))

    t = time.monotonic()
    asyncio.run(many())
    assert len(calls) <= (time.monotonic() - t) + 2, f"{len(calls)} readings for 20 waiting spares"
