"""One rule for "the adopted model" (issue 23): :mod:`workbench.evaluation.lifecycle` decides it; monitoring,
the commons bundle, consent drift, the card command, the report and the pipeline ask it.

Before, monitoring and the bundle (and drift, the card command, the report and the pipeline) each took "the run
with the latest ``modelcard.written``", while lifecycle took "the latest ``evaluation.decided`` that adopted a
candidate". Each test below is a log on which the copies gave different answers; ``_old_copy`` is that copy,
kept here only to show the difference."""

from __future__ import annotations

import json
import shutil

import pytest

import workbench
from workbench.errors import WorkbenchError
from workbench.evaluation import lifecycle
from workbench.evaluation.protocol import load_runs


def _old_copy(store) -> dict | None:
    """The rule monitoring/batch.py and federation/bundle.py had: the run whose card was written last."""
    adopted = [r for r in load_runs(store).values() if r.get("card")]
    return max(adopted, key=lambda r: r["card"]["seq"]) if adopted else None


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    from workbench.demo import build_demo

    root = tmp_path_factory.mktemp("adopted") / "demo"
    build_demo(root, n=400).close()  # one candidate adopted, under review
    return root


@pytest.fixture
def demo(demo_root, tmp_path):
    path = tmp_path / "demo"
    shutil.copytree(demo_root, path, ignore=shutil.ignore_patterns("*.writelock"))
    project = workbench.open(path)
    yield project
    project.close()


def _adopting(store):
    return next(e for e in store.events(kinds=["evaluation.decided"]) if e.payload.get("candidate"))


def test_a_later_decision_to_adopt_none_on_the_same_run_keeps_the_adoption_and_its_decision(demo):
    """Monitoring's copy was wrong: it dated the adoption by the later "none" decision; the bundle's
    evaluation said the community decided "none" about the model it had adopted."""
    from workbench.evaluation.choose import record_decision
    from workbench.federation.bundle import plan_bundle
    from workbench.monitoring import adopted_model

    store = demo.store
    adopting = _adopting(store)
    run = load_runs(store)[adopting.payload["run"]]
    later = record_decision(store, run, None, "We keep the model we have.")
    assert _old_copy(store)["decision"]["seq"] == later.seq  # the drifted answer
    model = adopted_model(store)
    assert model["decided_seq"] == adopting.seq == lifecycle.in_use(store)["seq"]
    assert model["candidate"] == adopting.payload["candidate"]
    plan = plan_bundle(demo)
    doc = json.loads(next(p for p in plan.parts if p.what == "evaluation").make())
    assert doc["decision"]["decision"] == "adopt" and doc["candidate"] == adopting.payload["candidate"]


def test_a_retired_model_is_not_offered_in_the_bundle_though_its_card_still_is(demo):
    """The bundle's copy was wrong: it shared the retired model's file for others to use."""
    from workbench.decisions import override, subjects
    from workbench.federation.bundle import plan_bundle

    assert plan_bundle(demo).shares_model
    d = override(demo.store, "retire", subjects.for_gate(demo, "retire"), "Misses urgent messages in one place.")
    lifecycle.retire(demo, "It misses urgent messages.", decision=d.id)
    assert _old_copy(demo.store) is not None  # the drifted copy still named it the adopted model
    assert lifecycle.in_use(demo.store) is None and lifecycle.adopted_run(demo.store) is None
    plan = plan_bundle(demo)
    assert not plan.shares_model
    assert [w.reason for w in plan.withheld if w.what == "model"] == ["federation.reason.model_retired"]
    assert {"model_card", "evaluation"} <= {p.what for p in plan.parts}  # what it was, saying it was retired
    assert lifecycle.adopted_run(demo.store, retired=True)["card"]["candidate"] == _adopting(demo.store).payload[
        "candidate"]


