"""The Sybil attack as the issue ran it: a hostile browser drives its own page's kernel over the websocket.

No browser is needed for the attacker: it holds the workshop code, opens the purpose app once, then talks
the ipywidgets protocol on the page's kernel websocket itself (the control comm's ``request_states`` to
find the "I am new" button's model, then thirty ``click`` messages). The real ``workbench serve`` and the
project's own join cap (3 an hour per page, session and address) must hold: at most three participants.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

import workbench
from workbench.i18n import Translator

from .. import _server
from ._attack import channels_path, login, page_kernel, ws_url

PURPOSE = "/voila/render/purpose.ipynb?lang=en"


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory):
    srv = _server.start_server(tmp_path_factory.mktemp("sybil-ws"), preheated_kernels=0,
                               workshop={"joins_per_hour": 3})
    yield srv
    _server.stop_server(srv)


def _msg(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> str:
    return json.dumps({
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "attacker",
                   "date": "2026-01-01T00:00:00Z", "version": "5.3"},
        "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": "shell", "buffers": []})


def _joined(server) -> int:
    with workbench.open(server.project_path) as project:
        return len(project.store.events(kinds=["participant.joined"]))


def test_thirty_clicks_on_i_am_new_over_the_websocket_make_at_most_the_cap(capped_server):
    from websockets.sync.client import connect

    server = capped_server
    session = login(server, server.codes.workshop)
    kernel = page_kernel(server, session, PURPOSE)
    before = _joined(server)
    label = Translator("en")("purpose.join.new")
    client = uuid.uuid4().hex
    with connect(ws_url(server, channels_path(kernel)), additional_headers={"Cookie": session.cookie},
                 open_timeout=30, proxy=None, max_size=None) as ws:
        control = uuid.uuid4().hex
        ws.send(_msg("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
                     client, {"version": "1.0.0"}))  # ipywidgets' control protocol, as the page sends it
        ws.send(_msg("comm_msg", {"comm_id": control, "data": {"method": "request_states"}}, client))
        button = None
        deadline = time.monotonic() + 60
        while button is None and time.monotonic() < deadline:
            msg = json.loads(ws.recv(timeout=60))
            data = (msg.get("content") or {}).get("data") or {}
            if msg.get("msg_type") == "comm_msg" and data.get("method") == "update_states":
                for model_id, model in data["states"].items():
                    state = model.get("state", {})
                    if model.get("model_name") == "ButtonModel" and state.get("description") == label:
                        button = model_id
        assert button, "the purpose app's 'I am new' button was not among the page's widgets"
        for _ in range(30):
            ws.send(_msg("comm_msg", {"comm_id": button, "data": {"method": "custom", "content": {"event": "click"}}},
                         client))
        # The kernel handles the clicks in order; wait until the log stops growing.
        last, still = -1, 0
        deadline = time.monotonic() + 60
        while still < 3 and time.monotonic() < deadline:
            time.sleep(1.0)
            now = _joined(server)
            still = still + 1 if now == last else 0
            last = now
    made = _joined(server) - before
    assert 1 <= made <= 3, f"{made} participants from one page's websocket"
