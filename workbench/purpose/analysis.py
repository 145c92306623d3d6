"""Opinion groups as Pol.is finds them (compdemocracy/polis ``math/``, reproduced in Python by red-dwarf).

The method, step by step (README.md "Analysis" says where and why it departs from Pol.is):

0. The vote matrix: one row per participant who voted, one column per visible statement with a vote; agree 1,
   disagree -1, pass 0, unseen missing. Rows are reduced to distinct vote patterns in a fixed order, so the
   result depends on the votes only, never on participant codes or the order events arrived in.
1. Unseen votes take the statement's mean vote (column-mean imputation).
2. PCA to 2 components on every voter's row (exact eigendecomposition, signs fixed).
3. Sparsity-aware projection: a participant's position is scaled by ``sqrt(statements / statements voted on)``.
4. In the conversation: participants with at least ``min(7, statements)`` votes are grouped; the others are
   on the map but in no group.
5. Base clusters: with more than 100 participants in the conversation, k-means with 100 centres (fixed
   ``random_state``); up to 100, each participant is their own base cluster.
6. Group clusters: k-means of the base clusters weighted by their size, for k = 2 .. min(5, 2 + bases // 12),
   skipping any k that leaves a group smaller than ``MIN_GROUP_SIZE`` (2) participants; the silhouette of each
   k over the base clusters; the best k, where silhouettes within ``K_TIE`` (0.01) of the best count as a tie
   that goes to fewer groups.
7. Group-informed consensus per statement: the product over groups of (agrees + 1) / (votes + 2), where
   votes count agree, disagree and pass. With no groups, all voters form one group.
8. Representative statements per group (Pol.is ``repness.clj``, :func:`representative`): for each group and
   statement, ``pa = (agrees + 1) / (votes + 2)`` in the group, ``ra = pa / pa_others`` (the other groups'
   members), ``pat`` Pol.is's ``prop-test`` and ``rat`` its ``two-prop-test`` (group against the others), each
   with one pseudo-count; the same for disagreement. A statement is representative when ``pat`` and ``rat`` (or
   ``pdt`` and ``rdt``) are both significant at 90% (z > 1.2816); ranked by ``ra * rat * pa * pat``, the
   group's best agreed statement first, at most 5, agreements before disagreements; with none significant, the
   best agreed statement (or the best by ``max(rat, rdt)``) alone.

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
BASE_K = 100
MAX_K = 5
K_RANGE = range(2, MAX_K + 1)
MIN_GROUP_SIZE = 2
BASE_N_INIT = 3
K_TIE = 0.01
REPRESENTATIVE_PER_GROUP = 5
Z_SIG_90 = 1.2816  # Pol.is stats/z-sig-90?: one-sided 90% (norm.ppf(0.9) = 1.28155)
GROUP_NAMES = "ABCDE"


@dataclass
class Group:
    name: str
    size: int
    members: list[str]
    # {"statement", "direction", "p_in", "ratio", "p_test", "ratio_test", "count", "votes", "score", "best_agree",
    #  "p_agree"}: see representative()
    representative: list[dict] = field(default_factory=list)


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
    # how the groups were found: {"in_conversation", "base_clusters", "statements_voted", "silhouettes": {k: s}}
    method: dict = field(default_factory=dict)

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
    votes = delib.vote_values()
    cols = [s.id for s in delib.visible_statements()]
    if not votes:
        return pd.DataFrame(index=pd.Index([], name="participant"), columns=pd.Index(cols, name="statement"),
                            dtype=float)
    long = pd.DataFrame(list(votes), columns=["participant", "statement"])
    long["vote"] = np.fromiter(votes.values(), np.int8, len(votes))
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


@dataclass
class Clustering:
    """Every step of the Pol.is method on one vote matrix (see the module's docstring)."""

    coords: pd.DataFrame  # x, y for every participant with a vote (index = participant)
    in_conv: pd.Index  # participants "in the conversation" (enough votes to be grouped)
    labels: pd.Series | None  # group index per in-conversation participant, 0 = largest; None = no groups
    k: int
    silhouette: float | None
    silhouettes: dict = field(default_factory=dict)  # k -> silhouette, for the k that were allowed
    base: pd.Series | None = None  # base cluster of each in-conversation participant
    n_statements: int = 0  # statements with at least one vote (the columns of the PCA)


def _principal_axes(centred: np.ndarray, weights: np.ndarray, n_comp: int = 2) -> np.ndarray:
    """The first ``n_comp`` principal axes of rows already centred, row i counted ``weights[i]`` times.

    An eigendecomposition of the (weighted) scatter matrix: the same axes as an SVD of the full matrix, exact
    and independent of the order of the rows. Each axis is signed so that its largest loading is positive
    (scikit-learn's convention), so the map does not flip between two runs.
    """
    n_cols = centred.shape[1]
    if n_cols <= 1500:
        values, vectors = np.linalg.eigh((centred * weights[:, None]).T @ centred)
    else:  # thousands of statements: the top eigenpairs only (ARPACK, fixed start vector)
        from scipy.sparse.linalg import LinearOperator, eigsh

        op = LinearOperator((n_cols, n_cols), dtype=float,
                            matvec=lambda v: centred.T @ (weights * (centred @ np.ravel(v))))
        values, vectors = eigsh(op, k=min(n_comp, n_cols - 1), v0=np.ones(n_cols))
    order = np.argsort(values)[::-1][:n_comp]
    keep = values[order] > 1e-9 * max(float(values.max()), 1e-300)
    axes = vectors[:, order[keep]].T.copy()
    for axis in axes:
        if axis[int(np.argmax(np.abs(axis)))] < 0:
            axis *= -1
    return axes


def _kmeans(points: np.ndarray, weights: np.ndarray, k: int, seed: int, n_init: int = 10,
            max_iter: int = 100) -> np.ndarray:
    """Weighted k-means (k-means++ starts, Lloyd steps), the best of ``n_init`` starts by inertia.

    For the group step, on at most ``BASE_K`` points: plain numpy, so it is quick, and its result depends only
    on the points, the weights and ``seed``.
    """
    rng = np.random.default_rng(seed)
    n = len(points)
    best_labels, best_inertia = None, np.inf
    for _ in range(n_init):
        centres = [points[rng.choice(n, p=weights / weights.sum())]]
        for _j in range(1, k):
            d2 = ((points[:, None, :] - np.asarray(centres)[None, :, :]) ** 2).sum(axis=-1).min(axis=1)
            p = weights * d2
            if p.sum() <= 0:
                break
            centres.append(points[rng.choice(n, p=p / p.sum())])
        centres = np.asarray(centres)
        labels = None
        for _it in range(max_iter):
            d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1)
            new = d2.argmin(axis=1)
            if labels is not None and np.array_equal(new, labels):
                break
            labels = new
            for c in range(len(centres)):
                mine = labels == c
                if mine.any():
                    centres[c] = (points[mine] * weights[mine, None]).sum(axis=0) / weights[mine].sum()
        inertia = float((weights * d2[np.arange(n), labels]).sum())
        if inertia < best_inertia - 1e-12:
            best_labels, best_inertia = labels, inertia
    return best_labels