def test_a_decision_whose_model_was_never_saved_is_no_adoption(demo):
    """Lifecycle's own rule was wrong here: after a kernel died between the decision and the saved model, it
    named a model with no file in use, and monitoring then refused every batch ("no longer in use")."""
    from workbench.monitoring import adopted_model

    store = demo.store
    adopting = _adopting(store)
    store.append("evaluation.decided", {**adopting.payload, "candidate": "majority", "reason": "crashed"},
                 "facilitator")  # the decision, and nothing after it
    assert lifecycle.in_use(store)["candidate"] == adopting.payload["candidate"] == _old_copy(store)["card"][
        "candidate"]
    assert adopted_model(store)["candidate"] == adopting.payload["candidate"]


def test_adopting_a_candidate_whose_run_saved_no_model_is_refused_before_the_decision_is_logged(demo):
    from workbench.evaluation.card import adopt

    store = demo.store
    adopting = _adopting(store)
    run = load_runs(store)[adopting.payload["run"]]
    candidate = adopting.payload["candidate"]
    run["candidates"][candidate] = {**run["candidates"][candidate], "files": {}}
    before = len(store.events(kinds=["evaluation.decided"]))
    with pytest.raises(WorkbenchError, match="did not save its models") as exc:
        adopt(demo, run, candidate)
    assert exc.value.key == "evaluation.error.no_model_file"
    assert len(store.events(kinds=["evaluation.decided"])) == before


def _started(store, run):
    store.append("evaluation.started", {"run": run, "candidates": ["a", "b"]}, "facilitator")
    store.append("evaluation.completed", {"run": run, "recommendation": None}, "facilitator")


def test_two_adoptions_that_interleave_count_in_the_order_they_were_completed(store):
    """Lifecycle's old rule named B (decided last) while every card-based copy named A (saved last), so monitoring
    refused to monitor either; now one answer: A, whose model and card were saved last."""
    _started(store, "A")
    _started(store, "B")
    a = store.append("evaluation.decided", {"run": "A", "decision": "adopt", "candidate": "a"}, "k1")
    store.append("evaluation.decided", {"run": "B", "decision": "adopt", "candidate": "b"}, "k2")
    store.append("modelcard.written", {"run": "B", "candidate": "b", "model_sha256": "bb"}, "k2")
    card = store.append("modelcard.written", {"run": "A", "candidate": "a", "model_sha256": "aa"}, "k1")
    assert [x["run"] for x in lifecycle.adoptions(store)] == ["B", "A"]
    using = lifecycle.in_use(store)
    assert (using["run"], using["candidate"], using["seq"], using["card"]["seq"]) == ("A", "a", a.seq, card.seq)
    assert _old_copy(store)["run"] == "A"
    run = lifecycle.adopted_run(store)
    assert run["run"] == "A" and run["card"]["model_sha256"] == "aa" and run["decision"]["seq"] == a.seq
    from workbench.monitoring import adopted_model

    assert adopted_model(store) == {"run": "A", "candidate": "a", "model_sha256": "aa", "card_seq": card.seq,
                                    "decided_seq": a.seq}


def test_retiring_ends_the_adoption_and_adopting_again_starts_a_new_one(store):
    _started(store, "A")
    for _ in range(2):
        store.append("evaluation.decided", {"run": "A", "decision": "adopt", "candidate": "a"}, "f")
        store.append("modelcard.written", {"run": "A", "candidate": "a", "model_sha256": "aa"}, "f")
        assert lifecycle.in_use(store)["candidate"] == "a"
        retired = store.append("model.retired", {"run": "A", "candidate": "a"}, "f")
        assert lifecycle.in_use(store) is None and lifecycle.adopted_run(store) is None
        assert lifecycle.adopted_run(store, retired=True)["adoption"]["retired"] == retired.seq
    assert [x["retired"] is not None for x in lifecycle.adoptions(store)] == [True, True]
    from workbench.monitoring import adopted_model

    with pytest.raises(WorkbenchError, match="no longer in use"):
        adopted_model(store)
    assert adopted_model(store, required=False) is None
