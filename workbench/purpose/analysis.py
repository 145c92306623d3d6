"""Analysis of a deliberation, following the method Pol.is uses.

1. The vote matrix: one row per participant, one column per visible statement;
   agree 1, disagree -1, pass and unseen 0.
2. Only participants who voted on at least ``min(7, number of statements)``
   statements are placed in opinion groups (Pol.is's threshold).
3. PCA to 2 components on their rows (scikit-learn).
4. k-means for k = 2..5 (k < number of participants), k chosen by the best
   silhouette score (scikit-learn, ``random_state=0``).
5. Group-informed consensus per statement: the product over groups of
   (agrees + 1) / (votes + 2), where votes count agree, disagree and pass.
   With no groups, all voters form one group.
6. Representative statements per group (Pol.is "repness"): for agreement,
   ``ra = pa_in / pa_out`` with ``pa = (agrees + 1) / (votes + 2)`` inside and
   outside the group, ranked by ``ra * pa_in``; the same for disagreement. A
   statement is representative when the group leans that way (``pa_in > 0.5``)
   and more than the others (``ra > 1``).

Joins in a burst: ``Analysis.bursts`` lists participants created from one page, browser session or
address within a few minutes (:meth:`Deliberation.join_bursts`), for the facilitator to look at. It never
goes into :meth:`Analysis.summary`, which participant screens show.

Small cases (nobody voted, one participant, too few to form groups, everyone
voting the same way) come back as notes: catalog keys with parameters, which
the views and the CLI turn into a plain sentence in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .deliberation import Deliberation

MIN_VOTES_TO_CLUSTER = 7
K_RANGE = range(2, 6)
REPRESENTATIVE_PER_GROUP = 5
GROUP_NAMES = "ABCDE"


@dataclass
class Group:
    name: str
    size: int
    members: list[str]
    representative: list[dict] = field(default_factory=list)  # {"statement", "direction", "p_in", "ratio"}


@dataclass
class Analysis:
    """What the facilitator sees: counts, per-statement table, map, groups, notes."""

    counts: dict
    statements: pd.DataFrame  # id, text, topic, seed, agree, disagree, pass, votes, agree_share, consensus
    participants: pd.DataFrame  # code, votes, clustered, x, y, group
    groups: list[Group]
    k: int
    silhouette: float | None
    notes: list[tuple[str, dict]]  # (catalog key, params)
    # facilitator only: [{"source": "kernel" | "session" | "addr", "count", "codes"}] (Deliberation.join_bursts)
    bursts: list[dict] = field(default_factory=list)

    def consensus_ranking(self) -> pd.DataFrame:
        return self.statements.sort_values(["consensus", "id"], ascending=[False, True]).reset_index(drop=True)

    def summary(self, top: int = 5) -> dict:
        """A small, JSON-safe summary for participant screens (no pandas needed to show it)."""
        ranked = self.consensus_ranking().head(top)
        return {
            "counts": {k: int(v) for k, v in self.counts.items()},
            "groups": len(self.groups),
            "top": [{"id": int(r.id), "text": str(r.text), "consensus": round(float(r.consensus), 3),
                     "agree_share": round(float(r.agree_share), 3)} for r in ranked.itertuples()],
            "notes": [[key, params] for key, params in self.notes],
        }


def vote_matrix(delib: Deliberation) -> pd.DataFrame:
    """Participants x visible statements; agree 1, disagree -1, pass 0, unseen NaN."""
    votes = delib.votes()
    cols = [s.id for s in delib.visible_statements()]
    if not votes:
        return pd.DataFrame(index=pd.Index([], name="participant"), columns=pd.Index(cols, name="statement"),
                            dtype=float)
    long = pd.DataFrame([(v, s, vote.value) for (v, s), vote in votes.items()],
                        columns=["participant", "statement", "vote"])
    wide = long.pivot(index="participant", columns="statement", values="vote").astype(float)
    return wide.reindex(columns=cols)


def consensus(matrix: pd.DataFrame, labels: pd.Series | None = None) -> pd.Series:
    """Group-informed consensus per statement: prod over groups of (agrees+1)/(votes+2).

    ``matrix``: participants x statements with 1/-1/0 and NaN for unseen.
    ``labels``: the group of each participant (index = participants); only
    labelled participants count. ``None`` puts all participants in one group.
    """
    if labels is None:
        labels = pd.Series("all", index=matrix.index)
    labels = labels.dropna()
    m = matrix.loc[matrix.index.intersection(labels.index)]
    agrees = (m == 1).groupby(labels.loc[m.index]).sum()
    seen = m.notna().groupby(labels.loc[m.index]).sum()
    per_group = (agrees + 1) / (seen + 2)
    out = per_group.prod(axis=0) if len(per_group) else pd.Series(0.5, index=matrix.columns)
    return out.reindex(matrix.columns).fillna(0.5).rename("consensus")


def cluster(matrix: pd.DataFrame, min_votes: int | None = None, seed: int = 0):
    """PCA to 2 components and k-means (k by silhouette) for the participants with enough votes.

    Returns ``(coords, labels, k, silhouette)``: coords a DataFrame x/y for the
    clustered participants, labels a Series of group indices (0 = largest group)
    or ``None`` when no grouping is possible.
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score

    n_statements = matrix.shape[1]
    needed = min(MIN_VOTES_TO_CLUSTER, n_statements) if min_votes is None else min_votes
    counts = matrix.notna().sum(axis=1)
    eligible = matrix.loc[(counts >= max(needed, 1))] if n_statements else matrix.iloc[0:0]
    empty = pd.DataFrame(columns=["x", "y"], dtype=float)
    if len(eligible) < 1 or n_statements < 1:
        return empty, None, 0, None
    x = eligible.fillna(0.0).to_numpy(dtype=float)
    n_comp = min(2, x.shape[0], x.shape[1])
    if np.allclose(x, x[0]) or n_comp < 1:
        coords = np.zeros((x.shape[0], 2))
    else:
        pca = PCA(n_components=n_comp, random_state=seed)
        coords = pca.fit_transform(x)
        if coords.shape[1] < 2:
            coords = np.hstack([coords, np.zeros((coords.shape[0], 1))])
    coords_df = pd.DataFrame(coords[:, :2], index=eligible.index, columns=["x", "y"])
    distinct = len(np.unique(np.round(coords, 9), axis=0))
    if x.shape[0] < 3 or distinct < 2:
        return coords_df, None, 0, None
    best = (None, -2.0, None)
    for k in K_RANGE:
        if k >= x.shape[0] or k > distinct:
            break
        km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(coords)
        if len(set(km.labels_)) < 2:
            continue
        score = float(silhouette_score(coords, km.labels_))
        if score > best[1] + 1e-12:
            best = (k, score, km.labels_)
    k, score, raw = best
    if k is None:
        return coords_df, None, 0, None
    # Name groups by size (A = largest), ties by position on the first axis, so names are stable.
    raw = pd.Series(raw, index=eligible.index)
    order = sorted(set(raw), key=lambda g: (-(raw == g).sum(), float(coords_df.x[raw == g].mean())))
    labels = raw.map({g: i for i, g in enumerate(order)})
    return coords_df, labels, k, score


