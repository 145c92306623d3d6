"""The outcomes app's model card and decisions follow the one rule for "the adopted model" (issue 23):
:mod:`workbench.evaluation.lifecycle`. Only where the community never adopted a model does the card say it
adopted none (from the stored decision to adopt none).

Before, ``outcomes.card_facts`` took "the last run, in start order, that has a decision" (``_old_rule`` below,
kept only to show the difference), and ``decision_facts`` showed one decision per run (the last). Each test is a
log on which the old rule and lifecycle gave different answers; the outcomes facts now give lifecycle's. The last
test does the same for the federation catalog's list of this project's own models."""

from __future__ import annotations

from workbench import outcomes
from workbench.evaluation import lifecycle
from workbench.evaluation.protocol import load_runs

KWH = {"a": 0.01, "b": 0.02}


def _old_rule(store) -> tuple[str | None, bool] | None:
    """The old card_facts rule: (the candidate it called adopted, whether it said a card was written)."""
    decided = [r for r in load_runs(store).values() if r.get("decision")]
    if not decided:
        return None
    return decided[-1]["decision"].get("candidate"), bool(decided[-1].get("card"))


def _run(store, run: str) -> None:
    """An evaluation run of candidates a and b, both ran, with their energy."""
    store.append("evaluation.started", {"run": run, "candidates": ["a", "b"], "budget_kwh": 0.5}, "facilitator")
    for key, kwh in KWH.items():
        store.append("evaluation.recorded", {"run": run, "candidate": key, "status": "ok", "criteria": [],
                                             "footprint": {"total_kwh": kwh}}, "facilitator")
    store.append("evaluation.completed", {"run": run, "recommendation": None}, "facilitator")


def _decide(store, run: str, candidate: str | None, reason: str, actor: str = "facilitator"):
    return store.append("evaluation.decided", {"run": run, "decision": "adopt" if candidate else "none",
                                               "candidate": candidate, "reason": reason}, actor)


def _written(store, run: str, candidate: str, actor: str = "facilitator"):
    return store.append("modelcard.written", {"run": run, "candidate": candidate,
                                              "model_sha256": f"{run}{candidate}", "model_bytes": 123}, actor)


def _adoptions(facts) -> list[tuple[str | None, str]]:
    return [(d["candidate"], d["why"]) for d in facts.decisions if d["kind"] == "adoption"]


def test_adopting_none_later_on_the_same_run_keeps_the_model_on_the_card(project):
    store = project.store
    _run(store, "A")
    _decide(store, "A", "a", "It meets every criterion.")
    _written(store, "A", "a")
    _decide(store, "A", None, "We keep the model we have.")
    assert _old_rule(store) == (None, True)  # the old card: "the community adopted none", though a was in use
    assert lifecycle.in_use(store)["candidate"] == "a"
    facts = outcomes.gather(project)
    card = facts.card
    assert (card["run"], card["adopted"], card["reason"], card["written"], card["retired"]) == (
        "A", "a", "It meets every criterion.", True, False)
    assert card["kwh"] == KWH["a"] and card["model_bytes"] == 123 and card["status"] == "not_enough_evidence"
    # Both decisions show: the adoption was not replaced by the later decision on its run.
    assert _adoptions(facts) == [("a", "It meets every criterion."), (None, "We keep the model we have.")]


def test_two_interleaved_adoptions_show_the_one_completed_last(project):
    store = project.store
    _run(store, "A")
    _run(store, "B")
    _decide(store, "A", "a", "first", "k1")
    _decide(store, "B", "b", "second", "k2")
    _written(store, "B", "b", "k2")
    _written(store, "A", "a", "k1")
    assert _old_rule(store) == ("b", True)  # run B was started last
    assert lifecycle.in_use(store)["run"] == "A"
    card = outcomes.gather(project).card
    assert (card["run"], card["adopted"], card["reason"], card["kwh"]) == ("A", "a", "first", KWH["a"])


def test_a_decision_whose_model_was_never_saved_is_not_shown_as_adopted(project):
    store = project.store
    _run(store, "A")
    _decide(store, "A", "a", "saved")
    _written(store, "A", "a")
    _run(store, "B")
    _decide(store, "B", "b", "the kernel died before the model was saved")
    assert _old_rule(store) == ("b", False)  # the old card named b, whose model was never saved
    facts = outcomes.gather(project)
    assert (facts.card["run"], facts.card["adopted"], facts.card["written"]) == ("A", "a", True)
    assert _adoptions(facts) == [("a", "saved")]


