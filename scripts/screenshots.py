"""Screenshots of three participant apps for the README, taken from the real apps: ``make screenshots``.

Builds the demo project in a temporary folder, starts the real ``workbench serve`` on 127.0.0.1 (a free port,
no spare kernels), opens each app as a participant would (the join link with the workshop code) in headless
Chromium at 375 x 740 px, English, and saves what the phone's screen shows (the viewport, not the whole page)
to ``docs/screenshots/``: ``welcome.png``, ``purpose-vote.png`` (joined, a statement to vote on) and
``outcomes.png``. Every request to a host other than 127.0.0.1 is aborted and fails the run, as do console
errors. Debian's chromium at /usr/bin/chromium (``WORKBENCH_CHROMIUM`` to change), driven by Playwright (the
``test`` extra). Run it again after a change to the apps and commit the PNGs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 375, 740
LANG = "en"
MAX_BYTES = 150_000  # each PNG, so the README stays light to clone and to open on a phone
WAIT_MS = 120_000  # a kernel starting on a busy 2-core laptop
QUIET_JS = """(quietMs) => {
  if (!window.__quiet) {
    window.__quiet = {last: performance.now()};
    new MutationObserver(() => { window.__quiet.last = performance.now(); })
      .observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  }
  return performance.now() - window.__quiet.last > quietMs;
}"""


def start_server(workdir: Path) -> tuple[subprocess.Popen, str, str, Path]:
    """The demo served by the real CLI: (process, base URL, workshop code, log file)."""
    from workbench.demo import build_demo
    from workbench.serve.net import free_port

    project = build_demo(workdir / "demo-project")
    code = project.access_codes().workshop
    root = project.root
    project.close()
    port = free_port()
    log = workdir / "serve.log"
    command = [str(Path(sys.executable).with_name("workbench")), "serve", str(root), "--ip", "127.0.0.1",
               "--port", str(port), "--no-qr", "--preheat", "0", "--language", LANG]
    if "--language" not in subprocess.run([*command[:2], "--help"], capture_output=True, text=True).stdout:
        command = command[:-2]
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, PYTHONUNBUFFERED="1"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"workbench serve exited:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=5) as r:
                if r.status == 200:
                    return proc, base, code, log
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"workbench serve did not answer on {base} in 120 s")


def open_app(browser, base: str, code: str, notebook: str, problems: list[str]):
    """A new phone (context) on the app, logged in with the workshop code; local requests only."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True,
                                  device_scale_factor=1, locale="en-US")
    context.set_default_timeout(WAIT_MS)

    def route(r):
        host = urlsplit(r.request.url).hostname
        if urlsplit(r.request.url).scheme in ("data", "blob") or host == "127.0.0.1":
            r.continue_()
        else:
            problems.append(f"request to a non-local host: {r.request.url}")
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    target = quote(f"/voila/render/{notebook}?lang={LANG}", safe="")
    page.goto(f"{base}/login?code={code}&next={target}", wait_until="commit")
    page.locator(".wb-app h1").first.wait_for(state="visible")
    return context, page


def settle(page) -> None:
    page.wait_for_function(QUIET_JS, arg=800, polling=100, timeout=60_000)


def save(page, name: str) -> Path:
    path = OUT / name
    page.screenshot(path=str(path))  # the viewport: what the phone shows
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{path} is {size:,} bytes (over {MAX_BYTES:,}): crop or simplify the screen")
    print(f"  {path.relative_to(ROOT)}  {size // 1024} KB")
    return path


def main() -> int:
    from playwright.sync_api import sync_playwright

    from workbench.i18n import Translator

    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"No Chromium at {CHROMIUM}: 'make system-deps' installs Debian's chromium.")
    tr = Translator(LANG)
    OUT.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="workbench-shots-") as tmp:
        proc, base, code, _log = start_server(Path(tmp))
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                                   "--disable-background-networking", "--disable-sync"])
                # 1. The welcome app: the project, its purpose so far, the four stages.
                context, page = open_app(browser, base, code, "welcome.ipynb", problems)
                settle(page)
                save(page, "welcome.png")
                context.close()
                # 2. The purpose app: join with a new pseudonymous code, then the first card to vote on.
                context, page = open_app(browser, base, code, "purpose.ipynb", problems)
                page.get_by_role("button", name=tr("purpose.join.new"), exact=True).click()
                card = page.locator(".wb-app .wb-statement[data-statement]")
                card.wait_for(state="visible")
                settle(page)
                word = re.escape(tr("purpose.vote.agree"))
                agree = page.get_by_role("button", name=re.compile(rf"^\W*{word}$"))
                # The card and its three buttons at the top of the screen, as a participant sees them.
                page.evaluate("(el) => window.scrollBy(0, el.getBoundingClientRect().top - 120)",
                              card.element_handle())
                agree.wait_for(state="visible")
                settle(page)
                save(page, "purpose-vote.png")
                context.close()
                # 3. The outcomes app: what the community decided, and how the adopted model does.
                context, page = open_app(browser, base, code, "outcomes.ipynb", problems)
                page.locator(".wb-app .wb-out figure svg").first.wait_for(state="visible")
                # What people consented to: the heading, use by use, and its chart.
                heading = page.get_by_role("heading", name=tr("outcomes.consent.heading"), exact=True)
                page.evaluate("(el) => window.scrollBy(0, el.getBoundingClientRect().top - 12)",
                              heading.element_handle())
                settle(page)
                save(page, "outcomes.png")
                context.close()
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
