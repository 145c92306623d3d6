"""The purpose app in headless Chromium against the real ``workbench serve``: a small room deliberating.

Three participants, each in their own browser context (their own phone), join with the workshop code,
get a participant code, write a statement and vote agree / disagree / pass on the others' statements;
the facilitator's desk shows their statements as they arrive and their votes in its analysis, live.
A reload resumes a participant with their code and votes; so does typing the code on another device.
One statement is an HTML/script payload: it must be shown as text everywhere, and no dialog may open.
Every page is guarded (see conftest): a console error or a request to any host but 127.0.0.1 fails.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Expect

import workbench
from workbench.i18n import Translator
from workbench.purpose import deliberation as dl

from .. import _server

pytestmark = pytest.mark.browser

# This module's own expect: a kernel answers a click in well under a second on a quiet laptop, in
# seconds when other kernels start or import on a busy 2-core machine (Playwright's default is 5 s).
expect = Expect()
expect.set_options(timeout=30_000)

WIDGET_TIMEOUT_MS = 90_000  # a kernel from an empty pool starts in seconds, more on a loaded 2-core machine
LIVE_TIMEOUT_MS = 60_000  # the desk polls the log every 5 s; the analysis imports scikit-learn once
PAYLOAD = "<img src=x onerror=alert(1)>"
LANG = "en"
TR = Translator(LANG)
# Who votes what on whose statement (by the index of the author), then one more vote on the next card.
VOTES = {0: {1: "agree", 2: "disagree"}, 1: {2: "pass", 0: "agree"}, 2: {0: "disagree", 1: "pass"}}
THIRD_VOTE = {0: "pass", 1: "disagree", 2: "agree"}
VALUE = {"agree": 1, "disagree": -1, "pass": 0}  # as the log stores them


def app_url(server, code: str, lang: str = LANG, query: str = "") -> str:
    """The join link: log in with ``code`` and land on the purpose app."""
    target = f"/voila/render/purpose.ipynb?lang={lang}{query}"
    return f"{server.base_url}/login?code={code}&next={quote(target, safe='')}"


def watch_for_script(page, dialogs: list[str], fetched: list[str]) -> None:
    """Record any dialog (and dismiss it) and any request for the payload's ``src=x``."""
    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda req: fetched.append(req.url) if re.search(r"/x(\?|$)", req.url) else None)


def vote_button(page, vote: str):
    # "👍 Agree" must not also match "👎 Disagree": anchor the catalog word at the end, allow an icon before.
    # ("/" is escaped too: Playwright writes the pattern into its selector as /source/.)
    word = re.escape(TR(f"purpose.vote.{vote}")).replace("/", r"\/")
    return page.get_by_role("button", name=re.compile(rf"^\W*{word}$"))


def progress_text(done: int, total: int) -> str:
    return TR("purpose.vote.progress", done=done, total=total)


def one_of(ids) -> re.Pattern:
    """Matches exactly one of these statement ids."""
    return re.compile("^(" + "|".join(str(s) for s in ids) + ")$")


def statement_card(page):
    return page.locator(".wb-app .wb-statement[data-statement]")


def assert_no_injected_markup(page) -> None:
    assert page.locator(".wb-app img").count() == 0, "participant text was rendered as an <img>"


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """A server of this module's own on a fresh demo project: the room's order of cards (fewest votes
    first) is only what this test expects when no other test left statements of its own in the log."""
    server = _server.start_server(tmp_path_factory.mktemp("room"), preheated_kernels=0)
    yield server
    _server.stop_server(server)


