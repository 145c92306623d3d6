"""The kernel manager for papermill runs: kernels talk over Unix sockets, not TCP ports.

jupyter_client picks five free TCP ports and hands them to the kernel, which binds them a moment later;
when several kernels start at once (a workshop server warming spares, two test workers) another process
can take a port in between and the kernel dies with "Address already in use". Over IPC each kernel's
sockets are files under a name of its own (jupyter_client's default name, ``kernel-ipc`` in the working
folder, would be shared by kernels started together), so there is nothing to race for. Without Unix
sockets (Windows) it keeps TCP.
"""

from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager
from traitlets import default


class LocalKernelManager(AsyncKernelManager):
    @default("transport")
    def _default_transport(self) -> str:
        return "ipc" if os.name == "posix" else "tcp"

    @default("ip")
    def _default_ip(self) -> str:
        if self.transport != "ipc":
            return super()._ip_default()
        return os.path.join(tempfile.gettempdir(), f"workbench-kernel-{uuid.uuid4().hex}-ipc")
