"""Kernel activity tracking that reads only what it tracks.

Jupyter Server watches every kernel's IOPub stream to know when a kernel was
last active (the culler's "idle") and its execution state. Its watcher fully
deserialises every message (signature check, header and parent header parsed,
ISO dates turned into datetimes) just to read two message types. With sixty
pages loading, each drawing dozens of widgets, that was a sixth of the server
process's CPU (py-spy, benchmarks/bench_arrivals.py), on the one thread that
also relays the widgets' messages.

Here the header and parent header are parsed as plain JSON, and the content
only of ``status`` messages; the decisions are Jupyter Server's own (same
tracked message types, same normalisation of the state after "starting"). The
signature is not checked: the stream comes from the kernel over its own local
sockets, and nothing here is acted on beyond the culler's clock.
"""

from __future__ import annotations

import json

from jupyter_server._tz import utcnow


class LeanActivityMixin:
    """Mixed into the server's kernel manager (a ``MappingKernelManager``)."""

    def start_watching_activity(self, kernel_id):
        self.log.debug("Watching kernel activity: %s", kernel_id)
        kernel = self._kernels[kernel_id]
        kernel.reason = ""
        kernel.last_activity = utcnow()
        kernel._activity_stream = kernel.connect_iopub()
        track = self.track_message_type
        feed_identities = kernel.session.feed_identities  # no signing involved: splits at the delimiter

        def record_activity(msg_list):
            try:
                # After the identities: signature, header, parent header, metadata, content, buffers.
                _idents, parts = feed_identities(msg_list)
                header = json.loads(parts[1])
                parent = json.loads(parts[2]) or {}
            except (IndexError, ValueError):
                return
            msg_type = header.get("msg_type")
            parent_type = parent.get("msg_type")
            if track(msg_type) or track(parent_type) or kernel.execution_state == "busy":
                self.last_kernel_activity = kernel.last_activity = utcnow()
            if msg_type == "status":
                try:
                    state = json.loads(parts[4])["execution_state"]
                except (IndexError, ValueError, KeyError, TypeError):
                    return
                if track(parent_type):
                    kernel.execution_state = state
                elif kernel.execution_state == "starting" and state != "starting":
                    kernel.execution_state = "idle"

        kernel._activity_stream.on_recv(record_activity)
