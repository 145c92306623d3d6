"""A full room for a minute: 60 participant processes on SQLite and on PostgreSQL.

Each participant is its own process (as each phone is its own kernel) and uses
the same domain API the apps use: it opens the project folder, joins the
deliberation, then until the time is up thinks for a while (exponential, mean
``--think`` seconds) and does one of: write a statement (15 %), vote on the next
card (70 %), give consent for a contribution of theirs (10 %), or withdraw part
of one they gave (5 %). Every submission the API acknowledged is looked for in
the store afterwards; ``NotSaved`` refusals (the participant was told "not
saved") are counted separately; then the hash chain is verified.

The PostgreSQL run starts a throwaway server from Debian's binaries (the one the
tests use, tests/_pg.py) on 127.0.0.1. The machine is shared: the load average
before and after each run is recorded with the numbers.

    python benchmarks/bench_load.py                                   # 60 processes, 60 s, both backends
    python benchmarks/bench_load.py --processes 20 --seconds 10 --backends sqlite --no-write
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import _results

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests._pg import PostgresServer, fresh_schema_url  # noqa: E402 - the repository root is on the path now
from tests._spawn import spawn_and_collect  # noqa: E402

SEEDS = ("Urgent messages should be read first.", "Nobody outside the co-op reads our messages.",
         "The promoters decide, not the model.", "Messages in Spanish must not wait longer.",
         "We should be told when the model is wrong.")


def _participant(root: str, idx: int, seconds: float, think: float, start, out) -> None:
    import workbench
    from workbench.consent import ledger
    from workbench.errors import NotSaved, WorkbenchError
    from workbench.purpose import deliberation as dl

    rng = random.Random(idx)
    project = workbench.open(root)
    store = project.store
    res = {"code": None, "statements": [], "votes": 0, "consent": [], "latencies": [], "refused": 0,
           "errors": [], "no_card": 0}

    def submit(fn, *args, **kwargs):
        t = time.perf_counter()
        try:
            value = fn(*args, **kwargs)
        except NotSaved:
            res["refused"] += 1
            return None
        except WorkbenchError as exc:  # a refusal by the domain (e.g. a statement hidden meanwhile)
            res["errors"].append(exc.sentence)
            return None
        res["latencies"].append(time.perf_counter() - t)
        return value if value is not None else True

    start.wait()
    deadline = time.monotonic() + seconds
    time.sleep(rng.uniform(0, min(think, seconds / 4)))  # people arrive over a few seconds, not all at once
    res["code"] = code = submit(dl.join, store, "pt-BR")
    if code is None:
        out.put((idx, res))
        return
    delib = dl.Deliberation.load(store)
    given: list[str] = []
    n = 0
    while True:
        pause = rng.expovariate(1 / think)
        if time.monotonic() + pause >= deadline:
            break
        time.sleep(pause)
        n += 1
        roll = rng.random()
        if roll < 0.15:
            sid = submit(dl.add_statement, store, code, f"afirmação {idx}-{n}: ônibus às 7h 🌱", "pt-BR")
            if sid:
                res["statements"].append(sid)
        elif roll < 0.85:
            card = delib.update(store).next_card(code)
            if card is None:
                res["no_card"] += 1
                continue
            vote = rng.choice(["agree", "agree", "disagree", "pass"])
            if submit(dl.cast_vote, store, code, card.id, vote, delib=delib):
                res["votes"] += 1
        elif roll < 0.95 or not given:
            who = f"c-{idx:02d}-{n:03d}"
            receipt = submit(ledger.give, store, who, {"train": rng.random() < 0.7, "evaluate": True},
                             language="pt-BR")
            if receipt:
                given.append(who)
                res["consent"].append((receipt.seq, who))
        else:
            who = given.pop(rng.randrange(len(given)))
            receipt = submit(ledger.withdraw, store, who, ["train"], language="pt-BR")
            if receipt:
                res["consent"].append((receipt.seq, who))
    project.close()
    out.put((idx, res))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def run(backend: str, processes: int, seconds: float, think: float, workdir: Path, pg: PostgresServer | None) -> dict:
    import workbench
    from workbench.consent.scope import CHOOSES, NEVER, Conditions, Scope, publish
    from workbench.purpose import deliberation as dl

    url = fresh_schema_url(pg.url) if backend == "postgresql" else "sqlite:///store.db"
    root = workdir / f"{backend}-{processes}"
    with workbench.init(root, "Load co-op", ["pt-BR", "es", "en"], "BR", "A minute of a full room.", url) as p:
        publish(p.store, Scope(holder="Load co-op", uses={"train": CHOOSES, "evaluate": CHOOSES,
                                                          "publish_aggregates": "always", "commercial": NEVER},
                               conditions=Conditions(expiry_months=24)))
        for text in SEEDS:
            dl.seed_statement(p.store, text, "pt-BR")
    load_before = os.getloadavg()
    t0 = time.monotonic()
    results = spawn_and_collect(_participant, [(str(root), i, seconds, think) for i in range(processes)],
                                timeout=seconds + 600, ready_timeout=600)
    wall = time.monotonic() - t0
    load_after = os.getloadavg()

    with workbench.open(root) as p:
        events = p.store.events()
        t = time.perf_counter()
        verified = p.store.verify()
        verify_s = time.perf_counter() - t
    by_seq = {e.seq: e for e in events}
    joined = {e.actor for e in events if e.kind == "participant.joined"}
    votes_by: dict[str, int] = {}
    for e in events:
        if e.kind == "vote.cast":
            votes_by[e.actor] = votes_by.get(e.actor, 0) + 1
    acked = found = refused = errors = no_card = 0
    latencies: list[float] = []
    for res in results.values():
        refused += res["refused"]
        errors += len(res["errors"])
        no_card += res["no_card"]
        latencies += res["latencies"]
        code = res["code"]
        if code is None:
            continue
        acked += 1
        found += code in joined
        acked += len(res["statements"])
        found += sum(1 for s in res["statements"]
                     if s in by_seq and by_seq[s].kind == "statement.added" and by_seq[s].actor == code)
        acked += res["votes"]
        found += min(res["votes"], votes_by.get(code, 0))
        acked += len(res["consent"])
        found += sum(1 for seq, who in res["consent"]
                     if seq in by_seq and by_seq[seq].kind.startswith("consent.")
                     and by_seq[seq].payload.get("contributor") == who)
    latencies.sort()
    return {
        "backend": backend, "processes": processes, "seconds": seconds, "wall": wall, "acked": acked,
        "found": found, "lost": acked - found, "refused": refused, "errors": errors, "no_card": no_card,
        "per_s": acked / seconds, "p50": _pct(latencies, 0.5) * 1000, "p95": _pct(latencies, 0.95) * 1000,
        "worst": (latencies[-1] * 1000) if latencies else float("nan"), "verify": verified.sentence,
        "verify_ok": verified.ok, "verify_s": verify_s, "events": len(events),
        "load_before": load_before, "load_after": load_after,
    }


def _load(triple) -> str:
    return " / ".join(f"{x:.1f}" for x in triple)


def report(rows: list[dict], think: float) -> str:
    table = _results.table(
        ["backend", "processes", "seconds", "submissions acknowledged", "found afterwards", "lost",
         "refused (NotSaved)", "other refusals", "per s", "p50 ms", "p95 ms", "worst ms", "verify()",
         "load avg before (1/5/15 min)", "load avg after"],
        [[r["backend"], r["processes"], f"{r['seconds']:.0f}", r["acked"], r["found"], r["lost"], r["refused"],
          r["errors"], f"{r['per_s']:.1f}", f"{r['p50']:.0f}", f"{r['p95']:.0f}", f"{r['worst']:.0f}",
          f"{'OK' if r['verify_ok'] else 'FAILED'}, {r['events']} events, {r['verify_s']:.2f} s",
          _load(r["load_before"]), _load(r["load_after"])] for r in rows],
    )
    return f"""## A full room: participant processes submitting for a minute (bench_load)

