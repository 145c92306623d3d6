"""Every participant app on a 375-pixel-wide phone: no sideways scrolling, 44-pixel touch targets, axe-core.

The apps come from the registry (``workbench.apps``: every app a participant may open), so a new
participant app is checked without touching this file. Each is opened with the workshop code in
Portuguese (the demo's language, and the longest words of our three) and checked on its first
screen; apps with more screens (``SCREENS``) are walked through them and checked on each.

On every screen:

- the page does not scroll sideways (``document.documentElement.scrollWidth`` <= 375), no ``.wb-app``
  box scrolls sideways, and nothing in the app sticks out past the right edge;
- every visible interactive control (buttons, toggle buttons, links, inputs, selects, text areas,
  anything with a role or a tab stop) is at least 44 x 44 pixels. A checkbox or radio button counts
  with the label that wraps or names it (tapping the label toggles it). Documented exception: the
  *width* of a text field (text inputs and text areas) is not checked, only its height;
- axe-core (from the npm registry, ``tests/browser/axe``), injected with ``page.add_script_tag``,
  finds no serious or critical violation on the whole page, and no violation at all, of any impact, of
  the landmark and label rules (``KEPT_FIXED``): the page has one ``<main>`` holding the app (the
  workbench Voila template), and every form field is named;
- every visible text field, text area, select and checkbox in the app has a ``<label>`` tied to it
  (``el.labels``) or an ``aria-label`` / ``aria-labelledby``: a placeholder or a title does not count,
  since a placeholder disappears as soon as one types;
- every button's accessible name (Chromium's accessibility tree) is its words: the icons beside
  choices (``workbench.ui.icons``) stay out of it.

All problems of a screen are reported together, readably.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Expect

from workbench import apps
from workbench.i18n import Translator

from .axe import AxeUnavailable, blocking, describe, run_axe

pytestmark = pytest.mark.browser

expect = Expect()
expect.set_options(timeout=30_000)  # a kernel's answer on a busy 2-core machine

WIDGET_TIMEOUT_MS = 90_000
WIDTH = 375
PHONE = {"viewport": {"width": WIDTH, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "pt-BR"}
LANG = "pt-BR"
TR = Translator(LANG)
MIN_TARGET_PX = 44
PARTICIPANT_APPS = [a for a in apps.APPS if apps.PARTICIPANT in a.roles]

# axe-core rules fixed once and kept fixed at any impact (moderate ones included).
KEPT_FIXED = ("landmark-one-main", "region", "landmark-no-duplicate-main", "landmark-main-is-top-level", "label",
              "label-title-only", "aria-input-field-name")

# Form fields of the app without a label tied to them (a placeholder or title does not count).
UNLABELLED_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('.wb-app input:not([type=hidden]), .wb-app textarea, .wb-app select')) {
    const r = el.getBoundingClientRect();
    if (getComputedStyle(el).visibility !== 'visible' || r.width === 0 || r.height === 0) continue;
    const named = (el.labels && [...el.labels].some(l => l.innerText.trim())) ||
                  (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby');
    if (!named) out.push(`<${el.tagName.toLowerCase()} type=${el.type}> has no label tied to it`);
  }
  return out;
}"""

# Resolves once nothing in the page has changed for a while: the widgets of a screen have all arrived.
SETTLED_JS = """(quietMs) => {
  if (!window.__wbMutations) {
    window.__wbMutations = {last: performance.now()};
    new MutationObserver(() => { window.__wbMutations.last = performance.now(); })
      .observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  }
  return performance.now() - window.__wbMutations.last > quietMs;
}"""

SIDEWAYS_JS = """(width) => {
  const out = [];
  const doc = document.documentElement.scrollWidth;
  if (doc > width) out.push(`the page is ${doc}px wide: it scrolls sideways on a ${width}px screen`);
  for (const box of document.querySelectorAll('.wb-app')) {
    if (box.scrollWidth > box.clientWidth + 1)
      out.push(`a .wb-app box scrolls sideways by ${box.scrollWidth - box.clientWidth}px`);
  }
  for (const el of document.querySelectorAll('.wb-app *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 0.5)
      out.push(`<${el.tagName.toLowerCase()} class="${el.className}"> ends at ${Math.round(r.right)}px`);
  }
  return out;
}"""

