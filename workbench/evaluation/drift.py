"""Consent drift: people whose rows trained the adopted model and who no longer permit training.

When a run starts, the rows that train the final models are listed (row id and
contributor) in ``artifacts/runs/<run>/training_rows.csv``, its hash logged.
For the adopted model, :func:`check` asks the consent ledger, for each of those
rows, whether training is still permitted now (vectorised ``permitted_mask``).
Any row that is not (withdrawn, expired, or the scope now forbids it) means the
model must be retrained without it: the card, the evaluation app and
``workbench card`` say so, with the number of rows and people affected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import WorkbenchError
from .artifacts import sha256_file


@dataclass
class Drift:
    run: str
    candidate: str
    rows_trained: int
    rows_affected: int
    contributors_affected: int
    by_reason: dict = field(default_factory=dict)

    @property
    def must_retrain(self) -> bool:
        return self.rows_affected > 0

    def to_dict(self) -> dict:
        return {"run": self.run, "candidate": self.candidate, "rows_trained": self.rows_trained,
                "rows_affected": self.rows_affected, "contributors_affected": self.contributors_affected,
                "by_reason": self.by_reason, "must_retrain": self.must_retrain}


def training_drift(contributors: pd.Series, ledger, at=None) -> tuple[int, int, dict]:
    """(rows affected, contributors affected, rows per reason) for the contributors of the training rows."""
    mask, reason = ledger.permitted_mask(contributors.reset_index(drop=True), "train", at)
    gone = ~mask.to_numpy()
    counts = reason[gone].value_counts()
    by_reason = {str(k): int(v) for k, v in counts.items() if v}
    return int(gone.sum()), int(contributors.reset_index(drop=True)[gone].nunique()), by_reason


def training_rows(project, run: dict) -> pd.DataFrame:
    """The training-rows list of a folded run, checked against its logged hash."""
    info = (run.get("started", {}).get("files") or {}).get("training_rows")
    if not info:
        raise WorkbenchError("This evaluation did not list its training rows, so drift cannot be checked.",
                             "Run the evaluation again from the app or the CLI.",
                             key="evaluation.error.no_training_rows")
    path = Path(project.artifacts_dir) / "runs" / info["file"]
    if not path.is_file() or sha256_file(path) != info["sha256"]:
        raise WorkbenchError(f"The training-rows list {info['file']} is missing or was changed.",
                             "Restore artifacts/runs from a backup, or retrain.",
                             key="evaluation.error.training_rows_changed", file=info["file"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def check(project, at=None) -> Drift | None:
    """Drift of the model adopted last, in use or retired since (:func:`.lifecycle.adopted_run`), or None when
    no model was adopted."""
    from ..consent.ledger import ConsentLedger
    from .lifecycle import adopted_run

    run = adopted_run(project.store, retired=True)
    if run is None:
        return None
    return for_run(project, run, run["card"]["candidate"], at, ConsentLedger.load(project.store))


def for_run(project, run: dict, candidate: str, at=None, ledger=None) -> Drift:
    """Drift of the models of ``run`` (they share their training rows)."""
    from ..consent.ledger import ConsentLedger

    rows = training_rows(project, run)
    if "contributor" not in rows.columns:
        return Drift(run["run"], candidate, len(rows), 0, 0)
    ledger = ledger or ConsentLedger.load(project.store)
    ids = rows["contributor"].where(rows["contributor"] != "", None)
    affected, people, by_reason = training_drift(ids, ledger, at)
    return Drift(run["run"], candidate, len(rows), affected, people, by_reason)
