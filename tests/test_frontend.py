"""The participant pages' small frontend (frontend/ -> the Voila template workbench-lite).

The built bundle is committed (CI and Binder run without npm); these tests catch a bundle that no
longer matches its sources, and a participant app that would fall back to Voila's heavy frontend.
What the pages do in a browser is tested in tests/browser/.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from workbench import apps
from workbench.serve.server import notebooks_dir

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbench" / "serve" / "share" / "voila" / "templates" / "workbench-lite"


def sources_digest(frontend: Path, inputs: list[str]) -> str:
    digest = hashlib.sha256()
    for name in inputs:
        digest.update(name.encode() + b"\0")
        digest.update((frontend / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_the_committed_bundle_was_built_from_the_committed_sources():
    frontend = ROOT / "frontend"
    built = json.loads((TEMPLATE / "static" / "build.json").read_text(encoding="utf-8"))
    current = sorted(["build.mjs", "package.json", "package-lock.json",
                      *(f"src/{p.name}" for p in (frontend / "src").iterdir() if p.is_file())])
    assert built["inputs"] == current, "frontend/ files were added or removed: run `make frontend` and commit"
    assert built["sha256"] == sources_digest(frontend, current), \
        "frontend/ changed since the bundle was built: run `make frontend` and commit the result"


def chunks_of(js: str) -> tuple[set[str], set[str]]:
    """The chunks a built module imports: (at once, when a page first shows a rarer control)."""
    eager = set(re.findall(r'from"\./(chunk-[A-Z0-9]+\.js)"', js))
    lazy = set(re.findall(r'import\("\./(chunk-[A-Z0-9]+\.js)"\)', js))
    return eager, lazy


def test_the_bundle_is_small_and_self_contained():
    static = TEMPLATE / "static"
    js = (static / "workbench-lite.js").read_text(encoding="utf-8")
    css = (static / "workbench-lite.css").read_text(encoding="utf-8")
    eager, lazy = chunks_of(js)
    assert eager and lazy, "the build is no longer split into the page's own code and the rarer controls"
    for chunk in eager | lazy:
        more_eager, _ = chunks_of((static / chunk).read_text(encoding="utf-8"))
        assert more_eager <= eager, f"{chunk} imports a chunk the page does not load"
    # Only what the build refers to is shipped (build.mjs removes old chunks).
    assert {p.name for p in static.glob("chunk-*.js")} == eager | lazy
    # What every page parses before its widgets draw. Voila's JupyterLab application is ~5 MB in ~90 files;
    # this was 813 KB in one file before the controls no participant app uses and sanitize-html moved out.
    on_load = len(js.encode()) + sum((static / c).stat().st_size for c in eager)
    assert on_load < 600_000, on_load
    # Everything it needs is inside: no stylesheet, font or script fetched from elsewhere.
    assert "@import" not in css
    for ref in css.split("url(")[1:]:
        assert ref.lstrip("'\"").startswith("data:"), ref[:80]
    for source in [js, *((static / c).read_text(encoding="utf-8") for c in eager | lazy)]:
        assert not re.search(r'(from|import\()\s*"(https?:)?//', source), "a script imported from another host"


def test_every_participant_app_uses_it_and_facilitator_apps_keep_voilas():
    for app in apps.APPS:
        meta = json.loads((notebooks_dir() / app.notebook).read_text(encoding="utf-8"))["metadata"]
        template = meta.get("voila", {}).get("template")
        if apps.PARTICIPANT in app.roles:
            assert template == "workbench-lite", f"{app.notebook}: participants would get Voila's 5 MB frontend"
        else:
            assert template is None, app.notebook


def test_the_template_extends_ours_and_loads_only_its_bundle():
    conf = json.loads((TEMPLATE / "conf.json").read_text(encoding="utf-8"))
    assert conf["base_template"] == "workbench"
    page = (TEMPLATE / "index.html.j2").read_text(encoding="utf-8")
    assert "static/workbench-lite.js" in page and "static/workbench-lite.css" in page
    assert "voila_setup_labextensions" not in page and "voila-style.js" not in page


def test_the_bundle_speaks_the_installed_ipywidgets():
    """The participant bundle pins @jupyter-widgets packages exactly; the installed ipywidgets must speak the
    same versions, or every participant page could break with no other test failing (issue 23)."""
    import json
    import sys
    from pathlib import Path

    import ipywidgets
    from ipywidgets._version import __jupyter_widgets_base_version__, __jupyter_widgets_controls_version__

    root = Path(__file__).resolve().parents[1]
    ours = json.loads((root / "frontend" / "package.json").read_text())["dependencies"]
    manager = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager"
    theirs = json.loads((manager / "package.json").read_text())["dependencies"]
    for name in ("@jupyter-widgets/base", "@jupyter-widgets/base-manager", "@jupyter-widgets/controls"):
        pinned = tuple(int(x) for x in ours[name].split("."))
        wanted = theirs[name].lstrip("^~")
        low = tuple(int(x) for x in wanted.split("."))
        assert pinned[0] == low[0] and pinned >= low, (
            f"{name}: the bundle has {ours[name]}, ipywidgets {ipywidgets.__version__} asks {theirs[name]}: "
            "rebuild the bundle (make frontend) against it, or bound ipywidgets in pyproject.toml")
    # The model versions the bundle's controls 5.x and base 6.x register.
    assert __jupyter_widgets_base_version__ == "2.0.0" and __jupyter_widgets_controls_version__ == "2.0.0"


def test_the_kernel_connection_speaks_only_the_v1_framing():
    """frontend/test/kernel.test.mjs (node's own test runner, no npm packages): v1 frames round-trip, queued
    messages go out once the socket opens, and a server that does not agree to v1 is refused, not guessed."""
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "node is needed for the frontend's own tests ('make system-deps' installs nodejs)"
    out = subprocess.run([node, "--test", str(ROOT / "frontend" / "test")], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
