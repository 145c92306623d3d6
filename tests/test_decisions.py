"""The community's decisions at every gate (issue 20): one decision concept, refused gates, overrides, quorum,
phones, the member register, and the CLI."""

from __future__ import annotations

import pytest

from workbench.cli import run_cli
from workbench.consent import scope as S
from workbench.decisions import (
    DecisionLog,
    Register,
    close,
    decide,
    members,
    override,
    propose,
    require,
    subjects,
    vote,
)
from workbench.errors import WorkbenchError
from workbench.purpose import charter as ch
from workbench.purpose import deliberation as dl

from .consent_support import make_scope


def _charter(store, rule=None, quorum=None):
    c = ch.Charter(title="T", problem="P", community="C", intended_uses=[ch.Item("sort")],
                   out_of_scope=[ch.Item("decide care")], footprint_kwh=0.5,
                   criteria=[ch.Criterion("accuracy", 0.8, ">=", "overall")], gate_rule=rule, quorum=quorum)
    ch.save_draft(store, c, "draft")
    ch.record_decision(store, present=5, in_favour=5, against=0, abstain=0, rule="majority")


def _people(store, n):
    return [dl.join(store, "en") for _ in range(n)]


# -- the gates refuse what was not agreed -------------------------------------------------------------
def test_publishing_a_scope_needs_the_communitys_decision_on_exactly_that_scope(project):
    scope = make_scope()
    with pytest.raises(WorkbenchError, match="has not decided to publish this consent scope") as exc:
        S.publish(project.store, scope)
    assert exc.value.key == "decisions.error.no_decision.scope"
    assert not project.store.events(kinds=["scope.published"])
    other = make_scope(holder="Another co-op")  # a decision on another scope allows nothing here
    decide(project.store, "scope", subjects.scope(other), present=4, in_favour=4, against=0)
    with pytest.raises(WorkbenchError, match="has not decided"):
        S.publish(project.store, scope)
    d = decide(project.store, "scope", subjects.scope(scope), present=4, in_favour=3, against=1)
    version = S.publish(project.store, scope)
    ev = project.store.events(kinds=["scope.published"])[-1]
    assert version.version == 1 and ev.payload["community_decision"] == d.id
    assert DecisionLog.load(project.store).get(d.id).used_by == ev.seq  # a decision allows its gate once


def test_a_decision_that_did_not_pass_is_named_in_the_refusal(project):
    scope = make_scope()
    d = decide(project.store, "scope", subjects.scope(scope), present=9, in_favour=5, against=4)  # two thirds: no
    assert d.status == "not agreed" and d.rule == "two_thirds" and d.rule_source == "default"
    with pytest.raises(WorkbenchError, match=f"did not agree.*{d.id}"):
        S.publish(project.store, scope)


def test_the_rule_and_quorum_come_from_the_charter_and_are_stored_with_the_proposal(project):
    store = project.store
    codes = _people(store, 10)
    for code in codes[:8]:
        members.add(store, code)
    members.add(store, codes[8], ["data_worker"])  # recorded, but does not vote
    _charter(store, rule="consensus", quorum=0.5)
    scope = make_scope()
    few = decide(store, "scope", subjects.scope(scope), present=3, in_favour=3, against=0)
    assert few.status == "no quorum" and few.quorum_needed == 4 and few.rule == "consensus"
    assert few.rule_source == "charter v1"
    one_against = decide(store, "scope", subjects.scope(scope), present=6, in_favour=5, against=1)
    assert one_against.status == "not agreed"  # consensus: no one against
    ok = decide(store, "scope", subjects.scope(scope), present=6, in_favour=5, against=0, abstain=1)
    assert ok.status == "agreed"
    assert require(store, "scope", scope.content_hash).id == ok.id
    # A charter agreed later with another rule does not change how an earlier decision was taken.
    _version, c = ch.CharterHistory.load(store).draft()
    c.gate_rule = "majority"
    ch.save_draft(store, c, "majority rule")
    ch.record_decision(store, present=5, in_favour=5, against=0, abstain=0)
    assert DecisionLog.load(store).get(one_against.id).rule == "consensus"


def test_a_charter_without_gate_fields_keeps_its_hash():
    c = ch.Charter(title="T")
    assert "gate_rule" not in c.to_dict() and "quorum" not in c.to_dict()
    same = ch.Charter.from_dict(c.to_dict())
    assert same.hash() == c.hash()
    with pytest.raises(WorkbenchError, match="quorum"):
        ch.Charter(title="T", quorum=1.5).validate()
    with pytest.raises(WorkbenchError, match="not a decision rule"):
        ch.Charter(title="T", gate_rule="loudest").validate()


