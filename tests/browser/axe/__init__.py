"""axe-core for the browser tests: installed from the npm registry with ``npm ci`` beside this file.

``package.json`` pins the version and ``package-lock.json`` its integrity hash; ``node_modules/`` is
not committed. :func:`axe_script` returns the path of ``axe.min.js``, running ``npm ci`` here first
when it is missing or stale (no Makefile needed); without npm it raises :class:`AxeUnavailable`
with a sentence saying what to install. :func:`run_axe` injects the script into a Playwright page
with ``page.add_script_tag(path=...)``, runs it and returns the violations;
:func:`describe` prints them for a failing assertion.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

AXE_DIR = Path(__file__).resolve().parent
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
NPM_TIMEOUT_S = 300
BLOCKING_IMPACTS = ("serious", "critical")


class AxeUnavailable(RuntimeError):
    """axe-core is not installed and cannot be (no npm, or ``npm ci`` failed)."""


def _locked_version() -> str:
    lock = json.loads((AXE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/axe-core"]["version"]


def _installed_version() -> str | None:
    meta = AXE_DIR / "node_modules" / "axe-core" / "package.json"
    if not AXE_JS.is_file() or not meta.is_file():
        return None
    return json.loads(meta.read_text(encoding="utf-8")).get("version")


def axe_script() -> Path:
    """The path of ``axe.min.js`` at the locked version; ``npm ci`` here when it is missing or stale."""
    wanted = _locked_version()
    if _installed_version() == wanted:
        return AXE_JS
    npm = shutil.which("npm")
    if npm is None:
        raise AxeUnavailable(
            f"axe-core {wanted} is not installed in {AXE_DIR} and npm is not on PATH. "
            f"Install Node.js and npm (Debian: apt-get install npm), or run `npm ci` in {AXE_DIR}.")
    # One installer at a time (several pytest processes may start together).
    with open(Path(tempfile.gettempdir()) / "commons-workbench-axe-npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version() != wanted:
            try:
                done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=AXE_DIR,
                                      capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
            except subprocess.TimeoutExpired as exc:
                raise AxeUnavailable(f"`npm ci` in {AXE_DIR} took more than {NPM_TIMEOUT_S} s") from exc
            if done.returncode != 0:
                raise AxeUnavailable(f"`npm ci` in {AXE_DIR} failed ({done.returncode}):\n"
                                     f"{(done.stderr or done.stdout)[-2000:]}")
    if _installed_version() != wanted:
        raise AxeUnavailable(f"`npm ci` in {AXE_DIR} did not install axe-core {wanted} at {AXE_JS}")
    return AXE_JS


RUN_AXE_JS = """async (options) => {
  const result = await window.axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                              summary: n.failureSummary}))
  }));
}"""


def run_axe(page, options: dict | None = None) -> list[dict]:
    """Inject axe-core into ``page`` (once) and return its violations on the whole document."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script()))
    return page.evaluate(RUN_AXE_JS, options or {"resultTypes": ["violations"]})


def blocking(violations: list[dict]) -> list[dict]:
    """The violations a participant app must not have: serious or critical ones."""
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    """A readable list: rule, impact, what it asks, and each offending element with axe's summary."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for n in v["nodes"]:
            lines.append(f"    at {n['target']}: {n['html']}")
            for part in (n.get("summary") or "").splitlines():
                lines.append(f"        {part}")
    return "\n".join(lines)
