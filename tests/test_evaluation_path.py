"""One evaluation path (issue 23): the app, the CLI, the pipeline and the demo all call ``run_evaluation``.

Each caller is run for real with the entry point wrapped to record its calls (and then do its work), so a
caller that assembles an evaluation of its own again is caught. ``workbench run`` executes its template in a
kernel of its own: there the wrapper is installed by a ``sitecustomize`` on the kernel's ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

import workbench
from workbench.cli import run_cli
from workbench.evaluation import run as ev_run
from workbench.evaluation.footprint import EstimateMeter
from workbench.evaluation.inputs import from_project
from workbench.evaluation.protocol import latest_run, load_runs

REAL = ev_run.run_evaluation


def _recording(mp) -> list[dict]:
    calls: list[dict] = []

    def wrapper(project, candidates=None, **kwargs):
        calls.append({"project": project, "candidates": candidates, **kwargs})
        return REAL(project, candidates, **kwargs)

    mp.setattr(ev_run, "run_evaluation", wrapper)
    return calls


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The smallest demo, built with the entry point recorded: (folder, the demo's calls)."""
    from workbench.demo import build_demo

    root = tmp_path_factory.mktemp("path") / "demo"
    with pytest.MonkeyPatch.context() as mp:
        calls = _recording(mp)
        build_demo(root, n=120).close()
    return root, calls


def test_the_demo_evaluates_through_the_entry_point_and_adopts_from_its_run(demo):
    from workbench.demo.evaluation import DEMO_CANDIDATES

    root, calls = demo
    assert len(calls) == 1
    assert list(calls[0]["candidates"]) == list(DEMO_CANDIDATES) and calls[0]["seed"] == 7
    with workbench.open(root) as project:
        [run] = load_runs(project.store).values()
        assert run["status"] == "completed" and list(run["candidates"]) == list(DEMO_CANDIDATES)
        assert run["started"]["files"]["training_rows"]["file"].startswith(run["run"])  # under artifacts/runs
        assert (project.artifacts_dir / "runs" / run["started"]["files"]["training_rows"]["file"]).is_file()
        assert run["decision"] is not None  # the demo's adoption (or none) recorded on that run


def test_the_cli_evaluates_through_the_entry_point(demo, monkeypatch):
    root, _ = demo
    calls = _recording(monkeypatch)
    as_of = datetime.now(UTC).isoformat()
    code, out, err = run_cli(["evaluate", str(root), "--candidates", "majority", "--seed", "4", "--as-of", as_of])
    assert code == 0, err
    [call] = calls
    assert call["candidates"] == ["majority"] and call["seed"] == 4 and call["method"] == "auto"
    assert call["at"] == datetime.fromisoformat(as_of) and isinstance(call["stop"], threading.Event)
    with workbench.open(root) as project:
        run = latest_run(project.store)
    assert f"run {run['run']}:" in out and list(run["candidates"]) == ["majority"] and run["started"]["seed"] == 4


def test_the_cli_without_candidates_runs_the_default_ones(demo, monkeypatch):
    root, _ = demo
    calls = _recording(monkeypatch)
    code, _out, err = run_cli(["evaluate", str(root), "--method", "holdout", "--seed", "1"])
    assert code == 0, err
    assert calls[0]["candidates"] in (None, [])
    with workbench.open(root) as project:
        run = latest_run(project.store)
        spec = from_project(project).spec()
    assert list(run["candidates"]) == ev_run.default_candidates(spec)
    assert "embeddings_logistic" not in run["candidates"]  # heavy: a click away, never by default


def test_the_apps_run_button_evaluates_through_the_entry_point(demo, monkeypatch):
    from workbench.ui.evaluation.desk import EvaluationView

    root, _ = demo
    calls = _recording(monkeypatch)
    with workbench.open(root) as project:
        view = EvaluationView(project, "en", meter=EstimateMeter("BR"), n_boot=50)
        view.background = False
        for key, box in view.candidates.items():
            box.value = key == "majority"
        view.seed.value = 2
        view.run.click()
        [call] = calls
        assert call["project"] is project and call["candidates"] == ["majority"] and call["seed"] == 2
        assert call["stop"] is view._stop and call["progress"] == view._progress and call["n_boot"] == 50
        run = latest_run(project.store)
        assert run["started"]["n_boot"] == 50 and list(run["candidates"]) == ["majority"]
        assert 'data-candidate="majority"' in view.table.value and view.progress.value == view.progress.max


def test_stop_cancels_and_the_run_is_logged_as_cancelled(demo):
    root, _ = demo
    stop = threading.Event()
    with workbench.open(root) as project:
        ran = ev_run.run_evaluation(project, ["majority", "decision_tree"], seed=0, meter=EstimateMeter("BR"),
                                    n_boot=20, stop=stop, progress=lambda *_: stop.set())
        assert ran.result.status == "cancelled" and ran.recommendation is None
        assert ran.folded()["status"] == "cancelled" and ran.folded()["candidates"] == {}  # stopped mid-fit


def test_rows_that_changed_since_curation_are_refused(demo):
    root, _ = demo
    with workbench.open(root) as project, pytest.raises(workbench.WorkbenchError, match="train rows changed"):
        ev_run.run_evaluation(project, ["majority"], snapshots={"train": {"content_sha256": "0" * 64}})


def test_workbench_run_evaluates_through_the_entry_point(demo, tmp_path, monkeypatch):
    """The pipeline template runs in a kernel: a sitecustomize there records what the entry point was asked."""
    root, _ = demo
    log = tmp_path / "calls.jsonl"
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent("""
        import json, os
        if os.environ.get("WB_EVALUATION_CALLS"):
            import workbench.evaluation.run as r
            real = r.run_evaluation
            def run_evaluation(project, candidates=None, **kw):
                with open(os.environ["WB_EVALUATION_CALLS"], "a") as f:
                    f.write(json.dumps({"candidates": list(candidates or []), "seed": kw.get("seed"),
                                        "store": type(kw.get("store")).__name__}) + "\\n")
                return real(project, candidates, **kw)
            r.run_evaluation = run_evaluation
    """), encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("WB_EVALUATION_CALLS", str(log))
    code, out, err = run_cli(["run", str(root), "--candidates", "majority", "--seed", "5", "--no-report"])
    assert code == 0, err
    calls = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    assert calls == [{"candidates": ["majority"], "seed": 5, "store": "MemoryLog"}]
    folder = next(line.strip() for line in out.splitlines() if "artifacts" in line)
    results = json.loads((Path(folder) / "results.json").read_text("utf-8"))
    assert list(results["evaluation"]["candidates"]) == ["majority"] and results["candidates"] == ["majority"]