def test_three_participants_deliberate_and_the_facilitator_sees_their_votes(make_page, room, shot):
    server = room
    dialogs: list[str] = []
    fetched: list[str] = []
    with workbench.open(server.project_path) as project:
        before = dl.Deliberation.load(project.store)
    visible_before = len(before.visible_statements())

    # The desk and three phones open at once (navigations in flight together, then each waits).
    desk = make_page(locale="en-US")
    phones = [make_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-US")
              for _ in range(3)]
    for page in (desk, *phones):
        watch_for_script(page, dialogs, fetched)
    desk.goto(app_url(server, server.codes.facilitator), wait_until="commit")
    for page in phones:
        page.goto(app_url(server, server.codes.workshop), wait_until="commit")

    # The desk opens its analysis first: the first drawing imports scikit-learn while the room joins.
    desk_app = desk.locator(".wb-app")
    analysis_tab = desk.get_by_role("tab", name=TR("purpose.fac.tab.analysis"))
    analysis_tab.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    analysis_tab.click()

    # Each joins and gets a participant code of its own.
    codes = []
    for page in phones:
        join = page.get_by_role("button", name=TR("purpose.join.new"), exact=True)
        join.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
        join.click()
        code_el = page.locator(".wb-app .wb-code[data-code]")
        code_el.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
        code = code_el.get_attribute("data-code")
        assert dl.CODE_RE.match(code), f"not a participant code: {code!r}"
        expect(code_el).to_have_text(code)
        codes.append(code)
    assert len(set(codes)) == 3, f"two participants got the same code: {codes}"

    # Each writes one statement; the first one's is an HTML/script payload.
    texts = [PAYLOAD, "Answers in Guarani too, not only Portuguese.", "Urgent messages first, every night."]
    for page, text in zip(phones, texts, strict=True):
        page.get_by_role("textbox", name=TR("purpose.write.label")).fill(text)
        page.get_by_role("button", name=TR("purpose.write.submit"), exact=True).click()
        expect(page.locator(".wb-app")).to_contain_text(TR("purpose.write.saved"))
    with workbench.open(server.project_path) as project:
        delib = dl.Deliberation.load(project.store)
    ids = []
    for code, text in zip(codes, texts, strict=True):
        mine = [s for s in delib.statements.values() if s.author == code]
        assert len(mine) == 1 and mine[0].text == text, f"{code}'s statement in the log: {mine}"
        ids.append(mine[0].id)
    author_of = dict(zip(ids, range(3), strict=True))

    # Each votes on the two others' statements as VOTES says, then once more on the next card.
    total = visible_before + 2  # everything visible but one's own statement
    cast: dict[int, dict[int, str]] = {}
    for i, page in enumerate(phones):
        page.get_by_role("button", name=TR("purpose.vote.refresh"), exact=True).click()
        cast[i] = {}
        wanted = dict(VOTES[i])
        for done in range(3):
            expect(page.locator(".wb-app")).to_contain_text(progress_text(done, total))
            # The card is a widget of its own, redrawn just after the progress line: until its message
            # arrives, the previous card is still on screen. Wait for the card the order calls for.
            card = statement_card(page)
            if done < 2:
                # Fewest votes first: the new statements (no votes yet) come before the demo's (18+ each).
                expect(card, f"participant {i}: the others' statements first").to_have_attribute(
                    "data-statement", one_of(ids[a] for a in wanted))
            else:
                expect(card, f"participant {i}: a demo statement after the new ones").not_to_have_attribute(
                    "data-statement", one_of(ids))
            sid = int(card.get_attribute("data-statement"))
            vote = wanted.pop(author_of[sid]) if done < 2 else THIRD_VOTE[i]
            if sid == ids[0]:  # the payload, on someone else's phone: text, not markup
                expect(card).to_have_text(PAYLOAD)
                assert_no_injected_markup(page)
            vote_button(page, vote).click()
            expect(page.locator(".wb-app")).to_contain_text(progress_text(done + 1, total))
            expect(page.locator(".wb-app")).to_contain_text(TR("purpose.vote.saved"))
            cast[i][sid] = vote
    shot(phones[1], "purpose-phone-after-votes-en")

    # The log has exactly those votes.
    with workbench.open(server.project_path) as project:
        delib = dl.Deliberation.load(project.store)
    for i, code in enumerate(codes):
        # An author agrees with their own statement (Pol.is does the same), without a card.
        logged = {ids[i]: VALUE["agree"], **{sid: VALUE[v] for sid, v in cast[i].items()}}
        assert delib.votes_by(code) == logged, f"participant {i}'s votes in the log"

    # A reload keeps the participant's code (in the address) and their votes.
    phone = phones[0]
    expect(phone).to_have_url(re.compile(rf"[?&]code={codes[0]}(&|$)"))
    phone.reload(wait_until="commit")
    code_el = phone.locator(".wb-app .wb-code[data-code]")
    code_el.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    expect(code_el).to_have_text(codes[0])
    expect(phone.locator(".wb-app")).to_contain_text(progress_text(3, total))
    expect(statement_card(phone)).not_to_have_attribute("data-statement", one_of(cast[0]))
    shot(phone, "purpose-phone-resumed-en")

    # On another device, the same person types their code (after a payload, refused as text).
    other = make_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-US")
    watch_for_script(other, dialogs, fetched)
    other.goto(app_url(server, server.codes.workshop), wait_until="commit")
    code_box = other.get_by_role("textbox", name=TR("purpose.join.code_label"))
    code_box.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    resume = other.get_by_role("button", name=TR("purpose.join.resume"), exact=True)
    code_box.fill(PAYLOAD)
    resume.click()
    expect(other.locator(".wb-app .wb-error")).to_be_visible()
    assert_no_injected_markup(other)
    code_box.fill(codes[1])
    resume.click()
    expect(other.locator(".wb-app .wb-code[data-code]")).to_have_text(codes[1], timeout=WIDGET_TIMEOUT_MS)
    expect(other.locator(".wb-app")).to_contain_text(progress_text(3, total))

    # Meanwhile the desk's analysis has caught up (live): each new statement's votes, with the payload as text.
    from workbench.purpose.analysis import analyse

    with workbench.open(server.project_path) as project:
        delib = dl.Deliberation.load(project.store)
    ranking = {int(r["id"]): r for r in analyse(delib).consensus_ranking().to_dict("records")}
    for sid in ids:
        r = ranking[sid]
        expected = {"agree": 1, "disagree": 0, "pass": 0}  # the author's own agreement
        for i in range(3):
            if sid in cast[i]:
                expected[cast[i][sid]] += 1
        assert (r["agree"], r["disagree"], r["pass"]) == (expected["agree"], expected["disagree"], expected["pass"])
        votes = TR("purpose.fac.votes", agree=r["agree"], disagree=r["disagree"], passed=r["pass"],
                   consensus=format(r["consensus"], ".2f"))
        row = desk.locator(f'.wb-app .wb-card[data-statement="{sid}"]', has_text=votes)
        expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        expect(row).to_contain_text(texts[author_of[sid]])
    counts = analyse(delib).counts
    expect(desk_app).to_contain_text(TR("purpose.fac.counts", participants=counts["participants"],
                                        voters=counts["voters"], statements=counts["statements"],
                                        hidden=counts["hidden"], votes=counts["votes"],
                                        logged=counts["votes_logged"]))
    assert_no_injected_markup(desk)
    shot(desk, "purpose-desk-analysis-en")

    # The moderation list has the payload as text too.
    desk.get_by_role("tab", name=TR("purpose.fac.tab.moderate")).click()
    moderated = desk.locator(f'.wb-app .wb-card[data-statement="{ids[0]}"]').first
    expect(moderated).to_be_visible()
    expect(moderated).to_contain_text(PAYLOAD)
    assert_no_injected_markup(desk)
    shot(desk, "purpose-desk-moderation-en")

    assert dialogs == [], f"participant text ran as script: {dialogs}"
    assert fetched == [], f"participant text was loaded as an image: {fetched}"


