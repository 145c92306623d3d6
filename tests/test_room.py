"""The facilitator's room without a browser: who is here by language, how far each group has got.

Groups are participants by language (presence says which app each is in; the log how far they got)
and by opinion group once the deliberation analysis finds them. Only counts, never a code.
"""

from __future__ import annotations

import pytest

from workbench import presence
from workbench.consent import cards
from workbench.consent import ledger as L
from workbench.purpose import deliberation as dl
from workbench.stages import STEP_KEYS, group_progress
from workbench.ui.room import RoomView
from workbench.ui.welcome import WelcomeView

from .consent_support import make_scope
from .gates import publish


@pytest.fixture
def mine(monkeypatch):
    """This test process announces itself like a Voila kernel; forgotten afterwards."""
    monkeypatch.setattr(presence, "_mine", None)
    return presence


def _language_of_this_process(project) -> str:
    me = [p for p in presence.connected(project.root) if p.pid == presence.os.getpid()]
    assert len(me) == 1
    return me[0].language


def test_switching_language_moves_the_person_in_the_room(project, mine):
    mine.announce(project.root, "welcome", "participant", "pt-BR")
    view = WelcomeView(project, "participant", "pt-BR")
    assert _language_of_this_process(project) == "pt-BR"
    view.language_switch.value = "es"
    assert _language_of_this_process(project) == "es"
    room = RoomView(project, "en", opinion_groups=False)
    assert "Español: 1" in room.presence.value and "Português" not in room.presence.value
    assert 'data-group="language:es"' in room.groups.value
    assert 'data-group="language:pt-BR"' not in room.groups.value


def test_a_process_that_never_announced_itself_writes_nothing(project, mine):
    view = WelcomeView(project, "participant", "en")
    view.language_switch.value = "es"
    assert presence.connected(project.root) == []


def _deliberate(store):
    """Two Portuguese speakers and one Spanish speaker, at different points of stage 1."""
    ana, bia, caro = dl.join(store, "pt-BR"), dl.join(store, "pt-BR"), dl.join(store, "es")
    s1 = dl.seed_statement(store, "Urgent first.")
    s2 = dl.seed_statement(store, "Read every message.")
    s3 = dl.add_statement(store, ana, "Nothing leaves the co-op.", "pt-BR")
    for sid in (s1, s2):
        dl.cast_vote(store, ana, sid, "agree")  # ana: wrote, voted on all but her own
    dl.cast_vote(store, bia, s1, "disagree")  # bia: voted on one of three
    return ana, bia, caro, (s1, s2, s3)


def test_progress_by_language_counts_each_step(project):
    store = project.store
    _ana, _bia, caro, _ids = _deliberate(store)
    version = publish(store, make_scope())
    caro_card = cards.verify(store, cards.issue(store, caro).code)  # consent in the app needs a card
    L.give(store, caro_card, {"train": True, "evaluate": False, "share_models": False}, scope=version, language="es")
    L.give(store, "c-paper-1", {"train": True}, scope=version, method="paper", witness="f-ana", paper_ref="form 1",
           language="")
    L.withdraw(store, caro_card, ["train"], language="es")
    got = {(g.kind, g.name): g for g in group_progress(store.events())}
    assert set(got) == {("language", "pt-BR"), ("language", "es"), ("language", "")}
    pt, es, none = got["language", "pt-BR"], got["language", "es"], got["language", ""]
    assert pt.people == 2 and pt.steps == {"purpose.joined": 2, "purpose.wrote": 1, "purpose.voted": 2,
                                           "purpose.voted_all": 1, "consent.decided": 0, "consent.withdrew": 0}
    assert es.people == 1 and es.steps["purpose.joined"] == 1 and es.steps["purpose.voted"] == 0
    assert es.steps["consent.decided"] == 1 and es.steps["consent.withdrew"] == 1
    assert pt.stage == "purpose" and es.stage == "consent"
    assert none.people == 1 and none.steps["consent.decided"] == 1 and none.stage == "consent"