def _silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of the points, unweighted; a point alone in its cluster scores 0 (as Pol.is and sklearn)."""
    dist = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1))
    k = int(labels.max()) + 1
    member = np.eye(k)[labels]  # n x k
    total = dist @ member  # sum of distances to each cluster's points
    size = member.sum(axis=0)
    rows = np.arange(len(labels))
    own = size[labels] - 1
    a = total[rows, labels] / np.maximum(own, 1)
    other = total / np.maximum(size, 1)[None, :]
    other[rows, labels] = np.inf
    other[:, size == 0] = np.inf
    b = other.min(axis=1)
    s = np.where(own > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(s.mean())


def polis_clusters(matrix: pd.DataFrame, min_votes: int | None = None, seed: int = 0, *, base_k: int = BASE_K,
                   max_k: int = MAX_K, min_group: int = MIN_GROUP_SIZE, k_tie: float = K_TIE) -> Clustering:
    """Pol.is's opinion groups for a vote matrix (participants x statements, 1/-1/0, NaN unseen).

    The result depends only on the votes: not on the order of the rows (participant codes, arrival order).
    """
    from sklearn.cluster import KMeans

    m = matrix.loc[matrix.notna().any(axis=1), matrix.notna().any(axis=0)]
    m = m.reindex(columns=sorted(m.columns))
    if m.shape[0] == 0 or m.shape[1] == 0:
        return Clustering(pd.DataFrame(columns=["x", "y"], dtype=float), pd.Index([]), None, 0, None)
    values = m.to_numpy(dtype=float)
    seen = ~np.isnan(values)
    n_statements = values.shape[1]
    # 0. Canonical form: one row per distinct vote pattern, in lexicographic order, with its count. Everything
    #    below runs on these, so codes and event order cannot change the result, and equal voters stay equal.
    patterns, inverse, counts = np.unique(np.where(seen, values, 2).astype(np.int8), axis=0,
                                          return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    voted = patterns != 2
    # 1. Column means over the votes cast; unseen votes take the mean, i.e. 0 once centred.
    mean = np.where(seen, values, 0.0).sum(axis=0) / seen.sum(axis=0)
    centred = np.where(voted, patterns - mean, 0.0)
    # 2. PCA, 2 components, fitted on every participant who voted.
    axes = _principal_axes(centred, counts.astype(float))
    proj = np.zeros((len(patterns), 2))
    proj[:, :len(axes)] = centred @ axes.T
    # 3. Sparsity-aware scaling: sqrt(statements / statements voted on), pushing sparse voters out from the centre.
    n_voted = voted.sum(axis=1)
    proj *= np.sqrt(n_statements / np.maximum(n_voted, 1))[:, None]
    coords = pd.DataFrame(proj[inverse], index=m.index, columns=["x", "y"])
    # 4. In the conversation: at least min(7, statements) votes.
    needed = min(MIN_VOTES_TO_CLUSTER, n_statements) if min_votes is None else min_votes
    pattern_in = n_voted >= max(needed, 1)
    row_in = pattern_in[inverse]
    in_conv = m.index[row_in]
    result = Clustering(coords, in_conv, None, 0, None, n_statements=n_statements)
    if not len(in_conv):
        return result
    # 5. Base clusters. Up to base_k participants, each is one. Beyond, k-means with base_k centres over the
    #    distinct points, weighted by how many share each (fixed random_state); with base_k distinct points or
    #    fewer, each distinct point is one (what Pol.is's k-means started from distinct points gives).
    in_patterns = np.flatnonzero(pattern_in)
    pattern_rank = np.full(len(patterns), -1)
    pattern_rank[in_patterns] = np.arange(len(in_patterns))
    rows_pattern = pattern_rank[inverse[row_in]]  # for each in-conversation row, its pattern among pts
    pts, w = proj[in_patterns], counts[in_patterns]
    if int(w.sum()) <= base_k:
        # participants in pattern order (equal voters side by side): unit i is the i-th of them
        centres, weights = np.repeat(pts, w, axis=0), np.ones(int(w.sum()))
        base_of_row = np.empty(len(rows_pattern), dtype=int)
        base_of_row[np.argsort(rows_pattern, kind="stable")] = np.arange(len(rows_pattern))
    else:
        points, point_of_pattern = np.unique(pts, axis=0, return_inverse=True)
        point_of_pattern = point_of_pattern.reshape(-1)
        point_weight = np.bincount(point_of_pattern, weights=w)
        if len(points) <= base_k:
            base_of_point, centres, weights = np.arange(len(points)), points, point_weight
        else:
            km = KMeans(n_clusters=base_k, n_init=BASE_N_INIT, random_state=seed).fit(points,
                                                                                        sample_weight=point_weight)
            used, base_of_point = np.unique(km.labels_, return_inverse=True)
            centres = km.cluster_centers_[used]
            weights = np.bincount(base_of_point, weights=point_weight)
        base_of_row = base_of_point[point_of_pattern[rows_pattern]]
    result.base = pd.Series(base_of_row, index=in_conv)
    # 6. Group clusters: k-means of the base clusters (weighted by size) for k = 2 .. min(5, 2 + bases // 12),
    #    silhouette over the base clusters; no group smaller than min_group participants.
    n_distinct = len(np.unique(np.round(centres, 12), axis=0))
    top = min(max_k, 2 + len(centres) // 12, n_distinct)
    fits = {}
    for k in range(2, top + 1):
        lab = _kmeans(centres, weights, k, seed)
        sizes = np.bincount(lab, weights=weights, minlength=k)
        if len(np.unique(lab)) < k or sizes.min() < min_group:
            continue
        fits[k] = (_silhouette(centres, lab), lab)
    result.silhouettes = {k: s for k, (s, _lab) in fits.items()}
    if not fits:
        return result
    # 7. k: the best silhouette; within k_tie of the best counts as a tie, and the tie goes to fewer groups.
    best = max(s for s, _lab in fits.values())
    k = min(k for k, (s, _lab) in fits.items() if s >= best - k_tie - 1e-12)
    score, lab = fits[k]
    raw = pd.Series(lab[base_of_row], index=in_conv)
    xy = coords.loc[in_conv]
    order = sorted(set(raw), key=lambda g: (-int((raw == g).sum()), float(xy.x[raw == g].mean()),
                                            float(xy.y[raw == g].mean())))
    result.labels = raw.map({g: i for i, g in enumerate(order)}).astype(int)
    result.k, result.silhouette = k, score
    return result


def cluster(matrix: pd.DataFrame, min_votes: int | None = None, seed: int = 0):
    """The groups of :func:`polis_clusters` in the shape this module always returned.

    Returns ``(coords, labels, k, silhouette)``: coords a DataFrame x/y for the participants in the
    conversation, labels a Series of group indices (0 = largest group) or ``None`` when no grouping is possible.
    """
    found = polis_clusters(matrix, min_votes=min_votes, seed=seed)
    return found.coords.loc[found.in_conv], found.labels, found.k, found.silhouette


def _prop_test(success: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Pol.is ``prop-test``: z of a proportion against 1/2, one pseudo-count added to successes and trials."""
    success, n = success + 1.0, n + 1.0
    return 2 * np.sqrt(n) * (success / n - 0.5)


