"""Per-group metrics with uncertainty, computed from confusion counts (no Python loop per row).

Every metric here is a function of a group's confusion matrix, so the rows are
reduced once: ``np.bincount`` over ``(group, true class, predicted class)``
codes gives one K x K matrix per group (the same as a pandas groupby-count, a
little faster), and every metric of every group and class is array arithmetic
on those matrices. At 1,000,000 rows this takes a fraction of a second where
fairlearn's ``MetricFrame`` takes seconds (``benchmarks/bench_evaluation_metrics.py``);
the tests check our numbers against fairlearn and scikit-learn.

Uncertainty: a seeded bootstrap per group. Resampling a group's rows with
replacement changes only its confusion counts, and those counts are then
multinomial with the observed cell frequencies, so each bootstrap replicate is
one multinomial draw per group: exact, and independent of the number of rows.
The interval is the percentile interval of the replicates (ends clipped to
[0, 1], where every metric here lies); for metrics that are
a single proportion (accuracy, precision, recall, false negative and false
positive rates, selection rate) it is widened to include the Wilson score
interval, because a percentile bootstrap collapses to a point when a small group
is all right or all wrong (30 correct out of 30 is not proof of 100%).

A group with fewer rows than ``min_group_size`` is *not enough evidence*: its
value is shown, but no criterion can pass on it (see :mod:`.criteria`).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

OVERALL = "overall"  # the attribute and group name of the whole test set
MISSING = "(missing)"  # the group of rows whose attribute is empty
JOIN = " × "  # intersections: "age_band × neighbourhood", "18-29 × Morro Alto"
GLOBAL_METRICS = ("accuracy", "balanced_accuracy", "macro_f1")
CLASS_METRICS = ("precision", "recall", "f1", "false_negative_rate", "false_positive_rate", "selection_rate")
METRICS = GLOBAL_METRICS + CLASS_METRICS
PROPORTIONS = ("accuracy", "precision", "recall", "false_negative_rate", "false_positive_rate", "selection_rate")
LOWER_IS_BETTER = ("false_negative_rate", "false_positive_rate")
DEFAULT_BOOT = 1000
DEFAULT_LEVEL = 0.95
_CELLS_PER_CHUNK = 4_000_000  # bootstrap memory: replicates x groups x K x K per chunk of groups

COLUMNS = ["attribute", "group", "metric", "label", "value", "lo", "hi", "n", "support", "enough"]
GAP_COLUMNS = ["attribute", "metric", "label", "gap", "gap_lo", "gap_hi", "ratio", "low_group", "high_group",
               "groups_compared", "groups_small"]


# -- metrics of confusion matrices ------------------------------------------------------------
def confusion_metrics(counts: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """Every metric of confusion matrices ``counts[..., true, predicted]``.

    Returns ``{metric: (value, denominator)}``; class metrics have a last axis
    of classes; the denominator (None for averages) is the number of rows the
    proportion is taken over. Undefined values (a class never predicted, for
    precision) are NaN, not 0.
    """
    c = np.asarray(counts, dtype=float)
    n = c.sum(axis=(-2, -1))
    tp = np.diagonal(c, axis1=-2, axis2=-1)
    actual = c.sum(axis=-1)
    predicted = c.sum(axis=-2)
    negatives = n[..., None] - actual
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = tp / actual
        present = actual > 0
        seen = (actual + predicted) > 0
        f1 = 2 * tp / (actual + predicted)
        out = {
            "accuracy": (tp.sum(axis=-1) / n, n),
            "balanced_accuracy": (np.where(present, recall, 0).sum(axis=-1) / present.sum(axis=-1), None),
            "macro_f1": (np.where(seen, f1, 0).sum(axis=-1) / seen.sum(axis=-1), None),
            "precision": (tp / predicted, predicted),
            "recall": (recall, actual),
            "f1": (f1, None),
            "false_negative_rate": ((actual - tp) / actual, actual),
            "false_positive_rate": ((predicted - tp) / negatives, negatives),
            "selection_rate": (predicted / n[..., None], np.broadcast_to(n[..., None], predicted.shape)),
        }
    return out


def wilson(value: np.ndarray, denominator: np.ndarray, level: float = DEFAULT_LEVEL):
    """Wilson score interval of a proportion ``value`` observed on ``denominator`` rows (vectorised)."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    d = np.asarray(denominator, dtype=float)
    p = np.asarray(value, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 1 + z * z / d
        centre = (p + z * z / (2 * d)) / scale
        half = z * np.sqrt(p * (1 - p) / d + z * z / (4 * d * d)) / scale
    return centre - half, centre + half


# -- groups -----------------------------------------------------------------------------------
def _factorise(column) -> tuple[np.ndarray, pd.Index]:
    """Codes and sorted group names of one attribute; empty or missing values are the group :data:`MISSING`.

    The rows are hashed once (``pd.factorize``); everything after works on the few distinct values.
    """
    if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories  # already hashed
    else:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    names = [str(u).strip() or MISSING for u in uniques] + [MISSING]  # the last one is code -1
    ordered = sorted(set(names[:-1]) | ({MISSING} if (codes < 0).any() else set()))
    position = {name: i for i, name in enumerate(ordered)}
    lookup = np.asarray([position.get(name, 0) for name in names], dtype=np.int64)
    return lookup[codes], pd.Index(ordered, dtype=object)


def _classes(values, labels: list | None) -> tuple[np.ndarray, list]:
    """Codes of ``values`` and the distinct values they index (hashing the rows once)."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), list(values.cat.categories)
    if not isinstance(values, pd.Series):
        values = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, list(uniques)


def _intersect(parts: list[tuple[np.ndarray, pd.Index]]) -> tuple[np.ndarray, pd.Index]:
    """Combine factorised columns into one code per present combination, names joined by :data:`JOIN`."""
    combined = np.zeros(len(parts[0][0]), dtype=np.int64)
    for codes, uniques in parts:
        combined = combined * len(uniques) + codes
    codes, present = pd.factorize(combined, sort=True)
    names = []
    for value in present:
        pieces = []
        for _codes, uniques in reversed(parts):
            value, k = divmod(int(value), len(uniques))
            pieces.append(str(uniques[k]))
        names.append(JOIN.join(reversed(pieces)))
    return codes.astype(np.int64), pd.Index(names, dtype=object)


@dataclass
class MetricReport:
    """The result of :func:`group_metrics`.

    ``table``: one row per (attribute, group, metric, label) with the value,
    its interval (lo, hi), the group size ``n``, the rows the proportion is
    taken over (``support``) and ``enough`` (n >= min_group_size and defined).
    The whole test set is attribute and group :data:`OVERALL`.
    ``gaps``: per attribute, metric and class, the largest difference between
    groups with enough evidence, its interval, the ratio min/max, the groups
    at either end, and how many groups were compared or too small.
    """

    table: pd.DataFrame
    gaps: pd.DataFrame
    labels: list
    min_group_size: int
    n_boot: int
    seed: int
    level: float
    attributes: list[str] = field(default_factory=list)
    replicates: dict = field(default_factory=dict, repr=False)  # attribute -> (group names, {metric: (B, G[, K])})

    def gap_interval(self, metric: str, label=None, attribute: str = "", groups=()) -> tuple[float, float]:
        """Bootstrap interval of the largest difference between ``groups`` of ``attribute`` (NaN without one)."""
        names, boot = self.replicates.get(attribute, (None, None))
        wanted = set(map(str, groups))
        if boot is None or len(wanted) < 2:
            return float("nan"), float("nan")
        ok = np.isin(np.asarray(names, dtype=object), list(wanted))
        b = boot[metric]
        if b.ndim == 3:
            b = b[:, :, [str(x) for x in self.labels].index("" if label is None else str(label))]
        spread = (np.fmax.reduce(np.where(ok[None], b, -np.inf), axis=1)
                  - np.fmin.reduce(np.where(ok[None], b, np.inf), axis=1))
        spread[~np.isfinite(spread)] = np.nan
        lo, hi = _percentiles(spread[:, None], self.level)
        return float(lo[0]), float(hi[0])

    def row(self, metric: str, label=None, attribute: str = OVERALL, group: str = OVERALL) -> pd.Series:
        t = self.table
        hit = t[(t["attribute"] == attribute) & (t["group"] == str(group)) & (t["metric"] == metric)
                & (t["label"] == ("" if label is None else str(label)))]
        if hit.empty:
            raise KeyError((metric, label, attribute, group))
        return hit.iloc[0]

    def value(self, metric: str, label=None, attribute: str = OVERALL, group: str = OVERALL) -> float:
        return float(self.row(metric, label, attribute, group)["value"])

    def groups(self, attribute: str) -> pd.DataFrame:
        """One row per group of ``attribute`` with its size."""
        t = self.table[(self.table["attribute"] == attribute) & (self.table["metric"] == "accuracy")]
        return t[["group", "n"]].reset_index(drop=True)

    def gap(self, metric: str, label=None, attribute: str = "") -> pd.Series:
        g = self.gaps
        hit = g[(g["attribute"] == attribute) & (g["metric"] == metric)
                & (g["label"] == ("" if label is None else str(label)))]
        if hit.empty:
            raise KeyError((metric, label, attribute))
        return hit.iloc[0]


def group_metrics(y_true, y_pred, groups: pd.DataFrame | None = None, *, labels: Sequence | None = None,
                  attributes: Iterable[str] | None = None, intersections: Iterable[Sequence[str]] = (),
                  min_group_size: int = 30, n_boot: int = DEFAULT_BOOT, seed: int = 0,
                  level: float = DEFAULT_LEVEL) -> MetricReport:
    """Metrics overall, per group of each attribute and per intersection, with bootstrap intervals.

    Parameters
    ----------
    y_true, y_pred:
        Classes, as lists, numpy arrays or pandas Series of the same length.
    groups:
        One column per attribute (``neighbourhood``, ``age_band``...), aligned
        with ``y_true`` by position. Empty values form the group :data:`MISSING`.
    labels:
        The classes in order; default: the sorted classes seen in either input.
    attributes:
        The columns of ``groups`` to use (default: all).
    intersections:
        Tuples of attributes whose combinations are also groups.
    n_boot:
        Bootstrap replicates (0: no intervals).

    Examples
    --------
    >>> r = group_metrics(["a", "b", "a", "b"], ["a", "b", "b", "b"], min_group_size=1, n_boot=0)
    >>> float(r.value("accuracy"))
    0.75
    """
    t_codes, t_uniques = _classes(y_true, labels)
    p_codes, p_uniques = _classes(y_pred, labels)
    if len(t_codes) != len(p_codes):
        raise ValueError("y_true and y_pred differ in length")
    if labels is None:
        t_uniques, p_uniques = [str(x) for x in t_uniques], [str(x) for x in p_uniques]
        labels = sorted(set(t_uniques) | set(p_uniques))
    labels = list(labels)
    index = pd.Index(labels)
    t = index.get_indexer(pd.Index(t_uniques, dtype=object)).astype(np.int64)[t_codes]
    p = index.get_indexer(pd.Index(p_uniques, dtype=object)).astype(np.int64)[p_codes]
    if (t < 0).any() or (p < 0).any():
        raise ValueError("y_true or y_pred holds a class that is not in labels")
    k = len(labels)
    parts: list[tuple[str, np.ndarray, pd.Index]] = [
        (OVERALL, np.zeros(len(t), dtype=np.int64), pd.Index([OVERALL], dtype=object))]
    attributes = list(groups.columns if attributes is None and groups is not None else attributes or [])
    factorised = {}
    for name in attributes:
        factorised[name] = _factorise(groups[name].reset_index(drop=True))
        parts.append((name, *factorised[name]))
    for combo in intersections:
        combo = list(combo)
        for name in combo:
            if name not in factorised:
                factorised[name] = _factorise(groups[name].reset_index(drop=True))
        parts.append((JOIN.join(combo), *_intersect([factorised[c] for c in combo])))
    columns: dict[str, list] = {c: [] for c in COLUMNS}
    gap_columns: dict[str, list] = {c: [] for c in GAP_COLUMNS}
    replicates = {}
    for attribute, codes, names in parts:
        boot = _one_attribute(columns, gap_columns, attribute, t, p, codes, names, labels, k, min_group_size, n_boot,
                              seed, level)
        if boot is not None and attribute != OVERALL:
            replicates[attribute] = (list(names), boot)
    table = pd.DataFrame({c: np.concatenate(v) for c, v in columns.items()})
    gaps = pd.DataFrame({c: np.concatenate(v) if v else [] for c, v in gap_columns.items()})
    return MetricReport(table, gaps[GAP_COLUMNS], labels, min_group_size, n_boot, seed, level,
                        [a for a, _c, _n in parts[1:]], replicates)


def _one_attribute(columns, gap_columns, attribute, t, p, codes, names, labels, k, min_size, n_boot, seed, level):
    g = len(names)
    counts = np.bincount((codes * k + t) * k + p, minlength=g * k * k).reshape(g, k, k)
    n = counts.sum(axis=(1, 2))
    point = confusion_metrics(counts)
    boot = _bootstrap(counts, n, n_boot, seed, attribute) if n_boot else None
    names_arr = np.asarray(names, dtype=object)
    label_arr = np.asarray([str(x) for x in labels], dtype=object)
    for metric in METRICS:
        value, denom = point[metric]
        lo = hi = np.full(value.shape, np.nan)
        if boot is not None:
            lo, hi = _percentiles(boot[metric], level)
            if metric in PROPORTIONS:
                w_lo, w_hi = wilson(value, denom, level)
                lo, hi = np.fmin(lo, w_lo), np.fmax(hi, w_hi)
            # Every metric here lies in [0, 1]; rounding in the Wilson formula can put an end a hair outside
            # (-1e-17 printed as "-0.000"), so the ends are clipped, NaN kept.
            lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
        per_class = value.ndim == 2
        reps = k if per_class else 1
        size = value.size
        support = denom
        if denom is None:
            support = np.broadcast_to(n[:, None], value.shape) if per_class else n
        nn = np.repeat(n, reps)
        v = value.ravel()
        columns["attribute"].append(np.full(size, attribute, dtype=object))
        columns["group"].append(np.repeat(names_arr, reps))
        columns["metric"].append(np.full(size, metric, dtype=object))
        columns["label"].append(np.tile(label_arr, g) if per_class else np.full(size, "", dtype=object))
        columns["value"].append(v)
        columns["lo"].append(lo.ravel())
        columns["hi"].append(hi.ravel())
        columns["n"].append(nn.astype(np.int64))
        columns["support"].append(np.asarray(support).ravel().astype(np.int64))
        columns["enough"].append((nn >= min_size) & np.isfinite(v))
    if attribute != OVERALL:
        _gaps(gap_columns, attribute, point, boot, n >= min_size, names_arr, label_arr, level)
    return boot


def _bootstrap(counts, n, n_boot, seed, attribute):
    """Metric values of ``n_boot`` multinomial replicates per group: {metric: (values (B, G[, K]), None)}."""
    g, k, _ = counts.shape
    rng = np.random.default_rng([int(seed), zlib.crc32(str(attribute).encode("utf-8"))])
    cells = k * k
    chunk = max(1, _CELLS_PER_CHUNK // max(1, n_boot * cells))
    pieces: dict[str, list] = {m: [] for m in METRICS}
    flat = counts.reshape(g, cells).astype(float)
    for start in range(0, g, chunk):  # a loop over chunks of groups, never over rows
        sl = slice(start, min(g, start + chunk))
        nn = n[sl]
        pv = flat[sl] / np.maximum(nn, 1)[:, None]
        pv[nn == 0] = 1.0 / cells
        draws = rng.multinomial(nn, pv, size=(n_boot, len(nn)))
        values = confusion_metrics(draws.reshape(n_boot, len(nn), k, k))
        for m in METRICS:
            pieces[m].append(values[m][0])
    return {m: np.concatenate(pieces[m], axis=1) for m in METRICS}


def _percentiles(samples: np.ndarray, level: float):
    """Percentile interval over axis 0 (linear, as numpy), NaN where fewer than half the replicates are defined."""
    alpha = (1 - level) / 2
    ordered = np.sort(samples, axis=0)  # NaN sorts last
    m = np.isfinite(ordered).sum(axis=0)
    out = []
    for q in (alpha, 1 - alpha):
        pos = q * np.maximum(m - 1, 0)
        below = np.floor(pos).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(m - 1, 0))
        a = np.take_along_axis(ordered, below[None, ...], axis=0)[0]
        b = np.take_along_axis(ordered, above[None, ...], axis=0)[0]
        out.append(a + (b - a) * (pos - below))
    defined = m >= max(1, samples.shape[0] / 2)
    return np.where(defined, out[0], np.nan), np.where(defined, out[1], np.nan)


def _gaps(out, attribute, point, boot, eligible, names, label_arr, level):
    small = int((~eligible).sum())
    for metric in METRICS:
        value = point[metric][0]
        per_class = value.ndim == 2
        v = value if per_class else value[:, None]
        width = v.shape[1]
        ok = eligible[:, None] & np.isfinite(v)
        count = ok.sum(axis=0)
        low = np.where(ok, v, np.inf).argmin(axis=0)
        high = np.where(ok, v, -np.inf).argmax(axis=0)
        cols = np.arange(width)
        vlow, vhigh = v[low, cols], v[high, cols]
        has = count >= 1
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(has & (vhigh > 0), vlow / vhigh, np.nan)
        gap_lo = gap_hi = np.full(width, np.nan)
        if boot is not None:
            b = boot[metric] if per_class else boot[metric][:, :, None]
            spread = (np.fmax.reduce(np.where(ok[None], b, -np.inf), axis=1)
                      - np.fmin.reduce(np.where(ok[None], b, np.inf), axis=1))
            spread[~np.isfinite(spread)] = np.nan
            gap_lo, gap_hi = _percentiles(spread, level)
            two = count >= 2
            gap_lo, gap_hi = np.where(two, gap_lo, np.nan), np.where(two, gap_hi, np.nan)
            gap_lo, gap_hi = np.clip(gap_lo, 0.0, 1.0), np.clip(gap_hi, 0.0, 1.0)
        out["attribute"].append(np.full(width, attribute, dtype=object))
        out["metric"].append(np.full(width, metric, dtype=object))
        out["label"].append(label_arr if per_class else np.asarray([""], dtype=object))
        out["gap"].append(np.where(has, vhigh - vlow, np.nan))
        out["gap_lo"].append(gap_lo)
        out["gap_hi"].append(gap_hi)
        out["ratio"].append(ratio)
        out["low_group"].append(np.where(has, names[low], ""))
        out["high_group"].append(np.where(has, names[high], ""))
        out["groups_compared"].append(count.astype(np.int64))
        out["groups_small"].append(np.full(width, small, dtype=np.int64))
