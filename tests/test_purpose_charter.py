"""The charter: criteria as data, versions, the agreement; its documents; the Pol.is export; the CLI; the demo."""

from __future__ import annotations

import csv
import json

import pytest

from workbench.cli import run_cli
from workbench.errors import WorkbenchError
from workbench.purpose import charter as ch
from workbench.purpose import deliberation as dl
from workbench.purpose.export import export_polis, neutralise
from workbench.purpose.render import render_html, write_charter

HOSTILE = "<img src=x onerror=alert(1)>"


def complete_charter(**over) -> ch.Charter:
    c = ch.Charter(
        title="Urgent first", problem="Urgent messages wait.", community="Residents, through the assembly.",
        intended_uses=[ch.Item("Sort messages by urgency")], out_of_scope=[ch.Item("Deciding who gets care")],
        harms=[ch.Item("An urgent message is missed", mitigation="A person reads every message")],
        groups=["neighbourhood", "age_band"],
        criteria=[ch.Criterion("recall", 0.8, label="urgent"),
                  ch.Criterion("recall", 0.7, ">=", "every_group", "urgent", "neighbourhood"),
                  ch.Criterion("accuracy", 0.1, "<=", "gap", attribute="age_band")],
        footprint_kwh=0.5)
    for k, v in over.items():
        setattr(c, k, v)
    return c


# -- criteria -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,key,word", [
    ({"metric": "happiness", "threshold": 0.5}, "purpose.charter.error.metric", "happiness"),
    ({"metric": "accuracy", "threshold": 1.5}, "purpose.charter.error.threshold", "1.5"),
    ({"metric": "accuracy", "threshold": -0.1}, "purpose.charter.error.threshold", "-0.1"),
    ({"metric": "accuracy", "threshold": "lots"}, "purpose.charter.error.number", "lots"),
    ({"metric": "recall", "threshold": 0.8}, "purpose.charter.error.label_needed", "recall"),
    ({"metric": "recall", "threshold": 0.8, "label": "panic"}, "purpose.charter.error.label_unknown", "panic"),
    ({"metric": "accuracy", "threshold": 0.8, "scope": "every_group"}, "purpose.charter.error.attribute_needed", ""),
    ({"metric": "accuracy", "threshold": 0.8, "scope": "every_group", "attribute": "district"},
     "purpose.charter.error.attribute_unknown", "district"),
    ({"metric": "accuracy", "threshold": 0.1, "scope": "gap", "attribute": "age_band"},
     "purpose.charter.error.gap_direction", "'<='"),
    ({"metric": "accuracy", "threshold": 0.8, "direction": "=="}, "purpose.charter.error.direction", "=="),
    ({"metric": "accuracy", "threshold": 0.8, "scope": "somewhere"}, "purpose.charter.error.scope", "somewhere"),
    ({"metric": "accuracy", "threshold": 0.8, "min_group_size": 0}, "purpose.charter.error.min_group_size", "0"),
])
def test_bad_criteria_are_refused_with_a_sentence_saying_which(kwargs, key, word):
    with pytest.raises(WorkbenchError) as err:
        ch.Criterion(**kwargs).validate(attributes={"neighbourhood", "age_band"}, labels={"urgent", "routine"})
    assert err.value.key == key
    assert word in err.value.sentence
    assert err.value.sentence.count(".") >= 1 and "\n" not in err.value.sentence


def test_good_criteria_get_ids_and_sentences_in_each_language():
    from workbench.i18n import Translator

    c = ch.Criterion("recall", 0.7, ">=", "every_group", "urgent", "neighbourhood").validate({"neighbourhood"})
    assert c.id == "recall-urgent-every_group-neighbourhood"
    assert c.sentence(Translator("en")).startswith("The recall of “urgent” is at least 0.7 in every group")
    assert "revocação" in c.sentence(Translator("pt-BR"))
    gap = ch.Criterion("accuracy", 0.1, "<=", "gap", label="ignored", attribute="age_band").validate({"age_band"})
    assert gap.label is None and "gap" in gap.id
    assert ch.Criterion.from_dict(c.to_dict()) == c


def test_charter_round_trips_and_hash_is_stable():
    c = complete_charter()
    again = ch.Charter.from_dict(json.loads(json.dumps(c.to_dict())))
    assert again == c and again.hash() == c.hash()
    assert c.validate() is c
    with pytest.raises(WorkbenchError) as err:
        complete_charter(groups=["neighbourhood"]).validate()  # the gap criterion names age_band
    assert err.value.key == "purpose.charter.error.attribute_unknown"
    with pytest.raises(WorkbenchError) as err:
        complete_charter().validate(attributes={"neighbourhood"})
    assert err.value.key == "purpose.charter.error.attribute_unknown" and "age_band" in err.value.sentence


def test_missing_for_agreement_names_what_is_empty():
    keys = [k for k, _ in ch.Charter().missing_for_agreement()]
    assert "purpose.charter.missing.criteria" in keys
    c = complete_charter()
    assert c.missing_for_agreement() == []
    c.harms.append(ch.Item("Wrong language"))
    assert c.missing_for_agreement() == [("purpose.charter.missing.mitigation", {"harm": "Wrong language"})]


