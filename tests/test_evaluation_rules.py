"""Criteria (pass / fail / not enough evidence) and the recommendation rule, on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.evaluation.choose import recommend
from workbench.evaluation.criteria import FAIL, INSUFFICIENT, PASS, check, check_footprint, judge
from workbench.evaluation.footprint import Footprint
from workbench.evaluation.metrics import group_metrics


def test_judge_puts_the_burden_of_proof_on_the_model():
    assert judge(0.9, 0.85, 0.95, ">=", 0.8, True) == (PASS, "evaluation.reason.meets")
    assert judge(0.9, 0.75, 0.95, ">=", 0.8, True)[0] == INSUFFICIENT  # interval reaches across
    assert judge(0.9, 0.75, 0.95, ">=", 0.8, True, rule="point")[0] == PASS
    assert judge(0.7, 0.6, 0.85, ">=", 0.8, True)[0] == FAIL
    assert judge(0.05, 0.01, 0.08, "<=", 0.1, True)[0] == PASS
    assert judge(0.12, 0.01, 0.2, "<=", 0.1, True)[0] == FAIL
    assert judge(1.0, 1.0, 1.0, ">=", 0.8, False) == (INSUFFICIENT, "evaluation.reason.too_few_rows")
    assert judge(1.0, 1.0, 1.0, ">=", 0.8, False, rule="point")[0] == INSUFFICIENT  # never a pass on few rows
    assert judge(float("nan"), None, None, ">=", 0.8, True)[0] == INSUFFICIENT


def _report():
    # 400 rows in "big" (recall of urgent 0.95), 8 rows in "tiny" (all right): a tiny group never passes.
    rng = np.random.default_rng(0)
    y_true = np.where(rng.random(408) < 0.5, "urgent", "routine")
    y_pred = y_true.copy()
    miss = np.flatnonzero(y_true[:400] == "urgent")[:10]
    y_pred[miss] = "routine"
    groups = pd.DataFrame({"village": ["big"] * 400 + ["tiny"] * 8})
    return group_metrics(y_true, y_pred, groups, min_group_size=30, seed=3)


def test_every_group_with_a_tiny_group_is_not_enough_evidence_never_a_pass():
    report = _report()
    crit = {"metric": "recall", "label": "urgent", "threshold": 0.8, "direction": ">=", "scope": "every_group",
            "attribute": "village", "min_group_size": 30}
    res = check(crit, report)
    assert res.status == INSUFFICIENT and res.reason == "evaluation.reason.small_groups"
    assert "tiny" in res.params["groups"]
    tiny = next(g for g in res.groups if g["group"] == "tiny")
    assert tiny["value"] == 1.0 and tiny["status"] == INSUFFICIENT
    small_ok = check({**crit, "min_group_size": 5}, report)  # 4 of 4 urgent right: the interval still says little
    assert small_ok.status == INSUFFICIENT and small_ok.reason == "evaluation.reason.interval_crosses"
    assert check({**crit, "min_group_size": 5}, report, rule="point").status == PASS
    assert check({**crit, "threshold": 0.99, "min_group_size": 5}, report).status == FAIL


def test_overall_gap_and_unknown_names():
    report = _report()
    overall = check({"metric": "accuracy", "threshold": 0.9, "direction": ">=", "scope": "overall"}, report)
    assert overall.status == PASS and overall.lo >= 0.9 and overall.n == 408
    gap = check({"metric": "accuracy", "threshold": 0.2, "direction": "<=", "scope": "gap", "attribute": "village",
                 "min_group_size": 5}, report)
    assert gap.status == PASS and gap.value == pytest.approx(1 - report.value("accuracy", None, "village", "big"))
    assert gap.hi is not None and gap.hi <= 0.2
    gap30 = check({"metric": "accuracy", "threshold": 0.2, "direction": "<=", "scope": "gap", "attribute": "village",
                   "min_group_size": 30}, report)
    assert gap30.status == INSUFFICIENT and gap30.reason == "evaluation.reason.too_few_groups"
    assert check({"metric": "recall", "label": "nope", "threshold": 0.5}, report).reason == "evaluation.reason.no_label"
    assert check({"metric": "accuracy", "threshold": 0.5, "scope": "every_group", "attribute": "street"},
                 report).reason == "evaluation.reason.no_attribute"


def test_charter_criterion_objects_are_read_like_dicts():
    charter = pytest.importorskip("workbench.purpose.charter")
    c = charter.Criterion("recall", 0.8, ">=", "every_group", label="urgent", attribute="village",
                          min_group_size=5).validate(["village"], ["urgent", "routine"])
    assert check(c, _report(), rule="point").status == PASS


def _result(key, statuses, kwh, size=1000, status="ok"):
    crit = [{"id": f"c{i}", "status": s, "reason": ""} for i, s in enumerate(statuses)]
    return {"key": key, "status": status, "criteria": crit, "footprint": {"total_kwh": kwh, "model_bytes": size}}


def test_the_cheapest_passing_candidate_is_recommended():
    results = [_result("big_forest", [PASS, PASS], 0.5), _result("small_tree", [PASS, PASS], 0.01),
               _result("tiny_nb", [PASS, FAIL], 0.001), _result("unsure", [PASS, INSUFFICIENT], 0.0001),
               _result("broken", [], 0.0, status="failed")]
    rec = recommend(results)
    assert rec.candidate == "small_tree" and rec.ranking == ["small_tree", "big_forest"]
    assert rec.reason == "evaluation.recommend.smallest_in_band"
    assert rec.missing["tiny_nb"][0]["status"] == FAIL and rec.missing["unsure"][0]["status"] == INSUFFICIENT
    assert not rec.baseline_passes
    tie = recommend([_result("b", [PASS], 0.01, size=500), _result("a", [PASS], 0.01, size=900)])
    assert tie.candidate == "b"  # same energy: the smaller model
    near = recommend([_result("b", [PASS], 0.025, size=500), _result("a", [PASS], 0.01, size=900)])
    assert near.candidate == "b" and near.params["tied"] == ["a", "b"]  # within the noise band: still a tie


def test_the_same_inputs_give_the_same_recommendation_whatever_the_meter_says():
    """Energy measured at the micro-kWh of small models moves tenfold between identical runs; the choice must not."""
    import random

    rng = random.Random(7)
    picks = set()
    for _ in range(10):
        results = [_result(k, [PASS, PASS], 1e-6 * rng.uniform(0.1, 10), size=size)
                   for k, size in (("majority", 900), ("decision_tree", 4_000), ("logistic_regression", 2_500))]
        rng.shuffle(results)
        picks.add(recommend(results).candidate)
    assert picks == {"majority"}


def test_none_passing_is_reported_with_what_is_missing():
    rec = recommend([_result("a", [FAIL, PASS], 0.1), _result("b", [INSUFFICIENT], 0.01)])
    assert rec.candidate is None and rec.reason == "evaluation.recommend.none_passes"
    assert rec.params == {"fail": 1, "unsure": 1}
    assert set(rec.missing) == {"a", "b"}
    assert recommend([_result("a", [], 0.1)]).reason == "evaluation.recommend.no_criteria"
    assert recommend([]).reason == "evaluation.recommend.nothing_ran"
    assert recommend([_result("majority", [PASS], 0.0)]).baseline_passes


def test_the_footprint_budget_is_one_more_criterion():
    assert check_footprint(0.2, 0.5).status == PASS
    assert check_footprint(0.7, 0.5).status == FAIL
    assert check_footprint(0.7, None) is None
    fp = Footprint(train_kwh=0.3, eval_kwh=0.1)
    assert fp.total_kwh == pytest.approx(0.4) and fp.within(0.5) and not fp.within(0.35)
    assert Footprint.from_dict(fp.to_dict()).total_kwh == pytest.approx(0.4)


def test_the_embedding_candidate_is_optional_and_wired_lazily(monkeypatch):
    import importlib.machinery
    import pickle
    import sys
    import types

    from workbench.evaluation import candidates as cands

    emb = cands.get("embeddings_logistic")
    assert emb.extra == "embeddings" and "heavy" in emb.tags
    assert "sentence_transformers" not in sys.modules and "torch" not in sys.modules  # the core never imports them

    class Encoder:  # stands in for all-MiniLM-L6-v2: 2 numbers per text
        def encode(self, texts, batch_size=64, show_progress_bar=False):
            return np.array([[float("fever" in t), float(len(t))] for t in texts])

    for name in (cands.EMBEDDING_PACKAGE, "sentence_transformers"):
        module = types.ModuleType(name)
        module.__spec__ = importlib.machinery.ModuleSpec(name, None)
        module.load_model = lambda device="cpu": Encoder()
        monkeypatch.setitem(sys.modules, name, module)
    spec = cands.FeatureSpec(text="text")
    assert emb.unusable(spec) is None and emb.unusable(cands.FeatureSpec()) == "evaluation.candidate.needs_text"
    frame = pd.DataFrame({"text": ["fever now", "renew please", "fever again", "visit soon"] * 5})
    y = np.where(frame["text"].str.contains("fever"), "urgent", "routine")
    model = emb.build(spec, 0).fit(frame, y)
    assert list(model.predict(pd.DataFrame({"text": ["fever!"]}))) == ["urgent"]
    assert b"Encoder" not in pickle.dumps(model)  # the language model is never pickled with the pipeline


def test_one_candidate_status_for_every_screen():
    """The evaluation app and the run's report used two copies that disagreed for a crashed candidate."""
    from workbench.evaluation.criteria import candidate_status
    from workbench.runs.pipeline import overall_status
    from workbench.ui.evaluation.desk import _overall_status

    cases = {"failed": _result("a", [PASS], 0.1, status="failed"), PASS: _result("b", [PASS, PASS], 0.1),
             FAIL: _result("c", [PASS, FAIL, INSUFFICIENT], 0.1), INSUFFICIENT: _result("d", [PASS, INSUFFICIENT], 0.1),
             "none": _result("e", [], 0.1)}
    for expected, result in cases.items():
        got = {candidate_status(result), overall_status(result), _overall_status(result)}
        assert got == {INSUFFICIENT if expected == "none" else expected}, (expected, got)
