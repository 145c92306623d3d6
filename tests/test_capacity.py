"""A full room gets a clear, translated page instead of a dead server (real server, no browser)."""

from __future__ import annotations

import os
import subprocess
import tomllib

import pytest
import tomli_w

import workbench

from . import _server


@pytest.fixture(scope="module")
def tiny_room(tmp_path_factory):
    """The demo served with room for one participant kernel and one spare."""
    workdir = tmp_path_factory.mktemp("tiny")
    path = _server.make_demo(workdir / "demo-project")
    cfg = path / "workbench.toml"
    raw = tomllib.loads(cfg.read_text(encoding="utf-8"))
    raw["workshop"].update(max_kernels=1, preheated_kernels=1)
    cfg.write_text(tomli_w.dumps(raw), encoding="utf-8")
    with workbench.open(path) as project:
        codes = project.access_codes()
    port = _server._free_port()
    log_path = workdir / "serve.log"
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [*_server._workbench_command(), "serve", str(path), "--port", str(port), "--ip", "127.0.0.1", "--no-qr"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    server = _server.Server(f"http://127.0.0.1:{port}", codes, path, proc, log_path, log)
    try:
        _server._wait_until_ready(server, _server.START_TIMEOUT_S, wait_for_pool=True)
        yield server
    finally:
        _server.stop_server(server)


def test_the_next_person_is_told_the_room_is_full(tiny_room):
    cookie = tiny_room.login(tiny_room.codes.workshop)
    first, _, body = tiny_room.request("GET", "/voila/render/welcome.ipynb", headers={"Cookie": cookie})
    assert first == 200 and "voila_process" in body
    status, headers, body = tiny_room.request("GET", "/voila/render/welcome.ipynb?lang=pt-BR",
                                              headers={"Cookie": cookie})
    assert status == 503
    assert headers.get("retry-after") == "60"
    assert "A sala está cheia" in body and "Tente de novo em um minuto" in body
    # The login page still answers: the server is alive, only full.
    assert tiny_room.request("GET", "/login")[0] == 200


def test_kernels_in_use_counts_pages_not_spares_and_survives_a_cancelled_spare():
    """Voila's pools hold asyncio tasks: started spares, spares still starting, failed and cancelled ones."""
    import asyncio

    from workbench.serve.capacity import count_in_use

    async def started(kid):
        return {"kernel_id": kid, "task": None, "renderer": None}

    async def failing():
        raise RuntimeError("the kernel died while starting")

    async def scenario():
        spare_a = asyncio.ensure_future(started("a"))
        spare_b = asyncio.ensure_future(started("b"))
        broken = asyncio.ensure_future(failing())
        cancelled = asyncio.ensure_future(asyncio.sleep(10))
        starting = asyncio.ensure_future(asyncio.sleep(10))
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.gather(spare_a, spare_b, broken, cancelled, return_exceptions=True)
        assert cancelled.cancelled() and broken.exception() is not None and not starting.done()
        pools = {"welcome.ipynb": [spare_a, broken], "purpose.ipynb": [cancelled, spare_b, starting]}
        try:
            # a, b: spares; p1..p3: pages.
            assert count_in_use(["a", "b", "p1", "p2", "p3"], pools) == 3
            # A spare still starting whose kernel is already listed ("s") counts as in use for that moment.
            assert count_in_use(["a", "b", "p1", "p2", "p3", "s"], pools) == 4
            assert count_in_use(["a", "b"], pools) == 0
            assert count_in_use(["p1", "p2"], {}) == 2
            # A cancelled spare alone (what Voila leaves after a shutdown) does not raise.
            assert count_in_use(["p1"], {"consent.ipynb": [cancelled]}) == 1
        finally:
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)

    asyncio.run(scenario())
