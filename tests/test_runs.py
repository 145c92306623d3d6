"""Reproducible runs: same inputs, same numbers; --as-of reproduces consent; a failing cell; the report.

One small demo (200 messages) with a hostile project name and a charter with a
single criterion that exactly one of the two cheapest candidates passes (so the
recommendation is a real one, and energy noise cannot flip it). Runs A and B
read the same inputs; then someone withdraws, and run C, as of run A's time,
must still see that person's rows.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest

import workbench.demo as demo_module
from workbench.cli import run_cli
from workbench.consent import withdraw
from workbench.curation import snapshot
from workbench.curation.importer import load_frame
from workbench.demo import build_demo
from workbench.project import CONFIG_NAME, Project, ProjectConfig
from workbench.purpose.charter import CharterHistory, Criterion, record_decision, save_draft
from workbench.runs import manifest as mf
from workbench.runs.run import run_pipeline

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = "majority,decision_tree"
HOSTILE = '<script>alert("pwn")</script><img src="http://evil.example/x.png"> & Co'
# What may differ between two runs on the same inputs: times, energy figures, run ids (and files named by them).
VOLATILE = {"footprint", "ts", "seq", "run", "files", "seconds", "written"}


def _set_name(root: Path, name: str) -> None:
    path = root / CONFIG_NAME
    config = ProjectConfig.from_toml(path.read_text("utf-8"), path)
    config.name = name
    path.write_text(config.to_toml(), encoding="utf-8")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, once_store_url):
    root = tmp_path_factory.mktemp("runs") / "demo"
    with pytest.MonkeyPatch.context() as mp:  # the runs evaluate; the demo's own evaluation would cost ~10 s
        mp.setattr(demo_module, "STAGE_MODULES", tuple(s for s in demo_module.STAGE_MODULES if s != "evaluation"))
        project = build_demo(root, n=200, store_url=once_store_url())  # once, on PostgreSQL when a server is up
    try:
        _version, charter = CharterHistory.load(project.store).draft()
        charter.criteria = [Criterion("accuracy", 0.6, ">=", "overall")]  # the tree passes, the baseline cannot
        save_draft(project.store, charter, "one criterion for the run tests")
        assert record_decision(project.store, 12, 12, 0, 0, "consensus")[0]
    finally:
        project.close()
    _set_name(root, HOSTILE)
    return root


@pytest.fixture(scope="module")
def runs(demo):
    """Run A (with the report notebook) and run B on the same inputs, as of the same time, side by side.

    Each run pins the log when it starts and has its own kernel and folder, so two can run at once (the
    test's two kernels use both cores of a loaded machine instead of one).
    """
    as_of = datetime.now(UTC).isoformat()
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(run_pipeline, demo, as_of=as_of, seed=3, candidates=CANDIDATES)
        b = pool.submit(run_pipeline, demo, as_of=as_of, seed=3, candidates=CANDIDATES, report=False)
        return a.result(), b.result()


def _results(run) -> dict:
    return json.loads((run.folder / mf.RESULTS).read_text("utf-8"))


def _stable(value):
    """``value`` without what may differ between runs (and without the energy criterion's measured value)."""
    if isinstance(value, dict):
        if value.get("id") == "footprint":
            value = {k: v for k, v in value.items() if k != "value"}
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _metrics(run) -> dict[str, str]:
    """Each candidate's metrics table (bootstrap intervals included), by content."""
    folder = run.folder / "evaluation"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*/*-metrics.csv"))}


def test_two_runs_on_the_same_inputs_agree(runs, demo):
    a, b = runs
    assert a.status == b.status == "ok"
    ra, rb = _results(a), _results(b)
    assert ra["snapshots"] and ra["snapshots"] == rb["snapshots"]
    assert ra["recommendation"]["candidate"] == rb["recommendation"]["candidate"] == "decision_tree"
    assert _stable(ra) == _stable(rb)  # every metric, interval, criterion and group value
    assert _metrics(a) == _metrics(b) and len(_metrics(a)) == 2
    ma, mb = a.manifest, b.manifest
    for key in ("data", "ledger", "scope", "charter", "snapshots", "templates"):
        assert ma["inputs"][key] == mb["inputs"][key], key
    assert ma["inputs"]["snapshots"]["train"]["content_sha256"] == ra["snapshots"]["train"]["content_sha256"]
    assert ma["parameters"] == mb["parameters"]
    assert ma["packages"]["pandas"] and ma["packages"]["scikit-learn"] and ma["packages"]["commons-workbench"]
    # The run only reads the project: the log is where both runs found it.
    with Project.open(demo) as project:
        assert project.store.head() == (ma["inputs"]["ledger"]["seq"], ma["inputs"]["ledger"]["hash"])
    # The manifest's output hashes are the files' hashes.
    for out in ma["outputs"]:
        assert hashlib.sha256((a.folder / out["file"]).read_bytes()).hexdigest() == out["sha256"], out["file"]
    names = {o["file"] for o in ma["outputs"]}
    assert {"pipeline.ipynb", "report.ipynb", "report.html", "results.json", "cards/model_card.md",
            "cards/datasheet.html", "cards/charter.md"} <= names
    # The card's links are filled from this run: the datasheet it wrote (issue 22), the split it used.
    sheet = hashlib.sha256((a.folder / "cards" / "datasheet.md").read_bytes()).hexdigest()
    model_card = (a.folder / "cards" / "model_card.md").read_text("utf-8")
    assert f"`cards/datasheet.md` sha256 `{sheet}`" in model_card
    assert "StratifiedGroupKFold" in model_card and "contributor\\_id" in model_card  # grouped by the contributor
    assert f"<code>cards/datasheet.md</code> sha256 <code>{sheet}</code>" in (a.folder / "report.html").read_text("utf-8")


def test_as_of_reproduces_consent_before_a_later_withdrawal(runs, demo):
    a, _b = runs
    training = sorted((a.folder / "evaluation").glob("*/training_rows.csv"))[0].read_text("utf-8").splitlines()
    people = sorted({line.split(",")[1] for line in training[1:] if line.split(",")[1]})
    with Project.open(demo) as project:
        who = people[0]
        withdraw(project.store, who, None, method="paper", witness="f-ana", paper_ref="form 1")  # after run A's as-of
        view, ds, _inputs, now_hash, _data = snapshot.compute(project, "train")
        theirs = view.reason[load_frame(project, ds)[ds.mapping.contributor] == who]
        assert len(theirs) and set(theirs.astype(str)) == {"withdrawn"}  # today their rows are out
    assert now_hash != a.manifest["inputs"]["snapshots"]["train"]["content_sha256"]

    c = run_pipeline(demo, as_of=a.manifest["parameters"]["as_of"], seed=3, candidates=CANDIDATES, report=False)
    assert c.manifest["inputs"]["ledger"]["seq"] == a.manifest["inputs"]["ledger"]["seq"] + 1
    assert c.manifest["inputs"]["snapshots"] == a.manifest["inputs"]["snapshots"]
    rows = sorted((c.folder / "evaluation").glob("*/training_rows.csv"))[0].read_text("utf-8")
    assert f",{who}\n" in rows  # consent as it was then: their rows trained the model
    assert _stable(_results(c)["evaluation"]) == _stable(_results(a)["evaluation"])


def test_a_failing_cell_stops_the_run_with_one_sentence(demo, tmp_path, monkeypatch):
    broken = tmp_path / "templates"
    broken.mkdir()
    shutil.copy(ROOT / "templates" / "report.ipynb", broken / "report.ipynb")
    nb = nbformat.read(ROOT / "templates" / "pipeline.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.source.startswith("# Curate for each use"))
    cell.source = "# Curate for each use\nsettings = {}\nsettings['threshold']"
    nbformat.write(nb, broken / "pipeline.ipynb")
    monkeypatch.setenv("WORKBENCH_TEMPLATES", str(broken))

    code, out, err = run_cli(["run", str(demo), "--candidates", "majority"])
    assert code == 1, (out, err)
    lines = [x for x in err.splitlines() if not x.startswith("running the ")]
    line = lines[0]
    assert line.startswith('error: The run stopped at cell [') and '"Curate for each use" of pipeline.ipynb' in line
    assert line.endswith("KeyError: 'threshold'.") and line.count(". ") == 0, line
    folder = Path(lines[1].rsplit(" in ", 1)[1])
    manifest = mf.read(folder)
    assert manifest["status"] == "failed" and manifest["error"] == line.removeprefix("error: ")
    assert (folder / "pipeline.ipynb").is_file() and not (folder / "report.html").exists()



EXTERNAL = re.compile(r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*\b(?:src|href|data)\s*=\s*"
                      r"[\"']?\s*(?:https?:)?//", re.I)


def _check_report(text: str) -> None:
    assert not EXTERNAL.search(text), EXTERNAL.search(text).group(0)
    assert not re.search(r"<script\b|<link\b|<iframe\b|@import|url\(\s*[\"']?https?:", text, re.I)
    assert HOSTILE not in text and "<img" not in text
    assert "&lt;script&gt;alert(&#34;pwn&#34;)&lt;/script&gt;" in text  # the name, as text
    assert '<meta name="viewport"' in text and "@media print" in text and "@media (max-width" in text
    for name in ("charter", "deliberation", "consent", "datasheet", "evaluation", "model_card", "datawork",
                 "manifest"):
        assert f'id="{name}"' in text, name
    assert "data-problem" not in text  # every section was built
    assert text.count("<svg") >= 5  # consensus, coverage, waterfall, performance/energy, pay; all inline


def test_the_report_is_one_self_contained_file(runs, demo, tmp_path):
    a, b = runs
    text = (a.folder / "report.html").read_text("utf-8")  # written by templates/report.ipynb in run A
    _check_report(text)
    assert a.run in text and "decision_tree" in text

    out = tmp_path / "report.html"  # the CLI, in-process, on run B
    code, stdout, err = run_cli(["report", str(demo), "--run", b.run, "-o", str(out), "--language", "es"])
    assert code == 0, err
    assert stdout.strip() == str(out.absolute())
    text = out.read_text("utf-8")
    _check_report(text)
    assert b.run in text and 'lang="es"' in text and "Informe del proyecto" in text


def test_every_report_key_is_in_every_catalog():
    from workbench.i18n import catalog
    from workbench.runs.report import SECTIONS

    template = (ROOT / "workbench" / "runs" / "templates" / "report.html.j2").read_text("utf-8")
    keys = set(re.findall(r"tr\([\"']([a-z_]+(?:\.[a-z0-9_]+)+)[\"']", template))
    keys |= {f"report.section.{s}" for s in SECTIONS} | {f"report.none.{s}" for s in SECTIONS}
    keys |= {f"report.status.{s}" for s in ("ok", "failed", "running")}
    keys |= {f"report.card.{s}" for s in ("recommended", "adopted")}
    for lang in ("en", "pt-BR", "es"):
        missing = sorted(k for k in keys if k not in catalog(lang))
        assert not missing, f"{lang} misses {missing}"


def test_embedded_documents_lose_active_elements_and_step_down_their_headings():
    from workbench.runs.report import embed

    doc = ('<html><head><style>p{}</style></head><body><h1>T</h1><script src="http://x/y.js"></script>'
           '<link rel="stylesheet" href="http://x/z.css"><iframe src="http://x"></iframe><h2>S</h2></body></html>')
    assert str(embed(doc)) == "<h3>T</h3><h4>S</h4>"


def test_the_failure_sentence_finds_the_error_when_ipython_could_not_format_it():
    from papermill.exceptions import PapermillExecutionError

    from workbench.runs.run import failure_sentence

    exc = PapermillExecutionError(3, 5, "# Write the cards\nwp.write_cards(run)", "CellExecutionError", "",
                                  ["Traceback (most recent call last):", "  File 'x', line 1",
                                   "\x1b[31mjinja2.exceptions.UndefinedError\x1b[0m: 'x' is undefined",
                                   "During handling of the above exception, another exception occurred:",
                                   "tokenize.TokenError: ('EOF in multi-line statement', (233, 0))"])
    assert failure_sentence(exc, "pipeline") == ('The run stopped at cell [5] "Write the cards" of pipeline.ipynb: '
                                                 "UndefinedError: 'x' is undefined.")
    own = PapermillExecutionError(1, 2, "run = wp.start(project)", "WorkbenchError", "The as-of time is in\n the "
                                  "future. Pass a date that has passed.", [])
    assert failure_sentence(own, "pipeline") == ('The run stopped at cell [2] "run = wp.start(project)" of '
                                                 "pipeline.ipynb: The as-of time is in the future. Pass a date that "
                                                 "has passed.")
