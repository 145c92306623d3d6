"""Arrivals: N participants open the participant app within a few seconds; how long until each can use it.

For each N (default 1, 20, 60) a fresh real ``workbench serve`` runs on the demo
project (127.0.0.1, a short cull interval). Sessions arrive evenly spread over
``--spread`` seconds; each is its own browser context (its own cookies: a
participant's phone) and follows the join link (``/login?code=...&next=<app>``),
so the workshop-code login is part of the clock. Contexts are shared out over
``--browsers`` headless Chromium processes, all on this machine, competing with
the server for the same cores: the CPU seconds each side used are reported.

Per session: *interactive* = join link asked for -> the app's first control visible
and enabled (purpose: the "get a participant code" button; welcome: the
language switch); *HTML* = the page fully served (the preheated kernel has run
the notebook for this person); *kernel ws* = the page's websocket to its kernel
opened; *states* = every widget's state arrived (one control-comm reply). All
four are read from the page's own clock (performance marks the bundle sets), all
from the moment the harness asked for the join link. Median, p95 and worst.
Then: memory of each page's kernel (RSS, USS) and of the whole server tree;
pages closed, culling waited for, kernels of those pages still alive counted;
sessions that got the "room is full" page (503) counted.

    python benchmarks/bench_arrivals.py                       # N = 1, 20, 60
    python benchmarks/bench_arrivals.py --sessions 60 --repeat 2 --preheat purpose=60
    python benchmarks/bench_arrivals.py --sessions 20 --no-write
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
from _browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_KERNEL_RE,
    demo,
    free_port,
    kernels,
    launch,
    memory,
    settle,
    stop,
    tree_cpu_seconds,
    workbench_command,
)

# Longer than a page takes to connect here: a kernel whose page has not opened its websocket yet is
# "idle and disconnected" too, and with 10 s / 60 s pages still loading in Chromium lost their kernel
# (the project default is 600 s).
CULL_IDLE_S = 300
CULL_INTERVAL_S = 15
TIMEOUT_MS = 600_000


@dataclass
class Session:
    index: int
    app: str
    status: int = 0  # HTTP status of the app page (503: the room is full)
    interactive_s: float = float("nan")
    html_s: float = float("nan")
    ws_s: float = float("nan")
    states_s: float = float("nan")
    kernel: str = ""
    error: str = ""
    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def ready_spec(app: str) -> dict:
    """What "interactive" means for the app: its first control, found the way a participant would find it."""
    from workbench.i18n import Translator

    if app == "purpose.ipynb":  # the button by its accessible name (substring, case-insensitive, as get_by_role)
        return {"selector": "button", "name": Translator("en")("purpose.join.new")}
    return {"selector": ".wb-lang select, .wb-lang", "name": ""}


# The page watches for its own first usable control and keeps the time (ms since navigation start) it became
# visible and enabled. No polling from the harness: Playwright's wait_for re-checks every animation frame
# in every waiting page and is_enabled() is a protocol round trip, which with sixty pages waiting on two
# cores cost Chromium more than drawing the pages did. A MutationObserver (plus a 250 ms timer for
# changes no mutation shows, e.g. a stylesheet arriving) costs nothing while nothing changes.
READY_JS = """
(spec => {
  const name = spec.name.toLowerCase();
  const label = el => (el.getAttribute("aria-label") || el.textContent || "").trim().toLowerCase();
  const usable = el => !el.disabled && el.getAttribute("aria-disabled") !== "true"
    && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  window.__wbReady = new Promise(resolve => {
    let timer = 0, observer = null;
    const check = () => {
      for (const el of document.querySelectorAll(spec.selector)) {
        if ((!name || label(el).includes(name)) && usable(el)) {
          observer.disconnect(); clearInterval(timer); resolve(performance.now()); return;
        }
      }
    };
    observer = new MutationObserver(check);
    observer.observe(document, {subtree: true, childList: true, attributes: true});
    timer = setInterval(check, 250);
  });
})(%s);
"""

# Once interactive: the page's milestones, ms since its time origin (null when a mark is missing).
TIMES_JS = """
async () => {
  const ready = await window.__wbReady;
  const mark = name => { const m = performance.getEntriesByName(name, "mark")[0]; return m ? m.startTime : null; };
  return {ready, origin: performance.timeOrigin, html: performance.getEntriesByType("navigation")[0].responseEnd,
          ws: mark("workbench:kernel-open"), states: mark("workbench:widget-states")};
}
"""


async def one_session(browser, srv, s: Session, start_at: float, contexts: list) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    # Reduced motion: a page's loading animation is drawn by this machine's software compositor here, sixty
    # times over (a phone draws its own); the pages honour the setting (templates/workbench-lite).
    context = await browser.new_context(viewport={"width": 412, "height": 915}, locale="en-US",
                                        reduced_motion="reduce")
    contexts.append(context)
    page = await context.new_page()

    def on_request(req):
        if urlsplit(req.url).hostname != "127.0.0.1" and not req.url.startswith(("data:", "blob:")):
            s.foreign.append(req.url)

    await page.add_init_script(READY_JS % json.dumps(ready_spec(s.app)))

    def on_console(m):
        # Errors, and the bundle's own warnings (e.g. "workbench: ... fell back to one request per widget").
        if m.type == "error" or (m.type == "warning" and m.text.startswith("workbench:")):
            s.console_errors.append(m.text)

    page.on("request", on_request)
    page.on("console", on_console)
    target = f"{urlsplit(srv.base_url).path}/voila/render/{s.app}?lang=en"
    url = f"{srv.base_url}/login?code={srv.code}&next={quote(target, safe='')}"
    try:
        wall0 = time.time()
        resp = await page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        s.status = resp.status if resp else 0
        if s.status == 503:
            return
        # Times in the page's own clock (the bundle's performance marks: frontend/src), moved onto ours
        # through the page's time origin; the harness's own event loop lags behind sixty pages.
        t = await asyncio.wait_for(page.evaluate(TIMES_JS), TIMEOUT_MS / 1000)

        def since_goto(ms):
            return (t["origin"] + ms) / 1000 - wall0 if ms is not None else float("nan")

        s.interactive_s = since_goto(t["ready"])
        s.html_s = since_goto(t["html"])
        s.ws_s = since_goto(t["ws"])
        s.states_s = since_goto(t["states"])
        m = PAGE_KERNEL_RE.search(await page.content())
        s.kernel = m.group(1) if m else ""
    except Exception as exc:  # a timeout or a crashed page: recorded, the run goes on
        s.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


def chromium_pids() -> list[int]:
    import psutil

    out = []
    for p in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if "chrom" in p.name().lower():
                out.append(p.pid)
    return out


def harness_pids(server_pid: int, others: set[int]) -> list[int]:
    """This process and the browser driver (Playwright's node process): the benchmark's own share."""
    import psutil

    server = {server_pid, *others}
    with contextlib.suppress(psutil.NoSuchProcess):
        server |= {p.pid for p in psutil.Process(server_pid).children(recursive=True)}
    out = [os.getpid()]
    for p in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if "chrom" not in p.name().lower() and p.pid not in server:
                out.append(p.pid)
    return out


def cpu_of(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
    return total


def rss_of(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += psutil.Process(pid).memory_info().rss
    return total / 2**20


def chromium_wrapper(workdir: Path, nice: bool) -> str:
    """Chromium as the benchmark runs it: never above the server's priority, optionally below it.

    Run as root (as here), Chromium raises its renderers' main threads to nice -8 (its "display critical"
    thread priority), ahead of the server and its kernels: sixty pages then starve the one process
    that serves them all. Phones take none of the laptop's CPU, so the benchmark takes that right away:
    Chromium runs without CAP_SYS_NICE (util-linux ``setpriv``) and keeps the priority it starts with.
    With ``nice``, that priority is the lowest (nice 19): the server and kernels get the CPU first,
    as when the browsers are on the participants' phones.
    """
    import shutil

    parts = []
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("setpriv"):
        parts.append("setpriv --bounding-set=-sys_nice")
    if nice:
        parts.append("nice -n 19")
    if not parts:
        return CHROMIUM
    wrapper = workdir / ("chromium-nice" if nice else "chromium-plain")
    wrapper.write_text(f'#!/bin/sh\nexec {" ".join(parts)} {CHROMIUM} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return str(wrapper)


async def arrivals(srv, n: int, spread: float, n_browsers: int, app: str, executable: str = CHROMIUM,
                   extra_args: tuple[str, ...] = (), burn: int = 0) -> dict:

    sessions = [Session(i, app) for i in range(n)]
    out: dict = {"sessions": sessions, "load_before": os.getloadavg()}
    # --burn: busy loops at the server's own priority for the whole run, standing in for a slower or shared
    # laptop (a video call, a neighbour on the VM's host) with less CPU to give the room; not the harness's CPU.
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(burn)]
    try:
        return await _arrivals(srv, sessions, out, spread, n_browsers, executable, extra_args, {b.pid for b in burners})
    finally:
        for b in burners:
            b.kill()
            b.wait()


async def _arrivals(srv, sessions, out, spread, n_browsers, executable, extra_args, burners: set[int]) -> dict:
    import psutil
    from playwright.async_api import async_playwright

    n = len(sessions)
    async with async_playwright() as pw:
        browsers = [await pw.chromium.launch(executable_path=executable, headless=True,
                                             args=[*CHROMIUM_ARGS, *extra_args])
                    for _ in range(max(1, min(n_browsers, n)))]
        contexts: list = []
        try:
            await asyncio.sleep(2)  # let the browsers finish starting before the clock runs
            chrome = chromium_pids()
            harness = harness_pids(srv.proc.pid, burners)
            server_cpu0, chrome_cpu0, wall0 = tree_cpu_seconds(srv.proc.pid), cpu_of(chrome), time.monotonic()
            main_cpu0 = cpu_of([srv.proc.pid])
            harness_cpu0 = cpu_of(harness)
            machine0 = psutil.cpu_times()
            start = time.monotonic() + 0.2
            step = spread / max(1, n - 1) if n > 1 else 0.0
            await asyncio.gather(*(one_session(browsers[i % len(browsers)], srv, s, start + i * step, contexts)
                                   for i, s in enumerate(sessions)))
            out["wall_s"] = time.monotonic() - wall0
            out["server_cpu_s"] = tree_cpu_seconds(srv.proc.pid) - server_cpu0
            out["server_main_cpu_s"] = cpu_of([srv.proc.pid]) - main_cpu0  # the rest: its kernels
            # Every Chromium process now, the renderers started during the arrivals included (the list taken
            # before them held only the browsers' own processes, which undercounted Chromium by half).
            out["chromium_cpu_s"] = cpu_of(chromium_pids()) - chrome_cpu0
            out["harness_cpu_s"] = cpu_of(harness) - harness_cpu0
            # The whole machine over the same window: CPU left idle, and CPU the hypervisor gave to other
            # guests ("steal"; a busy neighbour on the host slows every figure here, and says so).
            machine1 = psutil.cpu_times()
            out["idle_cpu_s"] = machine1.idle - machine0.idle
            out["steal_cpu_s"] = getattr(machine1, "steal", 0.0) - getattr(machine0, "steal", 0.0)
            out["load_during"] = os.getloadavg()
            # Memory once the page kernels are idle.
            await asyncio.sleep(5)
            live = kernels(srv)
            page_kernels = {s.kernel for s in sessions if s.kernel}
            mem = []
            for kid in page_kernels:
                proc = live.get(kid)
                if proc is not None:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        mem.append(memory(proc))
            out["kernel_mem"] = mem
            tree = [srv.proc.pid, *(p.pid for p in psutil.Process(srv.proc.pid).children(recursive=True))]
            out["server_tree_mb"] = rss_of(tree)
            out["server_tree_uss_mb"] = sum(memory(p)[1] for p in live.values() if p.is_running())
            out["kernels_open"] = len(live)
            out["chromium_mb"] = rss_of(chromium_pids())
            # Close every page (Voila's page asks for its kernel to be shut down on leaving), then let
            # the culler take what is left: idle, disconnected kernels past CULL_IDLE_S.
            for context in contexts:
                with contextlib.suppress(Exception):
                    for page in context.pages:
                        await page.close(run_before_unload=True)
                    await context.close()
        finally:
            for b in browsers:
                with contextlib.suppress(Exception):
                    await b.close()
    live = await until_culled(srv, {s.kernel for s in sessions if s.kernel})
    out["page_kernels_left"] = sum(1 for s in sessions if s.kernel and s.kernel in live)
    out["kernels_after"] = len(live)
    return out


async def until_culled(srv, page_kernels: set[str]) -> dict:
    """Kernels alive once the closed pages' kernels are gone, or the culler had its chance."""
    deadline = time.monotonic() + CULL_IDLE_S + 2 * CULL_INTERVAL_S + 5
    while True:
        live = kernels(srv)
        if not page_kernels & set(live) or time.monotonic() > deadline:
            return live
        await asyncio.sleep(2)


