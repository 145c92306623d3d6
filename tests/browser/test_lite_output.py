"""The participant frontend's Output widget (workbench-lite) draws what ``with out:`` captures in a callback.

A notebook of its own, served by a real Voila with our template, in headless Chromium: printed text,
displayed HTML, ``clear_output(wait=True)`` and an exception all land in the Output widget, and the
kernel's ``out.outputs`` is what the page shows (the page sends it back, as JupyterLab's Output does).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import time

import nbformat
import pytest
from playwright.sync_api import Expect

from workbench.serve.net import free_port
from workbench.serve.server import SHARE

pytestmark = pytest.mark.browser

expect = Expect()
expect.set_options(timeout=90_000)  # a busy 2-core CI machine: once 30 s was not enough after the unit run

PROBE = '''
import ipywidgets as w
from IPython.display import HTML, clear_output, display

out = w.Output()
count = w.Label("outputs: -")


def show(_):
    with out:
        print("printed inside")
        print("and a second line")
        display(HTML("<b class='probe-html'>shown <i>as HTML</i></b>"))


def fresh(_):
    with out:
        clear_output(wait=True)
        print("fresh start")


def fail(_):
    with out:
        raise ValueError("boom")


def counted(_):
    count.value = f"outputs: {len(out.outputs)} " + ",".join(o["output_type"] for o in out.outputs)


buttons = []
for name, handler in (("Show", show), ("Fresh", fresh), ("Fail", fail), ("Count", counted)):
    button = w.Button(description=name)
    button.on_click(handler)
    buttons.append(button)
print("outside any widget")
display(w.VBox([w.HBox(buttons), count, out]))
'''


@pytest.fixture(scope="module")
def probe_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("lite-output")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "probe.ipynb")
    port = free_port()
    env = dict(os.environ, JUPYTER_PATH=str(SHARE), JUPYTER_CONFIG_DIR=str(root / "jupyter-config"),
               PYTHONUNBUFFERED="1")
    log_path = root / "voila.log"
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "voila", str(root / "probe.ipynb"), "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--template=workbench-lite"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=str(root))
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log_path.read_text(encoding="utf-8")[-3000:]
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/voila/static/favicon.ico")  # answers once the server listens
                conn.getresponse().read()
                break
            assert time.monotonic() < deadline, "voila did not come up:\n" + log_path.read_text()[-3000:]
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_what_with_out_captures_in_a_callback_is_drawn_and_sent_back(make_page, probe_server):
    page = make_page(locale="en-US")
    page.goto(probe_server)
    assert page.locator("script[src*='workbench-lite']").count() == 1  # our frontend, not Voila's
    out = page.locator(".widget-output")
    count = page.locator(".widget-label", has_text="outputs:")

    def click(name):
        page.get_by_role("button", name=name, exact=True).click()

    def count_outputs():
        # ipywidgets sends a model's updates one at a time (the next waits for the kernel to finish the
        # last), so the Output's newest outputs can still be on their way when the next click leaves.
        # Wait for them to reach the kernel first, as a person reading the page before clicking would.
        page.wait_for_function("""async () => {
            const models = await Promise.all(Object.values(window.workbenchManager._models));
            const outputs = models.filter((m) => m.name === "OutputModel");
            return outputs.length === 1 && outputs.every((m) => m._pending_msgs === 0 && m._msg_buffer === null);
        }""")
        click("Count")

    expect(page.locator("main")).to_contain_text("outside any widget")  # the cell's own output
    click("Show")
    expect(out).to_contain_text("printed inside\nand a second line")
    expect(out.locator("b.probe-html i")).to_have_text("as HTML")
    count_outputs()
    expect(count).to_have_text("outputs: 2 stream,display_data")  # the two prints are one stream

    click("Fresh")  # cleared when the next output comes
    expect(out).to_have_text("fresh start")
    expect(out.locator("b.probe-html")).to_have_count(0)
    count_outputs()
    expect(count).to_have_text("outputs: 1 stream")

    click("Fail")  # an exception inside ``with out:`` is shown there, not lost
    expect(out).to_contain_text("ValueError: boom")
    count_outputs()
    expect(count).to_have_text("outputs: 2 stream,error")
    expect(out).not_to_contain_text("outside any widget")