TARGETS_JS = """(min) => {
  const controls = 'button, a[href], input:not([type=hidden]), select, textarea, summary, ' +
    '[role=button], [role=link], [role=tab], [role=checkbox], [role=radio], [role=switch], [role=option], ' +
    '[tabindex]:not([tabindex="-1"])';
  const textField = 'textarea, input:not([type]), input[type=text], input[type=search], input[type=email], ' +
    'input[type=tel], input[type=url], input[type=password], input[type=number], input[type=date]';
  const name = el => ((el.labels && el.labels.length && el.labels[0].innerText) || el.getAttribute('aria-label') ||
                      el.innerText || el.placeholder || el.getAttribute('title') || el.value || '').trim().slice(0, 40);
  const out = [];
  for (const el of document.querySelectorAll(controls)) {
    const style = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (style.visibility !== 'visible' || r.width === 0 || r.height === 0) continue;  // not shown
    let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      for (const label of el.labels || []) {  // tapping the label toggles the box
        const q = label.getBoundingClientRect();
        if (q.width === 0 || q.height === 0) continue;
        [left, top, right, bottom] = [Math.min(left, q.left), Math.min(top, q.top),
                                      Math.max(right, q.right), Math.max(bottom, q.bottom)];
      }
    }
    const w = right - left, h = bottom - top;
    const narrowOk = el.matches(textField);  // documented exception: a text field's width
    if (h < min - 0.5 || (!narrowOk && w < min - 0.5)) {
      const what = el.tagName.toLowerCase() + (el.type ? `[type=${el.type}]` : '');
      out.push(`${what} "${name(el)}" is ${Math.round(w)} x ${Math.round(h)}px (at least ${min} x ${min})`);
    }
  }
  return out;
}"""


def icon_in_a_name(page) -> list[str]:
    """Buttons whose accessible name (Chromium's own tree) carries one of our icons."""
    from workbench.ui.icons import ICONS

    symbols = set(ICONS.values()) - {"?"}  # "?" may end a question
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    out = []
    for node in nodes:
        name = str(node.get("name", {}).get("value", ""))
        if node.get("role", {}).get("value") == "button" and any(s in name for s in symbols):
            out.append(f"the button {name!r} has an icon in its accessible name")
    return out


def settle(page, quiet_ms: int = 600) -> None:
    page.wait_for_function(SETTLED_JS, arg=quiet_ms, polling=100, timeout=30_000)


def open_app(page, server, app: apps.App) -> None:
    target = quote(app.url("/", LANG), safe="")
    page.goto(f"{server.base_url}/login?code={server.codes.workshop}&next={target}", wait_until="commit")
    page.locator(".wb-app h1").first.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    settle(page)


def button(page, key: str):
    return page.get_by_role("button", name=TR(key), exact=True)


def check_screen(page, label: str, shot) -> list[str]:
    """Every problem of the screen shown now, each line prefixed with ``label``."""
    problems = [f"{label}: {p}" for p in page.evaluate(SIDEWAYS_JS, WIDTH)]
    problems += [f"{label}: touch target: {p}" for p in page.evaluate(TARGETS_JS, MIN_TARGET_PX)]
    problems += [f"{label}: {p}" for p in page.evaluate(UNLABELLED_JS)]
    problems += [f"{label}: {p}" for p in icon_in_a_name(page)]
    try:
        found = run_axe(page)
    except AxeUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    violations = blocking(found)
    if violations:
        problems.append(f"{label}: axe-core, serious or critical:\n" + describe(violations))
    kept = [v for v in found if v["id"] in KEPT_FIXED and v not in violations]
    if kept:
        problems.append(f"{label}: axe-core, landmark or label (any impact):\n" + describe(kept))
    shot(page, f"phone-a11y-{label}")
    return problems