def test_a_retired_model_shows_as_retired_even_after_the_community_adopted_none(project):
    store = project.store
    _run(store, "A")
    _decide(store, "A", "a", "adopted")
    _written(store, "A", "a")
    store.append("model.retired", {"run": "A", "candidate": "a", "reason": "misses urgent messages"}, "facilitator")
    assert (outcomes.gather(project).card["adopted"], outcomes.gather(project).card["retired"]) == ("a", True)
    _run(store, "B")
    _decide(store, "B", None, "none of them is good enough")
    assert _old_rule(store) == (None, False)  # the old card forgot the retired model
    facts = outcomes.gather(project)
    assert (facts.card["run"], facts.card["adopted"], facts.card["retired"]) == ("A", "a", True)
    assert [(d["candidate"], d["retired"]) for d in facts.decisions if d["kind"] == "adoption"] == [
        ("a", True), (None, False)]


def test_where_no_model_was_ever_adopted_the_card_says_the_community_adopted_none(project):
    store = project.store
    assert outcomes.gather(project).card is None
    _run(store, "A")
    _decide(store, "A", "a", "the kernel died before the model was saved")
    assert _old_rule(store) == ("a", False)
    assert outcomes.gather(project).card is None  # no adoption, and no decision to adopt none
    _run(store, "B")
    _decide(store, "B", None, "none of them is good enough")
    card = outcomes.gather(project).card
    assert _old_rule(store) == (None, False) and lifecycle.adopted_run(store, retired=True) is None
    assert (card["run"], card["adopted"], card["reason"], card["written"], card["retired"]) == (
        "B", None, "none of them is good enough", False, False)
    assert card["budget_kwh"] == 0.5 and card["run_kwh"] == sum(KWH.values()) and "kwh" not in card


def test_a_federated_result_is_accepted_only_about_a_model_this_project_adopted(project):
    """The catalog's list of "our models" (a result about any other model is refused) is lifecycle's adoptions,
    retired ones included; before, it was every ``modelcard.written``, even one that completed no decision."""
    from workbench.federation.catalog import _our_models

    store = project.store
    _run(store, "A")
    _decide(store, "A", "a", "adopted")
    _written(store, "A", "a")
    _written(store, "A", "b")  # a card with no decision to adopt b: no adoption
    store.append("model.retired", {"run": "A", "candidate": "a", "reason": "replaced"}, "facilitator")
    old = {ev.payload["model_sha256"] for ev in store.events(kinds=["modelcard.written"])}
    assert old == {"Aa", "Ab"}
    assert _our_models(project) == {"Aa"}


def test_the_outcomes_app_says_a_retired_model_is_retired(project):
    from workbench.i18n import Translator
    from workbench.ui.outcomes import OutcomesView

    store = project.store
    _run(store, "A")
    _decide(store, "A", "a", "adopted")
    _written(store, "A", "a")
    store.append("model.retired", {"run": "A", "candidate": "a", "reason": "misses urgent messages"}, "facilitator")
    _run(store, "B")  # the latest results are run B's, whose recommendation is none
    view = OutcomesView(project, "participant", "en", charts=False)
    assert Translator("en")("evaluation.card.status.retired") in view.card.value
    assert 'data-status="retired"' in view.card.value
    assert outcomes.gather(project).card["run"] == "A"


def test_the_evaluation_desk_says_adopted_while_the_runs_adoption_stands(project):
    from workbench.i18n import Translator
    from workbench.ui.evaluation.desk import EvaluationView

    tr = Translator("en")
    store = project.store
    _run(store, "A")
    _decide(store, "A", "a", "adopted")
    _written(store, "A", "a")
    _decide(store, "A", None, "we keep it")  # adopting none later on the same run does not end a's use
    view = EvaluationView(project, "en")
    view.render()
    assert tr("evaluation.ui.recorded_adopt") in view.message.value
    _run(store, "B")
    _decide(store, "B", "b", "card never written")  # a decision whose model was never saved
    view = EvaluationView(project, "en")
    view.render()
    assert tr("evaluation.ui.recorded_adopt") not in view.message.value
    assert tr("evaluation.ui.recorded_none") not in view.message.value
