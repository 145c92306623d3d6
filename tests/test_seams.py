"""Errors are typed at the seams (issue 23): what is expected is caught and said; a bug is not swallowed.

Each test plants a bug (a function that raises ``RuntimeError``) behind a seam that used to catch
``Exception`` and checks it now reaches the caller, or, in the live-updating loop of a view, the error
log with an id and the view's sentence.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.curation_support import curation_project
from workbench.curation import datasheet
from workbench.curation import profile as P
from workbench.errors import WorkbenchError
from workbench.purpose import charter as charter_mod


def _broken_load(store):
    raise RuntimeError("a planted bug in the charter's fold")


def test_a_bug_reading_the_charter_reaches_the_profile_and_the_datasheet(tmp_path, monkeypatch):
    p, _ = curation_project(tmp_path)
    try:
        # Without a bug: no charter yet, the defaults (the same answers as before).
        assert P.charter_min_group_size(p.store) == P.DEFAULT_MIN_GROUP_SIZE
        assert P.charter_groups(p.store) == []
        assert datasheet.facts(p)["charter"] is None
        monkeypatch.setattr(charter_mod.CharterHistory, "load", classmethod(lambda cls, store: _broken_load(store)))
        for call in (lambda: P.charter_min_group_size(p.store), lambda: P.charter_groups(p.store),
                     lambda: datasheet.facts(p), lambda: P.project_profile(p)):
            with pytest.raises(RuntimeError, match="planted bug"):
                call()
    finally:
        p.close()


class _Ticker:
    """What a view's ``poll`` meets, tick by tick; the last entry repeats."""

    def __init__(self, *steps):
        self.steps, self.calls = list(steps), 0

    def __call__(self):
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        if step is not None:
            raise step


def _poll_view(ticker):
    from workbench.ui._base import View

    class Polled(View):
        def render(self):
            pass

        def poll(self):
            ticker()

    return Polled("en")


async def _until(condition, seconds: float = 20.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.01)


def test_the_polling_loop_skips_expected_errors_and_logs_a_bug(tmp_path):
    from workbench.ui import guard

    guard.install(tmp_path)  # no kernel here: only the log's path is set
    log = tmp_path / guard.LOG_NAME
    ticker = _Ticker(WorkbenchError("The store is busy.", "Wait a moment."), OSError("gone for a moment"), None,
                     RuntimeError("a planted bug in a view's poll"))
    view = _poll_view(ticker)

    async def main():
        view.start_polling(0.001)
        await _until(lambda: view._timer.done())
        return ticker.calls

    calls = asyncio.run(main())
    assert calls == 4  # two expected errors skipped a tick each, one good tick, then the bug stopped the loop
    assert view._timer.exception() is None  # handled: not an unretrieved task error
    text = log.read_text(encoding="utf-8")
    assert "RuntimeError: a planted bug in a view's poll" in text and "Traceback" in text
    assert "The store is busy" not in text and "gone for a moment" not in text  # expected: not logged as bugs
    error_id = text.split(" error ", 1)[1].split()[0]
    assert len(error_id) == 6 and error_id in view.alert.value and 'role="alert"' in view.alert.value


def test_a_bug_drawing_the_coverage_chart_is_not_hidden(tmp_path, monkeypatch):
    from workbench.consent import chart
    from workbench.consent import ledger as L
    from workbench.ui.consent.facilitator import FacilitatorView

    from .consent_support import PAPER, make_scope, new_project
    from .gates import publish

    project = new_project(tmp_path)
    publish(project.store, make_scope())
    L.give(project.store, "c-1", {"train": True}, **PAPER)
    view = FacilitatorView(project, "en")
    assert view.coverage_chart.value.count("<svg") == 1

    def refused(spec):
        raise ValueError("vl-convert refused the spec")

    def planted(spec):
        raise RuntimeError("a planted bug in the chart")

    monkeypatch.setattr(chart, "chart_svg", refused)
    view._render_coverage()  # what the refresh button runs (a click would hand a bug to IPython's guard)
    assert view.coverage_chart.value == "" and '<td data-reason="ok">1</td>' in view.coverage.value
    monkeypatch.setattr(chart, "chart_svg", planted)
    with pytest.raises(RuntimeError, match="planted bug"):
        view._render_coverage()
    project.close()


# -- the seams narrowed or kept in evaluation, curation, consent, the CLI, runs, i18n and the project ----------


def _planted(*_args, **_kwargs):
    raise RuntimeError("a planted bug")


def test_a_criterion_the_charter_cannot_read_keeps_its_id_but_a_bug_phrasing_it_is_not_hidden(monkeypatch):
    from workbench.evaluation.criteria import sentence
    from workbench.i18n import Translator

    tr = Translator("en")
    good = {"id": "c1", "metric": "recall", "scope": "overall", "direction": ">=", "threshold": 0.8}
    assert sentence(tr, {"id": "c1", "unknown": 1}) == "c1"  # expected: a criterion without its fields
    assert "0.8" in sentence(tr, good)
    monkeypatch.setattr(charter_mod.Criterion, "sentence", _planted)
    with pytest.raises(RuntimeError, match="planted bug"):
        sentence(tr, good)


def _skops_like(path, member: bytes = b"", encrypted: bool = False):
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.npy", member)
    if encrypted:  # set the "encrypted" flag in the local and the central header (zipfile cannot write one)
        raw = bytearray(path.read_bytes())
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = raw.index(signature) + offset
            raw[at] |= 0x1
        path.write_bytes(bytes(raw))
    return path