# -- screens after the first, per app -------------------------------------------------------------
def _purpose_joined(page) -> None:
    button(page, "purpose.join.new").click()
    page.locator(".wb-app .wb-code[data-code]").wait_for(state="visible")


def _purpose_voted(page) -> None:
    page.locator(".wb-app .wb-statement[data-statement]").wait_for(state="visible")
    button(page, "purpose.vote.pass").click()
    expect(page.locator(".wb-app")).to_contain_text(TR("purpose.vote.saved"))


def _purpose_refused(page) -> None:
    button(page, "purpose.write.submit").click()  # nothing typed: refused, in words
    expect(page.locator(".wb-app .wb-error").first).to_be_visible()


def _consent_refused(page) -> None:
    page.locator(".wb-app .wb-consent-code input").fill("not a code!")
    button(page, "consent.app.begin").click()
    expect(page.locator(".wb-app .wb-error")).to_have_text(TR("consent.card.bad_shape"))


_CARD: dict[str, str] = {}  # the contributor card the consent walk starts from (issued by the test)


def _consent_decision(page) -> None:
    page.locator(".wb-app .wb-consent-code input").fill(_CARD["code"])
    button(page, "consent.app.begin").click()
    step = page.locator(".wb-app [data-step]")
    while True:  # on to the first use the person chooses (yes / no)
        expect(step).to_be_visible()
        if page.locator(".wb-app .wb-answer").is_visible():
            return
        number = step.inner_text()
        button(page, "consent.app.next").click()
        expect(step).not_to_have_text(number)


def _consent_review(page) -> None:
    step = page.locator(".wb-app [data-step]")
    while step.get_attribute("data-step") != "review":
        number = step.inner_text()
        if page.locator(".wb-app .wb-answer").is_visible():
            button(page, "consent.form.yes").click()
        else:
            button(page, "consent.app.next").click()
        expect(step).not_to_have_text(number)


def _consent_receipt(page) -> None:
    button(page, "consent.app.agree").click()
    page.locator(".wb-app .wb-receipt-code").wait_for(state="visible")


def _consent_mine(page) -> None:
    line = page.locator(".wb-app .wb-receipt-code").inner_text()
    code = line.rsplit(" ", 1)[-1]
    button(page, "consent.app.start_over").click()
    box = page.locator(".wb-app .wb-receipt-input input")
    box.fill(code)
    button(page, "consent.app.open_receipt").click()
    page.locator(".wb-app .wb-check").first.wait_for(state="visible")


SCREENS = {
    "purpose": [("joined", _purpose_joined), ("refused", _purpose_refused), ("voted", _purpose_voted)],
    "consent": [("refused", _consent_refused), ("decision", _consent_decision), ("review", _consent_review),
                ("receipt", _consent_receipt), ("mine", _consent_mine)],
}


def test_every_participant_app_is_in_the_walk_or_has_one_screen():
    """A guard on this file: the walks name only registered participant apps."""
    keys = {a.key for a in PARTICIPANT_APPS}
    assert keys, "the registry has no participant app"
    assert set(SCREENS) <= keys, f"walks for apps that are not participant apps: {set(SCREENS) - keys}"


@pytest.mark.parametrize("app", PARTICIPANT_APPS, ids=[a.key for a in PARTICIPANT_APPS])
def test_participant_app_on_a_phone(make_page, server, shot, app):
    page = make_page(**PHONE)
    if app.key == "consent":  # consent starts from a contributor card, issued at the desk
        import workbench
        from workbench.consent import cards

        with workbench.open(server.project_path) as project:
            live = cards.CardRegister.load(project.store).live("c-a11y-0375")
            _CARD["code"] = cards.issue(project.store, "c-a11y-0375", witness="f-a11y" if live else "").code
    open_app(page, server, app)
    problems = check_screen(page, f"{app.key}-start", shot)
    for name, go in SCREENS.get(app.key, []):
        go(page)
        settle(page)
        problems += check_screen(page, f"{app.key}-{name}", shot)
    assert not problems, f"{app.key} on a {WIDTH}px phone ({LANG}):\n" + "\n".join(problems)