async def http_arrivals(srv, n: int, spread: float) -> dict:
    """The server's share alone: each session logs in and fetches the app's HTML over plain HTTP (no browser).

    The HTML is complete once the kernel has run the notebook for this person; no widget is drawn and no
    websocket opened, so the kernels are left for the culler.
    """
    import http.client

    sessions = [Session(i, "") for i in range(n)]
    port = urlsplit(srv.base_url).port
    prefix = urlsplit(srv.base_url).path

    def fetch(s: Session, app: str) -> None:
        t0 = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_MS / 1000)
            conn.request("GET", f"{prefix}/login?code={srv.code}")
            resp = conn.getresponse()
            resp.read()
            cookie = "; ".join(v.split(";", 1)[0] for k, v in resp.getheaders() if k.lower() == "set-cookie")
            conn.request("GET", f"{prefix}/voila/render/{app}?lang=en", headers={"Cookie": cookie})
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            s.status = resp.status
            s.html_s = time.monotonic() - t0
            m = PAGE_KERNEL_RE.search(body)
            s.kernel = m.group(1) if m else ""
            conn.close()
        except Exception as exc:
            s.error = f"{type(exc).__name__}: {exc}"

    async def one(s: Session, at: float, app: str) -> None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        await asyncio.to_thread(fetch, s, app)

    out = {"sessions": sessions, "load_before": os.getloadavg()}
    cpu0, start = tree_cpu_seconds(srv.proc.pid), time.monotonic() + 0.2
    step = spread / max(1, n - 1) if n > 1 else 0.0
    app = srv.app
    await asyncio.gather(*(one(s, start + i * step, app) for i, s in enumerate(sessions)))
    out.update(server_cpu_s=tree_cpu_seconds(srv.proc.pid) - cpu0, load_during=os.getloadavg())
    return out


