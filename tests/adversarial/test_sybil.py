"""One person, one voice: what a hostile page can do over its own kernel's websocket, refused.

A browser can send ipywidgets comm messages only: button clicks and value changes. These tests drive the
views the same way (``.value``, ``.click()``) and assert on the store. Each attack was seen working
before issue 19: 31 participants and 1,200 votes in 7 s from one page, 100 statements in 2 s, ~100
participant-code guesses a second, a NUL stripped silently and "Saved" shown.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

import workbench
from workbench.errors import WorkbenchError
from workbench.i18n import Translator
from workbench.limits import TooManyTries
from workbench.purpose import deliberation as dl
from workbench.purpose.analysis import analyse
from workbench.ui.purpose.facilitator import FacilitatorView
from workbench.ui.purpose.participant import ParticipantView

EN = Translator("en")
ADDR = "addr:10.0.0.7"


def page(project, kernel: str, addr: str = ADDR, **kw) -> ParticipantView:
    """A participant's page: its own kernel, from ``addr`` (the server would set both)."""
    return ParticipantView(project, kw.pop("language", "en"), keys=lambda: [addr, f"kernel:{kernel}"], **kw)


def participants(project) -> dict:
    return dl.Deliberation.load(project.store).participants


def votes_logged(project) -> int:
    return len(project.store.events(kinds=["vote.cast"]))


# -- joining in open mode -------------------------------------------------------------------------------
def test_one_page_clicking_i_am_new_thirty_times_is_one_participant(project):
    view = page(project, "k1")
    for _ in range(30):
        view.new_button.click()
    assert len(participants(project)) == 1
    assert view.code in participants(project)


def test_new_pages_from_one_address_are_capped_with_a_sentence(project):
    assert project.config.workshop.joins_per_hour == 3  # the default
    pages = [page(project, f"k{i}") for i in range(30)]
    for view in pages:
        view.new_button.click()
    joined = [v for v in pages if v.code]
    assert len(joined) == 3 and len(participants(project)) == 3
    refused = pages[3]
    assert refused.code is None
    assert "wb-error" in refused.join_status.value
    assert "Too many new participants were made from this device" in refused.join_status.value
    # Another address still joins: the cap is per page, browser session and address, not the room's.
    other = page(project, "k99", addr="addr:10.0.0.8")
    other.new_button.click()
    assert other.code and len(participants(project)) == 4


def test_one_page_is_capped_even_from_many_addresses(project):
    project.config.workshop.joins_per_hour = 2
    made = []
    for i in range(5):
        view = page(project, "same-kernel", addr=f"addr:10.0.1.{i}")
        view.new_button.click()
        made.append(view.code)
    assert sum(1 for c in made if c) == 2


def test_the_join_cap_is_a_setting_and_refuses_in_the_persons_language(project):
    project.config.workshop.joins_per_hour = 1
    page(project, "a").new_button.click()
    view = page(project, "b", language="pt-BR")
    view.new_button.click()
    assert view.code is None
    assert Translator("pt-BR")("purpose.error.too_many_joins", minutes=60).split(".")[0] in view.join_status.value


def test_the_log_holds_keyed_hashes_of_the_source_never_the_address(project):
    page(project, "kernel-abc", addr="addr:203.0.113.9").new_button.click()
    (ev,) = project.store.events(kinds=["participant.joined"])
    sources = ev.payload["sources"]
    assert [s.split(":")[0] for s in sources] == ["addr", "kernel"]
    text = repr(ev.payload)
    assert "203.0.113.9" not in text and "kernel-abc" not in text


# -- the burst flag --------------------------------------------------------------------------------------
def test_joins_in_a_burst_are_flagged_for_the_facilitator_only(project):
    project.config.workshop.joins_per_hour = 0  # off: the flag must still catch what a raised cap lets in
    burst = [page(project, "sybil") for _ in range(4)]
    for view in burst:
        view.new_button.click()
    loner = page(project, "honest", addr="addr:10.9.9.9")
    loner.new_button.click()
    a = analyse(dl.Deliberation.load(project.store))
    kinds = {b["source"] for b in a.bursts}
    assert "kernel" in kinds or "addr" in kinds
    flagged = set().union(*(b["codes"] for b in a.bursts))
    assert flagged == {v.code for v in burst} and loner.code not in flagged
    assert "burst" not in repr(a.summary()) and not any(v.code in repr(a.summary()) for v in burst)

    desk = FacilitatorView(project, "en", charts=False)
    desk.tabs.selected_index = 1
    shown = desk.summary.value
    assert "Joined in a burst" in shown and "Person 1" in shown and "Person 4" in shown
    assert not any(v.code in shown for v in burst)  # a code lets its holder resume as that person
    assert "Person 5" not in shown.split("Joined in a burst")[1]


