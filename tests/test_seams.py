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
    from workbench.ui.consent import FacilitatorView

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