# -- versions and the decision -----------------------------------------------------------------
@pytest.mark.parametrize("counts,rule,result", [
    ((10, 7, 1, 2), "two_thirds", True), ((10, 6, 2, 2), "two_thirds", False),
    ((10, 6, 4, 0), "majority", True), ((10, 5, 5, 0), "majority", False),
    ((10, 9, 0, 1), "consensus", True), ((10, 9, 1, 0), "consensus", False),
])
def test_decision_rules(counts, rule, result):
    assert ch.decide(*counts, rule) is result


@pytest.mark.parametrize("counts", [(3, 2, 2, 0), (0, 0, 0, 0), (5, -1, 0, 0), (5, 2.5, 0, 0)])
def test_impossible_counts_are_refused(counts):
    with pytest.raises(WorkbenchError):
        ch.decide(*counts, "majority")


def test_versions_agreement_and_change_after_agreement(project):
    store = project.store
    with pytest.raises(WorkbenchError) as err:
        ch.record_decision(store, 10, 10, 0, 0)
    assert err.value.key == "purpose.charter.error.no_draft"
    assert ch.save_draft(store, complete_charter(harms=[ch.Item("x")])) == 1
    with pytest.raises(WorkbenchError) as err:
        ch.record_decision(store, 10, 10, 0, 0)
    assert err.value.key == "purpose.charter.missing.mitigation"
    assert ch.save_draft(store, complete_charter()) == 1  # still the open draft
    assert ch.record_decision(store, 10, 5, 5, 0, "two_thirds") == (False, 1)
    assert ch.CharterHistory.load(store).latest_agreed() is None
    assert ch.record_decision(store, 10, 9, 0, 1, "two_thirds") == (True, 1)
    with pytest.raises(WorkbenchError) as err:
        ch.record_decision(store, 10, 9, 0, 1)
    assert err.value.key == "purpose.charter.error.already_agreed"
    v1_hash = ch.CharterHistory.load(store).get(1).charter.hash()
    assert ch.save_draft(store, complete_charter(title="Urgent first, again")) == 2
    history = ch.CharterHistory.load(store)
    assert history.get(1).agreed and history.get(1).charter.hash() == v1_hash
    assert history.latest.version == 2 and not history.latest.agreed
    assert history.latest_agreed().version == 1
    kinds = [e.kind for e in store.events(prefix="charter.")]
    assert kinds == ["charter.drafted", "charter.drafted", "charter.not_agreed", "charter.agreed", "charter.drafted"]


def test_promote_records_statement_and_consensus_and_respects_the_rule(project):
    store = project.store
    sid = dl.seed_statement(store, "Urgent first")
    low = dl.seed_statement(store, "Share the model")
    item = ch.promote(store, sid, "intended_uses", 0.91)
    assert (item.statement, item.consensus, item.text) == (sid, 0.91, "Urgent first")
    with pytest.raises(WorkbenchError) as err:
        ch.promote(store, sid, "out_of_scope", 0.91)
    assert err.value.key == "purpose.charter.error.already"
    with pytest.raises(WorkbenchError) as err:
        ch.promote(store, low, "intended_uses", 0.4)
    assert err.value.key == "purpose.charter.error.below_rule"
    with pytest.raises(WorkbenchError) as err:
        ch.promote(store, low, "wishlist", 0.9)
    assert err.value.key == "purpose.charter.error.list"
    # Without a consensus given, the analysis computes it (no votes: (0+1)/(0+2) = 0.5 < 0.7).
    with pytest.raises(WorkbenchError) as err:
        ch.promote(store, low, "intended_uses")
    assert err.value.key == "purpose.charter.error.below_rule"


# -- documents ------------------------------------------------------------------------------------
def test_charter_documents_escape_participant_text_and_show_placeholders(project):
    sid = dl.seed_statement(project.store, HOSTILE)
    ch.save_draft(project.store, ch.Charter(title=HOSTILE))
    ch.promote(project.store, sid, "harms", 0.8)
    version, paths = write_charter(project)
    html = paths[1].read_text(encoding="utf-8")
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "(not decided yet)" in html and "(not decided yet)" in paths[0].read_text(encoding="utf-8")
    doc = json.loads(paths[2].read_text(encoding="utf-8"))
    assert doc["status"] == "draft" and doc["charter_version"] == 1 and doc["criteria"] == []
    assert not version.agreed
    assert "Rascunho" in render_html(version, "x", "pt-BR")


def test_criteria_json_names_the_agreed_version_even_after_a_new_draft(project, tmp_path):
    ch.save_draft(project.store, complete_charter())
    ch.record_decision(project.store, 10, 9, 0, 1)
    ch.save_draft(project.store, complete_charter(criteria=[]))
    _v, paths = write_charter(project, folder=tmp_path / "out")
    doc = json.loads(paths[2].read_text(encoding="utf-8"))
    assert doc["status"] == "agreed" and doc["charter_version"] == 1 and len(doc["criteria"]) == 3
    assert doc["decision"]["present"] == 10 and doc["charter_hash"] == complete_charter().validate().hash()
    _v, paths = write_charter(project, version=2, folder=tmp_path / "draft")
    assert json.loads(paths[2].read_text(encoding="utf-8"))["status"] == "draft"


