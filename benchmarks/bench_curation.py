"""Curation at scale: consent enforcement + profile of 1,000,000 rows x 20 columns, 100,000 contributors.

Target (issue 5): enforcement plus profile in under 2 s on the 2-core machine, and at least 10x faster than
ydata-profiling's minimal mode on the same frame. Each stage runs ``--repeat`` times (the first run
included); the median, fastest and slowest wall times are reported with the peak resident memory growth
(sampled every 2 ms, the largest over the runs), the load average before and after, and the baselines on
the same frame: ``DataFrame.describe(include='all')`` and, with ``--ydata-python PATH`` (an interpreter of a
separate virtual environment that has ydata-profiling; it is not a dependency of this project),
``ydata_profiling.ProfileReport(minimal=True)``, run in a subprocess on the frame written to Parquet
(reading the file is not timed). Writes its section of benchmarks/RESULTS.md unless ``--no-write``.

    .venv/bin/python benchmarks/bench_curation.py [--rows 1000000] [--contributors 100000] [--repeat 3]
        [--ydata-python /tmp/ydata-venv/bin/python] [--no-write]

The stages are the calls a user's actions make, on a frame already in memory (reading the project's file
and its event store is not timed): the curation screen's profile is ``profile(frame, mapping, reference,
min_group_size, scanner)`` on the raw table (``project_profile``), PII scan of the text column included;
``workbench data profile --use train`` is enforcement, the kept rows, then the profile of those rows.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import _results  # noqa: E402
from workbench.consent import _time  # noqa: E402
from workbench.consent import ledger as L  # noqa: E402
from workbench.consent.scope import CHOOSES, NEVER, Conditions, Scope, ScopeHistory  # noqa: E402
from workbench.curation import actions, enforce, importer  # noqa: E402
from workbench.curation import profile as P  # noqa: E402
from workbench.curation.pii import Scanner  # noqa: E402
from workbench.store import Event  # noqa: E402

TEXTS = ["minha mãe caiu e não consegue levantar por favor", "qual o horário do posto de saúde hoje",
         "I need to renew my blood pressure prescription", "mi papá se desmayó y no responde",
         "quiero pedir turno con la doctora mañana", "when is the next home visit", "tem campanha de vacina"]
PII = ["meu número é (11) 91234-5678", "call me on +55 11 91234 5678", "c.0042@exemplo.org",
       "meu cpf é 529.982.247-25", "mi DNI 12.345.678"]


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Peak:
    """Peak resident memory growth while the block runs (sampled in a thread)."""

    def __enter__(self):
        gc.collect()
        self.base = self.peak = rss()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._sample, daemon=True)
        self._t.start()
        self.t0 = time.perf_counter()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss())
            time.sleep(0.002)

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss())
        self.mib = (self.peak - self.base) / 2**20


def make_frame(n: int, contributors: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.char.add("c-", rng.integers(0, contributors, n).astype(str)).astype(object)
    ids[rng.random(n) < 0.01] = None
    text = np.array(TEXTS, dtype=object)[rng.integers(0, len(TEXTS), n)]
    leak = rng.random(n) < 0.02
    text[leak] = np.char.add(text[leak].astype(str), np.array([" "], dtype=str)).astype(object) + \
        np.array(PII, dtype=object)[rng.integers(0, len(PII), leak.sum())]
    frame = pd.DataFrame({
        "message_id": pd.array(np.char.add("m-", np.arange(n).astype(str)), dtype="str"),
        "contributor_id": pd.array(ids, dtype="str"),
        "received_at": pd.array(np.char.add("2026-0", (rng.integers(1, 10, n)).astype(str)), dtype="str"),
        "neighbourhood": pd.array(rng.choice(["Morro Alto", "Beira-Rio", "Jardim Sul", "Vila Nova", "Campo Verde"],
                                             n), dtype="str"),
        "age_band": pd.array(np.where(rng.random(n) < 0.05, None, rng.choice(["18-29", "30-44", "45-59", "60+"], n)),
                             dtype="str"),
        "language": pd.array(rng.choice(["pt", "es", "en"], n, p=[0.62, 0.28, 0.10]), dtype="str"),
        "text": pd.array(text, dtype="str"),
        "label": pd.array(rng.choice(["urgent", "routine", "information"], n, p=[0.2, 0.45, 0.35]), dtype="str"),
    })
    for i in range(6):
        frame[f"num_{i}"] = rng.normal(size=n).round(3)
    for i in range(3):
        frame[f"count_{i}"] = rng.integers(0, 50, n)
    frame["flag"] = rng.random(n) < 0.3
    frame["channel"] = pd.array(rng.choice(["sms", "whatsapp", "paper", None], n), dtype="str")
    frame["score"] = np.where(rng.random(n) < 0.1, np.nan, rng.random(n))
    assert frame.shape == (n, 20)
    return frame


def make_ledger(contributors: int, seed: int = 1) -> L.ConsentLedger:
    rng = np.random.default_rng(seed)
    uses = {"train": CHOOSES, "evaluate": CHOOSES, "publish_aggregates": "always", "publish_examples": NEVER,
            "share_data": NEVER, "share_models": CHOOSES, "commercial": NEVER}
    scope = Scope(holder="Bench co-op", uses=uses, conditions=Conditions(expiry_months=24))
    base = datetime(2025, 1, 1, tzinfo=UTC)
    events = [Event(1, _time.iso(base), "facilitator", "scope.published",
                    {"scope": scope.to_dict(), "hash": scope.content_hash, "version": 1}, "", "h")]
    version = ScopeHistory.from_events(events).latest
    seq = 1
    for i in range(contributors):
        roll = rng.random()
        if roll < 0.08:
            continue  # no record
        who = f"c-{i}"
        at = base + timedelta(days=int(rng.integers(1, 500)))
        seq += 1
        if roll < 0.13:
            events.append(Event(seq, _time.iso(at), "facilitator", "consent.refused",
                                {"contributor": who, "at": _time.iso(at), "method": "paper"}, "", "h"))
            continue
        choices = {"train": roll > 0.2, "evaluate": True, "share_models": roll > 0.5}
        events.append(Event(seq, _time.iso(at), "facilitator", "consent.granted",
                            L.grant_payload(version, who, choices, method="paper", at=at), "", "h"))
        if roll > 0.93:
            seq += 1
            later = at + timedelta(days=30)
            events.append(Event(seq, _time.iso(later), who, "consent.withdrawn",
                                L.withdraw_payload(who, ["train"], method="paper", at=later), "", "h"))
    return L.ConsentLedger.from_events(events)


YDATA_SCRIPT = r"""
import json, sys, time
import pandas as pd
frame = pd.read_parquet(sys.argv[1])
import ydata_profiling
from ydata_profiling import ProfileReport
out = {"version": ydata_profiling.__version__, "pandas": pd.__version__, "runs": []}
for _ in range(int(sys.argv[2])):
    t0, c0 = time.perf_counter(), time.process_time()
    report = ProfileReport(frame, minimal=True, progress_bar=False)
    report.get_description()
    t1, c1 = time.perf_counter(), time.process_time()
    report.to_json()
    t2, c2 = time.perf_counter(), time.process_time()
    out["runs"].append({"describe": t1 - t0, "to_json": t2 - t0, "describe_cpu": c1 - c0, "to_json_cpu": c2 - c0})
