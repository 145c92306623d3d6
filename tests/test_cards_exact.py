"""Cards that are exact (issue 22): intervals in [0, 1] with their method named, the split as it was, small
groups flagged on every table, every column used or left out with a reason, links filled from the run.

Also the CLI verbs of the same issue: ``charter agree``, ``adopt``, ``--as-of`` (``--at`` hidden), one
``--candidates`` syntax, and "no criteria" said as such.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pandas as pd
import pytest

from workbench.cli import build_parser, run_cli
from workbench.curation.importer import ColumnMapping
from workbench.evaluation import card
from workbench.evaluation.footprint import EstimateMeter
from workbench.evaluation.inputs import column_notes
from workbench.evaluation.metrics import group_metrics
from workbench.evaluation.protocol import EvaluationData, evaluate, load_runs, make_plan, runs, split
from workbench.i18n import Translator
from workbench.runs.pinned import MemoryLog


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from workbench.demo import build_demo

    root = tmp_path_factory.mktemp("cards") / "demo"
    build_demo(root, n=400).close()
    return root


def _adopted(p) -> tuple[dict, str]:
    run = next(r for r in load_runs(p.store).values() if r.get("card"))
    return run, run["card"]["candidate"]


def _data(n=240, people=60, seed=0, contributor=True, tiny_class=False):
    rng = np.random.default_rng(seed)
    y = rng.choice(["a", "b"], n)
    if tiny_class:
        y[:3] = "c"
    frame = pd.DataFrame({"who": [f"p{i % people}" for i in range(n)], "x": rng.normal(size=n) + (y == "a"),
                          "g": rng.choice(["north", "south", "east"], n, p=[0.6, 0.35, 0.05]), "y": y},
                         index=pd.RangeIndex(n))
    return EvaluationData(frame, frame, "y", ["g"], contributor="who" if contributor else None)


# -- intervals ---------------------------------------------------------------------------------
def test_every_interval_end_lies_in_0_1():
    rng = np.random.default_rng(1)
    y = rng.choice(["a", "b", "c"], 500)
    pred = np.where(rng.random(500) < 0.8, y, "a")
    groups = pd.DataFrame({"g": rng.choice(["x", "y", "z", "w"], 500, p=[0.7, 0.2, 0.07, 0.03])})
    r = group_metrics(y, pred, groups, min_group_size=5, n_boot=200)
    ends = r.table[["lo", "hi"]].to_numpy(float)
    ends = ends[np.isfinite(ends)]
    assert ends.min() >= 0.0 and ends.max() <= 1.0
    gaps = r.gaps[["gap_lo", "gap_hi"]].to_numpy(float)
    gaps = gaps[np.isfinite(gaps)]
    assert gaps.min() >= 0.0 and gaps.max() <= 1.0


def test_a_recorded_end_outside_0_1_prints_clipped_never_minus_zero(demo):
    import workbench

    with workbench.open(demo) as p:
        run, key = _adopted(p)
        run = copy.deepcopy(run)
        rows = run["candidates"][key]["by_group"]
        rows[0][5], rows[0][6] = -1.3e-17, 1.0000000002  # what a run recorded before the clip could hold
        ctx = card.context(p, run, key, "en")
        md, html = card.render_markdown(ctx), card.render_html(ctx)
    assert "-0.000" not in md and "-1.30e-17" not in md and "1.000000" not in md
    assert "-0.000" not in html
    assert card._num(-1e-9, 3) != "-0.000" and card._num(-0.0001, 3) == "-1.00e-04" and card._num(-0.0, 3) == "0.000"
    assert "percentile bootstrap of" in md and "Wilson" in md and "[0, 1]" in md  # the method is named


# -- the split ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "method", "splitter", "grouped"), [
    ({}, "kfold", "StratifiedGroupKFold", "who"),
    ({"tiny_class": True}, "kfold", "GroupKFold", "who"),
    ({}, "holdout", "GroupShuffleSplit", "who"),
    ({"contributor": False}, "kfold", "StratifiedKFold", None),
    ({"contributor": False, "tiny_class": True}, "kfold", "KFold", None),
    ({"contributor": False}, "holdout", "train_test_split", None),
])
def test_the_split_used_is_recorded_and_said(kwargs, method, splitter, grouped):
    data = _data(**kwargs).validate()
    plan = make_plan(data, 3, method)
    folds = split(data, plan)
    sp = plan.to_dict()["split"]
    assert sp["splitter"] == splitter and sp["grouped_by"] == grouped
    assert sp["folds"] == len(folds)
    if grouped:  # nobody is tested by a model trained on their own rows
        who = data.test["who"]
        for train_ids, test_ids in folds:
            assert not set(who.loc[train_ids]) & set(who.loc[test_ids])
        assert sp["groups"] == 60
    sentence = card.split_sentence(Translator("en"), {"plan": plan.to_dict()})
    assert ("who" in sentence) == bool(grouped)
    if splitter in ("GroupKFold", "KFold", "GroupShuffleSplit") or (splitter == "train_test_split" and not
                                                                     sp["stratified"]):
        assert not sentence.startswith("Stratified") and "stratified" in sentence.lower()  # "not stratified"
    assert splitter in sentence or splitter == "train_test_split"


def test_the_started_event_records_the_split_and_an_old_run_stays_readable():
    log = MemoryLog()
    result = evaluate(_data(), ["majority"], seed=1, store=log, meter=EstimateMeter(), n_boot=50)
    started = runs(log.collected)[result.run]["started"]
    assert started["plan"]["split"]["splitter"] == "StratifiedGroupKFold"
    tr = Translator("es")
    old = {"plan": {"method": "kfold", "seed": 0, "folds": 5, "test_size": 0.25}}  # recorded before the field
    text = card.split_sentence(tr, old)
    assert "5 partes" in text and "no registró" in text
    assert card.split_sentence(Translator("en"), {"plan": {"method": "given"}}).startswith("The rows permitted")


# -- columns -------------------------------------------------------------------------------------
def test_every_column_is_used_or_left_out_with_a_reason_and_a_year_is_a_number():
    frame = pd.DataFrame({"row": range(40), "id": [f"m{i}" for i in range(40)],
                          "who": [f"p{i % 8}" for i in range(40)], "year": ["2002", "2003", "2004", "2005"] * 10,
                          "when": ["2026-03-01", "2026-03-02"] * 20, "hood": ["n", "s"] * 20,
                          "kind": ["x", "y", "z", "w"] * 10, "note": [""] * 40, "y": ["a", "b"] * 20,
                          "extra": ["q", "r"] * 20})
    mapping = ColumnMapping("who", "y", ("hood",), None, ("extra",))
    notes = {n["column"]: (n["used"], n["why"]) for n in column_notes(frame, mapping, ["hood"])}
    assert notes == {"id": (False, "id_like"), "who": (False, "contributor"), "year": (True, "input"),
                     "when": (False, "date"), "hood": (False, "group"), "kind": (True, "input"),
                     "note": (False, "empty"), "y": (False, "target"), "extra": (False, "dropped")}
    dated = ColumnMapping("who", "y", ("hood",), None, ("extra",), dates=("year",))
    assert {n["column"]: n["why"] for n in column_notes(frame, dated, ["hood"])}["year"] == "date"
    assert dated.to_dict()["dates"] == ["year"] and "dates" not in mapping.to_dict()  # old mappings hash the same
    assert ColumnMapping.from_dict(dated.to_dict()) == dated


def test_the_card_lists_every_column_from_the_run(demo):
    import workbench

    with workbench.open(demo) as p:
        run, key = _adopted(p)
        listed = {c["column"]: c for c in run["started"]["columns"]}
        ctx = card.context(p, run, key, "en")
        md = card.render_markdown(ctx)
    assert listed["text"]["used"] and listed["label"]["why"] == "target"
    assert listed["contributor_id"]["why"] == "contributor" and listed["received_at"]["why"] == "date"
    section = md.split("### Columns: used or left out", 1)[1].split("\n## ", 1)[0]
    for column in listed:
        assert column.replace("_", "\\_") in section
    assert section.count("left out, because") == sum(not c["used"] for c in listed.values())
    assert "used, as the text the models read" in section


# -- small groups ----------------------------------------------------------------------------------
def test_small_groups_are_flagged_on_every_table_that_shows_them(demo):
    import workbench

    with workbench.open(demo) as p:
        run, key = _adopted(p)
        ctx = card.context(p, run, key, "en")
        md, html = card.render_markdown(ctx), card.render_html(ctx)
    small = [r for r in ctx["by_group"] if r["small"]]
    assert small, "the demo has groups under the charter's minimum"
    flag = re.compile(r"⚠ fewer than \d+ rows: not enough evidence")
    for r in ctx["by_group"]:  # the group table: every small row flagged, no other
        line = next(x for x in md.splitlines() if x.startswith(f"| {card.md_text(r['attribute'])} | "
                                                               f"{card.md_text(r['group'])} | {r['metric']}"))
        assert bool(flag.search(line)) == r["small"], line
    factors = md.split("## Factors", 1)[1].split("\n## ", 1)[0]
    assert len(flag.findall(factors)) == len({(r["attribute"], r["group"]) for r in small})
    assert html.count('data-small="') >= len(small)
    for r in small:
        assert r["n"] < r["min_size"]


# -- links -------------------------------------------------------------------------------------------
def test_the_datasheet_link_is_filled_from_the_datasheet_written_for_the_same_rows(demo, tmp_path):
    import shutil

    import workbench
    from workbench.curation import datasheet

    root = tmp_path / "d"
    shutil.copytree(demo, root)
    with workbench.open(root) as p:
        run, key = _adopted(p)
        # The demo's run names the datasheet the community accepted with the data (curation.accept wrote it);
        # a run whose record has none (an older run) takes the one written for the same rows.
        run["started"].setdefault("provenance", {}).pop("datasheet", None)
        written_before = {ev.payload["md_sha256"] for ev in p.store.events(kinds=["datasheet.written"])}
        datasheet.write(p, "es")
        sha = p.store.events(kinds=["datasheet.written"])[-1].payload["md_sha256"]
        after = card.render_markdown(card.context(p, run, key, "en"))
        linked = card.render_markdown(card.context(p, run, key, "en", links={"datasheet": {"hash": "ab" * 32,
                                                                                          "file": "cards/x.md"}}))
    assert f"- Datasheet: `datasheet.md` sha256 `{sha}`" in after and sha not in written_before
    assert f"- Datasheet: `cards/x.md` sha256 `{'ab' * 32}`" in linked  # the run that wrote one links its own


# -- the CLI -------------------------------------------------------------------------------------------
def _all_parsers(parser):
    import argparse

    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from _all_parsers(sub)


def test_one_time_option_everywhere_with_at_hidden():
    with_time = []
    for parser in _all_parsers(build_parser()):
        options = parser._option_string_actions
        if "--at" in options:
            assert "--as-of" in options and options["--at"].dest == options["--as-of"].dest
            assert "--at " not in parser.format_help() and "--at," not in parser.format_help()
            with_time.append(parser.prog)
    assert {"workbench evaluate", "workbench run", "workbench card", "workbench consent status"} <= set(with_time)


def test_at_still_works_and_says_it_is_the_old_spelling(demo):
    code, out, err = run_cli(["consent", "status", str(demo), "--at", "2026-01-01"])
    assert code == 0 and "--as-of" in err
    code2, out2, err2 = run_cli(["consent", "status", str(demo), "--as-of", "2026-01-01"])
    assert code2 == 0 and out2 == out and not err2


def test_candidates_take_commas_and_or_the_repeated_flag(demo, tmp_path):
    import shutil

    root = tmp_path / "d"
    shutil.copytree(demo, root)
    code, out, err = run_cli(["evaluate", str(root), "--candidates", "majority", "--candidates", "decision_tree,majority",
                              "--seed", "2"])
    assert code == 0, err
    lines = [x.split()[0] for x in out.splitlines() if x.startswith("  ") and not x.startswith("   ")]
    assert lines[:2] == ["majority", "decision_tree"]
    code, _out, err = run_cli(["evaluate", str(root), "--candidates", "majority,logreg"])
    assert code == 2 and "no candidate model called 'logreg'" in err and "decision_tree" in err
    code, _out, err = run_cli(["evaluate", str(root), "--candidates", "majority", "decision_tree"])
    assert code == 2  # spaces are not a second syntax
    code, _out, err = run_cli(["run", str(root), "--candidates", "nope"])
    assert code == 2 and "no candidate model called 'nope'" in err


def test_charter_agree_records_the_decision_and_witnesses_it(demo, tmp_path):
    import shutil

    import workbench
    from workbench.purpose.charter import CharterHistory, save_draft

    root = tmp_path / "d"
    shutil.copytree(demo, root)
    code, _out, err = run_cli(["charter", "agree", str(root), "--present", "10", "--in-favour", "9"])
    assert code == 2 and "already agreed" in err  # the demo's charter is agreed: one sentence, no traceback
    with workbench.open(root) as p:
        _v, charter = CharterHistory.load(p.store).draft()
        charter.title = "Revised"
        save_draft(p.store, charter, "revise")
    checkpoints = len(list((root / "artifacts" / "checkpoints").glob("*")))
    code, _out, err = run_cli(["charter", "agree", str(root)])
    assert code == 2 and "--present" in err
    code, out, err = run_cli(["charter", "agree", str(root), "--present", "10", "--in-favour", "5", "--against", "5",
                              "--rule", "majority"])
    assert code == 0 and "NOT agreed" in out, err
    code, out, err = run_cli(["charter", "agree", str(root), "--present", "10", "--in-favour", "7", "--against", "2",
                              "--abstain", "1"])
    assert code == 0 and "version 2 agreed" in out, err
    with workbench.open(root) as p:
        latest = CharterHistory.load(p.store).latest
        assert latest.agreed and latest.version == 2 and latest.charter.title == "Revised"
        decided = p.store.events(kinds=["charter.agreed", "charter.not_agreed"])[-2:]
        assert [e.kind for e in decided] == ["charter.not_agreed", "charter.agreed"]
        assert decided[-1].payload["rule"] == "two_thirds" and decided[-1].payload["abstain"] == 1
    assert len(list((root / "artifacts" / "checkpoints").glob("*"))) > checkpoints
    code, out, _ = run_cli(["charter", str(root)])  # writing the charter still works
    assert code == 0 and "version 2 (agreed)" in out


def test_adopt_refuses_unknown_runs_and_candidates_and_records_the_decision(demo, tmp_path):
    import shutil

    import workbench

    root = tmp_path / "d"
    shutil.copytree(demo, root)
    with workbench.open(root) as p:
        run_id = list(load_runs(p.store))[-1]
    code, _out, err = run_cli(["adopt", str(root), "0000nope", "majority"])
    assert code == 2 and "no evaluation '0000nope'" in err and run_id in err
    code, _out, err = run_cli(["adopt", str(root), run_id, "random_forest"])
    assert code == 2 and "did not run in evaluation" in err
    code, _out, err = run_cli(["adopt", str(root), run_id])
    assert code == 2 and "--none" in err
    code, _out, err = run_cli(["adopt", str(root), run_id, "majority"])
    assert code == 2 and "does not pass every criterion" in err
    code, out, err = run_cli(["adopt", str(root), run_id, "majority", "--reason", "a baseline to compare with"])
    assert code == 2 and "has not decided to adopt this model" in err  # a gate: the community decides
    code, out, err = run_cli(["decide", str(root), "adopt", "--run", run_id, "--candidate", "majority",
                              "--present", "20", "--for", "15", "--against", "3", "--abstain", "2"])
    assert code == 0 and "agreed" in out, err
    code, out, err = run_cli(["adopt", str(root), run_id, "majority", "--reason", "a baseline to compare with"])
    assert code == 0 and "models/" in out, err
    code, out, err = run_cli(["adopt", str(root), "latest", "--none"])
    assert code == 0 and "no model adopted" in out, err
    with workbench.open(root) as p:
        decisions = [e.payload for e in p.store.events(kinds=["evaluation.decided"])][-2:]
    assert [d["decision"] for d in decisions] == ["adopt", "none"]
    assert decisions[0]["candidate"] == "majority" and decisions[0]["reason"] == "a baseline to compare with"


def test_with_no_criteria_the_cli_says_so(demo, tmp_path, monkeypatch):
    import shutil

    from workbench.evaluation import inputs

    root = tmp_path / "d"
    shutil.copytree(demo, root)
    monkeypatch.setattr(inputs, "charter_criteria", lambda project: None)  # a project without a charter yet
    code, out, err = run_cli(["evaluate", str(root), "--candidates", "majority"])
    assert code == 0, err
    assert "no criteria" in out and "nothing passes every criterion" not in out


def test_the_datasheet_names_the_scope_in_force_at_its_time_not_the_latest(demo):
    import workbench
    from workbench.curation import datasheet

    with workbench.open(demo) as p:
        before = datasheet.facts(p, at="2000-01-01")
        now = datasheet.facts(p)
    assert before["scope"] is None and before["snapshots"]["train"]["scope"] == {}
    assert now["scope"]["hash"] == now["snapshots"]["train"]["scope"]["hash"]