def _two_prop_test(succ_in: np.ndarray, succ_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray) -> np.ndarray:
    """Pol.is ``two-prop-test``: z of the group's proportion against the others', one pseudo-count added to each.

    Where both proportions are 1 the statistic is 0/0; it counts as 0 (no difference), as in red-dwarf.
    """
    succ_in, succ_out, n_in, n_out = succ_in + 1.0, succ_out + 1.0, n_in + 1.0, n_out + 1.0
    pi1, pi2 = succ_in / n_in, succ_out / n_out
    pi_hat = (succ_in + succ_out) / (n_in + n_out)
    spread = np.sqrt(pi_hat * (1 - pi_hat) * (1 / n_in + 1 / n_out))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (pi1 - pi2) / spread
    return np.where(spread > 0, z, 0.0)


def repness_stats(matrix: pd.DataFrame, labels: pd.Series) -> dict[str, np.ndarray]:
    """Pol.is's per-group statement statistics (``conv-repness``), each a groups x statements array.

    ``na``/``nd``/``ns``: agrees, disagrees and votes (pass included) in the group; ``pa``/``pd``:
    (n + 1) / (ns + 2); ``pat``/``pdt``: ``prop-test``; ``ra``/``rd``: ``pa`` over the same for the other
    groups' members; ``rat``/``rdt``: ``two-prop-test`` of the group against the other groups. Rows follow
    ``sorted(set(labels))``, columns ``matrix.columns``.
    """
    m = matrix.loc[labels.index].to_numpy(dtype=float)
    names = sorted(set(labels))
    member = (labels.to_numpy()[:, None] == np.asarray(names)[None, :]).astype(float)  # people x groups
    na, nd, ns = (member.T @ (m == 1), member.T @ (m == -1), member.T @ ~np.isnan(m))
    out = {"na": na, "nd": nd, "ns": ns, "pa": (na + 1) / (ns + 2), "pd": (nd + 1) / (ns + 2),
           "pat": _prop_test(na, ns), "pdt": _prop_test(nd, ns)}
    ra_out, rd_out, rs_out = na.sum(axis=0) - na, nd.sum(axis=0) - nd, ns.sum(axis=0) - ns
    out["ra"] = out["pa"] / ((ra_out + 1) / (rs_out + 2))
    out["rd"] = out["pd"] / ((rd_out + 1) / (rs_out + 2))
    out["rat"] = _two_prop_test(na, ra_out, ns, rs_out)
    out["rdt"] = _two_prop_test(nd, rd_out, ns, rs_out)
    return out


