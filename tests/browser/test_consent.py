"""The consent apps in headless Chromium against the real ``workbench serve``, on a phone, in Portuguese.

A contributor on a 375-pixel-wide screen starts from their contributor card (issued at the desk; a
contributor id proves nothing), gives consent one decision per screen, gets a receipt code,
and on a later visit withdraws part of it with that code; the facilitator's coverage (scope app)
changes with each. Script payloads go into every field a contributor can type in; they must stay
text (no dialog, no element made from them). Every page is guarded (see conftest).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Expect

import workbench
from workbench.consent import cards
from workbench.consent import ledger as L
from workbench.consent.scope import CHOOSES, ScopeHistory
from workbench.consent.uses import USES
from workbench.i18n import Translator

pytestmark = pytest.mark.browser

# This module's own expect: a kernel answers a click in well under a second on a quiet laptop, in
# seconds when other kernels start or import on a busy 2-core machine (Playwright's default is 5 s).
expect = Expect()
expect.set_options(timeout=30_000)

WIDGET_TIMEOUT_MS = 90_000
LANG = "pt-BR"
TR = Translator(LANG)
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "pt-BR"}
PAYLOADS = ("<img src=x onerror=alert(1)>", "\"><script>alert(2)</script>", "<svg onload=alert(3)>")
CONTRIBUTOR = "c-browser-0375"  # a code the demo's ledger does not have
ANSWERS = {"train": True, "evaluate": True}  # every other use the person chooses: no
APP = "div.widget-vbox.wb-app"  # the app's own box (an unexpected-error line above it is also .wb-app)


def use_title(use: str) -> str:
    return TR(USES[use].title_key)


def app_url(server, code: str, notebook: str) -> str:
    return f"{server.base_url}/login?code={code}&next={quote(f'/voila/render/{notebook}?lang={LANG}', safe='')}"


def guard_scripts(page, dialogs: list[str]) -> None:
    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


def button(page, key: str, **params):
    return page.get_by_role("button", name=TR(key, **params), exact=True)


def assert_payloads_stayed_text(page) -> None:
    made = page.evaluate("""() => [...document.querySelectorAll('.wb-app img, .wb-app script, .wb-app svg[onload]')]
                              .map(e => e.outerHTML.slice(0, 120))""")
    assert made == [], f"contributor text became markup: {made}"


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"the page scrolls sideways: {width}px"


def coverage(desk) -> dict[str, dict[str, int]]:
    """The facilitator's coverage table as {use: {reason: count}}."""
    return desk.evaluate("""() => Object.fromEntries([...document.querySelectorAll('table.wb-coverage tr[data-use]')]
        .map(tr => [tr.dataset.use, Object.fromEntries([...tr.querySelectorAll('td[data-reason]')]
            .map(td => [td.dataset.reason, parseInt(td.textContent, 10)]))]))""")


def refreshed_coverage(desk, before: dict, use: str, changes: dict[str, int]) -> dict:
    """Press the desk's refresh until the table shows ``changes`` against ``before`` (or time out)."""
    want = {**before[use], **{r: before[use][r] + d for r, d in changes.items()}}
    row = desk.locator(f'table.wb-coverage tr[data-use="{use}"]')
    button(desk, "consent.scope.refresh").click()
    for reason, count in want.items():
        expect(row.locator(f'td[data-reason="{reason}"]')).to_have_text(str(count))
    return coverage(desk)


def chart_svg(desk) -> str:
    chart = desk.locator(".wb-app .wb-chart svg").first
    expect(chart).to_be_visible()
    return chart.inner_html()