def test_cli_writes_the_three_files_and_refuses_without_a_charter(project):
    code, _out, err = run_cli(["charter", str(project.root)])
    assert code == 2 and "no charter yet" in err and err.count("\n") == 1
    ch.save_draft(project.store, complete_charter())
    ch.record_decision(project.store, 10, 9, 0, 1)
    code, out, err = run_cli(["charter", str(project.root), "--lang", "es", "--export"])
    assert code == 0, err
    assert "agreed" in out
    for name in ("charter.md", "charter.html", "criteria.json", "deliberation/comments.csv"):
        assert (project.artifacts_dir / name).is_file()
    assert "Versión 1" in (project.artifacts_dir / "charter.md").read_text(encoding="utf-8")


# -- export ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell,expected", [("=1+1", "'=1+1"), ("+55 11", "'+55 11"), ("-2", "'-2"),
                                           ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
                                           ("plain", "plain"), (-1, -1), (3, 3)])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def test_polis_export_shape_numbers_participants_and_neutralises_formulas(project, tmp_path):
    store = project.store
    a, b = dl.join(store), dl.join(store)
    s1 = dl.add_statement(store, a, '=HYPERLINK("http://evil","click")')
    s2 = dl.seed_statement(store, "-urgent first")
    hidden = dl.seed_statement(store, "spam")
    dl.cast_vote(store, b, s1, "disagree")
    dl.cast_vote(store, b, s1, "agree")
    dl.cast_vote(store, a, s2, "pass")
    dl.hide(store, hidden)
    delib = dl.Deliberation.load(store)
    paths = export_polis(delib, tmp_path, groups={a: "A", b: "B"})
    assert [p.name for p in paths] == ["comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"]
    text = "".join(p.read_text(encoding="utf-8") for p in paths)
    assert a not in text and b not in text  # codes are credentials: never exported
    comments = list(csv.DictReader(paths[0].open(encoding="utf-8")))
    assert list(comments[0]) == ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees",
                                 "moderated", "comment-body"]
    by_id = {int(r["comment-id"]): r for r in comments}
    assert by_id[s1]["comment-body"].startswith("'=HYPERLINK")
    assert by_id[s2]["comment-body"] == "'-urgent first"
    assert by_id[s1]["author-id"] == "0" and by_id[s2]["author-id"] == "-1"
    # Pol.is counts every vote row: the author's own agreement, b's disagree and b's later agree
    assert (by_id[s1]["agrees"], by_id[s1]["disagrees"]) == ("2", "1")
    assert by_id[hidden]["moderated"] == "-1" and by_id[s2]["moderated"] == "1"
    votes = list(csv.DictReader(paths[1].open(encoding="utf-8")))
    assert [(v["voter-id"], v["vote"]) for v in votes] == [("0", "1"), ("1", "-1"), ("1", "1"), ("0", "0")]
    people = list(csv.DictReader(paths[2].open(encoding="utf-8")))
    assert [p["participant"] for p in people] == ["0", "1"] and people[1]["group-id"] == "1"  # "B" -> 1
    assert people[1][str(s1)] == "1" and people[1][str(s2)] == "" and str(hidden) not in people[1]


# -- the demo -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory, once_store_url):
    from workbench.demo import build_demo

    p = build_demo(tmp_path_factory.mktemp("demo") / "demo", store_url=once_store_url())  # once, on PostgreSQL if up
    yield p
    p.close()


def test_demo_has_two_camps_an_agreed_charter_and_group_criteria(demo):
    from workbench.purpose.analysis import analyse

    result = analyse(dl.Deliberation.load(demo.store))
    assert result.counts["participants"] >= 25 and len(result.groups) == 2
    history = ch.CharterHistory.load(demo.store)
    agreed = history.latest_agreed()
    assert agreed is not None and agreed.version == 1
    crit = agreed.charter.criteria
    assert len(crit) >= 3
    per_group = {c.attribute for c in crit if c.scope != "overall"}
    assert {"neighbourhood", "age_band"} <= per_group
    assert {c.scope for c in crit} == {"overall", "every_group", "gap"}
    assert agreed.charter.statement_ids() and all(
        i.consensus >= agreed.charter.min_consensus for i in agreed.charter.intended_uses if i.statement)
    assert demo.stages()[0].status == "done"
    assert demo.store.verify().ok


def test_markdown_charter_keeps_participant_html_inert(project):
    sid = dl.seed_statement(project.store, HOSTILE)
    ch.save_draft(project.store, ch.Charter(title="<script>alert(1)</script>", problem="a\n\n# not a heading"))
    ch.promote(project.store, sid, "intended_uses", 0.9)
    _v, paths = write_charter(project)
    md = paths[0].read_text(encoding="utf-8")
    assert "<img" not in md and "<script>" not in md
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in md and "a \\# not a heading" in md
