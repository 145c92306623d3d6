"""Per-group metrics at scale: our confusion-count groupby against fairlearn's MetricFrame (issue 6: >= 20x).

    .venv/bin/python benchmarks/bench_evaluation_metrics.py [--rows N] [--repeat N]

Four metrics (accuracy, recall, precision, false positive rate of one class) by one attribute of 5 groups,
on N rows (default 1,000,000) of 3 classes. MetricFrame runs once (it takes seconds); ours runs best of
--repeat, without intervals (the like-for-like number) and with 1,000 bootstrap replicates per group.
Writes its section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks import _results  # noqa: E402
from workbench.evaluation.metrics import group_metrics  # noqa: E402


def data(rows: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = np.array(["information", "routine", "urgent"])
    y_true = labels[rng.choice(3, rows, p=[0.35, 0.45, 0.2])]
    y_pred = np.where(rng.random(rows) < 0.8, y_true, labels[rng.integers(0, 3, rows)])
    groups = pd.DataFrame({"neighbourhood": np.array(["Morro Alto", "Beira-Rio", "Jardim Sul", "Vila Nova",
                                                      "Campo Verde"])[rng.integers(0, 5, rows)]})
    return y_true, y_pred, groups


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    y_true, y_pred, groups = data(args.rows)
    ours = best(lambda: group_metrics(y_true, y_pred, groups, n_boot=0, min_group_size=1), args.repeat)
    ours_boot = best(lambda: group_metrics(y_true, y_pred, groups, n_boot=1000, min_group_size=1), args.repeat)
    rows = [["ours, point estimates (all 9 metrics, every class)", f"{ours:.3f}", ""],
            ["ours, with 1,000 bootstrap replicates per group", f"{ours_boot:.3f}", ""]]
    try:
        from fairlearn.metrics import MetricFrame, false_positive_rate
        from sklearn.metrics import accuracy_score, precision_score, recall_score
    except ImportError:
        print("fairlearn is not installed: only our timings", file=sys.stderr)
    else:
        bt, bp = (y_true == "urgent").astype(int), (y_pred == "urgent").astype(int)
        t0 = time.perf_counter()
        frame = MetricFrame(metrics={"accuracy": accuracy_score, "recall": recall_score,
                                     "precision": partial(precision_score, zero_division=0),
                                     "fpr": false_positive_rate},
                            y_true=bt, y_pred=bp, sensitive_features=groups["neighbourhood"])
        frame.by_group  # noqa: B018
        theirs = time.perf_counter() - t0
        rows.insert(0, ["fairlearn MetricFrame, 4 metrics of one class", f"{theirs:.3f}", "1x"])
        rows[1][2] = f"{theirs / ours:.0f}x faster"
        rows[2][2] = f"{theirs / ours_boot:.0f}x faster"
    body = (f"## Evaluation: per-group metrics, {args.rows:,} rows, 5 groups, 3 classes\n\n"
            f"{_results.now()} · {_results.machine_line()}\n\n`{_results.command_line()}`\n\n"
            + _results.table(["what", "seconds", "speed-up"], rows))
    print(body)
    _results.write_section("evaluation-metrics", body)


if __name__ == "__main__":
    main()