def test_contributor_consents_and_withdraws_on_a_phone_in_portuguese(make_page, server, shot):
    dialogs: list[str] = []
    with workbench.open(server.project_path) as project:
        scope = ScopeHistory.load(project.store).latest
        live = cards.CardRegister.load(project.store).live(CONTRIBUTOR)  # at the desk: a card, shown once
        card = cards.issue(project.store, CONTRIBUTOR, actor="facilitator", witness="f-browser" if live else "")
    assert scope is not None, "the demo has a published scope"
    choosable = [u for u in scope.scope.offered() if scope.scope.uses[u] == CHOOSES]
    assert {"train", "evaluate"} <= set(choosable)

    # The facilitator's scope app (a fresh kernel with pandas and Altair) and the phone open together.
    desk = make_page(locale="pt-BR")
    phone = make_page(**PHONE)
    for page in (desk, phone):
        guard_scripts(page, dialogs)
    desk.goto(app_url(server, server.codes.facilitator, "scope.ipynb"), wait_until="commit")
    phone.goto(app_url(server, server.codes.workshop, "consent.ipynb"), wait_until="commit")

    app = phone.locator(APP)
    who = phone.locator(".wb-app .wb-consent-code input")
    who.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    expect(app.locator("h1")).to_have_text(TR("consent.app.title"))
    assert_fits_the_phone(phone)

    # Payloads in both fields of the start screen: refused in Portuguese, shown as nothing but text.
    receipt_box = phone.locator(".wb-app .wb-receipt-input input")
    for payload in PAYLOADS:
        who.fill(payload)
        button(phone, "consent.app.begin").click()
        expect(app.locator(".wb-error")).to_have_text(TR("consent.card.bad_shape"))
        expect(who).to_have_value(payload)
        assert_payloads_stayed_text(phone)
    # (every wrong code counts against this address in the shared limiter: one payload is enough here)
    receipt_box.fill(PAYLOADS[0])
    button(phone, "consent.app.open_receipt").click()
    expect(app.locator(".wb-error")).to_have_text(TR("consent.app.unknown_code"))
    assert_payloads_stayed_text(phone)
    receipt_box.fill("")

    # The person's id from the data is not a card: it reaches nothing (it is not found, or not card-shaped).
    who.fill(CONTRIBUTOR)
    button(phone, "consent.app.begin").click()
    expect(app.locator(".wb-error")).to_have_text(
        re.compile(f"^({re.escape(TR('consent.card.unknown'))}|{re.escape(TR('consent.card.bad_shape'))})$"))
    expect(phone.locator(".wb-app [data-step]")).to_have_count(0)

    # One decision per screen, from the card (typed as someone might from paper): read, answer or go on.
    who.fill(card.code.lower().replace("-", " "))
    button(phone, "consent.app.begin").click()
    progress = phone.locator(".wb-app [data-step]")
    expect(progress).to_have_attribute("data-step", "holder")
    text = progress.inner_text()
    match = re.fullmatch(re.escape(TR("consent.app.step", number=1, total=999)).replace("999", r"(\d+)"), text)
    assert match, f"step counter {text!r}"
    total = int(match.group(1))
    answered = {}
    seen_uses = []
    for number in range(1, total + 1):
        expect(progress).to_have_text(TR("consent.app.step", number=number, total=total))
        step = progress.get_attribute("data-step")
        assert_fits_the_phone(phone)
        if step == "review":
            assert number == total
            break
        if step == "use":
            use = progress.get_attribute("data-use")
            seen_uses.append(use)
            expect(app.locator(".wb-card[data-use]")).to_have_count(1)  # one use per screen
            card = app.locator(f'.wb-card[data-use="{use}"]')  # the body may arrive just after the counter
            expect(card).to_be_visible()
            if card.get_attribute("data-choice") == CHOOSES:
                # The decision is the screen: yes or no, no "next" to skip it.
                expect(button(phone, "consent.app.next")).to_have_count(0)
                yes = ANSWERS.get(use, False)
                answered[use] = yes
                if number == 2:
                    shot(phone, "consent-phone-decision-pt-BR")
                button(phone, "consent.form.yes" if yes else "consent.form.no").click()
                continue
        button(phone, "consent.app.next").click()
    else:
        pytest.fail("the form never reached its review screen")
    assert seen_uses == list(scope.scope.offered())
    assert set(answered) == set(choosable)

    # The review shows the answers; agreeing gives a receipt with a code.
    for use, yes in answered.items():
        expect(app.locator(f'tr[data-use="{use}"]')).to_contain_text(
            TR("consent.form.answer_yes" if yes else "consent.form.answer_no"))
    shot(phone, "consent-phone-review-pt-BR")
    desk_table = desk.locator("table.wb-coverage")
    desk_table.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    before = coverage(desk)
    chart_before = chart_svg(desk)
    button(phone, "consent.app.agree").click()

    receipt = app.locator('.wb-receipt[data-kind="granted"]')
    expect(receipt).to_be_visible()
    expect(app).to_contain_text(TR("consent.app.saved_granted"))
    for use, yes in answered.items():
        expect(receipt.locator(f'li[data-use="{use}"]')).to_have_attribute("data-answer", "yes" if yes else "no")
    code_text = app.locator(".wb-receipt-code").inner_text()
    match = re.fullmatch(re.escape(TR("consent.receipt.code", code="CODE")).replace("CODE", r"([A-Z0-9-]+)"),
                         code_text.strip())
    assert match, f"receipt code line {code_text!r}"
    code = match.group(1)
    assert_fits_the_phone(phone)
    shot(phone, "consent-phone-receipt-pt-BR")
    with workbench.open(server.project_path) as project:
        ledger = L.ConsentLedger.load(project.store)
    assert ledger.contributor_for_code(code) == CONTRIBUTOR
    now = ledger.current(CONTRIBUTOR)
    assert now["train"] == now["evaluate"] == L.OK
    assert all(now[u] == L.REFUSED for u in choosable if not ANSWERS.get(u))

    # The facilitator's coverage counts the new permission.
    after_grant = refreshed_coverage(desk, before, "train", {L.OK: +1})
    assert after_grant["evaluate"][L.OK] == before["evaluate"][L.OK] + 1
    chart_after_grant = chart_svg(desk)
    assert chart_after_grant != chart_before, "the coverage chart was not redrawn"

    # Later, on another visit, the person opens their consent with the receipt code and withdraws training.
    later = make_page(**PHONE)
    guard_scripts(later, dialogs)
    later.goto(app_url(server, server.codes.workshop, "consent.ipynb"), wait_until="commit")
    later_app = later.locator(APP)
    box = later.locator(".wb-app .wb-receipt-input input")
    box.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    box.fill(code.lower().replace("-", " "))  # as someone might type it from paper
    button(later, "consent.app.open_receipt").click()
    expect(later_app).to_contain_text(TR("consent.app.my_consent_heading"))
    for use in ("train", "evaluate"):
        expect(later_app.locator(f'tr[data-use="{use}"]')).to_have_attribute("data-reason", L.OK)
    later.get_by_role("checkbox", name=use_title("train"), exact=True).check()
    assert_fits_the_phone(later)
    shot(later, "consent-phone-withdraw-pt-BR")
    button(later, "consent.app.withdraw_selected").click()
    expect(later_app.locator('.wb-receipt[data-kind="withdrawn"]')).to_be_visible()
    expect(later_app).to_contain_text(TR("consent.app.saved_withdrawn"))
    with workbench.open(server.project_path) as project:
        now = L.ConsentLedger.load(project.store).current(CONTRIBUTOR)
    assert now["train"] == L.WITHDRAWN and now["evaluate"] == L.OK

    # The coverage shows the withdrawal: one fewer permits training, one more has withdrawn.
    after_withdrawal = refreshed_coverage(desk, after_grant, "train", {L.OK: -1, L.WITHDRAWN: +1})
    assert after_withdrawal["evaluate"] == after_grant["evaluate"]
    assert chart_svg(desk) != chart_after_grant, "the coverage chart was not redrawn"
    shot(desk, "consent-desk-coverage-pt-BR")

    assert dialogs == [], f"contributor text ran as script: {dialogs}"
