"""Per-group metrics: equal to scikit-learn and fairlearn, intervals that cover, small groups flagged."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from workbench.evaluation.metrics import JOIN, MISSING, OVERALL, group_metrics, wilson

LABELS = ["information", "routine", "urgent"]


def random_data(n=3000, seed=0, noise=0.35):
    rng = np.random.default_rng(seed)
    y_true = rng.choice(LABELS, n, p=[0.35, 0.45, 0.2])
    y_pred = np.where(rng.random(n) < 1 - noise, y_true, rng.choice(LABELS, n))
    groups = pd.DataFrame({"neighbourhood": rng.choice(["Morro Alto", "Beira-Rio", "Jardim Sul", "Vila Nova"], n,
                                                       p=[0.4, 0.3, 0.2, 0.1]),
                           "age_band": rng.choice(["18-29", "30-44", "60+"], n)})
    return y_true, y_pred, groups


def _as(kind, values):
    if kind == "list":
        return list(values)
    if kind == "series":
        return pd.Series(values)
    if kind == "category":
        return pd.Series(values, dtype="category")
    return np.asarray(values)


@pytest.mark.parametrize("kind", ["list", "series", "category"])
def test_inputs_as_lists_series_or_categoricals_give_the_same_table(kind):
    y_true, y_pred, groups = random_data(n=500)
    expected = group_metrics(y_true, y_pred, groups, min_group_size=1, n_boot=100).table
    got = group_metrics(_as(kind, y_true), _as(kind, y_pred), groups.astype("category") if kind == "category"
                        else groups, min_group_size=1, n_boot=100).table
    pd.testing.assert_frame_equal(got, expected)


def test_every_metric_equals_scikit_learn_per_group():
    y_true, y_pred, groups = random_data()
    report = group_metrics(y_true, y_pred, groups, min_group_size=1, n_boot=0)
    for attribute in ["neighbourhood", "age_band"]:
        for group in sorted(groups[attribute].unique()):
            m = (groups[attribute] == group).to_numpy()
            t, p = y_true[m], y_pred[m]
            assert report.value("accuracy", None, attribute, group) == pytest.approx(skm.accuracy_score(t, p))
            assert report.value("balanced_accuracy", None, attribute, group) == pytest.approx(
                skm.balanced_accuracy_score(t, p))
            assert report.value("macro_f1", None, attribute, group) == pytest.approx(
                skm.f1_score(t, p, average="macro", zero_division=0))
            prec = skm.precision_score(t, p, labels=LABELS, average=None, zero_division=np.nan)
            rec = skm.recall_score(t, p, labels=LABELS, average=None, zero_division=np.nan)
            f1 = skm.f1_score(t, p, labels=LABELS, average=None, zero_division=np.nan)
            cm = skm.confusion_matrix(t, p, labels=LABELS)
            for j, label in enumerate(LABELS):
                assert report.value("precision", label, attribute, group) == pytest.approx(prec[j])
                assert report.value("recall", label, attribute, group) == pytest.approx(rec[j])
                assert report.value("f1", label, attribute, group) == pytest.approx(f1[j])
                fp = cm[:, j].sum() - cm[j, j]
                assert report.value("false_positive_rate", label, attribute, group) == pytest.approx(
                    fp / (len(t) - cm[j].sum()))
                assert report.value("false_negative_rate", label, attribute, group) == pytest.approx(1 - rec[j])
            assert report.row("accuracy", None, attribute, group)["n"] == m.sum()
    assert report.value("accuracy") == pytest.approx(skm.accuracy_score(y_true, y_pred))


def test_groups_gaps_and_ratios_equal_fairlearn_metricframe():
    fl = pytest.importorskip("fairlearn.metrics")
    y_true, y_pred, groups = random_data(seed=3)
    report = group_metrics(y_true, y_pred, groups, min_group_size=1, n_boot=0)
    for label in LABELS:
        bt, bp = (y_true == label).astype(int), (y_pred == label).astype(int)
        frame = fl.MetricFrame(
            metrics={"recall": skm.recall_score, "precision": partial(skm.precision_score, zero_division=np.nan),
                     "false_negative_rate": fl.false_negative_rate, "false_positive_rate": fl.false_positive_rate,
                     "selection_rate": fl.selection_rate},
            y_true=bt, y_pred=bp, sensitive_features=groups["neighbourhood"])
        for metric in frame.by_group.columns:
            for group, expected in frame.by_group[metric].items():
                assert report.value(metric, label, "neighbourhood", group) == pytest.approx(expected), (metric, group)
            gap = report.gap(metric, label, "neighbourhood")
            assert gap["gap"] == pytest.approx(frame.difference()[metric])
            assert gap["ratio"] == pytest.approx(frame.ratio()[metric])
            assert report.value(metric, label) == pytest.approx(frame.overall[metric])
    frame = fl.MetricFrame(metrics={"accuracy": skm.accuracy_score, "balanced_accuracy": skm.balanced_accuracy_score},
                           y_true=y_true, y_pred=y_pred, sensitive_features=groups[["neighbourhood", "age_band"]])
    per_combo = frame.by_group["accuracy"]
    r = group_metrics(y_true, y_pred, groups, intersections=[("neighbourhood", "age_band")], min_group_size=1,
                      n_boot=0)
    t = r.table[(r.table["attribute"] == f"neighbourhood{JOIN}age_band") & (r.table["metric"] == "accuracy")]
    assert len(t) == len(per_combo)
    for (hood, age), expected in per_combo.items():
        got = t.loc[t["group"] == f"{hood}{JOIN}{age}", "value"].iloc[0]
        assert got == pytest.approx(expected)
    name = f"neighbourhood{JOIN}age_band"
    assert r.gap("accuracy", None, name)["gap"] == pytest.approx(frame.difference()["accuracy"])
    balanced = r.table[(r.table["attribute"] == name) & (r.table["metric"] == "balanced_accuracy")]
    for (hood, age), expected in frame.by_group["balanced_accuracy"].items():
        assert balanced.loc[balanced["group"] == f"{hood}{JOIN}{age}", "value"].iloc[0] == pytest.approx(expected)


def test_intervals_cover_the_true_accuracy_about_95_percent_of_the_time():
    # 400 samples of 150 rows from a known distribution (accuracy 0.8, recall of "urgent" 0.8), as 400 groups.
    rng = np.random.default_rng(11)
    reps, n, q = 400, 150, 0.8
    y_true = rng.choice(["urgent", "other"], reps * n, p=[0.3, 0.7])
    flip = rng.random(reps * n) >= q
    y_pred = np.where(flip, np.where(y_true == "urgent", "other", "urgent"), y_true)
    sample = pd.DataFrame({"sample": np.repeat(np.arange(reps), n).astype(str)})
    report = group_metrics(y_true, y_pred, sample, min_group_size=1, n_boot=500, seed=5)
    t = report.table[report.table["attribute"] == "sample"]
    acc = t[t["metric"] == "accuracy"]
    covered = ((acc["lo"] <= q) & (q <= acc["hi"])).mean()
    assert 0.92 <= covered <= 0.995, covered
    rec = t[(t["metric"] == "recall") & (t["label"] == "urgent")]
    covered = ((rec["lo"] <= q) & (q <= rec["hi"])).mean()
    assert 0.92 <= covered <= 0.995, covered
    assert (acc["hi"] - acc["lo"]).median() == pytest.approx(0.13, abs=0.03)  # about 2 x 1.96 x sqrt(.16/150)


def test_a_tiny_group_is_not_enough_evidence_and_its_interval_is_wide():
    y_true = ["a"] * 200 + ["a", "b", "a"]
    y_pred = ["a"] * 150 + ["b"] * 50 + ["a", "b", "a"]
    groups = pd.DataFrame({"village": ["big"] * 200 + ["tiny"] * 3})
    report = group_metrics(y_true, y_pred, groups, min_group_size=30, seed=1)
    tiny = report.row("accuracy", None, "village", "tiny")
    assert tiny["value"] == 1.0 and tiny["n"] == 3 and not tiny["enough"]
    assert tiny["lo"] < 0.5  # a perfect score on 3 rows says little
    assert report.row("accuracy", None, "village", "big")["enough"]
    gap = report.gap("accuracy", None, "village")
    assert gap["groups_compared"] == 1 and gap["groups_small"] == 1 and np.isnan(gap["gap_lo"])


def test_missing_values_form_their_own_group_and_seeds_reproduce():
    y_true, y_pred, groups = random_data(n=600, seed=2)
    groups.loc[:40, "age_band"] = ""
    groups.loc[41:60, "age_band"] = None
    a = group_metrics(y_true, y_pred, groups, min_group_size=1, seed=4, n_boot=200)
    assert a.row("accuracy", None, "age_band", MISSING)["n"] == 61
    b = group_metrics(y_true, y_pred, groups, min_group_size=1, seed=4, n_boot=200)
    c = group_metrics(y_true, y_pred, groups, min_group_size=1, seed=5, n_boot=200)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not a.table["lo"].equals(c.table["lo"])
    assert a.row("accuracy")["group"] == OVERALL


def test_undefined_metrics_are_nan_not_zero():
    report = group_metrics(["a", "a", "b"], ["a", "a", "a"], min_group_size=1, n_boot=50)
    assert np.isnan(report.value("precision", "b"))  # never predicted
    assert report.value("recall", "b") == 0.0
    assert not report.row("precision", "b")["enough"]


def test_wilson_matches_the_textbook_values():
    lo, hi = wilson(np.array([1.0, 0.5]), np.array([30, 100]))
    assert lo[0] == pytest.approx(0.8865, abs=1e-4) and hi[0] == pytest.approx(1.0)
    assert lo[1] == pytest.approx(0.4038, abs=1e-4) and hi[1] == pytest.approx(0.5962, abs=1e-4)
