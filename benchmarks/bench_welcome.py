"""How long until the welcome app is usable in Chromium, and what each participant kernel weighs.

Four servers, one after the other, each the real ``workbench serve`` code on the
demo project, bound to 127.0.0.1:

- welcome, cold: ``preheated_kernels = 0``, so every page starts its own kernel;
- welcome, preheated: the project's default pools, a kernel waiting per page;
- empty, cold / preheated: ``benchmarks/empty.ipynb`` (one Label widget) served by
  the same server class, template and access codes, registered for the run as a
  participant app in place of the real ones (``--serve-empty``, below).

Each sample is a fresh browser context (empty cache) that is already logged in;
the clock runs from navigation to the app's widget being visible (``.wb-lang``
for welcome, ``.bench-ready`` for empty). Before every sample the server is left
to settle (pools refilled, CPU quiet). Resident memory (RSS, and USS = memory
only that process holds) is read with psutil from the kernel serving the page,
once it has gone idle; spare (preheated, waiting) kernels are listed too.

    python benchmarks/bench_welcome.py                 # 5 samples per row
    python benchmarks/bench_welcome.py --samples 3 --no-write
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import _results
from _browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_KERNEL_RE,
    Served,
    demo,
    free_port,
    kernels,
    launch,
    memory,
    settle,
    stop,
    wait_idle,
    workbench_command,
)

HERE = Path(__file__).resolve().parent


# -- the empty app, served by the workbench's own server code -----------------------------

def serve_empty(project_dir: str, port: int) -> None:
    """``workbench serve`` with empty.ipynb as the only (participant, preheated) app."""
    from workbench import apps
    from workbench.serve import server

    apps.APPS = (apps.App("empty", "empty.ipynb", (apps.PARTICIPANT, apps.FACILITATOR), None, preheat=True),)
    server.notebooks_dir = lambda: HERE
    server.serve(project_dir, port=port, ip="127.0.0.1", show_qr=False)


# -- servers -------------------------------------------------------------------------------

def start(label: str, notebook: str, preheated: int, workdir: Path) -> Served:
    """The server for one row; ``srv.notebook`` / ``srv.selector``: the app loaded and its ready widget."""
    from workbench import apps

    project, code = demo(workdir / f"{label.replace(' ', '-').replace(',', '')}", preheated_kernels=preheated)
    port = free_port()
    if notebook == "welcome.ipynb":
        cmd = [*workbench_command(), "serve", str(project), "--port", str(port), "--ip", "127.0.0.1", "--no-qr"]
        pools = [a.notebook for a in apps.APPS if a.preheat] if preheated else []
        selector = ".wb-lang"
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve-empty", str(project), "--port", str(port)]
        pools = ["empty.ipynb"] if preheated else []
        selector = ".bench-ready"
    srv = launch(label, cmd, port, code, pools, workdir, timeout=180, project=project)
    srv.notebook, srv.selector = notebook, selector
    return srv


# -- one sample ------------------------------------------------------------------------------

@dataclass
class Sample:
    seconds: float
    html_ms: float
    dom_ms: float
    load_ms: float
    kernel: str
    rss_mb: float
    uss_mb: float
    foreign: list[str]
    console_errors: list[str]


def load(browser, srv: Served) -> Sample:
    foreign: list[str] = []
    errors: list[str] = []

    def watch(req):
        # Recorded, not intercepted: routing every request through Playwright slows the load itself.
        if urlsplit(req.url).hostname != "127.0.0.1" and not req.url.startswith(("data:", "blob:")):
            foreign.append(req.url)

    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="en-US")
    try:
        context.on("request", watch)
        resp = context.request.get(f"{srv.base_url}/login?code={srv.code}", max_redirects=0)
        assert resp.status == 302, f"login answered {resp.status}"
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        url = f"{srv.base_url}/voila/render/{srv.notebook}?lang=en"
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=180_000)
        page.wait_for_selector(srv.selector, state="visible", timeout=180_000)
        seconds = time.perf_counter() - t0
        nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
            return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd]; }""")
        html_ms, dom_ms, load_ms = nav
        print(f"    nav: html {nav[0]:.0f} ms, DOMContentLoaded {nav[1]:.0f} ms, load {nav[2]:.0f} ms, "
              f"visible {1000 * seconds:.0f} ms", file=sys.stderr)
        m = PAGE_KERNEL_RE.search(page.content())
        kernel = m.group(1) if m else ""
        proc = kernels(srv).get(kernel)
        rss = uss = float("nan")
        if proc is not None:
            wait_idle(proc)
            rss, uss = memory(proc)
        page.close(run_before_unload=True)
    finally:
        context.close()
    return Sample(seconds, html_ms, dom_ms, load_ms, kernel, rss, uss, foreign, errors)