def test_members_vote_from_phones_and_the_phones_are_tallied(project):
    store = project.store
    codes = _people(store, 6)
    for code in codes[:4]:
        members.add(store, code)
    scope = make_scope()
    d = propose(store, "scope", subjects.scope(scope), "Publish the scope", "Training and evaluation by choice.")
    assert d.status == "open" and d.open_to_phones
    with pytest.raises(WorkbenchError, match="already open"):
        propose(store, "scope", subjects.scope(scope))
    with pytest.raises(WorkbenchError, match="still open"):
        S.publish(store, scope)
    vote(store, d.id, codes[0], "agree")
    vote(store, d.id, codes[1], "disagree")
    vote(store, d.id, codes[1], "agree")  # changed their mind: the last vote counts
    vote(store, d.id, codes[2].upper(), "abstain")  # a code as typed on a phone
    with pytest.raises(WorkbenchError, match="Only members"):
        vote(store, d.id, codes[5], "agree")  # joined the discussion, not in the register
    with pytest.raises(WorkbenchError, match="not a vote"):
        vote(store, d.id, codes[3], "maybe")
    closed = close(store, d.id, outcome="Agreed from the phones.")
    assert (closed.method, closed.present, closed.in_favour, closed.against, closed.abstain) == ("phones", 3, 2, 0, 1)
    assert closed.status == "agreed"
    with pytest.raises(WorkbenchError, match="not open"):
        vote(store, d.id, codes[3], "agree")
    assert S.publish(store, scope).version == 1


def test_who_was_present_can_be_ticked_from_the_register_and_stays_in_the_project(project):
    store = project.store
    codes = _people(store, 5)
    for code in codes[:4]:
        members.add(store, code)
    scope = make_scope()
    with pytest.raises(WorkbenchError, match="not in the member register"):
        decide(store, "scope", subjects.scope(scope), in_favour=2, against=0, attendance=[codes[0], codes[4]])
    with pytest.raises(WorkbenchError, match="3 were counted present but 2 members were ticked"):
        decide(store, "scope", subjects.scope(scope), present=3, in_favour=2, against=0, attendance=codes[:2])
    d = decide(store, "scope", subjects.scope(scope), in_favour=3, against=0, attendance=[*codes[:3], codes[0]])
    assert d.present == 3 and d.attendance == codes[:3] and d.status == "agreed"
    assert "attendance" not in d.to_dict()  # what leaves the project never names who was there


def test_an_override_is_recorded_as_such_with_its_reason(project):
    scope = make_scope()
    with pytest.raises(WorkbenchError, match="reason"):
        override(project.store, "scope", subjects.scope(scope), "urgent")
    o = override(project.store, "scope", subjects.scope(scope), "The clinic closes tomorrow; the assembly meets "
                 "next week and will decide again.")
    assert o.status == "override" and o.allows and o.method == "override"
    version = S.publish(project.store, scope)
    assert project.store.events(kinds=["scope.published"])[-1].payload["community_decision"] == o.id
    assert version.version == 1
    assert DecisionLog.load(project.store).overrides()[0].to_dict()["reason"].startswith("The clinic")


def test_bad_counts_and_gates_are_refused_with_one_sentence(project):
    with pytest.raises(WorkbenchError, match="not a gate"):
        decide(project.store, "launch", {"hash": "x"}, present=1, in_favour=1, against=0)
    with pytest.raises(WorkbenchError, match="More people voted than were present"):
        decide(project.store, "scope", {"hash": "x"}, present=2, in_favour=2, against=1)
    with pytest.raises(WorkbenchError, match="register is empty"):
        propose(project.store, "scope", {"hash": "x"})
    assert not project.store.events(prefix="decision.")


# -- the member register ------------------------------------------------------------------------------
def test_the_register_adds_changes_and_removes_members_by_code(project):
    store = project.store
    a, b = _people(store, 2)
    with pytest.raises(WorkbenchError, match="no participant with the code"):
        members.add(store, "maria-silva-1234")
    with pytest.raises(WorkbenchError, match="not a role"):
        members.add(store, a, ["boss"])
    members.add(store, a, ["member", "steward"])
    members.add(store, b, ["facilitator"])
    reg = Register.load(store)
    assert reg.voters() == [a] and reg.may_vote(a) and not reg.may_vote(b)
    members.remove(store, a, "moved away")
    assert Register.load(store).voters() == []
    made = members.new(store, 3, ["member"])
    assert len(made) == 3 and Register.load(store).voters() == made
    assert all(m in dl.Deliberation.load(store).participants for m in made)


