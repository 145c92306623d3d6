"""The profile of a table, vectorised: what a community should see before it trusts its data.

Rows, columns, types, missing values per column, exact duplicate rows, label
balance, representation per group (counts and shares, against the reference
shares the community entered, for example from a census), groups smaller than
the charter's minimum flagged, text length, and personal data found in text.

Each column is factorised once; the codes give the missing count, the distinct
count and (combined across columns) the duplicate rows, so the table is hashed
once rather than once per question. Measured in ``benchmarks/bench_curation.py``.

Reference shares are events: ``dataset.reference_set`` ``{attribute, shares:
{group: share}, source}`` (the latest per attribute wins).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import WorkbenchError

REFERENCE = "dataset.reference_set"
DEFAULT_MIN_GROUP_SIZE = 30


@dataclass
class Profile:
    rows: int
    columns: int
    duplicates: int
    memory_bytes: int
    column_table: Any  # DataFrame: column, dtype, kind, missing, missing_share, distinct
    labels: Any  # DataFrame: label, count, share
    groups: Any  # DataFrame: attribute, group, count, share, reference, gap, small
    text_length: Any  # DataFrame of summary stats (chars and words) or None
    text_histogram: Any  # DataFrame: bin_start, bin_end, rows
    pii: Any  # DataFrame: column, kind, rows
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    notes: list[str] = field(default_factory=list)

    @property
    def small_groups(self):
        return self.groups[self.groups["small"]] if len(self.groups) else self.groups

    def to_dict(self) -> dict:
        """Plain numbers and lists (for the datasheet and JSON)."""
        def records(df):
            return [] if df is None else df.to_dict(orient="records")

        return {"rows": self.rows, "columns": self.columns, "duplicates": self.duplicates,
                "min_group_size": self.min_group_size, "column_table": records(self.column_table),
                "labels": records(self.labels), "groups": records(self.groups),
                "text_length": records(self.text_length), "pii": records(self.pii)}


def _kind(dtype) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    return "text"


@dataclass
class ColumnFacts:
    """What one pass over a column tells: missing values, distinct values, and (when asked) its codes.

    ``codes`` label equal values with equal integers (-1 or a code of its own for missing values) and
    ``uniques`` are the values behind the codes when they came from a factorisation; both are None when
    the distinct count was found without labelling the rows (sorting numbers, or pyarrow's hash of text).
    """

    missing: int
    distinct: int
    codes: Any = None
    uniques: Any = None


def _arrow_text(series):
    """The pyarrow (chunked) array behind an Arrow-backed text column, else None."""
    arr = series.array
    if not hasattr(arr, "__arrow_array__"):
        return None
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is optional
        return None
    data = arr.__arrow_array__()
    kind = data.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return data
    return None


def _factorize(series):
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, uniques


def _sorted_distinct(values) -> tuple[int, int]:
    """(missing, distinct) of a numeric numpy array by sorting (NaN is missing; -0.0 equals 0.0, as in pandas)."""
    import numpy as np

    s = np.sort(values)
    missing = int(np.count_nonzero(np.isnan(s))) if s.dtype.kind == "f" else 0
    k = len(s) - missing  # NaN sorts last
    return missing, (1 + int(np.count_nonzero(s[1:k] != s[: k - 1]))) if k else 0


def column_facts(series, codes: bool = False) -> ColumnFacts:
    """Missing and distinct values of one column, with its codes when ``codes`` (exact in every case).

    Numbers are counted by sorting (faster than hashing when most values differ); Arrow-backed text
    by pyarrow's hash kernels, which release the GIL; anything else by :func:`pandas.factorize`.
    """
    import numpy as np

    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        values = series.to_numpy()
        missing, distinct = _sorted_distinct(values)
        if not codes:
            return ColumnFacts(missing, distinct)
        labels, uniques = _factorize(series)
        return ColumnFacts(missing, distinct, np.asarray(labels), uniques)
    data = None if codes else _arrow_text(series)
    if data is not None:
        import pyarrow.compute as pc

        missing = int(data.null_count)
        return ColumnFacts(missing, len(pc.unique(data)) - (1 if missing else 0))
    labels, uniques = _factorize(series)
    labels = np.asarray(labels)
    return ColumnFacts(int(series.isna().sum()), len(uniques), labels, uniques)


def _facts_from_known(series, codes, uniques) -> ColumnFacts:
    import numpy as np

    codes = np.asarray(codes)
    present = codes[codes >= 0]
    distinct = int(np.count_nonzero(np.bincount(present))) if len(present) else 0
    return ColumnFacts(int(series.isna().sum()), distinct, codes, uniques)


def _run(tasks, workers: int):
    """``[fn() for fn in tasks]``, on ``workers`` threads when there is more than one task."""
    if workers > 1 and len(tasks) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda fn: fn(), tasks))
    return [fn() for fn in tasks]


def duplicate_rows(frame, facts: Mapping[str, ColumnFacts] | None = None, workers: int = 2) -> int:
    """How many rows repeat an earlier row exactly: ``frame.duplicated().sum()``, computed exactly.

    A column whose values all differ (a message id) settles it at once: no row repeats. Otherwise each
    column's integer codes are combined into one integer key per row (mixed-radix); when the key would
    overflow 64 bits it is renumbered densely (at most the number of rows) and the combination goes on,
    so no hashing of rows and no collisions. Missing values equal each other, as in pandas.
    """
    import numpy as np

    n = len(frame)
    if not n or not frame.shape[1]:
        return 0  # as pandas: a frame without rows or columns has no duplicated rows
    facts = dict(facts or {})
    for col in frame.columns:
        f = facts.get(col)
        if f is not None and f.distinct + (1 if f.missing else 0) == n:
            return 0
    todo = [c for c in frame.columns if facts.get(c) is None or facts[c].codes is None]
    done = _run([lambda c=c: column_facts(frame[c], codes=True) for c in todo], workers)
    facts.update(zip(todo, done, strict=True))
    order = sorted(frame.columns, key=lambda c: facts[c].distinct)  # few values first: the key grows slowly
    key, width = np.zeros(n, dtype="uint64"), 1
    for col in order:
        f = facts[col]
        codes = np.asarray(f.codes).astype("int64", copy=False)
        span = int(codes.max()) + 2
        if width * span >= 2**63:  # renumber the key densely before it overflows
            uniq, inverse = np.unique(key, return_inverse=True)
            key, width = inverse.reshape(-1).astype("uint64"), len(uniq)
            if width == n:
                return 0
        key = key * np.uint64(span) + (codes + 1).astype("uint64")
        width *= span
    s = np.sort(key)
    return n - (1 + int(np.count_nonzero(s[1:] != s[:-1])))


def columns_and_duplicates(frame, known: dict | None = None, workers: int = 2, codes_for: Iterable[str] = (),
                           facts: dict | None = None):
    """(column table, number of exact duplicate rows).

    ``known`` maps a column to ``(codes, uniques)`` already computed (the enforcement's contributor
    codes), so it is not hashed twice; columns in ``codes_for`` keep their codes (for the text scans).
    ``facts``, when a dict is given, receives each column's :class:`ColumnFacts`.
    """
    import pandas as pd

    n = len(frame)
    known = known or {}
    codes_for = set(codes_for)
    out = {col: _facts_from_known(frame[col], *known[col]) for col in frame.columns if col in known}
    todo = [c for c in frame.columns if c not in out]
    done = _run([lambda c=c: column_facts(frame[c], codes=c in codes_for) for c in todo], workers)
    out.update(zip(todo, done, strict=True))
    rows = []
    for col in frame.columns:
        s, f = frame[col], out[col]
        rows.append({"column": str(col), "dtype": str(s.dtype), "kind": _kind(s.dtype), "missing": f.missing,
                     "missing_share": f.missing / n if n else 0.0, "distinct": int(f.distinct)})
    table = pd.DataFrame(rows, columns=["column", "dtype", "kind", "missing", "missing_share", "distinct"])
    if facts is not None:
        facts.update(out)
    return table, duplicate_rows(frame, out, workers)


def _value_counts(series, factorized=None, dropna: bool = True):
    """``series.value_counts(dropna=dropna)`` as ``(index, counts)``, in the same order.

    For Arrow-backed text whose factorisation the profile already has, the counts come from the codes
    (``bincount``) instead of hashing the column again: pyarrow's codes and its value counts both number
    the values (a missing value too) in order of first appearance, and pandas sorts the counts with
    pyarrow's stable sort, so ties keep that order here as well.
    """
    import numpy as np
    import pandas as pd

    if factorized is None or _arrow_text(series) is None:
        counts = series.value_counts(dropna=dropna)
        return counts.index, counts.to_numpy(dtype="int64")
    codes, uniques = np.asarray(factorized[0]), factorized[1]
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)).astype("int64")
    keys = pd.Index(np.asarray(uniques, dtype=object), dtype=object)
    nulls = len(codes) - int(counts.sum())
    if nulls and not dropna:
        first = int(np.argmax(codes < 0))
        at = int(codes[:first].max()) + 1 if first else 0  # the values first seen before the first missing one
        keys, counts = keys.insert(at, None), np.insert(counts, at, nulls)
    order = np.argsort(-counts, kind="stable")
    return keys[order], counts[order]


def label_balance(series, factorized=None):
    import pandas as pd

    index, counts = _value_counts(series, factorized, dropna=True)
    total = int(counts.sum())
    out = pd.DataFrame({"label": index.astype(str), "count": counts})
    out["share"] = out["count"] / total if total else 0.0
    return out.sort_values(["count", "label"], ascending=[False, True], ignore_index=True)


def representation(frame, groups: Iterable[str], reference: Mapping[str, Mapping[str, float]] | None = None,
                   min_group_size: int = DEFAULT_MIN_GROUP_SIZE, factorized: Mapping | None = None):
    """Counts and shares per group of each attribute, with the reference share and the gap where given.

    Missing values are a group of their own (``group`` is None) so they stay visible; ``small`` flags
    groups with fewer rows than ``min_group_size``. ``factorized`` maps a column to ``(codes, uniques)``
    already computed (the profile's), so it is not hashed again.
    """
    import pandas as pd

    parts = []
    reference = reference or {}
    factorized = factorized or {}
    for attr in groups:
        index, counts = _value_counts(frame[attr], factorized.get(attr), dropna=False)
        total = int(counts.sum())
        part = pd.DataFrame({"attribute": pd.Series(attr, index=range(len(counts)), dtype=object),
                             "group": pd.Series([None if pd.isna(g) else str(g) for g in index], dtype=object),
                             "count": counts})
        part["share"] = part["count"] / total if total else 0.0
        ref = {str(k): float(v) for k, v in (reference.get(attr) or {}).items()}
        part["reference"] = part["group"].map(ref).astype("float64")
        missing_groups = [g for g in ref if g not in set(part["group"].dropna())]
        if missing_groups:  # a group the census has and the data lacks: zero rows, flagged
            extra = pd.DataFrame({"attribute": pd.Series(attr, index=range(len(missing_groups)), dtype=object),
                                  "group": pd.Series(missing_groups, dtype=object), "count": 0, "share": 0.0,
                                  "reference": [ref[g] for g in missing_groups]})
            part = pd.concat([part, extra], ignore_index=True)
        parts.append(part)
    cols = ["attribute", "group", "count", "share", "reference", "gap", "small"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["gap"] = out["share"] - out["reference"]
    out["small"] = out["group"].notna() & (out["count"] < int(min_group_size))
    return out[cols]


def _as_text(series):
    import pandas as pd

    return series if pd.api.types.is_string_dtype(series.dtype) else series.astype("str").mask(series.isna())


def text_stats(series, bins: int = 20, factorized=None):
    """(summary of characters per row, histogram of characters) for a text column.

    With ``factorized`` (``(codes, uniques)`` of the column) each distinct text is measured once and
    counted by its rows: the rows' lengths are then known in sorted order (the statistics depend on the
    lengths and how often each occurs, not on the order of the rows; lengths are whole numbers, so even
    the mean's sum is exact in any order) and the histogram weighs each length by its rows.
    """
    import numpy as np
    import pandas as pd

    weights = None
    if factorized is not None:
        codes, uniques = np.asarray(factorized[0]), factorized[1]
        lengths = _as_text(pd.Series(uniques)).str.len().to_numpy(dtype="float64", na_value=np.nan)
        per = np.bincount(codes[codes >= 0], minlength=len(lengths)).astype("int64")
        ok = ~np.isnan(lengths)
        unmeasured = len(codes) - int(per[ok].sum())
        lengths, per = lengths[ok], per[ok]
        order = np.argsort(lengths, kind="stable")
        lengths, weights = lengths[order], per[order]
        values = np.repeat(lengths, weights)
    else:
        chars = _as_text(series).str.len()
        values = chars.dropna().to_numpy(dtype="float64")
        unmeasured = int(chars.isna().sum())
    has = len(values) > 0
    stats = pd.DataFrame({
        "measure": ["chars"],
        "rows": [int(len(values))],
        "empty": [int((values == 0).sum()) + unmeasured],
        "mean": [float(values.mean()) if has else 0.0],
        "median": [float(np.median(values)) if has else 0.0],
        "p95": [float(np.quantile(values, 0.95)) if has else 0.0],
        "max": [int(values.max()) if has else 0],
    })
    if has and weights is not None:
        counts, edges = np.histogram(lengths, bins=bins, range=(values[0], values[-1]), weights=weights)
    elif has:
        counts, edges = np.histogram(values, bins=bins)
    else:
        counts, edges = np.zeros(0, dtype="int64"), np.zeros(1)
    hist = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "rows": counts.astype("int64")})
    return stats, hist


def profile(frame, mapping=None, reference=None, min_group_size: int = DEFAULT_MIN_GROUP_SIZE, scanner=None,
            pii_columns: Iterable[str] | None = None, known: dict | None = None) -> Profile:
    """Profile ``frame``; ``mapping`` (a ColumnMapping) says which column is the target, groups and text."""
    import pandas as pd

    from .pii import Scanner

    text_col = getattr(mapping, "text", None)
    if text_col is not None and text_col not in frame.columns:
        text_col = None
    if pii_columns is None:
        pii_columns = [text_col] if text_col else [c for c in frame.columns if _kind(frame[c].dtype) == "text"]
    pii_columns = [c for c in pii_columns if c in frame.columns]
    target = getattr(mapping, "target", None)
    if target is not None and target not in frame.columns:
        target = None
    groups = [g for g in getattr(mapping, "groups", ()) if g in frame.columns]
    facts: dict = {}
    # the text, label and group columns keep their codes: lengths and personal data are found once per
    # distinct text, and counts per label and group come from the codes without hashing the column again
    wanted = {*pii_columns, *groups, *(c for c in (text_col, target) if c)}
    table, dupes = columns_and_duplicates(frame, known, codes_for=wanted, facts=facts)
    # only for columns of strings: values that factorise as equal then also read as the same text
    factorized = {c: (facts[c].codes, facts[c].uniques) for c in wanted
                  if facts[c].uniques is not None and pd.api.types.is_string_dtype(frame[c])}
    labels = label_balance(frame[target], factorized.get(target)) if target else \
        pd.DataFrame(columns=["label", "count", "share"])
    reps = representation(frame, groups, reference, min_group_size, factorized)
    stats = hist = None
    if text_col:
        stats, hist = text_stats(frame[text_col], factorized=factorized.get(text_col))
    pii = (scanner or Scanner.default()).summary(frame, pii_columns, factorized=factorized)
    return Profile(len(frame), frame.shape[1], dupes, int(frame.memory_usage(deep=False).sum()), table, labels,
                   reps, stats, hist, pii, int(min_group_size))


# -- reference shares ------------------------------------------------------------------------------
def set_reference(store, attribute: str, shares: Mapping[str, Any], source: str = "",
                  actor: str = "facilitator"):
    """Record the community's reference shares for ``attribute`` (they must add up to about 1)."""
    attr = str(attribute or "").strip()
    if not attr:
        raise WorkbenchError("Name the attribute the reference shares are for.", key="curation.error.no_attribute")
    clean: dict[str, float] = {}
    for group, value in dict(shares).items():
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise WorkbenchError(f"The share for {group!r} is not a number.", "Write it as 0.25 for 25%.",
                                 key="curation.error.share_number", group=str(group)) from None
        if not 0.0 <= v <= 1.0:
            raise WorkbenchError(f"The share for {group!r} is outside 0 to 1.", "Write it as 0.25 for 25%.",
                                 key="curation.error.share_range", group=str(group))
        clean[str(group).strip()] = v
    total = sum(clean.values())
    if not clean or abs(total - 1.0) > 0.02:
        raise WorkbenchError(f"The shares add up to {total:.2f}, not 1.", "Check them against the source.",
                             key="curation.error.share_total", total=f"{total:.2f}")
    return store.append(REFERENCE, {"attribute": attr, "shares": clean, "source": str(source)[:500]}, actor)


def references(store) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for ev in store.events(kinds=[REFERENCE]):
        out[ev.payload["attribute"]] = dict(ev.payload["shares"])
    return out


def parse_shares(text: str) -> dict[str, str]:
    """``"Morro Alto=0.2, Beira-Rio=0.3"`` (or one per line) -> {group: value}."""
    out = {}
    for part in str(text or "").replace("\n", ",").split(","):
        if not part.strip():
            continue
        if "=" not in part and ":" not in part:
            raise WorkbenchError(f"{part.strip()!r} is not 'group = share'.", "Write for example: Beira-Rio = 0.3.",
                                 key="curation.error.share_format", part=part.strip())
        group, _, value = part.replace(":", "=", 1).partition("=")
        out[group.strip()] = value.strip()
    return out


# -- the charter's minimum group size (adapter: the purpose stage owns the charter) ----------------
def charter_min_group_size(store) -> int:
    """The largest ``min_group_size`` of the latest agreed (else drafted) charter's criteria, or 30.

    Adapter over :mod:`workbench.purpose.charter` (owned by the purpose stage); if that module is
    absent, the default applies. A store that cannot be read, or a charter of another shape, is an
    error the caller sees, not a silent default (issue 23).
    """
    try:
        from ..purpose.charter import DEFAULT_MIN_GROUP_SIZE as charter_default
        from ..purpose.charter import CharterHistory
    except ImportError:  # pragma: no cover - the purpose stage is part of the package
        return DEFAULT_MIN_GROUP_SIZE
    history = CharterHistory.load(store)
    version = history.latest_agreed() or history.latest
    if version is None:
        return int(charter_default)
    sizes = [int(c.min_group_size) for c in version.charter.criteria if getattr(c, "min_group_size", None)]
    return max(sizes) if sizes else int(charter_default)


def charter_groups(store) -> list[str]:
    """The attributes the charter names as groups (adapter, as above); empty when none."""
    try:
        from ..purpose.charter import CharterHistory
    except ImportError:  # pragma: no cover - the purpose stage is part of the package
        return []
    history = CharterHistory.load(store)
    version = history.latest_agreed() or history.latest
    return list(version.charter.groups) if version else []


def project_profile(project, curated_view=None):
    """The profile of the project's current dataset (raw, or a curated view's kept rows)."""
    from .importer import load_frame, require_current
    from .pii import Scanner

    ds = require_current(project.store)
    frame = curated_view.frame if curated_view is not None else load_frame(project, ds)
    return profile(frame, ds.mapping, references(project.store), charter_min_group_size(project.store),
                   Scanner.for_project(project))