def measure(browser, srv: Served, samples: int) -> tuple[list[Sample], list[tuple[float, float]]]:
    out = []
    settle(srv)
    for _ in range(samples):
        before = {nb: srv.filled(nb) for nb in srv.pools}
        out.append(load(browser, srv))
        print(f"  {srv.label}: {out[-1].seconds:.2f} s, kernel RSS {out[-1].rss_mb:.0f} MB", file=sys.stderr,
              flush=True)
        settle(srv, {srv.notebook: before[srv.notebook]} if srv.notebook in srv.pools else None)
    in_use = {s.kernel for s in out}
    spares = []
    for kid, proc in kernels(srv).items():
        if kid not in in_use:
            with contextlib.suppress(Exception):
                spares.append(memory(proc))
    return out, spares


# -- report ----------------------------------------------------------------------------------

def _fmt(values: list[float], digits: int = 2) -> str:
    values = [v for v in values if v == v]
    return f"{statistics.median(values):.{digits}f}" if values else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=5, help="page loads per row")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--serve-empty", metavar="PROJECT", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_empty:
        serve_empty(args.serve_empty, args.port)
        return 0

    from playwright.sync_api import sync_playwright

    from workbench.project import WorkshopSettings

    default_pool = WorkshopSettings().preheated_kernels
    plan = [("welcome, cold", "welcome.ipynb", 0), ("welcome, preheated", "welcome.ipynb", default_pool),
            ("empty, cold", "empty.ipynb", 0), ("empty, preheated", "empty.ipynb", default_pool)]
    rows, spare_rows, problems = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-welcome-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for label, notebook, pool in plan:
                srv = start(label, notebook, pool, Path(tmp))
                try:
                    samples, spares = measure(browser, srv, args.samples)
                finally:
                    stop(srv)
                secs = [s.seconds for s in samples]
                rows.append([
                    label, len(samples), f"{secs[0]:.2f}", _fmt(secs), f"{min(secs):.2f}", f"{max(secs):.2f}",
                    _fmt([s.html_ms / 1000 for s in samples]), _fmt([s.dom_ms / 1000 for s in samples]),
                    _fmt([s.load_ms / 1000 for s in samples]),
                    _fmt([s.rss_mb for s in samples], 0), _fmt([s.uss_mb for s in samples], 0),
                ])
                if spares:
                    spare_rows.append([label, len(spares), f"{min(r for r, _ in spares):.0f}",
                                       _fmt([r for r, _ in spares], 0), f"{max(r for r, _ in spares):.0f}",
                                       _fmt([u for _, u in spares], 0)])
                for s in samples:
                    problems += [f"{label}: request to {u}" for u in s.foreign]
                    problems += [f"{label}: console error {e}" for e in s.console_errors]
        finally:
            browser.close()

    import workbench.apps as apps

    preheated_apps = ", ".join(a.notebook for a in apps.APPS if a.preheat)
    body = "\n".join([
        "## Welcome app: time to interactive and kernel memory (`bench_welcome.py`)",
        "",
        f"- Machine: {_results.machine_line()}",
        f"- Date: {_results.now()}",
        f"- Command: `{_results.command_line()}`",
        f"- Headless Chromium ({CHROMIUM}), 412x915 viewport, a fresh context (empty cache, logged in) per "
        "load; time from navigation to the app's widget being visible. *first* is the first load after "
        "the server started; median/min/max are over all loads. *HTML s*, *DOM ready s* and *load event s* "
        "(medians, from the browser's navigation timing) say where the time goes: the HTML arrives once the "
        "notebook has run (Voila streams it while the notebook runs when no kernel is preheated), then "
        "Voila's JavaScript loads, connects to the kernel and draws the widgets.",
        f"- *preheated*: the project's default pool ({default_pool} kernels per preheated app; the real "
        f"server preheats {preheated_apps}). *empty*: benchmarks/empty.ipynb (one Label widget) served by "
        "the same server code. Kernel memory is read once the kernel serving the page is idle.",
        "",
        _results.table(["app, kernel", "loads", "first s", "median s", "min s", "max s", "HTML s",
                        "DOM ready s", "load event s", "kernel RSS MB", "kernel USS MB"], rows),
        "",
        "Spare kernels (preheated, waiting for a request) at the end of each preheated run:",
        "",
        _results.table(["server", "spares", "RSS min MB", "RSS median MB", "RSS max MB", "USS median MB"],
                       spare_rows) if spare_rows else "(none)",
        "",
        f"Requests to other hosts / console errors during the run: {len(problems) or 'none'}"
        + ("".join(f"\n- {p}" for p in problems[:20]) if problems else "."),
    ])
    print(body)
    if not args.no_write:
        _results.write_section("bench_welcome", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