# -- dataset acceptance and adoption ------------------------------------------------------------------
def test_evaluation_refuses_data_the_community_has_not_accepted_and_a_new_curation_needs_a_new_decision(tmp_path):
    from workbench.curation import actions
    from workbench.curation.accept import accept
    from workbench.curation.importer import require_current
    from workbench.demo import build_demo
    from workbench.evaluation.inputs import from_project

    project = build_demo(tmp_path / "demo", n=300)
    try:
        assert from_project(project).train is not None  # the demo's community accepted its data
        ds = require_current(project.store)
        actions.exclude_rows(project.store, ds, [3], reason="a test message")
        with pytest.raises(WorkbenchError, match="changed since it was accepted") as exc:
            from_project(project)
        assert exc.value.key == "curation.error.not_accepted"
        with pytest.raises(WorkbenchError, match="has not decided to accept"):
            accept(project)
        decide(project.store, "dataset", subjects.dataset(project), present=15, in_favour=15, against=0)
        done = accept(project)
        assert done["datasheet_sha256"] and done["community_decision"]
        assert from_project(project).train is not None
    finally:
        project.close()


def test_retiring_the_model_in_use_is_a_gate_and_ends_its_use(tmp_path):
    from workbench.demo import build_demo
    from workbench.evaluation import lifecycle

    project = build_demo(tmp_path / "demo")  # the demo's full size, where a candidate is adopted
    try:
        status = lifecycle.status(project)
        assert status["state"] == "under review"  # the demo's monitoring batch and an upheld concern
        assert {r["source"] for r in status["reasons"]} == {"monitoring", "concern"}
        from workbench.ui.room import RoomView
        from workbench.ui.welcome import WelcomeView

        welcome = WelcomeView(project, "participant", "es")  # and participants see it on the stage
        assert 'data-model="under_review"' in welcome.stage_cards.value and "en revisión" in welcome.stage_cards.value
        room = RoomView(project, "pt-BR")  # the room says so, in the facilitator's language
        assert 'data-model="under-review"' in room.gates.value and "em revisão" in room.gates.value
        d = propose(project.store, "retire", subjects.for_gate(project, "retire"), "Retire it")
        vote(project.store, d.id, Register.load(project.store).voters()[0], "agree")
        room.render()
        assert "Retire it" in room.gates.value and "1 a favor" in room.gates.value  # the phones' tally, live
        close(project.store, d.id, present=3, in_favour=3, against=0)  # no quorum: 13 of 25 members needed
        with pytest.raises(WorkbenchError, match="did not agree to retire the model in use .*no quorum"):
            lifecycle.retire(project, "too many misses")
        code, out, err = run_cli(["decide", str(project.root), "retire", "--present", "15", "--for", "12",
                                  "--against", "2", "--abstain", "1", "--outcome", "Retrain with more data."])
        assert code == 0 and "agreed" in out, err
        code, out, err = run_cli(["retire", str(project.root), "--reason", "misses Campo Verde"])
        assert code == 0 and "Retired" in out, err
        assert lifecycle.status(project)["state"] == "retired" and lifecycle.in_use(project.store) is None
        room.render()
        assert 'data-model="retired"' in room.gates.value
        welcome.render()
        assert 'data-model="retired"' in welcome.stage_cards.value
        from workbench.demo.monitoring import demo_batch
        from workbench.monitoring import add_batch

        with pytest.raises(WorkbenchError, match="no longer in use"):
            add_batch(project, demo_batch(project, tmp_path / "later.csv"))
    finally:
        project.close()


def test_the_cli_records_lists_opens_closes_and_overrides(tmp_path):
    root = tmp_path / "p"
    assert run_cli(["init", str(root), "--name", "Co-op"])[0] == 0
    import workbench

    with workbench.open(root) as p:
        S.save_draft(p.store, make_scope())
        codes = _people(p.store, 3)
    code, out, err = run_cli(["decide", str(root), "scope", "--open"])
    assert code == 2 and "register is empty" in err and "Traceback" not in err
    code, out, err = run_cli(["members", "add", str(root), *codes])
    assert code == 0 and out.count("Added") == 3, err
    code, out, err = run_cli(["decide", str(root), "scope", "--open", "--title", "Publish the scope"])
    assert code == 0 and "Open for members' phones" in out, err
    decision_id = out.split()[4]
    with workbench.open(root) as p:
        for c in codes[:2]:
            vote(p.store, decision_id, c, "agree")
    code, out, err = run_cli(["decide", str(root), "close", decision_id])
    assert code == 0 and "agreed" in out and "2 for" in out, err
    code, out, err = run_cli(["consent", "publish", str(root), "--draft"])
    assert code == 0, err
    code, out, err = run_cli(["decide", str(root), "override", "dataset", "--reason", "short"])
    assert code == 2 and err.count("\n") == 1  # one line; and there is no dataset yet either
    code, out, err = run_cli(["decide", str(root), "list"])
    assert code == 0 and decision_id in out and "scope" in out
    code, out, err = run_cli(["decide", str(root), "scope", "--present", "3"])
    assert code == 2 and "counted hands" in err
    code, out, err = run_cli(["members", "list", str(root)])
    assert code == 0 and "3 in the register; 3 vote" in out
