"""The one evaluation path: a project in, candidates run against its charter, the recommendation recorded.

Every way to evaluate goes through :func:`run_evaluation`: the evaluation app (its *run* button),
``workbench evaluate``, the pipeline template (``workbench run``) and the demo. It

1. assembles the inputs (:func:`.inputs.from_project`: the curated views at ``at``, refused when the
   community has not accepted the curated data);
2. reads the criteria and footprint budget of the agreed charter (:func:`.inputs.charter_criteria`; the
   latest draft's, marked as such, before one is agreed);
3. runs the candidates (:func:`.protocol.evaluate`, which checks each criterion on each candidate and
   records the recommendation of :func:`.choose.recommend` with the run's events).

Without ``candidates`` it runs :func:`default_candidates`. The run is logged in the project's log and its
files go under ``artifacts/runs/`` unless the caller names another ``store`` and ``runs_dir`` (the pipeline
logs into memory: it only reads the project). What the community then adopts is :func:`.card.adopt`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import WorkbenchError

if TYPE_CHECKING:
    from .protocol import EvaluationRun


@dataclass
class Evaluation:
    """What :func:`run_evaluation` did: the protocol's run, the charter document it used, where it is logged."""

    result: EvaluationRun
    charter: dict  # the criteria document (``{}`` without a charter)
    candidates: list[str]  # the candidates asked for (defaults resolved)
    store: object = field(repr=False, default=None)

    @property
    def id(self) -> str:
        return self.result.run

    @property
    def recommendation(self):
        return self.result.recommendation

    def folded(self) -> dict:
        """The run as its log folds it (:func:`.protocol.runs`): what the app, the card and the report read."""
        from .protocol import load_runs

        return load_runs(self.store)[self.result.run]


def default_candidates(spec) -> list[str]:
    """Every candidate that can run on data of this shape, except the heavy ones (a click away in the app)."""
    from . import candidates as cands

    return [k for k in cands.usable(spec) if "heavy" not in cands.get(k).tags]


def _same_rows(data, snapshots: dict) -> None:
    for use in ("train", "evaluate"):  # the rows evaluated are the rows the caller curated
        seen = (snapshots.get(use) or {}).get("content_sha256")
        used = data.provenance["snapshots"][use]["content_sha256"]
        if seen and seen != used:
            raise WorkbenchError(f"The {use} rows changed between curation and evaluation.",
                                 "Run again; the project's data folder may be changing.")


def run_evaluation(project, candidates=None, *, seed: int = 0, at=None, method: str = "auto", intersections=(),
                   meter=None, n_boot: int | None = None, progress=None, stop=None, snapshots: dict | None = None,
                   store=None, runs_dir=None, actor: str = "facilitator") -> Evaluation:
    """Evaluate ``candidates`` (keys; default :func:`default_candidates`) on ``project`` as it stood at ``at``.

    ``progress(done, total, candidate, step)`` after each step; ``stop``: a ``threading.Event`` (or a callable)
    that cancels the run after the current step (logged as cancelled). ``snapshots``: the ``{use:
    {content_sha256}}`` of views the caller curated before; refused if the rows have changed since.
    ``store`` / ``runs_dir``: where the run is logged and its files written (default: the project's log and
    ``artifacts/runs``). ``n_boot``: bootstrap resamples of each interval (default the protocol's).
    """
    from . import inputs, protocol

    data = inputs.from_project(project, at)
    if snapshots:
        _same_rows(data, snapshots)
    doc = inputs.charter_criteria(project) or {}
    keys = list(dict.fromkeys(candidates or ())) or default_candidates(data.spec())
    store = project.store if store is None else store
    extra = {} if n_boot is None else {"n_boot": int(n_boot)}
    result = protocol.evaluate(data, keys, seed=seed, method=method, criteria=doc.get("criteria", []),
                               budget_kwh=doc.get("footprint_kwh"), meter=meter, progress=progress, cancel=stop,
                               intersections=intersections, store=store,
                               runs_dir=runs_dir if runs_dir is not None else project.artifacts_dir / "runs",
                               actor=actor, country=project.config.country, **extra)
    return Evaluation(result, doc, keys, store)
