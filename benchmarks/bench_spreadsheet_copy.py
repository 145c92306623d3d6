"""The spreadsheet copy of a big snapshot: read the canonical CSV back, neutralise, write (issue 5).

Builds an N-row curated-snapshot-shaped table (contributor, group, free text in
which about half the cells start with = + - @ or a tab, label, a float score),
writes it as the canonical snapshot bytes (``snapshot.canonical_bytes``) and
times the three steps of ``snapshot.spreadsheet_copy`` on those bytes: read as
text with ``\\n`` as the only line end, ``neutralise_text_table``,
``write_csv(all_text=True)``. The load average is printed: on a shared machine
the times move with it.

    python benchmarks/bench_spreadsheet_copy.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import tempfile
import time
from pathlib import Path

import pandas as pd

from workbench.curation.snapshot import canonical_bytes
from workbench.spreadsheet import neutralise_text_table, write_csv

WORDS = ["clinic hours?", '=HYPERLINK("x")', "-2", "call me", "@SUM(A1)", "+1+1", "water is out", "\tTAB"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    n = ap.parse_args().rows
    rnd = random.Random(1)
    frame = pd.DataFrame({
        "contributor_id": [f"c-{i % 5000}" for i in range(n)], "hood": [rnd.choice("ABCD") for _ in range(n)],
        "text": [rnd.choice(WORDS) + str(i) for i in range(n)],
        "label": [rnd.choice(["urgent", "routine"]) for _ in range(n)], "score": [rnd.random() - 0.5 for _ in range(n)]})
    data = canonical_bytes(frame)
    t0 = time.perf_counter()
    table = pd.read_csv(io.BytesIO(data), header=None, dtype=str, na_filter=False, lineterminator="\n")
    t1 = time.perf_counter()
    safe = neutralise_text_table(table)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = write_csv(safe, Path(tmp) / "copy.csv", header=False, bom=True, all_text=True)
        t3 = time.perf_counter()
        size = out.stat().st_size
    print(f"{n:,} rows, canonical {len(data) / 1e6:.1f} MB, copy {size / 1e6:.1f} MB; read {t1 - t0:.2f} s, "
          f"neutralise {t2 - t1:.2f} s, write {t3 - t2:.2f} s, total {t3 - t0:.2f} s; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
