"""The facilitator's guided notebooks (issue 24): one per stage, run top to bottom on the demo with papermill,
each printing numbers the project holds, reading only; without a project they end in one sentence."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

import workbench
from workbench.demo import build_demo
from workbench.runs.kernel import LocalKernelManager

FOLDER = Path(__file__).resolve().parents[1] / "notebooks" / "facilitator"
NAMES = ["01-purpose", "02-consent", "03-curation", "04-evaluation", "05-after-adoption"]
WIDGET = "application/vnd.jupyter.widget-view+json"


def _execute(name: str, out: Path, parameters: dict | None = None) -> nbformat.NotebookNode:
    pm.execute_notebook(str(FOLDER / f"{name}.ipynb"), str(out), parameters=parameters, kernel_name="python3",
                        progress_bar=False, cwd=str(out.parent), kernel_manager_class=LocalKernelManager)
    return nbformat.read(out, as_version=4)


def _outputs(nb) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _text(nb) -> str:
    """Everything a person reads in the outputs: printed text and the plain/HTML form of displayed values."""
    parts = []
    for o in _outputs(nb):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        data = o.get("data", {})
        parts += [str(data.get("text/plain", "")), str(data.get("text/html", ""))]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("facilitator") / "demo"
    build_demo(path, n=400).close()
    return path


@pytest.fixture(scope="module")
def executed(demo, tmp_path_factory):
    """Each notebook run once on the demo; the log holds the same events before and after (they only read)."""
    with workbench.open(demo) as project:
        before = project.store.head()
    out = tmp_path_factory.mktemp("facilitator-out")
    runs = {name: _execute(name, out / f"{name}.ipynb", {"project": str(demo)}) for name in NAMES}
    with workbench.open(demo) as project:
        assert project.store.head() == before, "a facilitator notebook wrote to the project"
    return runs


def test_there_is_one_notebook_per_stage_stored_without_outputs():
    assert sorted(p.stem for p in FOLDER.glob("*.ipynb")) == NAMES
    opening = set()
    for name in NAMES:
        nb = nbformat.read(FOLDER / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), f"{name} has outputs"
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and 'project = ""' in tagged[0].source, name
        opening.add(code[code.index(tagged[0]) + 1].source)
        prose = nb.cells[0].source
        assert nb.cells[0].cell_type == "markdown" and "Who decides" in prose and "What to print" in prose, name
    assert len(opening) == 1, "every notebook opens its project with the same cell"


@pytest.mark.parametrize("name", NAMES)
def test_each_notebook_runs_shows_its_widget_and_no_error(name, executed):
    nb = executed[name]
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert [o for o in outputs if WIDGET in o.get("data", {})], f"{name} showed no widget"
    assert "Traceback" not in json.dumps(outputs)
    assert "Vila Esperança" in _text(nb)  # the opening cell named the project it opened


def test_purpose_prints_the_deliberation_and_the_consensus_filter(executed, demo):
    from workbench.purpose.analysis import analyse
    from workbench.purpose.charter import CharterHistory
    from workbench.purpose.deliberation import Deliberation

    with workbench.open(demo) as project:
        delib = Deliberation.load(project.store)
        table = analyse(delib).statements
        threshold = CharterHistory.load(project.store).draft()[1].min_consensus
    chosen = int(((table["consensus"] >= threshold) & (table["votes"] >= 5)).sum())
    text = _text(executed["01-purpose"])
    assert f"{len(delib.participants)} participants wrote or voted on {len(delib.visible_statements())}" in text
    assert f"{chosen} of {len(table)} statements reach consensus {threshold:.2f}" in text
    assert 0 < chosen < len(table)  # the filter kept some and left some out


def test_consent_prints_the_ledger_and_draws_an_offline_chart(executed, demo):
    from workbench.consent.ledger import ConsentLedger

    with workbench.open(demo) as project:
        ledger = ConsentLedger.load(project.store)
    nb = executed["02-consent"]
    assert f"{len(ledger.contributors)} contributors have a consent record." in _text(nb)
    svgs = [o["data"]["image/svg+xml"] for o in _outputs(nb) if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 1 and "<svg" in svgs[0] and "Consent per use" in svgs[0]
    # Static: no script and nothing fetched (Altair's default renderer would load vega from a CDN).
    assert "<script" not in svgs[0] and "cdn" not in json.dumps(_outputs(nb)).lower()


def test_curation_prints_the_curated_view_and_the_profile(executed, demo):
    from workbench.curation.enforce import curated

    with workbench.open(demo) as project:
        view = curated(project, "train")
        kept, total = len(view.frame), len(view.reason)
    text = _text(executed["03-curation"])
    assert f"For 'train': {kept} of {total} rows kept." in text
    assert f"{kept} rows, " in text and "minimum group size 30" in text


def test_evaluation_prints_the_run_the_criteria_and_a_custom_metric(executed, demo):
    from workbench.evaluation.protocol import latest_run

    with workbench.open(demo) as project:
        run = latest_run(project.store, completed=True)
    text = _text(executed["04-evaluation"])
    assert f"Run {run['run']}" in text and f"{len(run['candidates'])} candidates" in text
    assert all(c["id"] in text for c in run["started"]["criteria"])
    assert "worst_group" in text and "ratio" in text  # the custom metric's table
    assert f"The community adopted: {run['decision']['candidate']}." in text


def test_after_adoption_prints_decisions_status_monitoring_concerns_benefits(executed, demo):
    from workbench import benefits, concerns
    from workbench.evaluation import lifecycle

    with workbench.open(demo) as project:
        state = lifecycle.status(project)["state"]
        raised = concerns.summary(project.store)["total"]
        promised = benefits.summary(project.store)["totals"]["promises"]
    assert state != "none"  # the demo adopts a model even with 400 rows
    text = _text(executed["05-after-adoption"])
    assert f"Model: {state}" in text
    assert f"{raised} concerns:" in text and f"{promised} benefits promised" in text
    assert "adopt" in text and "two_thirds" in text  # the decisions table


def test_with_no_parameter_a_notebook_opens_the_project_workbench_lab_set(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_PROJECT", str(demo))  # what `workbench lab DIR` puts in the kernel's environment
    nb = _execute("05-after-adoption", tmp_path / "env.ipynb")
    assert f"Vila Esperança Community Health Co-op: {demo}" in _text(nb)


def test_without_a_project_a_notebook_ends_in_one_sentence(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_PROJECT", raising=False)
    out = tmp_path / "none.ipynb"
    with pytest.raises(pm.PapermillExecutionError):  # "Run all" stops at the opening cell
        _execute("01-purpose", out)
    nb = nbformat.read(out, as_version=4)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "Traceback" not in json.dumps(outputs)
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) == 1 and "does not know which project to open" in html[0] and "workbench lab DIR" in html[0]
    code = [c for c in nb.cells if c.cell_type == "code"]
    opening = next(i for i, c in enumerate(code) if "does not know" in c.source)
    assert all(c.execution_count is None and not c.outputs for c in code[opening + 1:])  # nothing ran after it