def representative(matrix: pd.DataFrame, labels: pd.Series, per_group: int = REPRESENTATIVE_PER_GROUP):
    """For each group index, the statements that set it apart (Pol.is repness, simplified)."""
    out: dict[int, list[dict]] = {}
    m = matrix.loc[labels.index]
    for g in sorted(set(labels)):
        inside, outside = m[labels == g], m[labels != g]
        rows = []
        for direction, value in (("agree", 1), ("disagree", -1)):
            p_in = ((inside == value).sum() + 1) / (inside.notna().sum() + 2)
            p_out = ((outside == value).sum() + 1) / (outside.notna().sum() + 2)
            ratio = p_in / p_out
            ok = (p_in > 0.5) & (ratio > 1) & (inside.notna().sum() > 0)
            for sid in m.columns[ok.to_numpy()]:
                rows.append({"statement": int(sid), "direction": direction, "p_in": float(p_in[sid]),
                             "ratio": float(ratio[sid]), "score": float(ratio[sid] * p_in[sid])})
        rows.sort(key=lambda r: (-r["score"], r["statement"]))
        seen, picked = set(), []
        for r in rows:
            if r["statement"] not in seen:
                seen.add(r["statement"])
                picked.append(r)
        out[g] = picked[:per_group]
    return out


def analyse(delib: Deliberation, seed: int = 0) -> Analysis:
    """The whole analysis of a deliberation (see the module's docstring for the method)."""
    matrix = vote_matrix(delib)
    visible = delib.visible_statements()
    notes: list[tuple[str, dict]] = []
    n_people = len(delib.participants)
    voters = int((matrix.notna().sum(axis=1) > 0).sum()) if len(matrix) else 0
    counts = {
        "participants": n_people,
        "voters": voters,
        "statements": len(visible),
        "hidden": sum(1 for s in delib.statements.values() if not s.visible),
        "votes": int(matrix.notna().sum().sum()),
        "votes_logged": len(delib.votes_cast),
    }
    coords, labels, k, score = cluster(matrix, seed=seed)
    if not visible:
        notes.append(("purpose.analysis.no_statements", {}))
    elif counts["votes"] == 0:
        notes.append(("purpose.analysis.no_votes", {}))
    elif voters == 1:
        notes.append(("purpose.analysis.one_participant", {}))
    elif labels is None:
        needed = min(MIN_VOTES_TO_CLUSTER, len(visible))
        if len(coords) >= 3:
            notes.append(("purpose.analysis.same_votes", {}))
        else:
            notes.append(("purpose.analysis.too_few", {"count": len(coords), "needed": needed}))

    table = pd.DataFrame({
        "id": [s.id for s in visible],
        "text": [s.text for s in visible],
        "topic": [s.topic for s in visible],
        "seed": [s.seed for s in visible],
        "agree": (matrix == 1).sum().reindex([s.id for s in visible]).fillna(0).astype(int).to_numpy(),
        "disagree": (matrix == -1).sum().reindex([s.id for s in visible]).fillna(0).astype(int).to_numpy(),
        "pass": (matrix == 0).sum().reindex([s.id for s in visible]).fillna(0).astype(int).to_numpy(),
    })
    table["votes"] = table["agree"] + table["disagree"] + table["pass"]
    table["agree_share"] = (table["agree"] / table["votes"].where(table["votes"] > 0)).fillna(0.0)
    cons = consensus(matrix, None if labels is None else labels)
    table["consensus"] = cons.reindex(table["id"]).fillna(0.5).to_numpy() if len(table) else []
    if len(table) and counts["votes"] and bool((table["votes"] > 0).all()) and \
            bool((table["agree"] == table["votes"]).all()):
        notes.append(("purpose.analysis.all_agree", {}))

    people = pd.DataFrame({"code": list(matrix.index)})
    people["votes"] = matrix.notna().sum(axis=1).to_numpy() if len(matrix) else []
    people["clustered"] = people["code"].isin(coords.index)
    people["x"] = people["code"].map(coords["x"]) if len(coords) else np.nan
    people["y"] = people["code"].map(coords["y"]) if len(coords) else np.nan
    groups: list[Group] = []
    if labels is not None:
        people["group"] = people["code"].map(labels.map(lambda i: GROUP_NAMES[i]))
        reps = representative(matrix, labels)
        for i in sorted(set(labels)):
            members = sorted(labels.index[labels == i])
            groups.append(Group(GROUP_NAMES[i], len(members), members, reps.get(i, [])))
    else:
        people["group"] = None
    return Analysis(counts, table, people, groups, k, score, notes, delib.join_bursts())


def analyse_store(store, seed: int = 0) -> Analysis:
    return analyse(Deliberation.load(store), seed=seed)