def test_voted_all_agrees_with_what_each_participant_sees(project):
    store = project.store
    codes = _deliberate(store)[:3]
    delib = dl.Deliberation.load(store)
    finished = sum(1 for c in codes if delib.progress(c)[1] and delib.progress(c)[0] == delib.progress(c)[1])
    assert sum(g.steps["purpose.voted_all"] for g in group_progress(store.events())) == finished == 1
    # A new statement means nobody has voted on all of them any more.
    dl.seed_statement(store, "A late statement.")
    assert sum(g.steps["purpose.voted_all"] for g in group_progress(store.events())) == 0


def test_a_language_switch_moves_a_code_to_its_new_group(project):
    store = project.store
    code = dl.join(store, "pt-BR")
    dl.set_language(store, code, "es")
    got = {g.name: g.people for g in group_progress(store.events()) if g.kind == "language"}
    assert got == {"es": 1}


def test_room_shows_where_each_language_group_is_now_and_how_far_it_got(project, monkeypatch):
    store = project.store
    ana, bia, caro, _ids = _deliberate(store)
    # Three kernels here now: two Portuguese speakers in the purpose app, one Spanish in the consent app.
    for pid, app, lang in ((101, "purpose", "pt-BR"), (102, "purpose", "pt-BR"), (103, "consent", "es")):
        monkeypatch.setattr(presence.os, "getpid", lambda pid=pid: pid)
        presence.announce(project.root, app, "participant", lang)
    monkeypatch.setattr(presence, "_alive", lambda pid: True)
    monkeypatch.setattr(presence, "_mine", None)
    room = RoomView(project, "en", opinion_groups=False)
    html = room.groups.value
    pt_row = html.split('data-group="language:pt-BR">')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in pt_row.split("<td>")[1:]]
    # group, now, stage, people, then the steps in STEP_KEYS order
    assert cells[:4] == ["Português (Brasil)", f"{room.tr('app.purpose.title')}: 2", room.tr("stage.purpose.title"),
                         "2"]
    assert dict(zip(STEP_KEYS, cells[4:], strict=True)) == {
        "purpose.joined": "2", "purpose.wrote": "1", "purpose.voted": "2", "purpose.voted_all": "1",
        "consent.decided": "0", "consent.withdrew": "0"}
    es_row = html.split('data-group="language:es">')[1].split("</tr>")[0]
    assert room.tr("app.consent.title") + ": 1" in es_row
    for code in (ana, bia, caro):  # counts only
        assert code not in html

    # A vote arrives: the next poll shows it, no refresh needed.
    dl.cast_vote(store, bia, _ids[1], "agree")
    dl.cast_vote(store, bia, _ids[2], "pass")
    room.poll()
    pt_row = room.groups.value.split('data-group="language:pt-BR">')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in pt_row.split("<td>")[1:]]
    assert dict(zip(STEP_KEYS, cells[4:], strict=True))["purpose.voted_all"] == "2"

    # Someone switches to Spanish in the purpose app: the next tick counts them there.
    presence.update_language(project.root / presence.PRESENCE_DIR / "102.json", "es")
    room.poll()
    es_row = room.groups.value.split('data-group="language:es">')[1].split("</tr>")[0]
    assert room.tr("app.purpose.title") + ": 1" in es_row and room.tr("app.consent.title") + ": 1" in es_row

    room.language_switch.value = "pt-BR"
    assert "Onde está cada grupo" in room.groups.value


def test_room_with_nobody_yet_says_so(project):
    room = RoomView(project, "es", opinion_groups=False)
    assert "Nadie ha entrado todavía." in room.groups.value


