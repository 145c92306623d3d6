"""Pol.is import and export (issue 21): the two shared Pol.is open-data conversations (CC BY 4.0, The
Computational Democracy Project; ../shared/data/polis/README.md) go in through ``workbench purpose import``
and come back out in Pol.is's format with the same columns and counts; malformed folders are refused with
one sentence and nothing written; the domain's writes fold the log incrementally; charts stay under
Altair's 5,000 rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import workbench
from workbench.cli import run_cli
from workbench.errors import WorkbenchError
from workbench.purpose import deliberation as dl
from workbench.purpose import polis_import as pi
from workbench.purpose.export import export_polis, polis_datetime

POLIS = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis"
if not POLIS.is_dir():
    POLIS = Path("/work/shared/data/polis")
CONVERSATIONS = ["brexit-consensus", "london.youth.policing"]
KEYS = {"comments.csv": ["comment-id"], "votes.csv": ["comment-id", "voter-id", "timestamp"],
        "participants-votes.csv": ["participant"]}

needs_data = pytest.mark.skipif(not (POLIS / CONVERSATIONS[0]).is_dir(), reason="no shared Pol.is data")


def imported(project, name: str):
    code, out, err = run_cli(["purpose", "import", str(project.root), str(POLIS / name)])
    assert (code, err) == (0, ""), err
    return out


def frame(path: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(path / name).sort_values(KEYS[name]).reset_index(drop=True)


@needs_data
@pytest.mark.parametrize("name", CONVERSATIONS)
def test_round_trip_reproduces_columns_counts_and_summary(project, tmp_path, name):
    out = imported(project, name)
    assert "Imported the Pol.is conversation" in out and "CC BY 4.0" in out
    delib = dl.Deliberation.load(project.store)
    # Pol.is's own groups, kept from participants-votes.csv, give back the same group-id column
    groups = {c: i["polis"]["group"] for c, i in delib.participants.items() if "group" in i["polis"]}
    paths = export_polis(delib, tmp_path / "out", groups)
    assert [p.name for p in paths] == ["comments.csv", "votes.csv", "participants-votes.csv", "summary.csv",
                                       "attribution.txt"]
    for file in KEYS:
        want, got = frame(POLIS / name, file), frame(tmp_path / "out", file)
        assert list(got.columns) == list(want.columns), file
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=file)
    assert (tmp_path / "out" / "summary.csv").read_text() == (POLIS / name / "summary.csv").read_text()
    attribution = (tmp_path / "out" / "attribution.txt").read_text()
    assert "The Computational Democracy Project" in attribution and "CC BY 4.0" in attribution

    # the project's own export (groups from the workbench's analysis): same columns and counts
    from workbench.purpose.export import export_project

    export_project(project, tmp_path / "mine")
    for file in KEYS:
        want, got = frame(POLIS / name, file), frame(tmp_path / "mine", file)
        assert list(got.columns) == list(want.columns), file
        same = [c for c in want.columns if c != "group-id"]
        pd.testing.assert_frame_equal(got[same], want[same], check_dtype=False, obj=file)
        if file == "participants-votes.csv":
            ids = got["group-id"].dropna()
            assert (ids == ids.astype(int)).all() and (ids.min() >= 0 if len(ids) else True)


@needs_data
def test_import_keeps_ids_authors_times_moderation_and_the_last_vote(project):
    before = project.store.count()
    imported(project, "london.youth.policing")
    events = project.store.events(after=before)
    assert {e.actor for e in events} == {"facilitator"}, "the import is the facilitator's act"
    head = events[0]
    assert head.kind == "purpose.imported" and "The Computational Democracy Project" in head.payload["attribution"]
    assert head.payload["licence"].startswith("CC BY 4.0") and head.payload["summary"]["url"].startswith("https://pol.is/")
    assert set(head.payload["files"]) == {"comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"}
    delib = dl.Deliberation.load(project.store)
    by_polis = {st.origin["id"]: st for st in delib.statements.values()}
    assert len(by_polis) == 39
    st = by_polis[35]
    assert st.author == "polis-23" and st.origin["ts"] == 1658934589213
    assert st.origin["datetime"] == "Wed Jul 27 22:09:49 WIB 2022"
    assert {i for i, s in by_polis.items() if s.hidden} == {0, 2, 3} and by_polis[1].accepted
    # voter 5 voted twice on comment 25 (Pol.is: the later one counts); nobody gets an implicit agree
    votes = delib.votes()
    assert all(not v.implicit for v in votes.values())
    assert votes[("polis-5", by_polis[25].id)].origin["ts"] == 1658934577925
    # imported people cannot be resumed, have no pace history and are not a join burst
    with pytest.raises(WorkbenchError):
        dl.resume(project.store, "polis-5")
    assert not delib.vote_times and not delib.statement_times and not delib.join_bursts()
    # a new participant joins and votes at a human pace as usual, next to the imported conversation
    code = dl.join(project.store, rules=dl.Rules())
    dl.cast_vote(project.store, code, by_polis[1].id, "agree", rules=dl.Rules())
    assert dl.current(project.store).votes()[(code, by_polis[1].id)].value == 1


def write_folder(tmp_path: Path, comments: str, votes: str) -> Path:
    folder = tmp_path / "polis"
    folder.mkdir(exist_ok=True)
    (folder / "comments.csv").write_text(comments)
    (folder / "votes.csv").write_text(votes)
    return folder


C_HEAD = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
V_HEAD = "timestamp,datetime,comment-id,voter-id,vote\n"
GOOD_C = C_HEAD + "1000,Thu Jan 01 00:00:01 UTC 1970,0,0,1,1,1,First\n2000,x,1,1,0,0,0,Second\n"
GOOD_V = V_HEAD + "1500,x,0,1,1\n1600,x,0,2,-1\n"


@pytest.mark.parametrize("comments,votes,words", [
    (C_HEAD.replace("agrees,", ""), GOOD_V, "has no column 'agrees'"),
    (GOOD_C, V_HEAD + "1500,x,0,1,2\n", "vote is 2, outside -1 to 1"),
    (GOOD_C, V_HEAD + "1500,x,7,1,1\n", "there is no comment 7"),
    (GOOD_C, V_HEAD + "soon,x,0,1,1\n", "timestamp is 'soon', not a whole number"),
    (GOOD_C + "3000,x,1,1,0,0,0,Again\n", GOOD_V, "comment 1 appears twice"),
    (C_HEAD + "1000,x,0,0,0,0,1," + "w" * 300 + "\n", GOOD_V, "more than this project's statement limit of 280"),
    (C_HEAD + "1000,x,0,0,0,0,1,bad\u202etext\n", GOOD_V, "invisible or control character"),
    (C_HEAD + "1000,x,0,0,0,0,5,Text\n", GOOD_V, "moderated is 5"),
    (C_HEAD, GOOD_V, "comments.csv has no comments"),
    (GOOD_C, V_HEAD + '1500,"=HYPERLINK(""http://x"")",0,1,1\n', "is not a date as Pol.is writes it"),
    ("", GOOD_V, "comments.csv is empty"),
])
def test_malformed_folders_are_refused_in_one_sentence_and_nothing_is_written(project, tmp_path, comments, votes,
                                                                              words):
    folder = write_folder(tmp_path, comments, votes)
    before = project.store.count()
    code, out, err = run_cli(["purpose", "import", str(project.root), str(folder)])
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "Traceback" not in err, (code, out, err)
    assert words in err, err
    assert project.store.count() == before


def test_missing_files_and_a_begun_deliberation_are_refused(project, tmp_path):
    before = project.store.count()
    folder = write_folder(tmp_path, GOOD_C, GOOD_V)
    (folder / "votes.csv").unlink()
    code, _out, err = run_cli(["purpose", "import", str(project.root), str(folder)])
    assert code == 2 and "has no votes.csv" in err
    code, _out, err = run_cli(["purpose", "import", str(project.root), str(tmp_path / "nowhere")])
    assert code == 2 and "is not a folder" in err
    assert project.store.count() == before
    dl.join(project.store)
    folder = write_folder(tmp_path, GOOD_C, GOOD_V)
    code, _out, err = run_cli(["purpose", "import", str(project.root), str(folder)])
    assert code == 2 and "has already begun" in err and project.store.count() == before + 1


def test_signs_follow_the_counts_and_a_longer_limit_is_a_project_setting(project, tmp_path):
    # comments.csv counts agrees as the -1 rows: the file uses Pol.is's database signs, imported turned round
    comments = C_HEAD + "1000,x,0,0,2,1,1," + "L" * 400 + "\n2000,x,1,1,0,0,0,Second\n"
    folder = write_folder(tmp_path, comments, V_HEAD + "1500,x,0,1,-1\n1600,x,0,2,-1\n1700,x,0,3,1\n")
    with pytest.raises(WorkbenchError, match="statement_max_chars"):
        pi.import_polis(project, folder)
    project.config.workshop.statement_max_chars = 500  # as workbench.toml's [workshop] would set it
    done = pi.import_polis(project, folder)
    assert "-1 = agree" in done["signs"] and done["count_mismatches"] == 0
    delib = dl.Deliberation.load(project.store)
    sid = delib.polis_ids[0]
    assert len(delib.statements[sid].text) == 400
    assert delib.votes()[("polis-1", sid)].value == 1 and delib.votes()[("polis-3", sid)].value == -1


def test_statement_length_setting_is_read_and_checked(tmp_path):
    p = workbench.init(tmp_path / "p", "Co-op", ["en"], "BR", "x")
    try:
        toml = (p.root / "workbench.toml").read_text()
        assert "statement_max_chars = 280" in toml
        code = dl.join(p.store)
        with pytest.raises(WorkbenchError):
            dl.add_statement(p.store, code, "z" * 400, rules=dl.Rules.for_project(p))
    finally:
        p.close()
    (tmp_path / "p" / "workbench.toml").write_text(toml.replace("statement_max_chars = 280",
                                                               "statement_max_chars = 1000"))
    with workbench.open(tmp_path / "p") as p:
        rules = dl.Rules.for_project(p)
        assert rules.statement_max_chars == 1000
        sid = dl.add_statement(p.store, code, "z" * 400, rules=rules)
        assert len(dl.Deliberation.load(p.store).statements[sid].text) == 400
    (tmp_path / "p" / "workbench.toml").write_text(toml.replace("statement_max_chars = 280",
                                                               "statement_max_chars = 0"))
    with pytest.raises(WorkbenchError, match="statement_max_chars"):
        workbench.open(tmp_path / "p")


def test_native_export_uses_polis_times_and_no_seed_agree(project, tmp_path):
    store = project.store
    a = dl.join(store)
    seed = dl.seed_statement(store, "A seed", actor=a)  # even a facilitator with a code: no implicit agree
    own = dl.add_statement(store, a, "Mine")
    votes = dl.Deliberation.load(store).votes()
    assert (a, seed) not in votes and votes[(a, own)].implicit
    export_polis(dl.Deliberation.load(store), tmp_path)
    comments = pd.read_csv(tmp_path / "comments.csv").set_index("comment-id")
    ev = store.events(kinds=["statement.added"])[-1]
    assert comments.loc[own, "timestamp"] == int(pd.Timestamp(ev.ts).timestamp() * 1000) // 1
    assert comments.loc[own, "datetime"] == polis_datetime(ev.ts) and comments.loc[own, "datetime"].endswith(
        f"UTC {ev.ts[:4]}")
    assert (comments.loc[seed, "agrees"], comments.loc[own, "agrees"]) == (0, 1)
    assert (comments.loc[seed, "moderated"], comments.loc[own, "moderated"]) == (1, 0)
    dl.hide(store, own)
    dl.show(store, own)  # shown again by a facilitator: accepted
    export_polis(dl.Deliberation.load(store), tmp_path)
    assert pd.read_csv(tmp_path / "comments.csv").set_index("comment-id").loc[own, "moderated"] == 1


# -- scale: the writes fold the log from its last sequence number ------------------------------------
def test_writes_fold_only_the_new_events_and_see_other_writers(project, monkeypatch):
    from workbench.store import EventStore

    store = project.store
    sid = dl.seed_statement(store, "s")
    first = dl.join(store)
    calls = []
    real = type(store).events

    def spy(self, kinds=None, prefix=None, after=0):
        calls.append(after)
        return real(self, kinds=kinds, prefix=prefix, after=after)

    monkeypatch.setattr(type(store), "events", spy)
    for _ in range(5):
        dl.cast_vote(store, first, sid, "agree")
    assert calls and all(after > 0 for after in calls), "no write re-reads the log from the start"

    # a second writer (another kernel or process) on the same log: each one's checks see the other's writes
    other = EventStore.open(store.url)
    try:
        code = dl.join(other)
        dl.cast_vote(store, code, sid, "disagree")  # store's fold catches up with other's join first
        dl.hide(other, sid)
        with pytest.raises(WorkbenchError) as err:
            dl.cast_vote(store, first, sid, "pass")
        assert err.value.key == "purpose.error.statement_hidden"
        cards = dl.issue_cards(other, 1)
        assert dl.join(store, card=cards[0]) == cards[0]
        with pytest.raises(WorkbenchError) as err:
            dl.join(other, card=cards[0])
        assert err.value.key == "purpose.error.card_used"
    finally:
        other.close()
    assert [v.value for v in dl.current(store).votes_cast if v.voter == code] == [-1]


# -- charts: aggregated before charting at any size ------------------------------------------------
def test_charts_stay_under_altairs_row_limit_at_any_size():
    import numpy as np

    from workbench.charts import purpose as charts

    rng = np.random.default_rng(0)
    n = 20_000
    people = pd.DataFrame({"code": [f"c{i}" for i in range(n)], "votes": 10, "clustered": True,
                           "x": rng.normal(size=n), "y": rng.normal(size=n), "group": rng.choice(list("ABCDE"), n)})
    chart = charts.opinion_map(people)
    spec = chart.to_dict()  # raises MaxRowsError above 5,000 rows
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) <= charts.MAX_ROWS and sum(r["count"] for r in rows) == n
    small = charts.opinion_map(people.head(50)).to_dict()
    assert len(next(iter(small["datasets"].values()))) == 50
    k = 3_000
    statements = pd.DataFrame({"id": range(k), "text": "t", "agree": rng.integers(0, 50, k),
                               "disagree": rng.integers(0, 50, k), "pass": rng.integers(0, 5, k), "consensus": 0.5})
    for chart in (charts.votes_per_statement(statements), charts.consensus_ranking(statements)):
        assert len(next(iter(chart.to_dict()["datasets"].values()))) <= charts.MAX_ROWS


@needs_data
def test_import_from_a_copy_without_optional_files(project, tmp_path):
    folder = tmp_path / "bare"
    folder.mkdir()
    for name in ("comments.csv", "votes.csv"):
        shutil.copy(POLIS / "london.youth.policing" / name, folder / name)
    done = pi.import_polis(project, folder)
    assert (done["statements"], done["votes"]) == (39, 640)
    paths = export_polis(dl.Deliberation.load(project.store), tmp_path / "out")
    people = pd.read_csv(paths[2])
    assert "xid" not in people.columns and len(people) == 26 and people["group-id"].isna().all()


def test_the_analysis_tab_charts_more_than_5000_grouped_participants(sqlite_project):
    """Altair refused the opinion map above 5,000 grouped participants (issue 21): the tab aggregates first."""
    from workbench.ui.purpose.facilitator import FacilitatorView

    store = sqlite_project.store
    n = 5_200
    codes = [f"camp-{i}" for i in range(n)]
    store.append_many([("participant.joined", {"code": c, "language": "en"}, c) for c in codes])
    ids = [dl.seed_statement(store, f"Statement {i}") for i in range(8)]
    votes = []
    for i, c in enumerate(codes):
        for j, sid in enumerate(ids):
            agree = (j < 4) == (i % 2 == 0) or (i * 7 + j) % 11 == 0
            votes.append(("vote.cast", {"statement": sid, "vote": "agree" if agree else "disagree"}, c))
    store.append_many(votes)
    view = FacilitatorView(sqlite_project, "en")
    view.tabs.selected_index = 1
    assert view.analysis is not None and len(view.analysis.groups) >= 2
    svgs = [c.value for c in view.charts.children[0::2]]
    assert len(svgs) == 3 and all("<svg" in s for s in svgs)