print(json.dumps(out))
"""


def run_ydata(python: str, frame: pd.DataFrame, repeat: int) -> dict:
    """ydata-profiling's minimal report on the same frame, in ``python`` (another virtual environment)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "frame.parquet"
        frame.to_parquet(path, index=False)
        done = subprocess.run([python, "-c", YDATA_SCRIPT, str(path), str(repeat)], capture_output=True, text=True,
                              check=False)
    if done.returncode:
        raise SystemExit(f"ydata-profiling failed in {python}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--contributors", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per stage; the median is reported")
    ap.add_argument("--ydata-python", help="a Python that has ydata-profiling (a separate virtual environment)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md as it is")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()

    t0 = time.perf_counter()
    frame = make_frame(args.rows, args.contributors)
    made = time.perf_counter() - t0
    t0 = time.perf_counter()
    ledger = make_ledger(args.contributors)
    ledger_s = time.perf_counter() - t0
    ds = importer.Dataset("0" * 64, "bench.csv", "csv", len(frame), tuple(frame.columns),
                          importer.ColumnMapping("contributor_id", "label", ("neighbourhood", "age_band", "language"),
                                                 "text"))
    acts = actions.CurationLog.from_events([
        Event(1, "2026-01-01T00:00:00+00:00", "facilitator", "curation.excluded",
              {"id": "a", "dataset": ds.sha256, "reason": "r", "rule": {"column": "channel", "op": "==",
                                                                        "value": "paper"}}, "", "h"),
        Event(2, "2026-01-01T00:00:00+00:00", "facilitator", "curation.excluded",
              {"id": "b", "dataset": ds.sha256, "reason": "r", "rows": list(range(0, len(frame), 1000))}, "", "h"),
    ]).active(ds.sha256)
    at = "2026-06-01"
    reference = {"neighbourhood": {"Morro Alto": 0.26, "Beira-Rio": 0.22, "Jardim Sul": 0.2, "Vila Nova": 0.18,
                                   "Campo Verde": 0.14}}
    scanner = Scanner.default()

    def measure(fn):
        runs = []
        for _ in range(args.repeat):
            cpu = time.process_time()
            with Peak() as pk:
                out = fn()
            runs.append((pk.seconds, pk.mib, time.process_time() - cpu))
        secs = [r[0] for r in runs]
        return {"median": statistics.median(secs), "min": min(secs), "max": max(secs),
                "mib": max(r[1] for r in runs), "cpu": statistics.median(r[2] for r in runs)}, out

    def run_enforce():
        return enforce.enforce(frame, ds, ledger, "train", at, acts)

    def run_profile():  # what the curation screen's profile does with the raw table
        return P.profile(frame, ds.mapping, reference, 30, scanner)

    def run_both():
        view = enforce.enforce(frame, ds, ledger, "train", at, acts)
        return view, P.profile(frame, ds.mapping, reference, 30, scanner)

    def run_cli():  # `workbench data profile --use train`: enforcement, the kept rows, their profile
        view = enforce.enforce(frame, ds, ledger, "train", at, acts)
        return P.profile(view.frame, ds.mapping, reference, 30, scanner)

    text = frame[ds.mapping.text]
    stages = []
    m, view = measure(run_enforce)
    stages.append(("enforcement (train, 2026-06-01): reason per row, counts", m))
    m, prof = measure(run_profile)
    stages.append(("profile of the raw table (PII scan of the text column included)", m))
    m, _ = measure(lambda: P.columns_and_duplicates(frame))
    stages.append(("&nbsp;&nbsp;of which: missing, distinct per column, duplicate rows", m))
    m, _ = measure(lambda: P.representation(frame, ds.mapping.groups, reference, 30))
    stages.append(("&nbsp;&nbsp;of which: representation of 3 group columns", m))
    m, _ = measure(lambda: scanner.summary(frame, [ds.mapping.text]))
    stages.append(("&nbsp;&nbsp;of which: PII scan of the text column (factorised, distinct texts scanned)", m))
    m, _ = measure(lambda: scanner._scan(text))
    stages.append(("&nbsp;&nbsp;for comparison: PII scan of every row, one by one (not used by the profile)", m))
    m, (both_view, both_prof) = measure(run_both)
    stages.append(("**enforcement + profile of the raw table**", m))
    headline = m
    m, kept_prof = measure(run_cli)
    stages.append((f"enforcement + kept rows ({both_view.counts['kept']:,}) + their profile "
                   "(`data profile --use train`)", m))
    describe, _ = measure(lambda: frame.describe(include="all"))
    stages.append(("pandas `describe(include='all')` (baseline)", describe))

    ydata = None
    if args.ydata_python:
        ydata = run_ydata(args.ydata_python, frame, args.repeat)
        for key, label in (("describe", "`ProfileReport(minimal=True).get_description()`"),
                           ("to_json", "`ProfileReport(minimal=True)` + `get_description()` + `to_json()`")):
            secs = [r[key] for r in ydata["runs"]]
            stages.append((f"ydata-profiling {ydata['version']} (pandas {ydata['pandas']}): {label}",
                           {"median": statistics.median(secs), "min": min(secs), "max": max(secs), "mib": None,
                            "cpu": statistics.median(r[key + "_cpu"] for r in ydata["runs"])}))
    load_after = os.getloadavg()

    def fmt_load(la):
        return " / ".join(f"{x:.2f}" for x in la)

    rows = [[name, f"{s['median']:.2f}", f"{s['min']:.2f}", f"{s['max']:.2f}", f"{s['cpu']:.2f}",
             "" if s["mib"] is None else f"{s['mib']:.0f}"] for name, s in stages]
    lines = [
        f"## Curation: enforcement + profile, {args.rows:,} rows x {frame.shape[1]} columns, "
        f"{args.contributors:,} contributors (`bench_curation.py`)",
        "",
        f"- Machine: {_results.machine_line()}; pandas {pd.__version__}, numpy {np.__version__}",
        f"- Date: {_results.now()}",
        f"- Load average (1 / 5 / 15 min): {fmt_load(load_before)} before, {fmt_load(load_after)} after "
        "(the machine is shared: other work ran at the same time)",
        f"- Command: `{_results.command_line()}`",
        f"- Each stage ran {args.repeat} times on the same in-memory frame (the first run included); seconds are "
        "wall time; CPU s is the process's CPU time over all its threads (less sensitive to other work on the "
        "machine; the profile uses 2 threads, pyarrow its own, and the memory sampler polls every 2 ms); memory is "
        "the largest growth of the resident set during a run. "
        "Not timed: building the frame "
        f"({made:.1f} s) and folding the consent ledger from its events ({ledger_s:.1f} s).",
        "- The profile is the curation screen's: `profile(frame, mapping, reference, 30, Scanner.default())` "
        "(types, missing and distinct per column, exact duplicate rows, label balance, representation against "
        "reference shares, text length, personal data in the text column). The enforcement's factorisation of "
        "the contributor column is not passed to the profile (no screen does that).",
        "",
        _results.table(["stage", "median s", "min s", "max s", "CPU s (median)", "peak memory growth MiB"], rows),
        "",
        f"Result: kept {both_view.counts['kept']:,} of {len(frame):,} rows; {both_prof.duplicates} duplicate rows; "
        f"rows with personal data in the text column: {int(both_prof.pii['rows'].sum()):,} "
        f"({', '.join(f'{r.kind} {r.rows:,}' for r in both_prof.pii.itertuples())}). "
        f"Profile of the kept rows: {kept_prof.rows:,} rows, {kept_prof.duplicates} duplicates.",
        "",
        f"Enforcement + profile under 2 s: **{'yes' if headline['median'] < 2.0 else 'NO'}** "
        f"(median {headline['median']:.2f} s).",
        f"Against pandas `describe(include='all')`: {describe['median'] / headline['median']:.1f}x faster.",
    ]
    if ydata:
        y = statistics.median(r["describe"] for r in ydata["runs"])
        yj = statistics.median(r["to_json"] for r in ydata["runs"])
        lines.append(f"Against ydata-profiling's minimal mode on the same frame: {y / headline['median']:.1f}x faster "
                     f"than its computation alone (`get_description()`, {y:.1f} s), "
                     f"{yj / headline['median']:.1f}x with its JSON report ({yj:.1f} s); target 10x: "
                     f"**{'yes' if y / headline['median'] >= 10 else 'NO'}**. ydata-profiling ran in "
                     f"`{args.ydata_python}` (a separate virtual environment) on the frame read back from Parquet "
                     "(text columns as Python strings, as its pandas reads them); reading the file is not timed.")
    else:
        lines.append("ydata-profiling: not run (pass `--ydata-python` with an interpreter that has it).")
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        _results.write_section("bench_curation", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