def test_room_shows_opinion_groups_once_the_analysis_finds_them(project):
    store = project.store
    ids = [dl.seed_statement(store, f"Statement {i}.") for i in range(8)]
    # Two camps of four who vote opposite ways on every statement.
    camps = {"agree": [dl.join(store, "pt-BR") for _ in range(4)], "disagree": [dl.join(store, "es") for _ in range(4)]}
    for vote, codes in camps.items():
        for code in codes:
            for i, sid in enumerate(ids):
                dl.cast_vote(store, code, sid, vote if i % 2 else ("disagree" if vote == "agree" else "agree"))
    room = RoomView(project, "en")
    rows = [r for r in room.groups.value.split("<tr") if 'data-group="opinion:' in r]
    assert len(rows) == 2
    for row in rows:
        cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
        assert cells[0].startswith("Opinion group ") and cells[1] == "—" and cells[3] == "4"
        assert dict(zip(STEP_KEYS, cells[4:], strict=True)) == {
            "purpose.joined": "4", "purpose.wrote": "0", "purpose.voted": "4", "purpose.voted_all": "4",
            "consent.decided": "—", "consent.withdrew": "—"}
    assert all(code not in room.groups.value for codes in camps.values() for code in codes)


def test_the_room_reruns_the_opinion_analysis_only_when_the_talk_changed_and_not_too_often(project, monkeypatch):
    from workbench.purpose import analysis
    from workbench.ui import room as room_module

    runs = []
    real = analysis.analyse
    monkeypatch.setattr(analysis, "analyse", lambda delib, **kw: runs.append(1) or real(delib, **kw))
    store = project.store
    code = dl.join(store, "es")
    sid = dl.seed_statement(store, "A.")
    room = RoomView(project, "en")
    assert len(runs) == 1
    store.append("dataset.noted", {"n": 1}, actor="facilitator")  # the log grew, the conversation did not
    room.poll()
    assert len(runs) == 1
    dl.cast_vote(store, code, sid, "agree")  # the conversation changed, but a minute has not passed
    room.poll()
    room.poll()
    assert len(runs) == 1
    monkeypatch.setattr(room_module, "OPINION_EVERY_S", 0.0)  # the minute is over
    room.poll()  # the log did not grow since, but the held-back change is now due
    assert len(runs) == 2
    room.poll()
    assert len(runs) == 2  # nothing new: no rerun


def test_the_room_never_shows_a_participant_code_only_person_numbers(project):
    store = project.store
    first, second = dl.join(store, "pt-BR"), dl.join(store, "es")
    sid = dl.seed_statement(store, "A.")
    dl.cast_vote(store, second, sid, "agree")
    dl.cast_vote(store, first, sid, "disagree")
    room = RoomView(project, "pt-BR")
    shown = room.activity.value + room.groups.value + room.presence.value
    assert first not in shown and second not in shown  # a code lets its holder resume as that person
    assert "Pessoa 1" in room.activity.value and "Pessoa 2" in room.activity.value
    assert "Facilitação" in room.activity.value  # the seeded statement


def test_person_n_is_the_same_person_on_the_desk_and_in_the_room(project):
    """One roster (issue 23): the desk numbered by joining, the room by anyone's first event; now both the
    deliberation's join order, whatever else happened in the log in between."""
    import re

    from workbench.ui.purpose.facilitator import FacilitatorView

    store = project.store
    first = dl.join(store, "en")
    # Someone outside the discussion acts before the second participant joins (a paper consent).
    publish(store, make_scope())
    L.give(store, "c-0001", {"train": True, "evaluate": True}, at="2026-01-01", method="paper", witness="f-ana",
           paper_ref="form 1")
    second = dl.join(store, "en")
    sid = dl.add_statement(store, second, "Urgent messages first, please")
    assert dl.Deliberation.load(store).roster() == {first: 1, second: 2}
    desk = FacilitatorView(project, "en")
    card = re.search(rf'data-statement="{sid}".*?</div>', desk.statement_list.value, re.S).group(0)
    assert "Person 2" in card
    room = RoomView(project, "en")
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>", room.activity.value)
    assert ("Person 2", "statement.added") in rows
    assert any(kind == "consent.granted" and who != "Person 2" for who, kind in rows)
    assert second not in room.activity.value and second not in desk.statement_list.value  # never the code