def run_one(n: int, args, workdir: Path, repeat: int) -> dict:
    from workbench import apps

    label = f"N{n}-r{repeat}"
    workshop = {"cull_idle_seconds": CULL_IDLE_S, "cull_interval_seconds": CULL_INTERVAL_S}
    if args.max_kernels is not None:
        workshop["max_kernels"] = args.max_kernels
    project, code = demo(workdir / label, **workshop)
    port = free_port()
    cmd = [*workbench_command(), "serve", str(project), "--port", str(port), "--ip", "127.0.0.1", "--no-qr"]
    if args.preheat == "auto":  # room for everyone: a warm kernel per arrival, two more
        cmd += ["--preheat", f"{Path(args.app).stem}={n + 2}"]
    elif args.preheat:
        cmd += ["--preheat", args.preheat]
    t = time.monotonic()
    # Wait until the pool of the app under test is full (the others fill too but are not waited for).
    srv = launch(label, cmd, port, code, [args.app] if any(a.notebook == args.app and a.preheat for a in apps.APPS)
                 else [], workdir, timeout=900, project=project)
    try:
        startup_s = time.monotonic() - t
        settle(srv, timeout=300)
        print(f"[{label}] server ready in {startup_s:.0f} s; load {os.getloadavg()}", file=sys.stderr, flush=True)
        spread = args.spread if n > 1 else 0.0
        if args.http:
            srv.app = args.app
            result = asyncio.run(http_arrivals(srv, n, spread))
        else:
            exe = chromium_wrapper(workdir, args.nice_browsers)
            result = asyncio.run(arrivals(srv, n, spread, args.browsers, args.app, exe, tuple(args.chromium_arg),
                                          burn=args.burn))
        result["startup_s"] = startup_s
        result["spares"] = sum(1 for line in srv.log_text().splitlines() if "Using pre-heated kernel" in line)
        result["pool_line"] = next((line.strip() for line in srv.log_text().splitlines()
                                    if "Kernels kept warm" in line), "")
    finally:
        stop(srv)
    return result


