"""Reproducible runs: the papermill templates, the run manifest, and the project report.

- :mod:`.pinned`: a read-only view of a project whose log is pinned at one event, and an in-memory log
  for the evaluation's own events (a run never writes to the community's log).
- :mod:`.pipeline`: the steps ``templates/pipeline.ipynb`` calls: curate for each use, evaluate, check
  the criteria, write the cards, save ``results.json``.
- :mod:`.manifest`: the hashes of a run's inputs and outputs, and the package versions.
- :mod:`.run`: :func:`~.run.run_pipeline` executes the templates with papermill into
  ``artifacts/runs/<run id>/`` and writes ``manifest.json``.
- :mod:`.report`: one self-contained HTML file (inline CSS, static SVG charts, no network).

Nothing heavy is imported here.
"""

from __future__ import annotations

__all__ = ["RunFailed", "run_pipeline", "write_report"]


def __getattr__(name):
    if name in ("run_pipeline", "RunFailed"):
        from . import run

        return getattr(run, name)
    if name == "write_report":
        from .report import write_report

        return write_report
    raise AttributeError(name)