def test_joins_spread_over_time_are_not_a_burst(project):
    d = dl.Deliberation()
    from workbench.store import Event

    t0 = dl._now()
    for i in range(4):
        ts = dl._stamp(t0 + timedelta(minutes=11 * i))
        d.apply([Event(i + 1, ts, f"c{i}", "participant.joined",
                       {"code": f"c{i}", "language": "en", "sources": ["addr:x"]}, "", "")])
    assert d.join_bursts() == []


# -- votes and statements at a human pace ----------------------------------------------------------------
def test_forty_agree_clicks_in_a_second_are_refused_past_the_pace(project):
    for i in range(50):
        dl.seed_statement(project.store, f"Statement number {i}")
    view = page(project, "voter")
    view.new_button.click()
    for _ in range(40):
        view.agree.click()
    assert votes_logged(project) == 30
    assert "faster than anyone can read" in view.vote_status.value and "wb-error" in view.vote_status.value


def test_the_vote_pace_is_checked_from_the_log_with_an_injectable_clock(project):
    rules = dl.Rules(votes_per_minute=3)
    code = dl.join(project.store)
    sids = [dl.seed_statement(project.store, f"s{i}") for i in range(5)]
    for sid in sids[:3]:
        dl.cast_vote(project.store, code, sid, "agree", rules=rules)
    with pytest.raises(WorkbenchError) as refused:
        dl.cast_vote(project.store, code, sids[3], "agree", rules=rules)
    assert refused.value.key == "purpose.error.vote_pace" and 1 <= refused.value.params["seconds"] <= 60
    dl.cast_vote(project.store, code, sids[3], "agree", rules=rules, now=dl._now() + timedelta(seconds=61))
    assert votes_logged(project) == 4


def test_a_hundred_statements_in_two_seconds_are_refused_past_the_pace(project):
    view = page(project, "writer")
    view.new_button.click()
    for i in range(100):
        view.text.value = f"Spam statement {i}"
        view.submit.click()
    added = project.store.events(kinds=["statement.added"])
    assert len(added) == 10
    assert "statements in the last hour" in view.write_status.value
    assert view.text.value == "Spam statement 99"  # kept, as for every refusal
    later = dl._now() + timedelta(hours=1, seconds=1)
    dl.add_statement(project.store, view.code, "An hour later", rules=view.rules, now=later)


def test_pace_limits_are_settings(project):
    project.config.workshop.votes_per_minute = 2
    project.config.workshop.statements_per_hour = 1
    for i in range(3):
        dl.seed_statement(project.store, f"s{i}")
    view = page(project, "slow")
    view.new_button.click()
    for _ in range(3):
        view.agree.click()
    assert votes_logged(project) == 2
    for text in ("one", "two"):
        view.text.value = text
        view.submit.click()
    assert len(project.store.events(kinds=["statement.added"])) == 4  # 3 seeds + 1


# -- codes resist guessing -------------------------------------------------------------------------------
def test_guessing_codes_is_refused_after_ten_and_a_right_code_waits_too(project):
    code = dl.join(project.store)
    view = page(project, "guesser")
    for i in range(10):
        view.code_input.value = f"rio-coral-lua-{1000 + i}"
        view.resume_button.click()
        assert "There is no participant" in view.join_status.value
    view.code_input.value = "sol-mar-uva-5555"
    view.resume_button.click()
    assert "Too many tries" in view.join_status.value
    view.code_input.value = code
    view.resume_button.click()
    assert view.code is None and "Too many tries" in view.join_status.value
    # A fresh page from the same address is refused too (?code= in the link included).
    fresh = page(project, "guesser-2", code=code)
    assert fresh.code is None and "Too many tries" in fresh.join_status.value
    again = page(project, "guesser-3")
    again.code_input.value = code
    again.resume_button.click()
    assert again.code is None and "Too many tries" in again.join_status.value


def test_right_codes_do_not_count(project):
    code = dl.join(project.store)
    for i in range(25):
        view = page(project, f"me-{i}")
        view.code_input.value = code
        view.resume_button.click()
        assert view.code == code


