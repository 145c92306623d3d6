"""The layers import downwards only (issue 23).

The server's modules must not load ipywidgets (a kernel's library) for an escaping helper; the run
orchestrator (``runs/run.py``) and the code its templates call (``runs/pipeline.py``) must not import each
other; the evaluation stage's model card must not import the federation stage, a layer above it.
Imports are read with ``ast`` from every level of a module (a function's lazy import counts too).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import workbench

ROOT = Path(workbench.__file__).resolve().parent


def imported_modules(module: str) -> set[str]:
    """Every ``workbench`` module ``module`` imports anywhere in its source, as absolute dotted names."""
    path = ROOT.joinpath(*module.split(".")[1:]).with_suffix(".py")
    package = module.rsplit(".", 1)[0].split(".")
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            stem = ".".join([*base, *(node.module.split(".") if node.module else [])])
            out.add(stem)
            out.update(f"{stem}.{a.name}" for a in node.names)  # ``from . import x`` names a module
    return {m for m in out if m == "workbench" or m.startswith("workbench.")}


def test_the_import_reader_sees_lazy_and_relative_imports():
    # run.py imports its manifest module at the top and the pinned project inside run_pipeline.
    found = imported_modules("workbench.runs.run")
    assert {"workbench.runs.manifest", "workbench.runs.pinned", "workbench.errors"} <= found


def test_no_import_cycle_between_run_and_pipeline():
    assert "workbench.runs.pipeline" in imported_modules("workbench.runs.run")  # the orchestrator uses it
    assert not {m for m in imported_modules("workbench.runs.pipeline") if m.startswith("workbench.runs.run")}
    from workbench.runs import ids, pipeline, run

    assert run.new_run_id is ids.new_run_id
    assert pipeline.start.__module__ == "workbench.runs.pipeline"


def test_the_model_card_does_not_import_the_federation_stage():
    assert not {m for m in imported_modules("workbench.evaluation.card") if m.startswith("workbench.federation")}


def test_the_card_reads_the_federation_results_as_the_catalog_does(sqlite_project):
    from workbench.evaluation import card
    from workbench.federation import catalog

    assert card.FEDERATED_RESULT == catalog.RESULT_IMPORTED
    store = sqlite_project.store
    for community, rows in (("B", 40), ("C", 12), ("B", 55)):  # B's newer result replaces its older one
        store.append(catalog.RESULT_IMPORTED, {"community": community, "name": f"Co-op {community}", "rows": rows,
                                               "criteria": [{"id": "c1", "status": "pass"}]}, "facilitator")
    assert card.federated_results(sqlite_project) == catalog.evaluated_by(sqlite_project)
    assert [(r["community"], r["rows"]) for r in card.federated_results(sqlite_project)] == [("B", 55), ("C", 12)]


def test_the_server_does_not_load_ipywidgets():
    code = ("import json, sys; import workbench.serve.auth, workbench.serve.capacity; "
            "print(json.dumps(sorted(m for m in sys.modules if m == 'ipywidgets' or m.startswith(('ipywidgets.', "
            "'workbench.ui')))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout) == []
    assert {"workbench.text"} <= imported_modules("workbench.serve.auth") & imported_modules("workbench.serve.capacity")