@pytest.fixture(scope="module")
def card_room(tmp_path_factory):
    """A workshop in cards mode: only a printed join card lets a person in."""
    server = _server.start_server(tmp_path_factory.mktemp("cards"), preheated_kernels=0,
                                  workshop={"join_mode": "cards"})
    yield server
    _server.stop_server(server)


def test_a_join_cards_qr_link_joins_once_and_i_am_new_is_not_offered(make_page, card_room, shot):
    from workbench.purpose.join_cards import card_link, make_cards

    server = card_room
    with workbench.open(server.project_path) as project:
        sheet, cards = make_cards(project, 2, url=server.base_url)
        before = set(dl.Deliberation.load(project.store).participants)  # the demo's own room
    assert sheet.is_file()
    phone = make_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-US")
    # What the QR holds: log in with the workshop code, land on the app with ?card=.
    phone.goto(card_link(server.base_url, cards[0], LANG, server.codes.workshop), wait_until="commit")
    code_el = phone.locator(".wb-app .wb-code[data-code]")
    code_el.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    expect(code_el).to_have_text(cards[0])
    shot(phone, "purpose-phone-joined-with-card-en")

    # Another phone: no "I am new"; a made-up card is refused; the used card is its holder coming back.
    other = make_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-US")
    other.goto(app_url(server, server.codes.workshop), wait_until="commit")
    card_box = other.get_by_role("textbox", name=TR("purpose.join.card_label"))
    card_box.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    assert other.get_by_role("button", name=TR("purpose.join.new"), exact=True).count() == 0
    card_box.fill("rio-coral-lua-1234" if "rio-coral-lua-1234" not in cards else "sol-mar-uva-1234")
    other.get_by_role("button", name=TR("purpose.join.card_submit"), exact=True).click()
    expect(other.locator(".wb-app .wb-error")).to_be_visible()
    card_box.fill(cards[0])
    other.get_by_role("button", name=TR("purpose.join.card_submit"), exact=True).click()
    expect(other.locator(".wb-app .wb-code[data-code]")).to_have_text(cards[0], timeout=WIDGET_TIMEOUT_MS)
    with workbench.open(server.project_path) as project:
        delib = dl.Deliberation.load(project.store)
    assert set(delib.participants) - before == {cards[0]}, "one card, one voice"