def test_the_domain_resume_counts_wrong_codes_in_the_shared_limiter(project):
    from workbench.limits import for_project

    limiter, keys = for_project(project.root), ["addr:1.2.3.4", "kernel:x"]
    for i in range(10):
        with pytest.raises(WorkbenchError) as wrong:
            dl.resume(project.store, f"lua-sol-{1000 + i}", keys=keys, limiter=limiter)
        assert wrong.value.key == "purpose.error.code_unknown"
    with pytest.raises(TooManyTries):
        dl.resume(project.store, "lua-sol-2000", keys=keys, limiter=limiter)


def test_new_codes_have_three_words_and_old_two_word_codes_still_resume(project):
    code = dl.new_participant_code()
    assert len(code.split("-")) == 4 and dl.CODE_RE.match(code)
    project.store.append("participant.joined", {"code": "rio-coral-4821", "language": "en"}, actor="rio-coral-4821")
    assert dl.resume(project.store, "Rio Coral 4821") == "rio-coral-4821"
    view = page(project, "old")
    view.code_input.value = "rio coral 4821"
    view.resume_button.click()
    assert view.code == "rio-coral-4821"


def test_control_characters_in_a_code_are_dropped_never_matched():
    assert dl.normalise_code("rio\x00coral\u202e-1234") == "riocoral-1234"


# -- cards mode --------------------------------------------------------------------------------------------
@pytest.fixture
def cards_project(project):
    project.config.workshop.join_mode = "cards"
    return project


def test_cards_mode_asks_for_the_card_and_a_card_joins_once(cards_project):
    project = cards_project
    secret = dl.project_secret(project)
    codes = dl.issue_cards(project.store, 2, secret=secret)
    issued = project.store.events(kinds=["join_card.issued"])
    assert len(issued) == 2 and not any(c in repr(ev.payload) for ev in issued for c in codes)

    view = page(project, "seat-1")
    assert view.new_button not in view.join_box.children and view.card_button in view.join_box.children
    view.new_button.click()  # a hostile page can still send the click: the domain refuses it
    assert view.code is None and not participants(project)
    view.card_input.value = codes[0].upper().replace("-", " ")
    view.card_button.click()
    assert view.code == codes[0]
    (ev,) = project.store.events(kinds=["participant.joined"])
    assert ev.payload["card"] == dl.card_digest(codes[0], secret)

    # The same card again: never a second participant (its holder comes back as themselves).
    with pytest.raises(WorkbenchError) as used:
        dl.join_with_card(project.store, codes[0], rules=view.rules)
    assert used.value.key == "purpose.error.card_used"
    again = page(project, "seat-1-again", addr="addr:10.0.0.99")
    again.card_input.value = codes[0]
    again.card_button.click()
    assert again.code == codes[0] and len(participants(project)) == 1
    # Through the QR code's ?card= link.
    qr = page(project, "seat-2", addr="addr:10.0.0.98", card=codes[1])
    assert qr.code == codes[1] and len(participants(project)) == 2


def test_wrong_cards_count_against_the_shared_limiter(cards_project):
    project = cards_project
    (card,) = dl.issue_cards(project.store, 1, secret=dl.project_secret(project))
    view = page(project, "card-guesser")
    for i in range(10):
        view.card_input.value = f"rio-coral-lua-{2000 + i}"
        view.card_button.click()
        assert "not a join card" in view.join_status.value
    view.card_input.value = card
    view.card_button.click()
    assert view.code is None and "Too many tries" in view.join_status.value
    # ... and the same limiter guards "Continue with my code" from that address.
    view.code_input.value = card
    view.resume_button.click()
    assert "Too many tries" in view.join_status.value
    assert not participants(project)


def test_join_cards_sheet_from_the_cli(tmp_path):
    import workbench
    from workbench.cli import main

    root = tmp_path / "p"
    workbench.init(root, "Card co-op", ["en", "es"]).close()
    assert main(["purpose", "join-cards", str(root), "--count", "3", "--url", "http://192.168.0.10:8866",
                 "--language", "es"]) == 0
    (sheet,) = (root / "artifacts" / "join-cards").glob("*.html")
    html = sheet.read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "@media print" in html and "Tarjetas de entrada" in html
    with workbench.open(root) as project:
        assert len(project.store.events(kinds=["join_card.issued"])) == 3
        codes = re.findall(r'class="code">([a-z0-9-]+)<', html)
        assert len(codes) == 3 and all(dl.CODE_RE.match(c) for c in codes)
        project.config.workshop.join_mode = "cards"
        assert dl.join(project.store, rules=dl.Rules.for_project(project), card=codes[0]) == codes[0]
    assert main(["purpose", "join-cards", str(root), "--count", "0"]) == 2


