"""The profile's fast paths give the numbers plain pandas gives.

Duplicate rows (a unique column settles it; otherwise per-column codes combined into an exact key,
renumbered before it overflows), distinct and missing counts by sorting numbers or pyarrow's hash of
text, text lengths and personal data measured once per distinct text, and the enforcement's
factorisation reused by the profile. Property tests (hypothesis) on random frames, plus seeded
frames large enough to reach the renumbering.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.curation import enforce
from workbench.curation import profile as P
from workbench.curation.importer import ColumnMapping
from workbench.curation.pii import Scanner

from .curation_support import MAPPING, curation_project

hypothesis = pytest.importorskip("hypothesis", reason="property tests need hypothesis (test extra)")
st = pytest.importorskip("hypothesis.strategies")

FLOATS = [0.0, -0.0, 1.5, -2.25, np.nan, 1e300, -np.inf, np.inf, 3.0]
TEXTS = ["", " ", "a", "b", "ab", "ação", "x@y.org", "meu cpf é 529.982.247-25", "(11) 91234-5678", None]


@st.composite
def frames(draw):
    n = draw(st.integers(0, 40))
    kinds = draw(st.lists(st.sampled_from(["float", "int", "bool", "str", "object", "category", "datetime",
                                           "unique_int", "unique_str"]), min_size=1, max_size=5))
    cols = {}
    for i, kind in enumerate(kinds):
        pick = st.lists(st.integers(0, 8), min_size=n, max_size=n)
        idx = draw(pick)
        if kind == "float":
            values = np.array([FLOATS[j] for j in idx], dtype="float64")
        elif kind == "int":
            values = np.array([j - 4 for j in idx], dtype="int64")
        elif kind == "bool":
            values = np.array([j % 2 == 0 for j in idx])
        elif kind == "str":
            values = pd.array([TEXTS[j] for j in idx], dtype="str")
        elif kind == "object":
            values = pd.array([TEXTS[j] for j in idx], dtype=object)
        elif kind == "category":
            values = pd.Categorical([TEXTS[j] for j in idx])
        elif kind == "datetime":
            values = pd.to_datetime([None if j == 8 else f"2026-01-0{j + 1}" for j in idx])
        elif kind == "unique_int":
            values = np.arange(n, dtype="int64")
        else:
            values = pd.array([f"m-{k}" if k else None for k in range(n)], dtype="str")  # one missing: still unique
        cols[f"c{i}_{kind}"] = values
    frame = pd.DataFrame(cols, index=range(n))
    repeat = draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=10)) if n else []
    return pd.concat([frame, frame.iloc[repeat]], ignore_index=True) if repeat else frame


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(frames())
def test_duplicates_distinct_and_missing_match_pandas(frame):
    table, dupes = P.columns_and_duplicates(frame)
    assert dupes == int(frame.duplicated().sum())
    assert P.duplicate_rows(frame) == dupes  # without facts: every column's codes, combined
    table = table.set_index("column")
    for col in frame.columns:
        assert table.loc[col, "missing"] == int(frame[col].isna().sum()), col
        assert table.loc[col, "distinct"] == int(frame[col].nunique(dropna=True)), col


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_key_too_wide_for_64_bits_is_renumbered_exactly(seed):
    rng = np.random.default_rng(seed)
    n = 20_000
    # eight columns of ~n distinct values: the combined key passes 2**63 after four or five columns
    frame = pd.DataFrame({f"c{i}": rng.integers(0, 10**9, n) for i in range(8)})
    frame["few"] = rng.integers(0, 3, n)
    # rows that agree on all but the last column, so the renumbered key must keep them apart
    near = frame.iloc[:50].copy()
    near["c7"] = near["c7"] + 1
    frame = pd.concat([frame, frame.iloc[rng.integers(0, n, 300)], near], ignore_index=True)
    assert P.duplicate_rows(frame) == int(frame.duplicated().sum())
    assert P.columns_and_duplicates(frame, workers=1)[1] == int(frame.duplicated().sum())


def test_a_unique_column_settles_duplicates_and_a_second_missing_value_does_not():
    frame = pd.DataFrame({"id": pd.array(["a", "b", None, "c"], dtype="str"), "x": [1, 1, 1, 1]})
    assert P.columns_and_duplicates(frame)[1] == 0
    frame = pd.DataFrame({"id": pd.array(["a", None, None, "a"], dtype="str"), "x": [1, 1, 1, 1]})
    assert P.columns_and_duplicates(frame)[1] == int(frame.duplicated().sum()) == 2


@st.composite
def texts(draw):
    parts = ["olá", "call me on +55 11 91234 5678", "c.0042@exemplo.org", "meu cpf é 529.982.247-25",
             "cpf 529.982.247-26", "mi DNI 12.345.678", "nada", ""]
    n = draw(st.integers(0, 30))
    rows = [None if draw(st.booleans()) and draw(st.booleans()) else
            " ".join(draw(st.lists(st.sampled_from(parts), max_size=3))) for _ in range(n)]
    return rows


@hypothesis.settings(max_examples=80, deadline=None)
@hypothesis.given(texts(), st.sampled_from(["str", "object"]))
def test_pii_counts_from_distinct_texts_equal_the_row_scan(rows, dtype):
    scanner = Scanner.default()
    frame = pd.DataFrame({"t": pd.array(rows, dtype=dtype)})
    found = scanner.find(frame["t"])  # every row scanned on its own
    expected = [{"column": "t", "kind": k, "rows": int(v)} for k, v in found.sum().items() if v]
    assert scanner.summary(frame, ["t"]).to_dict(orient="records") == expected
    codes, uniques = pd.factorize(frame["t"])
    given = scanner.summary(frame, ["t"], factorized={"t": (codes, uniques)})
    assert given.to_dict(orient="records") == expected


@hypothesis.settings(max_examples=80, deadline=None)
@hypothesis.given(texts())
def test_text_lengths_from_distinct_texts_equal_the_row_lengths(rows):
    series = pd.Series(pd.array(rows, dtype="str"))
    plain = P.text_stats(series)
    fast = P.text_stats(series, factorized=pd.factorize(series))
    pd.testing.assert_frame_equal(plain[0], fast[0])
    pd.testing.assert_frame_equal(plain[1], fast[1])


def test_numbers_in_a_mapped_text_column_are_measured_and_scanned_as_rows():
    # 1 and 1.0 factorise as one value but read as different texts: no shortcut through distinct values
    frame = pd.DataFrame({"who": ["a", "b", "c", "d"], "t": [1, 1.0, 11912345678, None],
                          "label": ["a", "b", "a", "b"]})
    prof = P.profile(frame, ColumnMapping("who", "label", (), "t"))
    pd.testing.assert_frame_equal(prof.text_length, P.text_stats(frame["t"])[0])
    found = Scanner.default().find(frame["t"]).sum()
    assert prof.pii.to_dict(orient="records") == [{"column": "t", "kind": k, "rows": int(v)}
                                                  for k, v in found.items() if v]


def test_the_enforcements_codes_give_the_same_profile(tmp_path):
    rows = [{"contributor_id": who, "hood": "A", "text": "oi", "label": label}
            for who, label in [("c-ok", "routine"), ("", "routine"), ("  ", "routine"), ("c-ok", "routine"),
                               ("c-none", "urgent"), ("", "routine"), ("c-refused", "urgent")]]
    project, ds = curation_project(tmp_path, rows=rows)
    from workbench.consent.ledger import ConsentLedger
    from workbench.curation.importer import load_frame

    frame = load_frame(project, ds)
    ledger = ConsentLedger.load(project.store)
    view = enforce.enforce(frame, ds, ledger, "train", "2026-03-01")
    assert view.counts["no_contributor"] == 3  # the blank ids, and the empty cells read as missing
    plain = P.profile(frame, MAPPING)
    reused = P.profile(frame, MAPPING, known={MAPPING.contributor: view.contributor_codes})
    assert reused.duplicates == plain.duplicates == int(frame.duplicated().sum()) == 2  # not the blank id
    pd.testing.assert_frame_equal(reused.column_table, plain.column_table)


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(st.lists(st.sampled_from(["x", "y", "z", "w", None]), max_size=40), st.booleans())
def test_counts_from_codes_equal_value_counts_ties_and_missing_included(values, dropna):
    series = pd.Series(pd.array(values, dtype="str"))
    expected = series.value_counts(dropna=dropna)
    index, counts = P._value_counts(series, pd.factorize(series), dropna=dropna)
    assert [None if pd.isna(k) else k for k in index] == [None if pd.isna(k) else k for k in expected.index]
    assert counts.tolist() == expected.tolist()


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from(["A", "B", None])),
                           min_size=1, max_size=40))
def test_labels_and_groups_from_codes_equal_the_plain_counts(pairs):
    frame = pd.DataFrame({"label": pd.array([p[0] for p in pairs], dtype="str"),
                          "g": pd.array([p[1] for p in pairs], dtype="str")})
    codes = {c: pd.factorize(frame[c]) for c in frame.columns}
    reference = {"g": {"A": 0.5, "B": 0.3, "C": 0.2}}
    pd.testing.assert_frame_equal(P.label_balance(frame["label"], codes["label"]), P.label_balance(frame["label"]))
    pd.testing.assert_frame_equal(P.representation(frame, ["g", "label"], reference, 3, codes),
                                  P.representation(frame, ["g", "label"], reference, 3))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_text_lengths_from_distinct_texts_on_many_lengths(seed):
    rng = np.random.default_rng(seed)
    pool = ["x" * int(k) for k in rng.geometric(0.02, 400)] + ["", "ação 😀"]
    rows = [None if rng.random() < 0.05 else pool[int(i)] for i in rng.integers(0, len(pool), 5000)]
    series = pd.Series(pd.array(rows, dtype="str"))
    for bins in (1, 7, 20):
        plain = P.text_stats(series, bins)
        fast = P.text_stats(series, bins, factorized=pd.factorize(series))
        pd.testing.assert_frame_equal(plain[0], fast[0])
        pd.testing.assert_frame_equal(plain[1], fast[1])
