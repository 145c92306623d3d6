"""After adoption: how the adopted model does once in use, and what its whole life costs in energy.

- :mod:`.batch`: ``add_batch`` reads a file of outcomes from use (prediction, true outcome, date, contributor,
  the charter's group columns), keeps only the rows whose contributor permits the ``monitor`` use at the
  batch's time, stores the raw file under ``data/`` by content hash and logs ``monitor.batch_added`` with the
  per-group counts and the charter's criteria metrics (with intervals) computed then. The log is the truth:
  later views read those stored numbers and never recompute them with today's code.
- :mod:`.status`: per group, per batch, over time, against the charter's criteria and the adopted model's
  evaluation; ``under_review_reasons`` lists what fell short *with enough evidence*.
- :mod:`.footprint`: the inference energy per 1,000 predictions (``monitor.inference_measured``), the
  workshop server's own estimate (``monitor.server_energy``), and the lifetime sum against the charter's budget.
"""

from __future__ import annotations

from .batch import BATCH_ADDED, USE, add_batch, adopted_model
from .footprint import INFERENCE_MEASURED, SERVER_ENERGY, lifetime_footprint, measure_inference, server_energy
from .status import BELOW, HOLDS, INSUFFICIENT, judge, status, under_review_reasons

__all__ = ["BATCH_ADDED", "BELOW", "HOLDS", "INFERENCE_MEASURED", "INSUFFICIENT", "SERVER_ENERGY", "USE",
           "add_batch", "adopted_model", "judge", "lifetime_footprint", "measure_inference", "server_energy",
           "status", "under_review_reasons"]