def _finalised(stats: dict, g: int, j: int, sid) -> dict:
    """Pol.is ``finalize-cmt-stats``: the statement's stronger side (agree when ``rat > rdt``)."""
    agree = stats["rat"][g, j] > stats["rdt"][g, j]
    n, p, pt, r, rt = ("na", "pa", "pat", "ra", "rat") if agree else ("nd", "pd", "pdt", "rd", "rdt")
    row = {"statement": int(sid), "direction": "agree" if agree else "disagree", "p_in": float(stats[p][g, j]),
           "ratio": float(stats[r][g, j]), "p_test": float(stats[pt][g, j]), "ratio_test": float(stats[rt][g, j]),
           "count": int(stats[n][g, j]), "votes": int(stats["ns"][g, j]), "best_agree": False,
           "p_agree": float(stats["pa"][g, j])}  # for a best-agree row Pol.is shows as a disagreement
    row["score"] = row["ratio"] * row["ratio_test"] * row["p_in"] * row["p_test"]  # Pol.is ``repness-metric``
    return row


def representative(matrix: pd.DataFrame, labels: pd.Series, per_group: int = REPRESENTATIVE_PER_GROUP):
    """For each group index, the statements that set it apart, chosen as Pol.is chooses them (``repness.clj``).

    A statement passes when, for agreement or for disagreement, both the group's probability (``pat``/``pdt``)
    and its difference from the other groups (``rat``/``rdt``) are significant at 90% (one-sided z > 1.2816,
    Pol.is ``z-sig-90?``). The passing statements are sorted by ``ratio * ratio_test * p_in * p_test``; the
    group's best agreed statement (``beats-best-agr?``, marked ``best_agree``) goes first, then the top
    ``per_group``, agreements before disagreements. With none passing, the best agreed statement alone, or else
    the statement with the largest ``max(rat, rdt)``. Statements are visited in id order, as Pol.is visits them.
    """
    cols = list(matrix.columns)
    order = sorted(range(len(cols)), key=lambda j: cols[j])
    stats = repness_stats(matrix, labels)
    out: dict[int, list[dict]] = {}
    for g, name in enumerate(sorted(set(labels))):
        s = {key: value[g] for key, value in stats.items()}
        passes = ((s["rat"] > Z_SIG_90) & (s["pat"] > Z_SIG_90)) | ((s["rdt"] > Z_SIG_90) & (s["pdt"] > Z_SIG_90))
        best_agree = None
        for j in order:  # Pol.is beats-best-agr?, a fold in statement order
            if s["na"][j] == 0 and s["nd"][j] == 0:
                continue
            if best_agree is None:
                better = s["pat"][j] > Z_SIG_90 or (s["ra"][j] > 1.0 and s["pa"][j] > 0.5)
            elif s["ra"][best_agree] > 1.0:
                better = (s["ra"][j] * s["rat"][j] * s["pa"][j] * s["pat"][j] >
                          s["ra"][best_agree] * s["rat"][best_agree] * s["pa"][best_agree] * s["pat"][best_agree])
            else:
                better = s["pa"][j] * s["pat"][j] > s["pa"][best_agree] * s["pat"][best_agree]
            if better:
                best_agree = j
        head = []
        if best_agree is not None:
            head = [{**_finalised(stats, g, best_agree, cols[best_agree]), "best_agree": True}]
        sufficient = [j for j in order if passes[j]]
        if not sufficient:
            if not head and order:  # Pol.is beats-best-by-test?
                best = max(order, key=lambda j: max(s["rat"][j], s["rdt"][j]))  # the first on a tie
                head = [_finalised(stats, g, best, cols[best])]
            out[name] = head
            continue
        rows = [_finalised(stats, g, j, cols[j]) for j in sufficient if j != best_agree]
        rows.sort(key=lambda r: -r["score"])  # stable: id order among equals
        picked = (head + rows)[:per_group]
        out[name] = [r for r in picked if r["direction"] == "agree"] + [r for r in picked if r["direction"] == "disagree"]
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
    found = polis_clusters(matrix, seed=seed)
    coords, labels, k, score = found.coords, found.labels, found.k, found.silhouette
    if not visible:
        notes.append(("purpose.analysis.no_statements", {}))
    elif counts["votes"] == 0:
        notes.append(("purpose.analysis.no_votes", {}))
    elif voters == 1:
        notes.append(("purpose.analysis.one_participant", {}))
    elif labels is None:
        needed = min(MIN_VOTES_TO_CLUSTER, found.n_statements)
        placed = coords.loc[found.in_conv]
        if len(placed) >= 3 and len(np.unique(np.round(placed.to_numpy(), 9), axis=0)) == 1:
            notes.append(("purpose.analysis.same_votes", {}))
        else:
            notes.append(("purpose.analysis.too_few", {"count": len(placed), "needed": needed}))

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
    people["clustered"] = people["code"].isin(found.in_conv)
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
    method = {"in_conversation": len(found.in_conv), "statements_voted": found.n_statements,
              "base_clusters": 0 if found.base is None else int(found.base.nunique()),
              "silhouettes": {int(key): round(float(val), 4) for key, val in found.silhouettes.items()}}
    return Analysis(counts, table, people, groups, k, score, notes, delib.join_bursts(), method)


def analyse_store(store, seed: int = 0) -> Analysis:
    return analyse(Deliberation.load(store), seed=seed)
