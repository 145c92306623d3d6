"""Per group, per batch, over time: does the adopted model still meet the charter's criteria in use?

The rule mirrors the evaluation stage's (:mod:`workbench.evaluation.criteria`), where the burden of proof is on
the model: there a criterion *passes* only when the group has ``min_group_size`` rows and its whole interval
lies on the passing side. Here the burden of proof is on the alarm: a group is **below** (the model goes
*under review*) only when

- the group has at least the criterion's ``min_group_size`` rows in the batch, and
- its whole interval lies on the failing side (``hi < threshold`` for "at least", ``lo > threshold`` for
  "at most"; for a gap between groups, ``lo > threshold``).

Too few rows, an undefined metric, or a point estimate on the failing side whose interval still reaches across
the threshold are **not enough evidence**; a point estimate on the right side **holds**.

Everything is read from the ``monitor.batch_added`` events as they were written (numbers, criteria, model):
nothing is recomputed, so an old batch says tomorrow what it said the day it was added.
"""

from __future__ import annotations

import math

BELOW, HOLDS, INSUFFICIENT = "below", "holds", "not_enough_evidence"
STATUSES = (BELOW, HOLDS, INSUFFICIENT)


def _finite(x) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


def judge(value, lo, hi, direction: str, threshold: float, n: int | None, min_group_size: int) -> tuple[str, str]:
    """(status, reason key) of one monitored value against one threshold (see the module's rule)."""
    if n is None or n < min_group_size:
        return INSUFFICIENT, "evaluation.reason.too_few_rows"
    if not _finite(value):
        return INSUFFICIENT, "evaluation.reason.undefined"
    at_least = direction == ">="
    if (value >= threshold) if at_least else (value <= threshold):
        return HOLDS, "monitor.reason.holds"
    bound = hi if at_least else lo
    if not _finite(bound):
        return INSUFFICIENT, "evaluation.reason.no_interval"
    if (bound < threshold) if at_least else (bound > threshold):
        return BELOW, "monitor.reason.below"
    return INSUFFICIENT, "monitor.reason.unsure"


def batches(store) -> list[dict]:
    """Every ``monitor.batch_added`` payload in log order, with its ``seq``, ``ts`` and ``actor``."""
    from .batch import BATCH_ADDED

    return [{**ev.payload, "seq": ev.seq, "ts": ev.ts, "actor": ev.actor} for ev in store.events(kinds=[BATCH_ADDED])]


def _rows(batch: dict) -> list[dict]:
    out = []
    for r in batch.get("results") or []:
        out.append({**r, "batch": batch["seq"], "date_from": batch.get("date_from"), "date_to": batch.get("date_to"),
                    "model": batch.get("model"), "under_review": r.get("status") == BELOW})
    return out


def status(project) -> dict:
    """The monitoring picture as the log holds it.

    Returns ``{"model", "batches", "rows", "groups", "under_review"}``: ``model`` the adopted model now (run,
    candidate; None if none); ``batches`` one summary per batch (seq, ts, file, sha256, date range, rows, kept,
    dropped, outcomes known, model); ``rows`` one row per (batch, criterion, group) with the value, its interval,
    ``n``, ``status`` (below / holds / not_enough_evidence), ``reason`` (a catalog key), ``evaluated`` (the
    adopted model's value in its evaluation, when the group was there) and ``under_review``; ``groups`` per
    attribute and group the rows and known outcomes of each batch (counts over time); ``under_review`` the rows
    that are below with enough evidence.
    """
    from .batch import adopted_model

    events = batches(project.store)
    summaries, rows, groups = [], [], {}
    for b in events:
        summaries.append({k: b.get(k) for k in ("seq", "ts", "file", "sha256", "original_name", "date_from",
                                                "date_to", "rows", "kept", "dropped_no_consent", "known", "model",
                                                "at", "dropped_by_reason")})
        rows.extend(_rows(b))
        for attribute, counts in (b.get("groups") or {}).items():
            for g in counts:
                groups.setdefault(attribute, {}).setdefault(g["group"], []).append(
                    {"batch": b["seq"], "date_to": b.get("date_to"), "rows": g["rows"], "known": g["known"]})
    return {"model": adopted_model(project.store, required=False), "batches": summaries, "rows": rows,
            "groups": groups, "under_review": [r for r in rows if r["under_review"]]}


def under_review_reasons(project, since_seq: int = 0) -> list[dict]:
    """Each (group, criterion, batch) below its criterion with enough evidence, in batches logged after
    ``since_seq`` (e.g. the adoption's seq): ``{batch, criterion, metric, label, scope, attribute, group,
    direction, threshold, value, lo, hi, n, min_group_size, date_from, date_to, model, reason}``."""
    keys = ("batch", "criterion", "metric", "label", "scope", "attribute", "group", "direction", "threshold",
            "value", "lo", "hi", "n", "min_group_size", "date_from", "date_to", "model", "reason")
    out = []
    for b in batches(project.store):
        if b["seq"] <= int(since_seq):
            continue
        out.extend({k: r.get(k) for k in keys} for r in _rows(b) if r["under_review"])
    return out