{_results.now()}; {_results.machine_line()}

    {_results.command_line()}

{table}

- Each participant is a separate process using the apps' domain API (`workbench.open`, then
  `deliberation.join / add_statement / cast_vote` and `consent.ledger.give / withdraw`), with a think time
  between actions (exponential, mean {think:g} s): statements 15 %, votes 70 %, consent grants 10 %,
  partial withdrawals 5 %. *Submissions acknowledged* counts joins too; *found afterwards* looks each one up
  in the log by its sequence number (votes: by count per participant); *lost* = acknowledged − found.
- *Latency* is the domain call a tap makes (checks, fold of new events, the committed append), as the
  participant waits for it. *Other refusals* are the domain saying no (e.g. a card hidden meanwhile).
- PostgreSQL: Debian's server from tests/_pg.py on 127.0.0.1 (a throwaway cluster, fsync off), each
  process with its own pooled connection; SQLite: the project folder's store.db (WAL, synchronous=FULL).
- The machine is shared with other work: the load average is recorded before and after each run.
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=60)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--think", type=float, default=2.0, help="mean think time between a participant's actions (s)")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--no-write", action="store_true", help="print, do not update benchmarks/RESULTS.md")
    args = ap.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        print(f"error: unknown backend {sorted(unknown)[0]!r}; use sqlite and/or postgresql.", file=sys.stderr)
        return 2
    pg = None
    rows = []
    with tempfile.TemporaryDirectory(prefix="wb-bench-load-") as tmp:
        try:
            if "postgresql" in backends:
                pg = PostgresServer()
                pg.url = pg.start()
            for backend in backends:
                r = run(backend, args.processes, args.seconds, args.think, Path(tmp), pg)
                rows.append(r)
                print(f"{backend}: {r['acked']} acknowledged, {r['found']} found, {r['lost']} lost, "
                      f"{r['refused']} refused, {r['errors']} other refusals; p50 {r['p50']:.0f} ms, "
                      f"p95 {r['p95']:.0f} ms, worst {r['worst']:.0f} ms; {r['verify']} "
                      f"(load {_load(r['load_before'])} -> {_load(r['load_after'])})", flush=True)
        finally:
            if pg is not None:
                pg.stop()
    body = report(rows, args.think)
    if args.no_write:
        print(body)
    else:
        _results.write_section("bench_load", body)
        print(f"wrote the bench_load section of {_results.RESULTS}")
    return 0 if all(r["lost"] == 0 and r["verify_ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