def pct(values: list[float], q: float) -> float:
    values = sorted(v for v in values if v == v)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    if values[hi] == float("inf"):
        return values[lo] if k == lo else float("inf")
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def f1(x: float) -> str:
    if x == float("inf"):
        return f"> {TIMEOUT_MS / 1000:.0f} (never)"
    return "n/a" if x != x else f"{x:.1f}"


def summarise(n: int, repeat: int, r: dict, args) -> list:
    ss = r["sessions"]
    # A session that never became interactive counts as infinitely slow (not left out of the percentiles);
    # one told "the room is full" is left out (it is counted in its own column).
    inter = [s.interactive_s if s.interactive_s == s.interactive_s else float("inf") for s in ss if s.status != 503]
    html = [s.html_s for s in ss]
    ws = [s.ws_s for s in ss]
    states = [s.states_s for s in ss]
    full = sum(1 for s in ss if s.status == 503)
    failed = sum(1 for s in ss if s.error)
    rss = [m[0] for m in r["kernel_mem"]]
    uss = [m[1] for m in r["kernel_mem"]]
    med = statistics.median
    return [
        n, repeat, f"{r['load_before'][0]:.1f} / {r['load_during'][0]:.1f}",
        f1(pct(inter, 0.5)), f1(pct(inter, 0.95)), f1(max(inter, default=float("nan"))),
        f1(pct(html, 0.5)), f1(pct(html, 0.95)), f1(pct(ws, 0.5)), f1(pct(ws, 0.95)),
        f1(pct(states, 0.5)), f1(pct(states, 0.95)),
        f"{r['server_cpu_s']:.0f} ({r['server_main_cpu_s']:.0f}) / {r['chromium_cpu_s']:.0f} / {r['harness_cpu_s']:.0f}",
        f"{r['wall_s']:.0f} / {r['idle_cpu_s']:.0f} / {r['steal_cpu_s']:.1f}",
        f"{med(rss):.0f} / {med(uss):.0f}" if rss else "n/a",
        f"{r['server_tree_mb']:.0f} ({r['kernels_open']} kernels)", f"{r['chromium_mb']:.0f}",
        f"{r['spares']}/{n - full}", full, failed, f"{r['page_kernels_left']} ({r['kernels_after']} incl. spares)",
    ]


