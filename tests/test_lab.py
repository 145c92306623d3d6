"""JupyterLab as the facilitator's home (issue 24): `workbench lab DIR` opens the project, and an app
notebook opened without a project says so in a sentence, never a traceback."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from workbench.cli import run_cli
from workbench.runs.kernel import LocalKernelManager
from workbench.serve.net import free_port

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("name", ["purpose.ipynb", "welcome.ipynb", "consent.ipynb"])
def test_an_app_notebook_without_a_project_says_what_to_do(name, tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_PROJECT", raising=False)
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    # The cell still ends in a refusal (its reply says error: "Run all" stops there); what it shows is one sentence.
    NotebookClient(nb, kernel_name="python3", allow_errors=True, kernel_manager_class=LocalKernelManager,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"], outputs
    assert "Traceback" not in str(outputs)
    html = " ".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "does not know which project to open" in html and "workbench lab DIR" in html


def test_workbench_lab_opens_the_project_and_its_notebooks(tmp_path):
    project = tmp_path / "coop"
    assert run_cli(["init", str(project), "--name", "Lab co-op"])[0] == 0
    port = free_port()
    log = tmp_path / "lab.log"
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-c", "from workbench.cli import entry; entry()", "lab",
                                 str(project), "--port", str(port), "--no-browser"],
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        token, deadline = None, time.monotonic() + 120
        while token is None and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            m = re.search(rf"http://127\.0\.0\.1:{port}/\S*\?token=([0-9a-f]+)", log.read_text())
            token = m.group(1) if m else None
            time.sleep(0.5)
        assert token, log.read_text()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/api/contents/notebooks/welcome.ipynb?content=0&token={token}")
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        assert (project / "notebooks" / "welcome.ipynb").is_file()
        conn.request("GET", f"/api/contents/notebooks/facilitator/01-purpose.ipynb?content=0&token={token}")
        assert conn.getresponse().status == 200  # the guided facilitator notebooks come along (issue 24)
        assert len(list((project / "notebooks" / "facilitator").glob("0*.ipynb"))) == 5
        assert "every app notebook opens this project" in log.read_text()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
