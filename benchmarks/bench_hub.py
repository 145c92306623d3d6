"""Two workshops at once behind one JupyterHub: N arrivals each, through the hub's proxy (issue 25).

A real JupyterHub with configurable-http-proxy runs the shipped ``docs/jupyterhub_config.py``
(tests/_hub.py starts it: two projects, ``coop-a`` and ``coop-b``, each a hub-managed
``workbench serve`` with its event log in one throwaway PostgreSQL server). N participants per
project follow the join link through the proxy (``/services/<name>/login?code=...&next=<purpose
app>``), each in its own headless Chromium context at 375 px, arrivals of both workshops
interleaved and spread evenly over ``--spread`` seconds. Per session: *interactive* = join link
asked for -> the "get a participant code" button visible and enabled (the page's own clock, as in
bench_arrivals.py); *joined* = that button clicked -> the participant code on screen (the
``participant.joined`` event committed). Then, per project: kernels and their memory, acknowledged
joins missing from the log (must be 0), ``workbench verify`` on both logs, and every request's host
(must be 127.0.0.1).

    python benchmarks/bench_hub.py                       # N = 20 per workshop
    python benchmarks/bench_hub.py --sessions 60 --spread 30
    python benchmarks/bench_hub.py --sessions 5 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import _results
from _browser import CHROMIUM, CHROMIUM_ARGS, memory
from bench_arrivals import READY_JS, TIMEOUT_MS, TIMES_JS, ready_spec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import _hub, _pg  # noqa: E402

APP = "purpose.ipynb"
JOIN = True  # --no-join: arrivals only, no button clicked (nothing written)


@dataclass
class Arrival:
    project: str
    index: int
    status: int = 0
    interactive_s: float = float("nan")
    joined_s: float = float("nan")
    code: str = ""
    error: str = ""
    foreign: list[str] = field(default_factory=list)


async def one(browser, hub, a: Arrival, at: float, contexts: list) -> None:
    from workbench.i18n import Translator

    await asyncio.sleep(max(0.0, at - time.monotonic()))
    project = hub.projects[a.project]
    context = await browser.new_context(viewport={"width": 375, "height": 812}, locale="en-US",
                                        reduced_motion="reduce")
    contexts.append(context)
    page = await context.new_page()

    def on_request(req):
        if urlsplit(req.url).hostname != "127.0.0.1" and not req.url.startswith(("data:", "blob:")):
            a.foreign.append(req.url)

    page.on("request", on_request)
    await page.add_init_script(READY_JS % json.dumps(ready_spec(APP)))
    target = f"{project.prefix}voila/render/{APP}?lang=en"
    url = f"{hub.url}{project.prefix}login?code={project.codes.workshop}&next={quote(target, safe='')}"
    try:
        wall0 = time.time()
        resp = await page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        a.status = resp.status if resp else 0
        if a.status != 200:
            return
        t = await asyncio.wait_for(page.evaluate(TIMES_JS), TIMEOUT_MS / 1000)
        a.interactive_s = (t["origin"] + t["ready"]) / 1000 - wall0
        if not JOIN:
            return
        t0 = time.monotonic()
        await page.get_by_role("button", name=Translator("en")("purpose.join.new")).first.click(timeout=TIMEOUT_MS)
        shown = page.locator(".wb-code[data-code]").first
        await shown.wait_for(state="visible", timeout=TIMEOUT_MS)
        a.code = await shown.get_attribute("data-code") or ""
        a.joined_s = time.monotonic() - t0
    except Exception as exc:  # a timeout or a crashed page: recorded, the run goes on
        a.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


def service_procs(hub) -> dict:
    """Each project's ``workbench serve`` process (a child of the hub)."""
    import psutil

    out = {}
    for p in psutil.Process(hub.proc.pid).children(recursive=False):
        with contextlib.suppress(psutil.NoSuchProcess):
            cmd = p.cmdline()
            for name, project in hub.projects.items():
                if "serve" in cmd and str(project.path) in cmd:
                    out[name] = p
    return out


def project_kernels(proc) -> list:
    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):
        return [k for k in proc.children(recursive=True) if "ipykernel" in " ".join(k.cmdline())]
    return []


def logged_joins(path: Path) -> set[str]:
    import workbench

    with workbench.open(path) as project:
        return {ev.payload.get("code") for ev in project.store.events(kinds=["participant.joined"])}


def verify(path: Path) -> bool:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_STORE_URL"}
    done = subprocess.run([*_hub._workbench(), "verify", str(path)], capture_output=True, text=True, env=env,
                          timeout=600)
    return done.returncode == 0


