"""The outcomes app (issue 20): what participants see, gathered from a real project at each stage.

The demo project is built once; at each of its stages (the builder's ``progress`` hook, called before a
stage's part is built) the facts and the view's sections are taken from the project as it then stands.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import workbench
from workbench.decisions import decide, members, override, propose, subjects
from workbench.i18n import Translator
from workbench.outcomes import gather
from workbench.purpose.charter import Charter, Criterion, Item, record_decision, save_draft
from workbench.text import esc
from workbench.ui.outcomes import OutcomesView
from workbench.ui.welcome import WelcomeView

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """{moment: (facts, names of the view's non-empty sections, project path)} through the demo's stages."""
    from workbench.demo import build_demo

    root = tmp_path_factory.mktemp("outcomes") / "demo"
    seen: dict = {}

    def snapshot(moment: str) -> None:
        with workbench.open(root) as project:
            view = OutcomesView(project, "participant", "en", charts=False)
            seen[moment] = (view.facts, {k for k, box in view.sections.items() if box.value}, view)

    build_demo(root, n=400, progress=lambda stage: snapshot(f"before_{stage}")).close()
    snapshot("done")
    seen["root"] = root
    return seen


def test_nothing_is_shown_before_the_charter_is_agreed(staged):
    facts, shown, view = staged["before_purpose"]
    assert facts.sections == [] and shown == set()
    assert esc(Translator("en")("outcomes.nothing_yet")) in view.nothing.value


def test_after_the_purpose_stage_the_charter_and_its_decision_show(staged):
    facts, shown, view = staged["before_consent"]
    assert {"charter", "decisions"} <= shown
    assert not {"consent", "representation", "results", "card"} & shown
    c = facts.charter
    assert c["title"] and c["out_of_scope"] and c["criteria"] and c["footprint_kwh"] == 0.5
    tr = Translator("en")
    for criterion in c["criteria"]:  # in words, as the charter says them
        assert esc(criterion.sentence(tr)) in view.charter.value
    assert c["out_of_scope"][0].split()[0] in view.charter.value
    charter_decision = [d for d in facts.decisions if d["kind"] == "charter"]
    assert charter_decision and charter_decision[0]["result"] == "agreed"
    assert charter_decision[0]["in_favour"] == 20 and charter_decision[0]["present"] == 23


def test_consent_counts_show_per_use_never_who(staged):
    facts, shown, view = staged["before_curation"]
    assert "consent" in shown and "results" not in shown
    consent = facts.consent
    train = next(u for u in consent["uses"] if u["use"] == "train")
    assert train["ok"] > 0 and train["ok"] + train["refused"] + train["withdrawn"] + train["expired"] \
        + train["no_record"] == consent["people"]
    assert any(u["never"] for u in consent["uses"])  # the community's red lines for everyone
    from workbench.consent.ledger import ConsentLedger

    with workbench.open(staged["root"]) as project:
        people = ConsentLedger.load(project.store).contributors
    assert people and not any(p in view.consent.value for p in people)  # counts, never who


def test_representation_shows_groups_and_flags_thin_ones(staged):
    facts, shown, _view = staged["before_evaluation"]
    assert "representation" in shown and "results" not in shown
    rep = facts.representation
    assert rep["attributes"] == ["neighbourhood", "age_band", "language"]
    by_attr = {a: [g for g in rep["groups"] if g["attribute"] == a] for a in rep["attributes"]}
    assert sum(g["count"] for g in by_attr["neighbourhood"]) == rep["rows"]
    # the language criterion asks for 20 rows a group, the others 30: each attribute its own floor
    assert {g["min_size"] for g in by_attr["language"]} == {20}
    assert {g["min_size"] for g in by_attr["age_band"]} == {30}
    for g in rep["groups"]:
        assert g["thin"] == (g["group"] is not None and g["count"] < g["min_size"])


def test_results_decisions_and_card_after_evaluation(staged):
    facts, shown, view = staged["done"]
    assert {"charter", "consent", "representation", "results", "decisions", "card"} <= shown
    res = facts.results
    assert len(res["candidates"]) == 4
    statuses = {g["status"] for c in res["candidates"] for cr in c["criteria"] for g in cr["groups"]}
    assert "not_enough_evidence" in statuses  # the demo's small groups cannot tell yet
    html = view.results.value
    assert 'data-status="not_enough_evidence"' in html
    assert Translator("en")("evaluation.status.not_enough_evidence") in html
    # stored numbers, not refitted: the view's intervals are the run's
    from workbench.evaluation.protocol import latest_run

    with workbench.open(staged["root"]) as project:
        run = latest_run(project.store, completed=True)
    first = run["candidates"]["majority"]["criteria"][0]
    assert res["candidates"][0]["criteria"][0]["value"] == first["value"]
    card = facts.card
    assert card["adopted"] and card["budget_kwh"] == 0.5 and card["kwh"] is not None
    assert any(d["kind"] == "adoption" and d["candidate"] == card["adopted"] for d in facts.decisions)
    assert esc(Translator("en")("outcomes.card.energy_tiny", budget="0.5")) in view.card.value


def test_charts_are_inline_svg_each_with_its_reading(staged):
    with workbench.open(staged["root"]) as project:
        view = OutcomesView(project, "participant", "pt-BR")
    for section in (view.consent, view.representation, view.results):
        html = section.value
        assert "<svg" in html and 'width="100%"' in html  # shrinks to a phone's width
        assert html.count("<figure") == html.count('class="wb-reading"') >= 1
        assert "http://" not in html.replace('xmlns="http://www.w3.org', "").replace("xlink=\"http://www.w3.org", "")


def _complete_charter(title: str) -> Charter:
    return Charter(title=title, problem=f"Problem {HOSTILE}", community="Residents",
                   intended_uses=[Item(f"Sort the queue {HOSTILE}")], out_of_scope=[Item(f"Never decide care {HOSTILE}")],
                   criteria=[Criterion("accuracy", 0.8)], footprint_kwh=1.0)


def test_hostile_charter_text_is_escaped_and_the_welcome_links_outcomes_once_a_stage_is_done(project):
    welcome = WelcomeView(project, "participant", "en")
    assert 'data-app="outcomes"' not in welcome.links.value  # no stage done yet
    save_draft(project.store, _complete_charter(HOSTILE))
    record_decision(project.store, 10, 9, 0, 1, "two_thirds")
    view = OutcomesView(project, "participant", "en", charts=False)
    html = view.charter.value
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>" not in view.decisions.value and "<img" not in view.decisions.value
    welcome.render()
    assert 'data-app="outcomes"' in welcome.links.value


def test_the_language_switch_relabels_every_section(project):
    save_draft(project.store, _complete_charter("Urgent first"))
    record_decision(project.store, 10, 9, 0, 1, "two_thirds")
    view = OutcomesView(project, "participant", "en", charts=False)
    en, pt = Translator("en"), Translator("pt-BR")
    assert en("outcomes.charter.heading") in view.charter.value
    assert en("app.outcomes.title") in view.header.value
    view.language_switch.value = "pt-BR"
    assert view.language == "pt-BR"
    assert pt("outcomes.charter.heading") in view.charter.value
    assert pt("outcomes.decisions.heading") in view.decisions.value
    assert pt("app.outcomes.title") in view.header.value
    assert pt("outcomes.charter.heading") != en("outcomes.charter.heading")


def test_gate_decisions_show_counts_and_overrides_show_as_such(project):
    members.new(project.store, 3)
    decide(project.store, "adopt", subjects.adopt("r1", "majority"), present=12, in_favour=9, against=2, abstain=1,
           title=f"Adopt it {HOSTILE}", outcome="We try it for a month.")
    override(project.store, "retire", subjects.retire("r1", "majority"), reason=f"It sent urgent messages last {HOSTILE}")
    view = OutcomesView(project, "participant", "en", charts=False)
    html = view.decisions.value
    tr = Translator("en")
    assert esc(tr("outcomes.decisions.override")) in html and 'class="wb-card wb-override"' in html
    assert "It sent urgent messages last" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert "We try it for a month." in html
    assert esc(tr("outcomes.decisions.agreed", present=12, in_favour=9, against=2, abstain=1,
              rule=tr("purpose.charter.rule.two_thirds"))) in html


def test_members_vote_from_the_phone_and_others_are_refused_in_their_language(project):
    codes = members.new(project.store, 2)
    d = propose(project.store, "adopt", subjects.adopt("r2", "tfidf_logistic"), title=f"Adopt? {HOSTILE}",
                explain="The model sorts urgent messages first.", open_to_phones=True)
    view = OutcomesView(project, "participant", "pt-BR", charts=False)
    assert view.vote_box.layout.display != "none"
    assert d.id in view.votes.value and "&lt;script&gt;" in view.votes.value and "<script>" not in view.votes.value
    assert view.vote_decision.value == d.id
    view.vote_code.value = "zzz-yyy-xxx"
    view.vote_choice.value = "agree"
    view.vote_send.click()
    assert "wb-error" in view.vote_status.value
    assert not project.store.events(kinds=["decision.vote"])
    view.vote_code.value = codes[0]
    view.vote_choice.value = "disagree"
    view.vote_send.click()
    assert esc(Translator("pt-BR")("outcomes.vote.recorded")) in view.vote_status.value
    votes = project.store.events(kinds=["decision.vote"])
    assert [(e.actor, e.payload["choice"]) for e in votes] == [(codes[0], "disagree")]
    assert view.vote_code.value == ""


def test_no_vote_form_without_open_decisions(project):
    view = OutcomesView(project, "participant", "en", charts=False)
    assert view.vote_box.layout.display == "none" and view.votes.value == ""
    assert gather(project).open_votes == []


def test_the_view_imports_little():
    code = ("import sys, workbench.ui.outcomes, workbench.outcomes; "
            "print(sorted(m for m in ('pandas', 'altair', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_readings_name_the_worst_group_the_right_way_round():
    from workbench.charts.outcomes import consent_reading, groups_reading, representation_reading

    tr = Translator("en")
    fnr = {"metric": "false_negative_rate", "scope": "every_group", "direction": "<=", "groups": [
        {"group": "en", "value": 0.1, "status": "pass"}, {"group": "es", "value": 0.4, "status": "fail"}]}
    assert groups_reading(fnr, tr) == tr("outcomes.reading.worst", group="es", value="0.40")
    gap = {"metric": "accuracy", "scope": "gap", "direction": "<=", "value": 0.2, "groups": [
        {"group": "18-29", "value": 0.9, "status": "pass"}, {"group": "60+", "value": 0.7, "status": "pass"}]}
    assert groups_reading(gap, tr) == tr("outcomes.reading.gap", gap="0.20", group="60+", value="0.70")
    unsure = {"metric": "recall", "scope": "every_group", "groups": [
        {"group": "a", "value": 0.5, "status": "not_enough_evidence"}]}
    assert groups_reading(unsure, tr) == tr("outcomes.reading.all_unsure", count="1")
    groups = [{"attribute": "language", "group": "en", "count": 10, "thin": True, "min_size": 20},
              {"attribute": "language", "group": "pt", "count": 60, "thin": False, "min_size": 20}]
    assert representation_reading(groups, "language", tr) == tr("outcomes.reading.thin", attribute="language",
                                                                  size="20", groups="en (10)")
    consent = {"people": 10, "uses": [
        {"use": "train", "never": False, "ok": 6}, {"use": "evaluate", "never": False, "ok": 9},
        {"use": "commercial", "never": True, "ok": 0}]}
    assert consent_reading(consent, tr) == tr("outcomes.reading.consent_spread", use=tr("consent.use.evaluate.title"),
                                              count="9", people="10", least=tr("consent.use.train.title"),
                                              least_count="6")


def test_guessing_codes_to_vote_is_limited(project):
    codes = members.new(project.store, 1)
    propose(project.store, "adopt", subjects.adopt("r3", "majority"), title="Adopt?", open_to_phones=True)
    view = OutcomesView(project, "participant", "en", charts=False)
    view.keys = lambda: ["test:one-phone"]
    view.vote_choice.value = "agree"
    for i in range(10):
        view.vote_code.value = f"wrong-code-{i}"
        view.vote_send.click()
    view.vote_code.value = codes[0]  # even the right code waits now
    view.vote_choice.value = "agree"
    view.vote_send.click()
    assert "wb-error" in view.vote_status.value and not project.store.events(kinds=["decision.vote"])
    assert esc(Translator("en")("outcomes.vote.recorded")) not in view.vote_status.value
