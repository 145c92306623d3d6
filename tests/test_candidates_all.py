"""Every registered candidate, as users run it: fitted and scored by ``evaluate``, saved with skops, loaded back.

Parametrised over :data:`workbench.evaluation.candidates.REGISTRY` and the data shapes each candidate takes
(columns only, text only, text and columns), so a newly registered candidate is covered with no edit here.
A candidate whose extra is not installed (the heavy sentence-embedding one) is skipped, naming the extra.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workbench.evaluation import candidates as cands
from workbench.evaluation.artifacts import load_model, save_model, sha256_file
from workbench.evaluation.footprint import EstimateMeter
from workbench.evaluation.protocol import EvaluationData, evaluate

from .test_evaluation_flow import synthetic

COLUMNS = ["channel", "age"]
SHAPES = {"columns": (None, COLUMNS), "text": ("text", []), "text+columns": ("text", COLUMNS)}


def frame(n: int = 200) -> pd.DataFrame:
    """The flow tests' messages plus a categorical and a numeric column that also tell the classes apart,
    each with a few gaps (an empty string, a missing value) as uploads have them."""
    out = synthetic(n, seed=4)
    rng = np.random.default_rng(4)
    urgent = (out["label"] == "urgent").to_numpy()
    channel = np.where(rng.random(n) < 0.9, np.where(urgent, "clinic", "app"), np.where(urgent, "app", "clinic"))
    age = np.where(urgent, rng.integers(55, 90, n), rng.integers(18, 60, n)).astype(float)
    gaps = rng.random(n) < 0.05
    out["channel"] = np.where(gaps, "", channel).astype(object)
    out["age"] = np.where(rng.random(n) < 0.05, np.nan, age)
    return out


def data(shape: str, rows: pd.DataFrame) -> EvaluationData:
    text, features = SHAPES[shape]
    return EvaluationData(rows, rows, "label", ["village"], text, features=list(features),
                          contributor="contributor_id", snapshot="s" * 64)


def _takes(cand: cands.Candidate, shape: str) -> bool:
    """Whether ``cand`` runs on data of ``shape`` (the registry's own rule), whether or not its extra is installed."""
    text, features = SHAPES[shape]
    return replace(cand, requires=()).unusable(cands.FeatureSpec.infer(frame(40), features, text)) is None


CASES = [pytest.param(key, shape, id=f"{key}-{shape}")
         for key, cand in cands.REGISTRY.items() for shape in SHAPES if _takes(cand, shape)]


def test_every_registered_candidate_is_covered():
    covered = {case.values[0] for case in CASES}
    assert covered == set(cands.REGISTRY), f"no data shape for {sorted(set(cands.REGISTRY) - covered)}"
    assert {"logistic_regression", "random_forest", "gradient_boosting"} <= covered  # ticked by default in the app


@pytest.mark.parametrize("key,shape", CASES)
def test_candidate_fits_scores_and_survives_a_skops_round_trip(key, shape, tmp_path):
    cand = cands.get(key)
    if not cand.available():
        pytest.skip(f"{key} needs the {cand.extra!r} extra: pip install -e '.[{cand.extra}]'")
    rows = frame()
    run = evaluate(data(shape, rows), [key], seed=2, method="holdout", n_boot=0, meter=EstimateMeter())
    result = run.results[key]
    assert result.status == "ok", result.error
    text, features = SHAPES[shape]
    assert run.spec.text == text and run.spec.categorical == tuple(features[:1])
    assert run.spec.numeric == tuple(features[1:])  # "age" is read as a number, "channel" as categories

    accuracy = result.report.value("accuracy")
    truth = rows.loc[result.predictions.index, "label"]
    assert accuracy == pytest.approx((result.predictions == truth).mean())
    baseline = truth.value_counts(normalize=True).max()
    if "baseline" in cand.tags:
        assert accuracy == pytest.approx(baseline)
    else:  # every shape carries the classes: a candidate that reads its inputs beats always-the-commonest
        assert accuracy > baseline + 0.1, f"{key} on {shape}: {accuracy:.2f} against {baseline:.2f}"

    path = save_model(result.model, tmp_path, key, fmt="skops")
    assert path.suffix == ".skops"
    loaded = load_model(path, sha256=sha256_file(path))
    odd = pd.DataFrame({"contributor_id": ["c-new"] * 3, "village": ["Elsewhere"] * 3,
                        "text": ["", "a word never seen", None], "label": ["routine"] * 3,
                        "channel": ["radio", None, ""], "age": [np.nan, 120.0, -1.0]},
                       index=pd.Index(["x-1", "x-2", "x-3"]))
    probe = pd.concat([rows.iloc[:60], odd])  # seen rows, and values the model never saw
    assert np.array_equal(loaded.predict(probe), result.model.predict(probe))
    if hasattr(result.model, "predict_proba"):
        np.testing.assert_allclose(loaded.predict_proba(probe), result.model.predict_proba(probe))
