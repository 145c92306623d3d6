"""Every app notebook runs top to bottom against the demo project (papermill, a real kernel)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from workbench.demo import build_demo
from workbench.runs.kernel import LocalKernelManager

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("nb") / "demo"
    build_demo(path).close()
    return path


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_app_notebook_runs_and_shows_a_view(path, demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_PROJECT", str(demo_dir))
    out = tmp_path / path.name
    pm.execute_notebook(str(path), str(out), kernel_name="python3", progress_bar=False, cwd=str(path.parent),
                        kernel_manager_class=LocalKernelManager)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views, f"{path.name} displayed no widget"
    text = json.dumps(nb.get("metadata", {}).get("widgets", {}))
    assert "Traceback" not in text


def test_run_kernels_use_unix_sockets_of_their_own():
    """No TCP port to race for when kernels start together, and no socket path shared between two kernels."""
    import os

    first, second = LocalKernelManager(), LocalKernelManager()
    if os.name == "posix":
        assert first.transport == second.transport == "ipc"
        assert first.ip != second.ip and len(first.ip) < 100  # a Unix socket path has ~107 bytes at most
    else:
        assert first.transport == "tcp"