def test_the_desk_prints_join_cards(cards_project):
    desk = FacilitatorView(cards_project, "en", charts=False)
    desk.cards_count.value = 4
    desk.cards_button.click()
    assert "4 join cards written to" in desk.status.value
    assert "Join cards: 4 issued, 0 used." in desk.cards_info.value
    assert len(list((cards_project.artifacts_dir / "join-cards").glob("*.html"))) == 1


# -- free text: nothing stripped silently ------------------------------------------------------------------
@pytest.mark.parametrize("text", ["Read urgent\x00 messages first", "Read \u202eurgent messages first",
                                  "Read\u200b urgent messages first"])
def test_a_nul_bidi_or_zero_width_in_a_statement_is_refused_not_stripped(project, text):
    view = page(project, "typist")
    view.new_button.click()
    before = project.store.count()
    view.text.value = text
    view.submit.click()
    assert "wb-error" in view.write_status.value and EN("purpose.write.saved") not in view.write_status.value
    assert "invisible or control character" in view.write_status.value
    assert view.text.value == text and project.store.count() == before


# -- settings ----------------------------------------------------------------------------------------------
def test_old_workbench_toml_gets_the_defaults_and_bad_values_are_refused(tmp_path):
    from workbench.project import ProjectConfig

    old = '[project]\nname = "a"\nid = "b"\n[workshop]\npreheated_kernels = 1\n'
    shop = ProjectConfig.from_toml(old, tmp_path / "workbench.toml").workshop
    assert (shop.join_mode, shop.joins_per_hour, shop.votes_per_minute, shop.statements_per_hour) == \
        ("open", 3, 30, 10)
    for bad in ('join_mode = "lottery"', "joins_per_hour = -1", 'votes_per_minute = "fast"'):
        with pytest.raises(WorkbenchError):
            ProjectConfig.from_toml(old + bad + "\n", tmp_path / "workbench.toml")
    cards = ProjectConfig.from_toml(old + 'join_mode = "cards"\n', tmp_path / "workbench.toml")
    assert ProjectConfig.from_toml(cards.to_toml(), tmp_path / "x").workshop.join_mode == "cards"


def test_a_cards_qr_logs_in_and_lands_on_the_purpose_app_with_the_card():
    from urllib.parse import parse_qs, urlsplit

    from workbench.purpose.join_cards import card_link

    link = card_link("http://192.168.0.10:8866/p/login?code=ABCD2345", "rio-sol-lua-1234", "es")
    parts = urlsplit(link)
    assert parts.path == "/p/login" and parse_qs(parts.query)["code"] == ["ABCD2345"]
    assert parse_qs(parts.query)["next"] == ["/p/voila/render/purpose.ipynb?card=rio-sol-lua-1234&lang=es"]
    assert card_link(None, "rio-sol-lua-1234") == "rio-sol-lua-1234"


def test_flipping_the_language_switch_does_not_flood_the_log(project):
    view = page(project, "flipper")
    view.new_button.click()
    for i in range(100):
        view.language_switch.value = "pt-BR" if i % 2 == 0 else "en"
    changes = project.store.events(kinds=["participant.language_set"])
    assert len(changes) == dl.LANGUAGE_CHANGES_PER_HOUR
    assert view.language == "en"  # the screen followed every click


def test_a_contributor_card_code_is_refused_by_name_in_the_discussion(tmp_path):
    """The two codes are two different things: the discussion names a card code as such, and never counts it."""
    from workbench.consent import cards
    from workbench.limits import Limiter
    from workbench.purpose import deliberation as dl

    project = workbench.init(tmp_path / "p", "Cards apart")
    limiter = Limiter(project.root)
    code = cards.new_code()  # as printed: XXXX-XXXX-XXXX
    for typed in (code, code.replace("-", ""), code.lower(), code.replace("-", " ")):
        with pytest.raises(WorkbenchError) as caught:
            dl.resume(project.store, typed, keys=["addr:x"], limiter=limiter)
        assert caught.value.key == "purpose.error.card_code"
    limiter.check(["addr:x"])  # none of them counted as a wrong guess
    project.close()
