"""The lean kernel activity watcher (workbench/serve/activity.py) decides as Jupyter Server's does."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from jupyter_client.session import Session
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from workbench.serve.activity import LeanActivityMixin


class Stream:
    def __init__(self):
        self.callback = None

    def on_recv(self, callback, copy=True):
        self.callback = callback


class Lean(LeanActivityMixin):
    track_message_type = AsyncMappingKernelManager.track_message_type

    def __init__(self):
        self.log = logging.getLogger("test")
        self.untracked_message_types = AsyncMappingKernelManager.class_traits()["untracked_message_types"].default()
        self.last_kernel_activity = None
        self.stream = Stream()
        self._kernels = {"k": SimpleNamespace(execution_state="starting", connect_iopub=lambda: self.stream,
                                              session=Session(key=b"secret"))}


@pytest.fixture
def watched():
    km = Lean()
    km.start_watching_activity("k")
    return km, km._kernels["k"], Session(key=b"secret")


def send(km, session, msg_type, content, parent_type=None):
    parent = session.msg(parent_type, {}) if parent_type else {}
    msg = session.msg(msg_type, content, parent=parent)
    km.stream.callback([b"kernel.abc.iopub", *session.serialize(msg)])


def test_the_first_status_after_starting_makes_the_kernel_idle(watched):
    km, kernel, session = watched
    send(km, session, "status", {"execution_state": "busy"}, parent_type="kernel_info_request")
    assert kernel.execution_state == "idle"  # not a tracked parent: normalised, as Jupyter Server does


def test_status_of_a_tracked_request_is_recorded_with_the_time(watched):
    km, kernel, session = watched
    before = kernel.last_activity
    send(km, session, "status", {"execution_state": "busy"}, parent_type="execute_request")
    assert kernel.execution_state == "busy"
    assert kernel.last_activity >= before and km.last_kernel_activity == kernel.last_activity
    send(km, session, "status", {"execution_state": "idle"}, parent_type="execute_request")
    assert kernel.execution_state == "idle"


def test_comm_traffic_counts_as_activity_but_untracked_types_do_not(watched):
    km, kernel, session = watched
    kernel.execution_state = "idle"
    send(km, session, "comm_msg", {"comm_id": "c", "data": {}}, parent_type="comm_msg")
    assert km.last_kernel_activity is not None
    stamp = km.last_kernel_activity
    send(km, session, "status", {"execution_state": "idle"}, parent_type="kernel_info_request")
    assert km.last_kernel_activity == stamp  # kernel_info is not activity (untracked_message_types)
    assert kernel.execution_state == "idle"


def test_a_garbled_message_is_ignored(watched):
    km, kernel, session = watched
    km.stream.callback([b"<IDS|MSG>", b"sig", b"not json"])
    assert kernel.execution_state == "starting"


def test_a_real_kernel_is_watched_over_its_own_iopub_stream(tmp_path):
    """The watcher on a real kernel's ZMQ stream: the state leaves "starting" and code run counts as activity."""
    import asyncio

    from workbench.serve.pools import WarmingKernelManager

    async def run():
        km = WarmingKernelManager(root_dir=str(tmp_path))
        kernel_id = await km.start_kernel()
        try:
            kernel = km.get_kernel(kernel_id)
            client = kernel.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            # The watcher's own IOPub socket may join after the kernel's first status messages
            # (ZMQ's slow joiner; it happened on a loaded CI machine). Jupyter Server nudges a new
            # kernel with kernel_info requests for the same reason; so does this test until the
            # watcher has seen a status.
            for _ in range(100):
                if kernel.execution_state == "idle":
                    break
                client.kernel_info()
                await asyncio.sleep(0.1)
            assert kernel.execution_state == "idle"
            before = kernel.last_activity
            await client.execute_interactive("x = 1", timeout=30)
            await asyncio.sleep(0.5)  # the watcher runs on the event loop
            assert kernel.last_activity > before
            assert kernel.execution_state == "idle"
            client.stop_channels()
        finally:
            await km.shutdown_kernel(kernel_id, now=True)

    asyncio.run(run())
