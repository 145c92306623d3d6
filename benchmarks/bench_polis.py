"""Opinion groups as Pol.is finds them (issue 21): ours beside red-dwarf and Pol.is's published groups, and the
analysis at scale beside red-dwarf on the same votes.

    python benchmarks/bench_polis.py              # ~3 min; updates the bench_polis section of RESULTS.md
    python benchmarks/bench_polis.py --no-write   # print only
    python benchmarks/bench_polis.py --voters 19000 --votes 500000

1. The two shared Pol.is conversations (../shared/data/polis/: Pol.is open data, CC BY 4.0, The Computational
   Democracy Project; see that folder's README.md), votes from votes.csv (last vote per voter and comment,
   moderated-out comments left out): group counts and adjusted Rand between ours, red-dwarf's and Pol.is's.
2. red-dwarf's own variability: its default k-means start is fixed (its ``random_state`` changes nothing), so
   it is rerun on its own projection with k-means++ starts over 30 seeds (``BestPolisKMeans``).
3. Planted groups (groups evenly spaced on a circle of opinion, 9 votes in 10 their group's way).
4. Scale: a planted conversation of ``--voters`` voters and ``--votes`` votes (200 statements), from a long
   table of votes to groups, consensus and representative statements (ours) and to red-dwarf's
   ``run_pipeline`` (its groups, consensus and repness), best of a few runs, wall clock, on whatever else
   runs on this machine (the load average is printed).

Not collected by pytest; writes nothing but its RESULTS.md section.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import _results
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
POLIS = ROOT.parent / "shared" / "data" / "polis"
NAMES = ["brexit-consensus", "london.youth.policing"]


def ari(a, b) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(list(a), list(b)))


def polis_votes(name: str) -> pd.DataFrame:
    votes = pd.read_csv(POLIS / name / "votes.csv")
    votes = votes.sort_values("timestamp", kind="stable").drop_duplicates(["voter-id", "comment-id"], keep="last")
    comments = pd.read_csv(POLIS / name / "comments.csv")
    hidden = set(comments.loc[comments["moderated"] == -1, "comment-id"])
    return votes[~votes["comment-id"].isin(hidden)].rename(
        columns={"voter-id": "participant", "comment-id": "statement"})[["participant", "statement", "vote"]]


def planted_votes(n_groups: int, n_voters: int, n_statements: int, per_voter: tuple[int, int], seed: int = 0):
    """A long table of votes with planted groups, and the truth."""
    rng = np.random.default_rng(seed)
    theta = 2 * np.pi * np.arange(n_groups) / n_groups
    cos = np.cos(theta[:, None] - rng.uniform(0, 2 * np.pi, n_statements)[None, :])
    stance = np.where(cos > 0.5, 1, np.where(cos < -0.5, -1, 0))
    truth = rng.integers(0, n_groups, n_voters)
    counts = rng.integers(per_voter[0], per_voter[1] + 1, n_voters)
    who = np.repeat(np.arange(n_voters), counts)
    what = np.concatenate([rng.choice(n_statements, size=c, replace=False) for c in counts])
    vote = stance[truth[who], what]
    noise = rng.random(len(who)) >= 0.9
    vote[noise] = rng.choice([-1, 0, 1], size=int(noise.sum()))
    return pd.DataFrame({"participant": who, "statement": what, "vote": vote}), pd.Series(truth)


def ours(votes: pd.DataFrame, full: bool = True):
    from workbench.purpose.analysis import consensus, polis_clusters, representative

    matrix = votes.pivot(index="participant", columns="statement", values="vote").astype(float)
    found = polis_clusters(matrix)
    if full and found.labels is not None:
        consensus(matrix, found.labels)
        representative(matrix, found.labels)
    return found


def red_dwarf(votes: pd.DataFrame):
    from reddwarf.implementations.polis import run_pipeline

    records = [{"participant_id": int(p), "statement_id": int(s), "vote": int(v), "modified": 0}
               for p, s, v in votes[["participant", "statement", "vote"]].itertuples(index=False)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_pipeline(votes=records, random_state=0)


def rd_labels(result) -> pd.Series:
    return result.participants_df["cluster_id"].dropna().astype(int)


def timed(fn, runs: int):
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--voters", type=int, default=19000)
    ap.add_argument("--votes", type=int, default=500000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    load_before = os.getloadavg()
    lines = []

    rows = []
    for name in NAMES:
        votes = polis_votes(name)
        published = pd.read_csv(POLIS / name / "participants-votes.csv").set_index("participant")["group-id"].dropna()
        summary = dict(pd.read_csv(POLIS / name / "summary.csv", header=None).values)
        t_ours, mine = timed(lambda v=votes: ours(v), args.runs)
        t_rd, theirs = timed(lambda v=votes: red_dwarf(v), 1)
        theirs = rd_labels(theirs)
        both = mine.labels.index.intersection(published.index)
        both_rd = theirs.index.intersection(published.index)
        rows.append([name, votes["participant"].nunique(), len(votes), summary["groups"], theirs.nunique(), mine.k,
                     "/".join(str(x) for x in sorted(mine.labels.value_counts(), reverse=True)),
                     f"{ari(published[both_rd], theirs[both_rd]):.2f}",
                     f"{ari(published[both], mine.labels[both]):.2f}", f"{ari(theirs, mine.labels[theirs.index]):.2f}",
                     f"{t_ours * 1000:.0f}", f"{t_rd * 1000:.0f}"])
        print(rows[-1], flush=True)
    lines.append(_results.table(
        ["conversation", "voters", "votes", "groups Pol.is", "red-dwarf", "ours", "our sizes",
         "ARI Pol.is~red-dwarf", "ARI Pol.is~ours", "ARI red-dwarf~ours", "ours ms", "red-dwarf ms"], rows))

    from reddwarf.sklearn.cluster import BestPolisKMeans

    rows = []
    for name in NAMES:
        result = red_dwarf(polis_votes(name))
        p = result.participants_df
        x = p.loc[p["to_cluster"], ["x", "y"]].to_numpy()
        ref = rd_labels(result).to_numpy()
        ks, aris = [], []
        for seed in range(30):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                best = BestPolisKMeans(init="k-means++", random_state=seed).fit(x)
            ks.append(best.best_k_)
            aris.append(ari(ref, best.best_estimator_.labels_))
        from workbench.purpose.analysis import polis_clusters

        matrix = polis_votes(name).pivot(index="participant", columns="statement", values="vote").astype(float)
        mine = [polis_clusters(matrix, seed=s) for s in range(30)]
        ours_k = Counter(m.k for m in mine)
        ours_ari = [ari(mine[0].labels, m.labels[mine[0].labels.index]) for m in mine]
        rows.append([name, dict(sorted(Counter(ks).items())), f"{min(aris):.2f} / {np.median(aris):.2f}",
                     dict(sorted(ours_k.items())), f"{min(ours_ari):.2f} / {np.median(ours_ari):.2f}"])
        print(rows[-1], flush=True)
    lines.append(_results.table(["conversation", "red-dwarf k over 30 k-means++ seeds",
                                 "its ARI with its default (min / median)", "ours k over 30 seeds",
                                 "our ARI with seed 0 (min / median)"], rows))

    rows = []
    for n_groups in (2, 3, 4, 5):
        for seed in range(3):
            votes, truth = planted_votes(n_groups, 20 * n_groups + 40, 40, (20, 40), seed)
            mine, theirs = ours(votes, full=False), rd_labels(red_dwarf(votes))
            rows.append([n_groups, 20 * n_groups + 40, seed, mine.k, f"{ari(truth[mine.labels.index], mine.labels):.3f}",
                         theirs.nunique(), f"{ari(truth[theirs.index], theirs):.3f}"])
    lines.append(_results.table(["planted groups", "voters", "seed", "ours k", "ours ARI", "red-dwarf k",
                                 "red-dwarf ARI"], rows))

    rows = []
    for voters, n_votes in [(1900, 50000), (args.voters, args.votes)]:
        per = max(7, n_votes // voters)
        votes, truth = planted_votes(3, voters, 200, (per - per // 2, per + per // 2), 0)
        t_ours, mine = timed(lambda v=votes: ours(v), args.runs)
        t_rd, theirs = timed(lambda v=votes: red_dwarf(v), max(1, args.runs - 1))
        theirs = rd_labels(theirs)
        rows.append([voters, len(votes), mine.k, f"{ari(truth[mine.labels.index], mine.labels):.3f}",
                     theirs.nunique(), f"{ari(truth[theirs.index], theirs):.3f}", f"{t_ours:.2f}", f"{t_rd:.2f}"])
        print(rows[-1], flush=True)
    lines.append(_results.table(["voters", "votes", "ours k", "ours ARI", "red-dwarf k", "red-dwarf ARI",
                                 "ours s (groups + consensus + representative)", "red-dwarf s (run_pipeline)"],
                                rows))

    load = f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
    body = f"""## Opinion groups: ours, red-dwarf and Pol.is (bench_polis)

{_results.now()}; {_results.machine_line()}; {load}

    {_results.command_line()}

Shared Pol.is conversations (Pol.is open data, CC BY 4.0, The Computational Democracy Project):

{lines[0]}

red-dwarf's variability (its default start is fixed; here k-means++ starts on its own projection), and ours:

{lines[1]}

Planted groups (40 statements, 20 to 40 votes each):

{lines[2]}

At scale (3 planted groups, 200 statements), from a long table of votes, best of {args.runs}:

{lines[3]}
"""
    if args.no_write:
        print(body)
    else:
        _results.write_section("bench_polis", body)
        print(f"wrote the bench_polis section of {_results.RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
