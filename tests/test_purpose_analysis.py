"""The Pol.is method on hand-made vote matrices with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.purpose.analysis import analyse, cluster, consensus, representative, vote_matrix
from workbench.purpose.deliberation import Deliberation, Statement, Vote


def make_delib(matrix: dict[str, dict[int, str | None]], texts: dict[int, str] | None = None) -> Deliberation:
    """A Deliberation from {participant: {statement: 'agree'|'disagree'|'pass'|None}}, no store needed."""
    delib = Deliberation()
    ids = sorted({s for row in matrix.values() for s in row} | set(texts or {}))
    for sid in ids:
        delib.statements[sid] = Statement(sid, (texts or {}).get(sid, f"s{sid}"), "facilitator", "en", "other",
                                          True, "t")
    seq = 1000
    for p, row in matrix.items():
        delib.participants[p] = {"language": "en", "seq": 0, "ts": "t"}
        for sid, vote in row.items():
            if vote is None:
                continue
            seq += 1
            v = Vote(p, sid, {"agree": 1, "disagree": -1, "pass": 0}[vote], seq, "t")
            delib.votes_cast.append(v)
    return delib


def two_camps(n_each=6, noise=False):
    """Camp L agrees with 1-4 and disagrees with 5-8; camp R the opposite. Everyone agrees with 9."""
    m = {}
    for i in range(n_each):
        m[f"left-{i}"] = {**dict.fromkeys((1, 2, 3, 4), "agree"), **dict.fromkeys((5, 6, 7, 8), "disagree"), 9: "agree"}
        m[f"right-{i}"] = {**dict.fromkeys((1, 2, 3, 4), "disagree"), **dict.fromkeys((5, 6, 7, 8), "agree"),
                           9: "agree"}
    if noise:
        m["left-0"][2] = "pass"
        m["right-1"][6] = "pass"
    return m


def test_vote_matrix_shape_and_values():
    delib = make_delib({"a": {1: "agree", 2: "disagree"}, "b": {2: "pass"}})
    mat = vote_matrix(delib)
    assert mat.loc["a", 1] == 1 and mat.loc["a", 2] == -1 and mat.loc["b", 2] == 0
    assert math.isnan(mat.loc["b", 1])


@pytest.mark.parametrize("noise", [False, True])
def test_two_clear_camps_make_two_groups(noise):
    result = analyse(make_delib(two_camps(noise=noise)))
    assert result.k == 2 and len(result.groups) == 2
    assert result.silhouette > 0.5
    members = [set(g.members) for g in result.groups]
    assert {frozenset(m) for m in members} == {frozenset(f"left-{i}" for i in range(6)),
                                               frozenset(f"right-{i}" for i in range(6))}
    assert result.notes == []


def test_statement_everybody_agrees_with_tops_consensus():
    result = analyse(make_delib(two_camps(noise=True)))
    ranking = result.consensus_ranking()
    assert ranking.iloc[0]["id"] == 9
    # (6+1)/(6+2) squared for the two groups of six who all agree.
    assert ranking.iloc[0]["consensus"] == pytest.approx((7 / 8) ** 2)
    # A divisive statement: one group agrees, the other does not.
    row1 = result.statements.set_index("id").loc[1]
    assert row1["consensus"] < 0.2


def test_consensus_formula_by_hand():
    mat = pd.DataFrame({10: [1, 1, -1, 0], 11: [1, np.nan, 1, 1]}, index=list("abcd"), dtype=float)
    labels = pd.Series([0, 0, 1, 1], index=list("abcd"))
    got = consensus(mat, labels)
    # statement 10: group 0 agrees 2 of 2 -> 3/4; group 1 agrees 0 of 2 -> 1/4
    assert got[10] == pytest.approx(3 / 4 * 1 / 4)
    # statement 11: group 0 agrees 1 of 1 -> 2/3; group 1 agrees 2 of 2 -> 3/4
    assert got[11] == pytest.approx(2 / 3 * 3 / 4)
    assert consensus(mat)[11] == pytest.approx((3 + 1) / (3 + 2))


def test_representative_statements_point_each_camp_to_its_own_side():
    delib = make_delib(two_camps())
    mat = vote_matrix(delib)
    _coords, labels, _k, _s = cluster(mat)
    reps = representative(mat, labels)
    for g, rows in reps.items():
        members = set(labels.index[labels == g])
        left = any(m.startswith("left") for m in members)
        agreed = {r["statement"] for r in rows if r["direction"] == "agree"}
        assert agreed and agreed <= ({1, 2, 3, 4} if left else {5, 6, 7, 8})
        assert 9 not in {r["statement"] for r in rows}  # shared by all: represents no one group


def test_participants_with_few_votes_are_not_clustered():
    m = two_camps()
    m["late"] = {1: "agree", 2: "agree"}  # 2 of 9 statements < min(7, 9)
    result = analyse(make_delib(m))
    late = result.participants.set_index("code").loc["late"]
    assert not late["clustered"] and late["group"] is None or pd.isna(late["group"])
    assert result.counts["voters"] == 13


def test_threshold_is_number_of_statements_when_fewer_than_seven():
    m = {f"p{i}": {1: "agree", 2: "disagree" if i % 2 else "agree"} for i in range(6)}
    result = analyse(make_delib(m))
    assert result.participants["clustered"].all()
    assert len(result.groups) == 2


@pytest.mark.parametrize("matrix,key", [
    ({}, "purpose.analysis.no_statements"),
    ({"a": {1: None}}, "purpose.analysis.no_votes"),
    ({"a": {1: "agree", 2: "disagree"}}, "purpose.analysis.one_participant"),
    ({"a": {1: "agree"}, "b": {1: "disagree"}}, "purpose.analysis.too_few"),
])
def test_small_cases_give_a_note_not_an_error(matrix, key):
    result = analyse(make_delib(matrix))
    assert key in [k for k, _ in result.notes]
    assert result.groups == []
    assert result.summary()["groups"] == 0


def test_everyone_agreeing_gives_a_plain_note_and_one_group():
    m = {f"p{i}": {1: "agree", 2: "agree", 3: "agree"} for i in range(5)}
    result = analyse(make_delib(m))
    keys = [k for k, _ in result.notes]
    assert "purpose.analysis.all_agree" in keys and "purpose.analysis.same_votes" in keys
    assert result.groups == []
    assert result.consensus_ranking()["consensus"].iloc[0] == pytest.approx(6 / 7)


def test_analysis_is_deterministic_and_summary_is_json_safe():
    import json

    a, b = analyse(make_delib(two_camps(noise=True))), analyse(make_delib(two_camps(noise=True)))
    assert a.participants.equals(b.participants)
    json.dumps(a.summary())
    assert a.summary()["top"][0]["id"] == 9


def test_three_camps_come_out_as_three_groups():
    m = {}
    for i in range(5):
        m[f"a{i}"] = {1: "agree", 2: "disagree", 3: "disagree", 4: "agree", 5: "pass", 6: "agree", 7: "disagree"}
        m[f"b{i}"] = {1: "disagree", 2: "agree", 3: "disagree", 4: "disagree", 5: "agree", 6: "agree", 7: "agree"}
        m[f"c{i}"] = {1: "disagree", 2: "disagree", 3: "agree", 4: "pass", 5: "disagree", 6: "agree", 7: "pass"}
    result = analyse(make_delib(m))
    assert len(result.groups) == 3
    assert sorted(g.size for g in result.groups) == [5, 5, 5]
    assert result.consensus_ranking().iloc[0]["id"] == 6


def test_representative_statements_need_polis_significance_not_just_a_lean():
    """Pol.is's test: a group of 3 that leans 2 to 1 on a statement the others reject is not significant
    (prop-test z = 2 * sqrt(4) * (3/4 - 1/2) = 1.0 < 1.2816); 10 to 0 is (z = 2 * sqrt(11) * 1/2 = 3.3)."""
    from workbench.purpose.analysis import Z_SIG_90

    people = [f"g{i}" for i in range(13)] + [f"o{i}" for i in range(13)]
    mat = pd.DataFrame(np.nan, index=people, columns=[1, 2])
    mat.loc[people[:13], 1] = [1] * 10 + [np.nan] * 3  # ten in the group agree on 1; the others disagree
    mat.loc[people[13:], 1] = -1
    mat.loc[people[:3], 2] = [1, 1, -1]  # three in the group lean to agree on 2; the others disagree
    mat.loc[people[13:], 2] = -1
    labels = pd.Series([0] * 13 + [1] * 13, index=people)
    rows = representative(mat, labels)[0]
    assert [(r["statement"], r["direction"]) for r in rows] == [(1, "agree")]
    assert rows[0]["p_in"] == pytest.approx(11 / 12) and rows[0]["p_test"] > Z_SIG_90
    from workbench.purpose.analysis import repness_stats

    st = repness_stats(mat, labels)
    assert st["pat"][0, 1] == pytest.approx(1.0) and st["pa"][0, 1] == pytest.approx(3 / 5)
