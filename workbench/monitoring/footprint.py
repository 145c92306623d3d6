"""The whole life's footprint: training and evaluating, predicting in use, and the workshop server itself.

- Training and evaluation: the sum over every candidate of every evaluation run, as the
  ``evaluation.recorded`` events stored it (each candidate trained cost energy, adopted or not).
- Inference: :func:`measure_inference` times the adopted model predicting ``n`` rows with the evaluation
  stage's meter (:func:`workbench.evaluation.footprint.default_meter`: codecarbon offline, else the CPU-time
  estimate) and logs ``monitor.inference_measured`` with the energy per 1,000 predictions. The lifetime
  inference is, per batch of outcomes, its rows (every prediction made, consented or not: the energy was
  spent either way) / 1,000 x the latest measurement of the model that batch is about. Predictions of a
  model never measured are counted apart (``predictions_unmeasured``), not guessed.
- The server: :func:`server_energy` records an estimate of the energy the workshop server used over a period
  (``monitor.server_energy``); the records add up.

:func:`lifetime_footprint` sums them against the charter's footprint budget (``footprint_kwh``).
"""

from __future__ import annotations

import math
from pathlib import Path

from ..errors import WorkbenchError
from ..text import free_text

INFERENCE_MEASURED, SERVER_ENERGY = "monitor.inference_measured", "monitor.server_energy"
MAX_NOTE = 500
MAX_N = 1_000_000


def _model(project):
    """The adopted model loaded from its saved file (checked against its logged hash), and its identity."""
    from ..evaluation.artifacts import load_model
    from ..evaluation.lifecycle import adopted_run
    from .batch import adopted_model

    who = adopted_model(project.store)
    card = adopted_run(project.store)["card"]
    path = Path(project.artifacts_dir) / card["model_file"]
    return load_model(path, sha256=card.get("model_sha256")), who


def measure_inference(project, n: int = 1000, meter=None, actor: str = "facilitator"):
    """Measure the adopted model predicting ``n`` rows (the curated evaluation rows, repeated to ``n``);
    log ``monitor.inference_measured`` with the energy per 1,000 predictions; returns the event."""
    import pandas as pd

    from ..curation.enforce import curated
    from ..evaluation.footprint import default_meter

    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise WorkbenchError(f"The number of predictions to measure must be a whole number from 1 to {MAX_N:,}, "
                             f"not {n!r}.", "Use, for example, 1000.", key="monitor.error.bad_n", max=MAX_N)
    model, who = _model(project)
    rows = curated(project, "evaluate").frame
    if rows.empty:
        raise WorkbenchError("No rows are permitted for evaluation, so there is nothing to predict on.",
                             "Check consent and curation.", key="monitor.error.no_rows")
    reps = -(-n // len(rows))
    batch = (pd.concat([rows] * reps) if reps > 1 else rows).iloc[:n]
    meter = meter or default_meter(project.config.country)
    with meter.measure() as m:
        model.predict(batch)
    scale = 1000.0 / n
    payload = {"run": who["run"], "candidate": who["candidate"], "model_sha256": who["model_sha256"], "n": n,
               "kwh_per_1000": m.kwh * scale, "co2_kg_per_1000": m.co2_kg * scale,
               "seconds_per_1000": m.seconds * scale, "method": meter.method, "estimated": bool(meter.estimated),
               "hardware": str(getattr(meter, "hardware", "")), "country": project.config.country}
    return project.store.append(INFERENCE_MEASURED, payload, actor)


def server_energy(project, kwh, note: str = "", actor: str = "facilitator"):
    """Record an estimate of the energy (kWh) the workshop server used over a period; returns the event."""
    try:
        value = float(kwh)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(kwh, bool) or not math.isfinite(value) or value < 0:
        raise WorkbenchError(f"The server's energy must be a number of kWh of 0 or more, not {str(kwh)[:40]!r}.",
                             "Write it as a number, for example 12.5.", key="monitor.error.bad_kwh",
                             value=str(kwh)[:40])
    note = free_text(note or "", "The note", MAX_NOTE)
    return project.store.append(SERVER_ENERGY, {"kwh": value, "note": note}, actor)


def lifetime_footprint(project) -> dict:
    """Training + evaluation + inference + server energy so far, against the charter's budget.

    Keys: ``training_kwh``, ``evaluation_kwh``, ``candidates`` (how many were trained), ``inference_kwh``,
    ``predictions``, ``predictions_unmeasured``, ``inference_kwh_per_1000`` (the adopted model's latest),
    ``server_kwh``, ``server_records``, ``total_kwh``, ``co2_kg`` (without the server, whose grid is not
    known), ``budget_kwh`` (None without an agreed budget), ``within`` (None without one), ``share_of_budget``.
    """
    from .batch import adopted_model
    from .status import batches

    store = project.store
    train = evaluate = co2 = 0.0
    candidates = 0
    for ev in store.events(kinds=["evaluation.recorded"]):
        fp = ev.payload.get("footprint") or {}
        train += float(fp.get("train_kwh") or 0.0)
        evaluate += float(fp.get("eval_kwh") or 0.0)
        co2 += float(fp.get("train_co2_kg") or 0.0) + float(fp.get("eval_co2_kg") or 0.0)
        candidates += 1
    measured = {}
    for ev in store.events(kinds=[INFERENCE_MEASURED]):  # the latest measurement of each model counts
        measured[(ev.payload["run"], ev.payload["candidate"])] = ev.payload
    inference = predictions = unmeasured = 0.0
    for b in batches(store):
        model = b.get("model") or {}
        m = measured.get((model.get("run"), model.get("candidate")))
        rows = int(b.get("rows") or 0)
        predictions += rows
        if m is None:
            unmeasured += rows
            continue
        inference += rows / 1000.0 * float(m["kwh_per_1000"])
        co2 += rows / 1000.0 * float(m.get("co2_kg_per_1000") or 0.0)
    server_events = store.events(kinds=[SERVER_ENERGY])
    server = sum(float(ev.payload["kwh"]) for ev in server_events)
    total = train + evaluate + inference + server
    budget = _budget(store)
    now = adopted_model(store, required=False)
    latest = measured.get((now["run"], now["candidate"])) if now else None
    return {"training_kwh": train, "evaluation_kwh": evaluate, "candidates": candidates,
            "inference_kwh": inference, "predictions": int(predictions), "predictions_unmeasured": int(unmeasured),
            "inference_kwh_per_1000": latest["kwh_per_1000"] if latest else None,
            "inference_method": latest["method"] if latest else None,
            "server_kwh": server, "server_records": len(server_events), "total_kwh": total, "co2_kg": co2,
            "budget_kwh": budget, "within": None if budget is None else total <= budget,
            "share_of_budget": None if not budget else total / budget}


def _budget(store) -> float | None:
    from ..purpose.charter import CharterHistory

    version = CharterHistory.load(store).latest_agreed()
    if version is None or version.charter.footprint_kwh is None:
        return None
    return float(version.charter.footprint_kwh)
