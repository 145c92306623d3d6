"""Deliberation at scale (issue 21): a real Pol.is conversation through the domain API, a join at a 500k-event
log, the Pol.is import and export at 1x and 10x.

    python benchmarks/bench_polis_scale.py                 # ../shared/data/polis/brexit-consensus (~4 min)
    python benchmarks/bench_polis_scale.py --polis FOLDER  # another Pol.is export
    python benchmarks/bench_polis_scale.py --big 500000    # the size of the big log
    python benchmarks/bench_polis_scale.py --export-only   # step 3's export alone: 1x and 10x, 3 runs each

What it does, on SQLite in a temporary folder (wall clock, this machine, whatever else runs on it; the load
average is printed so a busy machine shows):

1. **Domain API, call by call** (as the apps do): every Pol.is participant ``join``s, every comment is an
   ``add_statement`` by its author, every vote row a ``cast_vote``, in Pol.is's time order; events/s
   (target >= 1,000/s). The same at 10x (each participant ten times: ~the issue's 52k-event conversation).
2. **One join at a big log**: the log is built with ``append_many`` (joins, statements, votes: a
   deliberation of that size), then ``join`` / ``cast_vote`` / ``add_statement`` / ``hide`` are timed
   once the process's fold is warm (target <= 50 ms), beside the same calls at a 500-event log; the cold
   first fold (a process's first write) and a full ``Deliberation.load`` (what every write cost before)
   are printed too.
3. **Import and export**: ``workbench purpose import`` (one transaction) and the Pol.is export at 1x and
   10x (target: 10x in <= 10x the time); then the facilitator's Analysis tab opened on each (the analysis
   and its charts, first chart in the process included).

Not collected by pytest; writes nothing outside its temporary folder, removed at the end. Data: Pol.is open data, CC BY 4.0,
The Computational Democracy Project (../shared/data/polis/README.md).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parent.parent / "shared" / "data" / "polis" / "brexit-consensus"


def read(folder: Path, name: str) -> list[dict]:
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def scaled_folder(src: Path, dest: Path, times: int) -> Path:
    """A Pol.is export ``times`` as large: each participant ``times`` times (same comments, same votes)."""
    dest.mkdir(parents=True, exist_ok=True)
    comments, votes = read(src, "comments.csv"), read(src, "votes.csv")
    step = max(int(v["voter-id"]) for v in votes) + max(int(c["author-id"]) for c in comments) + 1
    with (dest / "comments.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(comments[0]), lineterminator="\n")
        w.writeheader()
        for c in comments:
            w.writerow({**c, "agrees": int(c["agrees"]) * times, "disagrees": int(c["disagrees"]) * times})
    with (dest / "votes.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(votes[0]), lineterminator="\n")
        w.writeheader()
        for k in range(times):
            for v in votes:
                w.writerow({**v, "voter-id": int(v["voter-id"]) + k * step})
    return dest


def load_through_api(root: Path, folder: Path) -> tuple[int, float]:
    """Every participant, comment and vote row of ``folder`` through join / add_statement / cast_vote."""
    import workbench
    from workbench.purpose import deliberation as dl

    comments = sorted(read(folder, "comments.csv"), key=lambda c: int(c["comment-id"]))
    votes = sorted(read(folder, "votes.csv"), key=lambda v: int(v["timestamp"]))
    project = workbench.init(root, "Bench", ["en"], "BR", "Pol.is at scale")
    store = project.store
    start = store.count()
    t = time.perf_counter()
    people = sorted({int(c["author-id"]) for c in comments} | {int(v["voter-id"]) for v in votes})
    code = {pid: dl.join(store) for pid in people}
    sid = {int(c["comment-id"]): dl.add_statement(store, code[int(c["author-id"])], c["comment-body"])
           for c in comments}
    names = {"1": "agree", "-1": "disagree", "0": "pass"}
    for v in votes:
        dl.cast_vote(store, code[int(v["voter-id"])], sid[int(v["comment-id"])], names[v["vote"]])
    seconds = time.perf_counter() - t
    events = store.count() - start
    project.close()
    return events, seconds


def store_append_rate(root: Path, n: int = 2_000) -> float:
    """Events/s of ``store.append`` alone on this disk: each is a durable transaction (WAL, fsync)."""
    import workbench

    project = workbench.init(root, "Bench", ["en"], "BR", "append")
    t = time.perf_counter()
    for _ in range(n):
        project.store.append("bench.tick", {}, "facilitator")
    rate = n / (time.perf_counter() - t)
    project.close()
    return rate


def big_log(root: Path, events: int):
    """A project whose log holds ~``events`` deliberation events, written with append_many."""
    import random

    import workbench
    from workbench.purpose import deliberation as dl

    project = workbench.init(root, "Bench", ["en"], "BR", "A big log")
    store = project.store
    rng = random.Random(0)
    people = max(10, events // 100)
    codes = [dl.new_participant_code() + f"-{i}" for i in range(people)]  # unique, never typed
    for i in range(0, people, 10_000):
        store.append_many([("participant.joined", {"code": c, "language": "en"}, c) for c in codes[i:i + 10_000]])
    ids = [ev.seq for ev in store.append_many([("statement.added", {"text": f"Statement {i}", "language": "en",
                                                                     "topic": "other", "seed": True}, "facilitator")
                                               for i in range(200)])]
    left = events - store.count()
    batch = []
    for _ in range(max(0, left)):
        batch.append(("vote.cast", {"statement": rng.choice(ids), "vote": rng.choice(("agree", "disagree", "pass"))},
                      rng.choice(codes)))
        if len(batch) == 20_000:
            store.append_many(batch)
            batch = []
    if batch:
        store.append_many(batch)
    return project, ids, codes


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def writes_at(project, ids, codes, runs: int = 20) -> dict[str, float]:
    from workbench.purpose import deliberation as dl

    store = project.store
    rules = dl.Rules(votes_per_minute=0, statements_per_hour=0)
    out = {}
    t = time.perf_counter()
    dl.current(store)
    out["first write's fold (cold)"] = (time.perf_counter() - t) * 1000
    out["join"] = statistics.median(timed(lambda: dl.join(store), runs))
    it = iter(range(10**9))
    out["cast_vote"] = statistics.median(timed(
        lambda: dl.cast_vote(store, codes[next(it) % len(codes)], ids[0], "agree", rules=rules), runs))
    out["add_statement"] = statistics.median(timed(lambda: dl.add_statement(store, codes[1], "One more", rules=rules),
                                                   runs))
    out["hide"] = statistics.median(timed(lambda: dl.hide(store, ids[-1]), runs))
    t = time.perf_counter()
    dl.Deliberation.load(store)
    out["full Deliberation.load (each write before)"] = (time.perf_counter() - t) * 1000
    return out


def export_runs(root: Path, folder: Path, runs: int = 3) -> tuple[list[float], list[float], int]:
    """The Pol.is export of an imported ``folder``, ``runs`` times after one warm-up: wall and CPU ms, votes."""
    import workbench
    from workbench.purpose import deliberation as dl
    from workbench.purpose import polis_import as pi
    from workbench.purpose.export import export_polis

    project = workbench.init(root, "Bench", ["en"], "BR", "Export")
    pi.import_polis(project, folder)
    delib = dl.Deliberation.load(project.store)
    groups = {c: i["polis"]["group"] for c, i in delib.participants.items() if "group" in i.get("polis", {})}
    export_polis(delib, root / "export", groups)  # imports and first-call costs out of the timed runs
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        export_polis(delib, root / "export", groups)
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    project.close()
    return wall, cpu, len(delib.votes_cast)


def export_only(src: Path, tmp: Path, times: int) -> None:
    """The export's runs at 1x and ``times``x, wall clock and this process's CPU time (a busy machine inflates
    the first, hardly the second); printed and written to RESULTS.md (section ``bench_polis_export``)."""
    import _results

    load = os.getloadavg()[0]
    big = scaled_folder(src, tmp / f"x{times}", times)
    (w1, c1, n1), (wn, cn, nn) = export_runs(tmp / "e1", src), export_runs(tmp / "en", big)
    rows = [[label, f"{n:,}", " / ".join(f"{x:.0f}" for x in w), " / ".join(f"{x:.0f}" for x in c)]
            for label, n, w, c in (("1x", n1, w1, c1), (f"{times}x", nn, wn, cn))]
    ratio = (f"{times}x / 1x: wall best {min(wn) / min(w1):.1f}, median {sorted(wn)[1] / sorted(w1)[1]:.1f}; "
             f"CPU best {min(cn) / min(c1):.1f}, median {sorted(cn)[1] / sorted(c1)[1]:.1f} (target <= {times})")
    body = "\n\n".join([
        "## Pol.is export at 1x and 10x (bench_polis_scale --export-only)",
        f"{_results.now()}; {_results.machine_line()}; load average {load:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after",
        f"    {_results.command_line()}",
        f"{src.name} (Pol.is open data, CC BY 4.0, The Computational Democracy Project) imported, then "
        f"`export_polis` with Pol.is's groups; {times}x repeats every participant {times} times. One untimed "
        "run first, then 3 timed runs in the same process.",
        _results.table(["export", "votes logged", "wall ms (3 runs)", "CPU ms (3 runs)"], rows),
        ratio,
    ])
    print(body)
    _results.write_section("bench_polis_export", body)


def export_ms(root: Path, folder: Path, runs: int = 3) -> tuple[float, float, int, float, int]:
    import workbench
    from workbench.purpose import deliberation as dl
    from workbench.purpose import polis_import as pi
    from workbench.purpose.export import export_polis

    project = workbench.init(root, "Bench", ["en"], "BR", "Import and export")
    t = time.perf_counter()
    done = pi.import_polis(project, folder)
    imported = time.perf_counter() - t
    delib = dl.Deliberation.load(project.store)
    groups = {c: i["polis"]["group"] for c, i in delib.participants.items() if "group" in i.get("polis", {})}
    best = min(timed(lambda: export_polis(delib, root / "export", groups), runs))
    from workbench.ui.purpose.facilitator import FacilitatorView

    view = FacilitatorView(project, "en")
    t = time.perf_counter()
    view.tabs.selected_index = 1  # the Analysis tab: analysis, then charts (aggregated) as SVG
    tab = (time.perf_counter() - t) * 1000
    project.close()
    return imported * 1000, best, done["events"], tab, len(delib.participants)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polis", type=Path, default=DEFAULT, help="a Pol.is export folder (default: brexit-consensus)")
    ap.add_argument("--big", type=int, default=500_000, help="events in the big log (default 500,000)")
    ap.add_argument("--times", type=int, default=10, help="the larger conversation, as a multiple (default 10)")
    ap.add_argument("--skip-api-10x", action="store_true", help="skip loading the 10x conversation call by call")
    ap.add_argument("--export-only", action="store_true", help="only the Pol.is export at 1x and --times x")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="bench-polis-"))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; data: {args.polis.name} "
          "(Pol.is open data, CC BY 4.0, The Computational Democracy Project)")
    if args.export_only:
        import shutil

        export_only(args.polis, tmp, args.times)
        print(f"load average {os.getloadavg()[0]:.1f} after")
        shutil.rmtree(tmp, ignore_errors=True)
        return
    big_folder = scaled_folder(args.polis, tmp / f"x{args.times}", args.times)
    rows = []

    raw = store_append_rate(tmp / "raw")
    rows.append(("store.append alone (one durable commit each)", "2,000 events", f"{raw:,.0f} events/s",
                 "the ceiling for call by call"))
    n, s = load_through_api(tmp / "api1", args.polis)
    rows.append(("domain API, call by call, 1x", f"{n:,} events", f"{n / s:,.0f} events/s", ">= 1,000 events/s"))
    if not args.skip_api_10x:
        n, s = load_through_api(tmp / "api10", big_folder)
        rows.append((f"domain API, call by call, {args.times}x", f"{n:,} events", f"{n / s:,.0f} events/s",
                     ">= 1,000 events/s"))

    small, small_ids, small_codes = big_log(tmp / "small", 500)
    at_small = writes_at(small, small_ids, small_codes)
    small.close()
    t = time.perf_counter()
    big, ids, codes = big_log(tmp / "big", args.big)
    built = time.perf_counter() - t
    size = big.store.count()
    at_big = writes_at(big, ids, codes)
    big.close()
    for name in at_big:
        target = "<= 50 ms" if name == "join" else ("once per process" if "cold" in name else "")
        rows.append((f"{name} at 500 / {size:,} events", "median of 20" if name in ("join", "cast_vote",
                     "add_statement", "hide") else "once", f"{at_small[name]:,.1f} / {at_big[name]:,.1f} ms", target))
    rows.append((f"building the {size:,}-event log (append_many)", "", f"{built:,.1f} s", ""))

    i1, e1, n1, tab1, p1 = export_ms(tmp / "exp1", args.polis)
    i10, e10, n10, tab10, p10 = export_ms(tmp / "exp10", big_folder)
    rows.append(("import (one transaction), 1x", f"{n1:,} events", f"{i1:,.0f} ms", ""))
    rows.append((f"import (one transaction), {args.times}x", f"{n10:,} events", f"{i10:,.0f} ms", ""))
    rows.append(("Pol.is export, 1x", "best of 3", f"{e1:,.1f} ms", ""))
    rows.append((f"Pol.is export, {args.times}x", "best of 3", f"{e10:,.1f} ms ({e10 / e1:.1f}x)",
                 f"<= {args.times}x the 1x time"))
    rows.append(("facilitator's Analysis tab opens, 1x", f"{p1:,} participants", f"{tab1:,.0f} ms", ""))
    rows.append((f"facilitator's Analysis tab opens, {args.times}x", f"{p10:,} participants", f"{tab10:,.0f} ms",
                 "<= 2 s at ~2,000 voters"))

    import _results

    body = "\n\n".join([
        "## Pol.is at scale: the domain API, a 500k-event log, import, export, the Analysis tab (bench_polis_scale)",
        f"{_results.now()}; {_results.machine_line()}; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after",
        f"    {_results.command_line()}",
        f"{args.polis.name} (Pol.is open data, CC BY 4.0, The Computational Democracy Project); {args.times}x "
        f"repeats every participant {args.times} times. Call by call is one durable commit per event, as the apps do.",
        _results.table(["step", "size", "result", "target"], [list(r) for r in rows]),
    ])
    print(body)
    if not args.no_write:
        _results.write_section("bench_polis_scale", body)
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)  # ~250 MB of logs


if __name__ == "__main__":
    main()
