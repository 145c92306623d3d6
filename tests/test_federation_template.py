"""templates/federated.ipynb runs a federated evaluation end to end (papermill, a real kernel)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm

from workbench.demo import build_demo
from workbench.runs.kernel import LocalKernelManager

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "federated.ipynb"


def test_the_federated_walkthrough_runs_end_to_end(tmp_path, once_store_url):
    # The full demo (its contributors permit sharing the adopted model), once, on PostgreSQL when a server is up.
    a = build_demo(tmp_path / "a", store_url=once_store_url())
    a.close()
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(TEMPLATE), str(out), parameters={"project": str(tmp_path / "a"),
                        "workdir": str(tmp_path / "work"), "rows": 500}, kernel_name="python3",
                        progress_bar=False, kernel_manager_class=LocalKernelManager)
    nb = nbformat.read(out, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Evaluated by 1 community" in text and "Comunidade Vizinha (demo)" in text
    assert "result.json" in text
    import workbench
    from workbench.federation import catalog

    with workbench.open(tmp_path / "a") as project:
        assert len(project.store.events(kinds=[catalog.RESULT_IMPORTED])) == 1