def summarise_http(n: int, repeat: int, r: dict) -> list:
    ss = r["sessions"]
    html = [s.html_s for s in ss if s.status == 200]
    return [n, repeat, f"{r['load_before'][0]:.1f} / {r['load_during'][0]:.1f}", f1(pct(html, 0.5)),
            f1(pct(html, 0.95)), f1(max(html, default=float("nan"))), f"{r['server_cpu_s']:.0f}",
            f"{r['spares']}/{len(html)}", sum(1 for s in ss if s.status == 503), sum(1 for s in ss if s.error)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="1,20,60", help="comma-separated N (default 1,20,60)")
    parser.add_argument("--spread", type=float, default=10.0, help="arrivals spread over this many seconds")
    # One Chromium for all sessions, its pages in at most six renderer processes: each page is still its own
    # browser context (cookies, storage, websocket, kernel), but a renderer compiles the page's JavaScript
    # once for all its pages. That flatters the browser side only: sixty phones compile their own copies,
    # on their own CPUs, none of it on the laptop. Measured here at
    # N = 60: six browsers with their own renderers used 371 CPU-s of Chromium, this 64-76 (RESULTS.md).
    parser.add_argument("--browsers", type=int, default=1, help="Chromium processes sharing the sessions")
    parser.add_argument("--app", default="purpose.ipynb", help="the participant app opened")
    parser.add_argument("--preheat", help="passed to workbench serve --preheat (default: the project's setting); "
                        "'auto': N + 2 kernels of the app under test")
    parser.add_argument("--max-kernels", type=int, help="workshop.max_kernels for the run")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the largest N")
    parser.add_argument("--nice-browsers", action="store_true",
                        help="run Chromium at nice 19 (the server first, as with phones); its own RESULTS.md section")
    parser.add_argument("--chromium-arg", action="append", default=["--renderer-process-limit=6"],
                        help="one more Chromium switch (repeatable; default --renderer-process-limit=6)")
    parser.add_argument("--burn", type=int, default=0,
                        help="keep this many busy-loop processes running during the arrivals (a busier, slower "
                        "laptop); its own RESULTS.md section")
    parser.add_argument("--http", action="store_true",
                        help="the server's share alone: plain HTTP instead of Chromium (its own RESULTS.md section)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    ns = [int(x) for x in args.sessions.split(",") if x.strip()]

    rows, problems = [], []
    pool_line = ""
    with tempfile.TemporaryDirectory(prefix="bench-arrivals-") as tmp:
        for n in ns:
            for rep in range(1, (args.repeat if n == max(ns) else 1) + 1):
                r = run_one(n, args, Path(tmp), rep)
                pool_line = r["pool_line"] or pool_line
                if args.preheat == "auto":
                    pool_line = f"`--preheat {Path(args.app).stem}=N+2` (the other apps: the project's default)"
                rows.append(summarise_http(n, rep, r) if args.http else summarise(n, rep, r, args))
                print("  " + " | ".join(str(c) for c in rows[-1]), file=sys.stderr, flush=True)
                for s in r["sessions"]:
                    if s.error:
                        problems.append(f"N={n} run {rep} session {s.index}: {s.error}")
                        print(f"  {problems[-1]}", file=sys.stderr, flush=True)
                    problems += [f"N={n} session {s.index}: request to {u}" for u in s.foreign[:3]]
                    problems += [f"N={n} session {s.index}: console error {e[:160]}" for e in s.console_errors[:3]]

    if args.http:
        body = "\n".join([
            "## Arrivals, the server's share alone: plain HTTP, no browser (`bench_arrivals.py --http`)",
            "",
            f"- Machine: {_results.machine_line()}",
            f"- Date: {_results.now()}",
            f"- Command: `{_results.command_line()}`",
            f"- Server: real `workbench serve` on the demo project, 127.0.0.1; {pool_line or 'pools as configured'}.",
            f"- Sessions: {args.app}, arrivals evenly spread over {args.spread:g} s; each logs in with the workshop "
            "code and fetches the app page over HTTP. *HTML*: seconds until the page is fully served, i.e. the "
            "kernel has run the notebook for this person and the server streamed it; what a browser adds on top "
            "(Voila's JavaScript, the kernel websocket, drawing the widgets) is in the section above. "
            "*CPU s*: CPU seconds of the server and its kernels during the arrivals.",
            "",
            _results.table(["N", "run", "load", "HTML median", "HTML p95", "HTML worst", "CPU s server",
                            "preheated", "room full", "failed"], rows),
            "",
            f"Failures: {len(problems) or 'none'}" + ("".join(f"\n- {p}" for p in problems[:20]) if problems else "."),
        ])
    else:
        body = "\n".join([
            "## Arrivals: N participants open the app within seconds (`bench_arrivals.py"
            + (" --nice-browsers`: Chromium at nice 19, the server and kernels first)" if args.nice_browsers else "`)")
            + (f", with {args.burn} busy loop(s) taking CPU from everything else" if args.burn else ""),
            "",
            f"- Machine: {_results.machine_line()}",
            f"- Date: {_results.now()}",
            f"- Command: `{_results.command_line()}`",
            f"- Server: real `workbench serve` on the demo project, 127.0.0.1; {pool_line or 'pools as configured'}; "
            f"culling every {CULL_INTERVAL_S} s of kernels idle and disconnected for {CULL_IDLE_S} s.",
            f"- Sessions: {args.app}, arrivals evenly spread over {args.spread:g} s, each a fresh browser context "
            f"(412x915, reduced motion) following the join link (login with the workshop code, then the app), shared over "
            f"{args.browsers} headless Chromium process(es) ({CHROMIUM}, never raising its own priority"
            + (f" with {' '.join(args.chromium_arg)}" if args.chromium_arg else "")
            + ") **on the same 2 cores as the server**. Chromium's own browser UI is off ("
            "`--disable-features=WebUIOmniboxPopup,...`: headless Chromium builds a desktop address-bar popup per "
            "context, a phone's browser does that on the phone); the page times its own first usable control "
            "(a MutationObserver), so Playwright polls nothing while pages load.",
            "- Seconds from the harness asking for the join link, read from each page's own clock: *interactive*: "
            "the app's first control visible and enabled (purpose: the 'get a participant code' button). *HTML*: "
            "the page fully served (the kernel has run the notebook for this person). *ws*: the page's kernel "
            "websocket open. *states*: every widget's state arrived (one reply on the widget control comm). *CPU s*: CPU seconds used during the "
            "arrivals by the server and its kernels (in brackets: the server process alone, the rest is kernels) / by "
            "Chromium (every process, renderers included) / by this harness (Python and Playwright's driver). *wall / idle / steal*: seconds from the first arrival until the "
            "last page was usable, and over that window the CPU seconds the 2 cores sat idle and the CPU seconds "
            "the hypervisor gave to other guests (steal: a busy neighbour on the host slows every figure here). "
            "*kernel MB*: median RSS / USS of a page's kernel "
            "when idle. *preheated*: pages served by a kernel that was already warm. *left after cull*: kernels of "
            "the closed pages still alive after the cull interval. *load*: 1-min load average before / after.",
            "",
            _results.table(["N", "run", "load", "interactive median", "p95", "worst", "HTML median", "HTML p95",
                            "ws median", "ws p95", "states median", "states p95", "CPU s server (its own process) / Chromium / harness",
                            "wall s / machine idle CPU s / steal CPU s", "kernel MB RSS / USS",
                            "server tree RSS MB", "Chromium RSS MB", "preheated", "room full", "failed",
                            "left after cull"], rows),
            "",
            f"Failures, requests to other hosts, console errors: {len(problems) or 'none'}"
            + ("".join(f"\n- {p}" for p in problems[:20]) if problems else "."),
        ])
    print(body)
    if not args.no_write:
        name = ("bench_arrivals_http" if args.http else "bench_arrivals_burn" if args.burn
                else "bench_arrivals_nice" if args.nice_browsers else "bench_arrivals")
        _results.write_section(name, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
