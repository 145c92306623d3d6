"""Voting, moderation and codes, on a real event store."""

from __future__ import annotations

import pytest

from workbench.errors import WorkbenchError
from workbench.project import Project
from workbench.purpose import deliberation as d
from workbench.purpose.deliberation import Deliberation


@pytest.fixture
def project(tmp_path, backend_url):
    p = Project.init(tmp_path / "p", "Test co-op", ["en", "pt-BR", "es"], store_url=backend_url)
    yield p
    p.close()


def test_codes_are_long_and_pseudonymous(project):
    codes = {d.new_participant_code() for _ in range(200)}
    assert len(codes) > 190
    assert all(d.CODE_RE.match(c) for c in codes)
    code = d.join(project.store, "pt-BR")
    assert d.CODE_RE.match(code)
    ev = project.store.events(kinds=["participant.joined"])[-1]
    assert ev.actor == code and ev.payload == {"code": code, "language": "pt-BR"}


def test_resume_accepts_sloppy_typing_and_refuses_unknown(project):
    code = d.join(project.store)
    a, b, c, n = code.split("-")  # three words and four digits
    assert d.resume(project.store, f"  {a.upper()} {b}_{c}  {n} ") == code
    with pytest.raises(WorkbenchError) as err:
        d.resume(project.store, "lua-sol-1234" if code != "lua-sol-1234" else "lua-sol-4321")
    assert err.value.key == "purpose.error.code_unknown"
    with pytest.raises(WorkbenchError) as err:
        d.resume(project.store, "   ")
    assert err.value.key == "purpose.error.code_empty"


@pytest.mark.parametrize("text,key", [("", "purpose.error.empty"), ("  \n\t ", "purpose.error.empty"),
                                      ("x" * 281, "purpose.error.too_long")])
def test_bad_statements_are_refused_and_nothing_is_logged(project, text, key):
    code = d.join(project.store)
    before = project.store.count()
    with pytest.raises(WorkbenchError) as err:
        d.add_statement(project.store, code, text)
    assert err.value.key == key
    assert project.store.count() == before


def test_statement_of_280_chars_is_accepted_and_html_kept_as_text(project):
    code = d.join(project.store)
    sid = d.add_statement(project.store, code, "y" * 280)
    evil = "<img src=x onerror=alert(1)>"
    sid2 = d.add_statement(project.store, code, evil, topic="harm")
    delib = Deliberation.load(project.store)
    assert delib.statements[sid].text == "y" * 280
    assert delib.statements[sid2].text == evil and delib.statements[sid2].topic == "harm"


def test_unknown_participant_cannot_write(project):
    with pytest.raises(WorkbenchError) as err:
        d.add_statement(project.store, "lua-sol-1234", "hello")
    assert err.value.key == "purpose.error.code_unknown"


def test_second_vote_replaces_first_and_both_are_logged(project):
    a, b = d.join(project.store), d.join(project.store)
    sid = d.seed_statement(project.store, "Urgent messages first")
    d.cast_vote(project.store, a, sid, "agree")
    d.cast_vote(project.store, a, sid, "disagree")
    d.cast_vote(project.store, b, sid, "pass")
    delib = Deliberation.load(project.store)
    assert delib.votes_by(a) == {sid: -1}
    assert delib.votes_by(b) == {sid: 0}
    assert len(delib.votes_cast) == 3
    assert [e.payload["vote"] for e in project.store.events(kinds=["vote.cast"])] == ["agree", "disagree", "pass"]


def test_bad_vote_and_unknown_statement_refused(project):
    a = d.join(project.store)
    sid = d.seed_statement(project.store, "s")
    with pytest.raises(WorkbenchError) as err:
        d.cast_vote(project.store, a, sid, "maybe")
    assert err.value.key == "purpose.error.vote"
    with pytest.raises(WorkbenchError) as err:
        d.cast_vote(project.store, a, 9999, "agree")
    assert err.value.key == "purpose.error.no_statement"


def test_author_counts_as_agreeing_and_does_not_get_own_card(project):
    a, b = d.join(project.store), d.join(project.store)
    sid = d.add_statement(project.store, a, "mine")
    delib = Deliberation.load(project.store)
    assert delib.votes_by(a) == {sid: 1}
    assert delib.next_card(a) is None
    assert delib.next_card(b).id == sid
    assert delib.progress(b) == (0, 1)


def test_cards_one_at_a_time_fewest_votes_first_until_done(project):
    people = [d.join(project.store) for _ in range(3)]
    s1, s2 = d.seed_statement(project.store, "one"), d.seed_statement(project.store, "two")
    d.cast_vote(project.store, people[0], s1, "agree")
    delib = Deliberation.load(project.store)
    assert delib.next_card(people[1]).id == s2  # s1 already has a vote
    assert delib.next_card(people[0]).id == s2
    d.cast_vote(project.store, people[0], s2, "pass")
    assert delib.update(project.store).next_card(people[0]) is None
    assert delib.progress(people[0]) == (2, 2)


def test_hide_keeps_log_excludes_from_cards_and_votes(project):
    a = d.join(project.store)
    s1, s2 = d.seed_statement(project.store, "keep"), d.seed_statement(project.store, "spam")
    d.cast_vote(project.store, a, s2, "agree")
    d.hide(project.store, s2, "off topic")
    delib = Deliberation.load(project.store)
    assert delib.statements[s2].hidden and delib.statements[s2].hidden_reason == "off topic"
    assert [s.id for s in delib.visible_statements()] == [s1]
    assert delib.votes_by(a) == {}
    assert delib.next_card(a).id == s1
    with pytest.raises(WorkbenchError) as err:
        d.cast_vote(project.store, a, s2, "agree")
    assert err.value.key == "purpose.error.statement_hidden"
    assert project.store.events(kinds=["statement.added"])[-1].payload["text"] == "spam"
    d.show(project.store, s2)
    assert Deliberation.load(project.store).votes_by(a) == {s2: 1}


def test_merge_carries_votes_to_the_kept_statement_without_double_counting(project):
    a, b = d.join(project.store), d.join(project.store)
    keep = d.seed_statement(project.store, "Never share messages outside the co-op")
    dup = d.seed_statement(project.store, "never share messages outside!")
    d.cast_vote(project.store, a, dup, "agree")  # only on the duplicate: carried over
    d.cast_vote(project.store, b, dup, "agree")
    d.cast_vote(project.store, b, keep, "disagree")  # own vote on the kept one wins
    d.merge(project.store, dup, keep)
    delib = Deliberation.load(project.store)
    assert [s.id for s in delib.visible_statements()] == [keep]
    assert delib.votes_by(a) == {keep: 1}
    assert delib.votes_by(b) == {keep: -1}
    with pytest.raises(WorkbenchError) as err:
        d.merge(project.store, keep, keep)
    assert err.value.key == "purpose.error.merge_self"
    with pytest.raises(WorkbenchError) as err:
        d.merge(project.store, keep, dup)
    assert err.value.key in {"purpose.error.merge_self", "purpose.error.merge_hidden"}


def test_incremental_update_equals_full_fold(project):
    a = d.join(project.store)
    delib = Deliberation.load(project.store)
    s = d.seed_statement(project.store, "x")
    d.cast_vote(project.store, a, s, "agree")
    delib.update(project.store)
    full = Deliberation.load(project.store)
    assert delib.votes() == full.votes() and delib.last_seq == full.last_seq


def test_purpose_stage_starts_with_statements(project):
    assert project.stages()[0].status == "not_started"
    d.seed_statement(project.store, "x")
    assert project.stages()[0].status == "in_progress"