async def run(hub, n: int, spread: float, n_browsers: int) -> dict:
    import psutil
    from playwright.async_api import async_playwright

    arrivals = [Arrival(name, i) for i in range(n) for name in hub.projects]  # interleaved
    out: dict = {"arrivals": arrivals, "load_before": os.getloadavg()}
    async with async_playwright() as pw:
        browsers = [await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                    for _ in range(max(1, n_browsers))]
        contexts: list = []
        try:
            await asyncio.sleep(2)
            step = spread / max(1, len(arrivals) - 1)
            start, wall0 = time.monotonic() + 0.2, time.monotonic()
            await asyncio.gather(*(one(browsers[i % len(browsers)], hub, a, start + i * step, contexts)
                                   for i, a in enumerate(arrivals)))
            out["wall_s"] = time.monotonic() - wall0
            out["load_during"] = os.getloadavg()
            await asyncio.sleep(5)
            procs = service_procs(hub)
            out["kernels"] = {}
            for name, proc in procs.items():
                mem = []
                for k in project_kernels(proc):
                    with contextlib.suppress(psutil.NoSuchProcess):
                        mem.append(memory(k))
                out["kernels"][name] = mem
                with contextlib.suppress(psutil.NoSuchProcess):
                    out.setdefault("server_mb", {})[name] = proc.memory_info().rss / 2**20
        finally:
            for context in contexts:
                with contextlib.suppress(Exception):
                    await context.close()
            for b in browsers:
                with contextlib.suppress(Exception):
                    await b.close()
    return out


def wait_for_pools(hub, timeout: float = 900.0) -> None:
    """Until every participant app's pool is full in both projects (the services log to the hub's log)."""
    from workbench import apps

    names = [a.notebook for a in apps.APPS if a.preheat]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = hub.log_text()
        if all(log.count(f"Kernel pool of {nb} is filled") >= len(hub.projects) for nb in names):
            return
        time.sleep(1)
    raise TimeoutError("kernel pools not filled in time")


def pct(values: list[float], q: float) -> float:
    values = sorted(v for v in values if v == v)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def f1(x: float) -> str:
    return "-" if x != x else f"{x:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="arrivals per workshop (default 20)")
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which all arrivals come")
    parser.add_argument("--browsers", type=int, default=2, help="headless Chromium processes")
    parser.add_argument("--preheat", default="auto",
                        help="`workbench serve --preheat` for each project (default auto: purpose=N+2, the other "
                             "participant apps 2, as a new project)")
    parser.add_argument("--no-join", action="store_true", help="arrivals only: nobody clicks the join button")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    global JOIN
    JOIN = not args.no_join
    why = _hub.available()
    if why:
        print(why, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp:
        t0 = time.monotonic()
        preheat = f"2,purpose={args.sessions + 2}" if args.preheat == "auto" else args.preheat
        hub = _hub.start_hub(Path(tmp), workshop={"preheated_kernels": 2}, serve_args=("--preheat", preheat))
        started_s = time.monotonic() - t0
        wait_for_pools(hub)
        warmed_s = time.monotonic() - t0
        try:
            r = asyncio.run(run(hub, args.sessions, args.spread, args.browsers))
            rows = []
            lost_total, foreign = 0, []
            for name, project in hub.projects.items():
                mine = [a for a in r["arrivals"] if a.project == name]
                acked = {a.code for a in mine if a.code}
                lost = len(acked - logged_joins(project.path))
                lost_total += lost
                foreign += [u for a in mine for u in a.foreign]
                mem = r["kernels"].get(name, [])
                inter = [a.interactive_s for a in mine]
                joined = [a.joined_s for a in mine]
                rows.append([
                    name, len(mine), sum(1 for a in mine if a.code), sum(1 for a in mine if a.error or a.status != 200),
                    f"{f1(pct(inter, .5))} / {f1(pct(inter, .95))} / {f1(max((v for v in inter if v == v), default=float('nan')))}",
                    f"{f1(pct(joined, .5))} / {f1(pct(joined, .95))} / {f1(max((v for v in joined if v == v), default=float('nan')))}",
                    len(mem), f"{f1(statistics.mean(m[0] for m in mem)) if mem else '-'}",
                    f"{sum(m[0] for m in mem) / 1024:.2f}", lost, "yes" if verify(project.path) else "NO",
                ])
            errors = [f"{a.project}#{a.index}: {a.status} {a.error}" for a in r["arrivals"] if a.error or a.status != 200]
        finally:
            _hub.stop_hub(hub)
            _pg.stop_shared_server()
    table = _results.table(
        ["project", "arrivals", "joined", "failed", "interactive s p50 / p95 / worst",
         "join click -> code s p50 / p95 / worst", "kernels", "kernel RSS MB (mean)", "kernels GiB", "lost", "verify"],
        rows)
    body = "\n".join([
        "## Two workshops behind one JupyterHub (`bench_hub.py`)",
        "",
        f"{_results.machine_line()}; {_results.now()}; `{_results.command_line()}`",
        "",
        f"JupyterHub + configurable-http-proxy, the shipped docs/jupyterhub_config.py, two projects on one "
        f"PostgreSQL server; {args.sessions} arrivals per workshop, both interleaved over {args.spread:.0f} s, "
        f"{args.browsers} headless Chromium at 375 px on the same machine; each project `--preheat {preheat}`. "
        f"Hub and both services answered after {started_s:.1f} s, every kernel pool was full after "
        f"{warmed_s:.0f} s. Load before {r['load_before'][0]:.1f}, after {r['load_during'][0]:.1f}.",
        "",
        table,
        "",
        f"Requests to a host other than 127.0.0.1: {len(foreign)}. Acknowledged joins missing from a log: "
        f"{lost_total}.",
    ] + ([f"Errors: {'; '.join(errors[:5])}"] if errors else []))
    print(body)
    if not args.no_write:
        _results.write_section("bench_hub", body)
    return 0 if lost_total == 0 and not foreign else 1


if __name__ == "__main__":
    sys.exit(main())
