"""Preheated kernels that warm up one at a time, when the room is quiet.

Voila keeps a pool of kernels per participant app, each one having run its
notebook up to the point where it waits for a request. Out of the box it starts
a whole pool at once (at start-up: every kernel of every app together) and
refills each spare half a second after it is taken. On a 2-core laptop that is
the wrong moment: a kernel spends ~1-3 s of CPU importing, so sixty people
arriving together would pay for sixty refills while their own pages render.

Here a spare kernel (``VOILA_PREHEAT=True``) starts only when

- fewer than ``warm_concurrency`` spares are still warming up (a spare is warm
  once its notebook waits for its request on ``/voila/query/<kernel id>``), and
- no page has been asked for in the last ``warm_quiet_seconds`` (a burst of
  arrivals is served first, the pool refills after it), and
- the machine's CPUs were less than ``warm_cpu_percent`` busy over the last
  second (work at a lower priority, like niced browsers, not counted): pages served a moment ago are still being drawn (their kernels answer
  the widgets' first requests, the server relays every message), and a spare's
  server-side start (Voila compiles the page template for it) blocks the one
  thread that relays them. Measured here with sixty pages in Chromium on the same
  two cores: refilling while they loaded left pages blank for over a minute.

Never more than ``warm_quiet_max_seconds`` of waiting, so a steady trickle of
arrivals or a laptop busy with something else still refills.

A request takes a warm spare first, then one still warming (it has a head
start on a new kernel), and otherwise starts its own kernel at once (Voila's
normal path) instead of queueing behind spares that have not started.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Integer

from .activity import LeanActivityMixin

PREHEAT_ENV = "VOILA_PREHEAT"
# (role, session id) of the person whose page is being rendered: set by the render handler
# (capacity.py), read here when a kernel is started for the page or a spare is handed to it.
RENDER_OWNER: ContextVar[tuple[str, str] | None] = ContextVar("workbench_render_owner", default=None)


def _started(task) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


def _waiting_kernels() -> dict:
    from voila.request_info_handler import RequestInfoSocketHandler

    return RequestInfoSocketHandler._waiters


class WarmingKernelManager(LeanActivityMixin, AsyncMappingKernelManager):
    """The base kernel manager Voila builds its pooling manager on (see module doc); its activity
    tracking reads only the headers it needs (activity.py)."""

    warm_concurrency = Integer(1, config=True, help="Spare kernels warming up at the same time.")
    warm_quiet_seconds = Float(5.0, config=True, help="Start spares only this long after the last page request.")
    warm_cpu_percent = Float(70.0, config=True,
                             help="Start spares only when the CPUs were less busy than this over the last second.")
    warm_quiet_max_seconds = Float(120.0, config=True, help="Never hold a spare back longer than this.")
    warm_timeout_seconds = Float(180.0, config=True, help="Count a spare as warm after this long regardless.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.last_render = 0.0
        self._slots: asyncio.Semaphore | None = None
        # One CPU reading a second, shared by every spare waiting to start (each reading restarts psutil's
        # interval); busy until the first real one.
        self.cpu_busy_percent()
        self._cpu_at, self._cpu_busy = time.monotonic(), 100.0
        # kernel id -> (role, session id) of the person it serves a page to; spares have none (auth.py).
        self.kernel_owners: dict[str, tuple[str, str]] = {}

    def own(self, kernel_id: str) -> None:
        """The kernel serves the page being rendered: it belongs to that page's session."""
        owner = RENDER_OWNER.get()
        if owner and owner[1]:
            self.kernel_owners[kernel_id] = owner

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self.kernel_owners.pop(kernel_id, None)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)

    def remove_kernel(self, kernel_id):
        self.kernel_owners.pop(kernel_id, None)
        return super().remove_kernel(kernel_id)

    def note_render(self) -> None:
        """A page was asked for (called by the render handler)."""
        self.last_render = time.monotonic()

    async def start_kernel(self, *args, **kwargs):
        env = kwargs.get("env") or {}
        if kwargs.get("kernel_id"):  # a restart: same kernel, same owner
            return await super().start_kernel(*args, **kwargs)
        if env.get(PREHEAT_ENV) != "True":  # started for a page (Voila's handler, no spare left)
            kernel_id = await super().start_kernel(*args, **kwargs)
            self.own(kernel_id)
            return kernel_id
        await self._until_quiet()
        if self._slots is None:
            self._slots = asyncio.Semaphore(max(1, self.warm_concurrency))
        await self._slots.acquire()
        try:
            kernel_id = await super().start_kernel(*args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        asyncio.ensure_future(self._release_when_warm(kernel_id))
        return kernel_id

    def cpu_busy_percent(self) -> float:
        """How busy the CPUs were since the last call, 0-100, not counting work at a lower priority (nice):
        that yields to a spare anyway (psutil, an ipykernel dependency)."""
        try:
            import psutil
        except ImportError:  # pragma: no cover - ipykernel requires psutil
            return 0.0
        t = psutil.cpu_times_percent(interval=None)
        return t.user + t.system + sum(getattr(t, f, 0.0) for f in ("irq", "softirq", "steal"))

    def _recent_cpu_busy(self) -> float:
        now = time.monotonic()
        if now - self._cpu_at >= 1.0:
            self._cpu_at, self._cpu_busy = now, self.cpu_busy_percent()
        return self._cpu_busy

    async def _until_quiet(self) -> None:
        give_up = time.monotonic() + self.warm_quiet_max_seconds
        while time.monotonic() < give_up:
            wait = self.last_render + self.warm_quiet_seconds - time.monotonic()
            if wait <= 0 and self._recent_cpu_busy() < self.warm_cpu_percent:
                return
            await asyncio.sleep(min(wait, 1.0) if wait > 0 else 0.5)

    async def _release_when_warm(self, kernel_id: str) -> None:
        deadline = time.monotonic() + self.warm_timeout_seconds
        try:
            while time.monotonic() < deadline and kernel_id in self and kernel_id not in _waiting_kernels():
                await asyncio.sleep(0.25)
        finally:
            self._slots.release()


class PoolChoice:
    """Mixed into Voila's pooling kernel manager: which spare a request gets (see module doc)."""

    def get_pool_size(self, notebook_name: str) -> int:
        return sum(1 for task in self._pools.get(notebook_name, []) if _started(task))

    async def get_rendered_notebook(self, notebook_name, *args, **kwargs):
        pool = self._pools.get(notebook_name)
        if pool:
            waiting = _waiting_kernels()

            def rank(task) -> int:
                if not _started(task):
                    return 2
                return 0 if task.result().get("kernel_id") in waiting else 1

            pool.sort(key=rank)  # stable: oldest first within a rank
        render_task, rendered_cache, kernel_id = await super().get_rendered_notebook(notebook_name, *args, **kwargs)
        own = getattr(self, "own", None)
        if own is not None:  # the spare now belongs to the session it was handed to, and to no other
            own(kernel_id)
        return render_task, rendered_cache, kernel_id


def adopt(kernel_manager) -> None:
    """Give Voila's (already built) pooling kernel manager the spare choice above."""
    cls = type(kernel_manager)
    if hasattr(kernel_manager, "_pools") and not issubclass(cls, PoolChoice):
        kernel_manager.__class__ = type("WorkbenchPoolKernelManager", (PoolChoice, cls), {})