def test_a_damaged_model_file_is_refused_and_a_bug_reading_it_is_not_hidden(tmp_path, monkeypatch):
    import io

    import numpy as np

    from workbench.evaluation.artifacts import check_model_size

    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    check_model_size(_skops_like(tmp_path / "ok.skops", buf.getvalue()))  # a real array header: accepted
    for path in (_skops_like(tmp_path / "bad.skops", b"not an array"),
                 _skops_like(tmp_path / "locked.skops", buf.getvalue(), encrypted=True)):
        with pytest.raises(WorkbenchError, match="is damaged") as exc:
            check_model_size(path)
        assert exc.value.key == "evaluation.error.model_damaged"
    monkeypatch.setattr(np.lib.format, "read_magic", _planted)
    with pytest.raises(RuntimeError, match="planted bug"):
        check_model_size(tmp_path / "ok.skops")


def test_a_file_that_is_not_parquet_is_refused_and_a_bug_reading_one_is_not_hidden(monkeypatch):
    import pyarrow.parquet as pq

    from workbench.curation.importer import read_table

    with pytest.raises(WorkbenchError, match="not a Parquet file"):
        read_table(b"PAR1 but not really a parquet file", "x.parquet", "parquet")
    monkeypatch.setattr(pq, "read_table", _planted)
    with pytest.raises(RuntimeError, match="planted bug"):
        read_table(b"PAR1 but not really a parquet file", "x.parquet", "parquet")


def test_the_encoding_guess_is_a_courtesy_but_a_bug_in_it_is_not_hidden(monkeypatch):
    import charset_normalizer

    from workbench.curation.importer import read_table

    latin1 = "nome,cidade\nJoão,São Paulo\n".encode("latin-1")
    with pytest.raises(WorkbenchError, match="is not UTF-8") as exc:
        read_table(latin1, "x.csv", "csv")
    assert exc.value.key == "curation.error.encoding"
    monkeypatch.setattr(charset_normalizer, "from_bytes", _planted)
    with pytest.raises(RuntimeError, match="planted bug"):
        read_table(latin1, "x.csv", "csv")


def test_an_unknown_language_is_skipped_but_a_bug_choosing_one_is_not_hidden(monkeypatch):
    import workbench.i18n as i18n

    assert i18n.best_language("xx-YY, !!, pt-br;q=0.8") == "pt-BR"
    monkeypatch.setattr(i18n, "normalise_language", _planted)
    with pytest.raises(RuntimeError, match="planted bug"):
        i18n.best_language("pt-BR")


def test_a_store_url_that_does_not_parse_is_refused_and_a_bug_parsing_one_is_not_hidden(tmp_path, monkeypatch):
    import sqlalchemy as sa

    from workbench.cli.store import move_project

    for bad in ("not a url", "postgresql://u@h:port/db"):
        with pytest.raises(WorkbenchError, match="is not a store URL"):
            move_project(tmp_path, bad)
    monkeypatch.setattr(sa.engine, "make_url", _planted)
    with pytest.raises(RuntimeError, match="planted bug"):
        move_project(tmp_path, "sqlite:////tmp/x.db")


def test_undoing_a_failed_init_does_not_hide_a_bug_closing_the_store(tmp_path):
    from workbench.project import _undo_init

    class Store:
        def __init__(self, error):
            self.error = error

        def close(self):
            raise self.error

    root = tmp_path / "p"
    root.mkdir()
    (root / "store.db").write_text("x")
    _undo_init(root, True, Store(OSError("disk gone")))  # expected while undoing: the folder still goes
    assert not root.exists()
    root.mkdir()
    with pytest.raises(RuntimeError, match="planted bug"):
        _undo_init(root, True, Store(RuntimeError("a planted bug")))


def test_the_clis_top_level_guard_logs_a_bug_with_its_traceback_and_says_one_line(project, monkeypatch):
    from workbench.cli import run_cli
    from workbench.cli import verify as verify_cli

    monkeypatch.delenv("WORKBENCH_DEBUG", raising=False)
    monkeypatch.setattr(verify_cli, "run", lambda args: _planted())  # the parser is built at each call
    code, _out, err = run_cli(["verify", str(project.root)])
    log = project.root / ".workbench" / "errors.log"
    assert code == 1 and "RuntimeError: a planted bug. This is a bug; the details are in" in err
    assert str(log) in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    text = log.read_text(encoding="utf-8")
    assert f"error in 'workbench verify {project.root}'" in text and "Traceback" in text
    assert "RuntimeError: a planted bug" in text


def test_a_crashing_candidate_fails_alone_and_is_logged_with_its_run(caplog, monkeypatch):
    import logging

    import pandas as pd

    from workbench.evaluation import candidates as cands
    from workbench.evaluation.protocol import EvaluationData, evaluate

    frame = pd.DataFrame({"x": [float(i % 7) for i in range(120)], "y": ["a", "b", "c"] * 40})
    monkeypatch.setitem(cands.REGISTRY, "majority", cands.Candidate(
        "majority", "t", "d", cands.ANY, lambda spec, seed: _planted()))
    with caplog.at_level(logging.ERROR, logger="workbench.evaluation.protocol"):
        run = evaluate(EvaluationData(frame, frame, "y"), ["majority", "decision_tree"], n_boot=20)
    assert run.results["majority"].status == "failed" and "planted bug" in run.results["majority"].error
    assert run.results["decision_tree"].status == "ok"
    [record] = [r for r in caplog.records if r.name == "workbench.evaluation.protocol"]
    assert f"evaluation {run.run}: candidate 'majority' failed" in record.getMessage()
    assert record.exc_info and "planted bug" in str(record.exc_info[1])
