"""Rules that used to live in the views, now one implementation each in their stage's domain (issue 23).

- curation: the personal-data scan of the curated view for a use, cached by its content hash; the column-mapping
  guess;
- purpose: saving the charter on screen and recording the room's decision as one atomic act; the consensus of a
  promoted statement computed from the log; the attributes and classes asked of curation's mapped dataset.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from workbench.curation import actions, importer, pii, snapshot
from workbench.errors import NotSaved, WorkbenchError
from workbench.i18n import Translator
from workbench.purpose import charter as ch
from workbench.purpose import deliberation as dl
from workbench.purpose.analysis import analyse
from workbench.purpose.deliberation import Deliberation
from workbench.ui.curation.view import CurationView
from workbench.ui.purpose.facilitator import FacilitatorView

from .consent_support import new_project
from .curation_support import ROWS, curation_project, frame_csv

# c-evalonly consented to evaluation only: their e-mail is in the evaluation view, not in the training one.
MAIL_ROWS = [*ROWS, {"contributor_id": "c-evalonly", "hood": "B", "text": "write to ana@example.org",
                     "label": "routine"}]


class Counting:
    """A validator that counts how often the scanner asks it: a scan that is served from the cache asks nothing."""

    def __init__(self):
        self.calls = 0

    def __call__(self, text: str) -> bool:
        self.calls += 1
        return True


@pytest.fixture
def mail_project(tmp_path, backend_url):
    p, ds = curation_project(tmp_path, rows=MAIL_ROWS, store_url=backend_url)
    yield p, ds
    p.close()


# -- 1. the personal-data scan ---------------------------------------------------------------------------
def test_the_scan_is_per_use_and_named_by_the_snapshot_content_hash(mail_project):
    p, ds = mail_project
    assert pii.scannable_columns(ds) == ["text"]  # contributor, target and groups are not scanned
    train = pii.scan_curated(p, "train").table().set_index(["column", "kind"])
    evaluate = pii.scan_curated(p, "evaluate").table().set_index(["column", "kind"])
    assert train.loc[("text", "email"), "raw_rows"] == 1 and train.loc[("text", "email"), "left_rows"] == 0
    assert evaluate.loc[("text", "email"), "raw_rows"] == 1 and evaluate.loc[("text", "email"), "left_rows"] == 1
    assert train.loc[("text", "phone_intl"), "left_rows"] == 1  # c-ok's phone, kept for training
    for use in ("train", "evaluate"):
        assert pii.scan_curated(p, use).content_sha256 == snapshot.take(p, use).content_sha256


def test_the_scan_is_cached_by_content_hash_and_redone_when_the_curated_rows_change(mail_project):
    p, ds = mail_project
    counter = Counting()
    scanner = pii.Scanner.default().with_pattern(pii.Pattern("ticket", r"TCK-\d{6}", validate=counter))
    actions.exclude_rows(p.store, ds, [1], reason="carry a ticket number")  # nothing of the scan's concern
    first = pii.scan_curated(p, "evaluate", scanner=scanner)
    asked = counter.calls
    again = pii.scan_curated(p, "evaluate", scanner=scanner)
    assert counter.calls == asked and again.content_sha256 == first.content_sha256
    pd.testing.assert_frame_equal(again.table(), first.table())
    actions.redact(p.store, ds, ["text"], ["email"], reason="an e-mail in a message")
    after = pii.scan_curated(p, "evaluate", scanner=scanner)
    assert after.content_sha256 != first.content_sha256
    found = after.table().set_index(["column", "kind"])
    assert found.loc[("text", "email"), "raw_rows"] == 1 and found.loc[("text", "email"), "left_rows"] == 0


def test_the_scan_counts_tickets_with_the_validator_only_on_candidates(tmp_path):
    rows = [*ROWS, {"contributor_id": "c-ok", "hood": "A", "text": "ticket TCK-123456", "label": "urgent"}]
    p, _ds = curation_project(tmp_path, rows=rows)
    counter = Counting()
    scanner = pii.Scanner.default().with_pattern(pii.Pattern("ticket", r"TCK-\d{6}", validate=counter))
    found = pii.scan_curated(p, "train", scanner=scanner).table().set_index(["column", "kind"])
    assert found.loc[("text", "ticket"), "raw_rows"] == 1 and found.loc[("text", "ticket"), "left_rows"] == 1
    assert counter.calls == 2  # one candidate in the raw file, one in the curated view; no other text asked
    p.close()


def test_the_curation_view_scans_the_use_chosen_on_the_consent_panel(mail_project):
    p, _ds = mail_project
    view = CurationView(p, "facilitator", "en", charts=False)
    tr = Translator("en")
    email = tr("curation.pii.email")
    assert email in view.pii_out.value and view.use.label in view.pii_out.value

    def left_for(kind_label: str) -> str:
        row = view.pii_out.value.split(kind_label, 1)[1].split("</tr>", 1)[0]
        return row.rsplit("<td", 1)[1].split(">", 1)[1].split("<", 1)[0]

    assert left_for(email) == "0"  # train: c-evalonly's message is not in the training data
    view.use.value = "evaluate"
    assert view.use.label in view.pii_out.value and left_for(email) == "1"


# -- 2. the column-mapping guess -------------------------------------------------------------------------
@pytest.mark.parametrize("header,expected", [
    ("contributor_id,label,text,hood", ("contributor_id", "label", "text")),
    ("hood,participant,message,target", ("participant", "target", "message")),
    ("contributor,label,contributor_id", ("contributor_id", "label", None)),  # the likelier name wins
    ("who,what", ("who", None, None)),  # no known name: the first column, the rest left for the person
])
def test_guess_mapping_finds_the_usual_names(header, expected):
    cols = header.split(",")
    data = (header + "\n" + ",".join(f"v{i}" for i in range(len(cols))) + "\n").encode()
    guess = importer.guess_mapping(importer.inspect(data, "m.csv"))
    assert (guess.contributor, guess.target, guess.text) == expected
    assert guess.groups == () and guess.drop == ()


def test_the_import_panel_shows_the_domain_guess(tmp_path):
    p = new_project(tmp_path, store_url="sqlite:///store.db")
    view = CurationView(p, "facilitator", "en", charts=False)
    data = b"hood,participant,message,target\nA,c-1,hi,urgent\nB,c-2,ho,routine\n"
    view.load_file(data, "m.csv")
    guess = importer.guess_mapping(importer.inspect(data, "m.csv"))
    assert (view.contributor_col.value, view.target_col.value, view.text_col.value) == (
        guess.contributor, guess.target, guess.text) == ("participant", "target", "message")
    p.close()


# -- 3. save the charter on screen and decide: one act -------------------------------------------------------
def _complete(**over) -> ch.Charter:
    c = ch.Charter(title="Urgent first", problem="Urgent messages wait.", community="Residents.",
                   intended_uses=[ch.Item("Sort messages")], out_of_scope=[ch.Item("Deciding care")],
                   criteria=[ch.Criterion("accuracy", 0.8)], footprint_kwh=0.5)
    for k, v in over.items():
        setattr(c, k, v)
    return c


def test_save_and_decide_saves_the_changed_draft_and_the_decision_together(project):
    store = project.store
    ch.save_draft(store, _complete())
    head = store.head()[0]
    agreed, version = ch.save_and_decide(store, _complete(title="As typed on screen"), 5, 5, 0, 0, "two_thirds")
    assert (agreed, version) == (True, 1)
    new = store.events(after=head)
    assert [e.kind for e in new] == ["charter.drafted", "charter.agreed"] and new[1].seq == new[0].seq + 1
    history = ch.CharterHistory.load(store)
    assert history.get(1).agreed and history.get(1).charter.title == "As typed on screen"
    assert new[1].payload["hash"] == history.get(1).charter.hash()


def test_save_and_decide_writes_no_draft_when_nothing_changed(project):
    store = project.store
    ch.save_draft(store, _complete())
    head = store.head()[0]
    assert ch.save_and_decide(store, _complete(), 5, 1, 4, 0, "majority") == (False, 1)
    assert [e.kind for e in store.events(after=head)] == ["charter.not_agreed"]


@pytest.mark.parametrize("counts,charter,key", [
    ((0, 0, 0, 0), _complete(title="Changed"), "purpose.charter.error.present"),
    ((3, 5, 0, 0), _complete(title="Changed"), "purpose.charter.error.present"),
    ((5, 5, 0, 0), _complete(title="Changed", footprint_kwh=None), "purpose.charter.missing.field"),
])
def test_a_refused_decision_leaves_the_edit_unsaved_too(project, counts, charter, key):
    store = project.store
    ch.save_draft(store, _complete())
    head = store.head()[0]
    with pytest.raises(WorkbenchError) as err:
        ch.save_and_decide(store, charter, *counts, "two_thirds")
    assert err.value.key == key
    assert store.events(after=head) == []


def test_a_store_failure_on_the_decision_leaves_neither_event(sqlite_project):
    store = sqlite_project.store
    ch.save_draft(store, _complete())
    head = store.head()[0]
    con = sqlite3.connect(Path(sqlite_project.root) / "store.db")
    con.execute("CREATE TRIGGER refuse_decision BEFORE INSERT ON events WHEN NEW.kind = 'charter.agreed' "
                "BEGIN SELECT RAISE(ABORT, 'disk said no'); END")
    con.commit()
    with pytest.raises(NotSaved):
        ch.save_and_decide(store, _complete(title="Changed on screen"), 5, 5, 0, 0, "two_thirds")
    assert store.events(after=head) == []
    con.execute("DROP TRIGGER refuse_decision")
    con.commit()
    con.close()
    assert ch.save_and_decide(store, _complete(title="Changed on screen"), 5, 5, 0, 0, "two_thirds") == (True, 1)
    assert ch.CharterHistory.load(store).get(1).charter.title == "Changed on screen"


def test_the_desk_records_what_is_on_screen_through_the_one_act(project):
    view = FacilitatorView(project, "en", charts=False)
    ch.save_draft(project.store, _complete())
    view.render()
    view.fields["title"].value = "Typed, not saved"
    view.present.value, view.in_favour.value = 4, 1  # refused by the rule: nothing saved, not even the title
    view.rule.value = "consensus"
    view.against.value = 5
    view.record.click()
    assert "wb-error" in view.status.value
    assert ch.CharterHistory.load(project.store).latest.charter.title == "Urgent first"
    view.present.value, view.in_favour.value, view.against.value = 5, 5, 0
    view.record.click()
    agreed = ch.CharterHistory.load(project.store).latest_agreed()
    assert agreed is not None and agreed.charter.title == "Typed, not saved"


# -- 4. consensus computed by the domain --------------------------------------------------------------------
def _camps(store, n):
    shared = dl.seed_statement(store, "Urgent messages must be read first", topic="benefit")
    a = dl.seed_statement(store, "Use the model to rank all messages", topic="benefit")
    for i in range(2 * n):
        code = dl.join(store)
        dl.cast_vote(store, code, shared, "agree")
        dl.cast_vote(store, code, a, "agree" if i < n else "disagree")
    return shared, a


def test_promote_computes_the_consensus_from_the_log(project):
    store = project.store
    shared, _a = _camps(store, 6)
    expected = float(analyse(Deliberation.load(store)).statements.set_index("id").loc[shared, "consensus"])
    item = ch.promote(store, shared, "intended_uses")
    assert item.consensus == round(expected, 3)


def test_the_desk_promotes_with_the_consensus_of_the_log_not_of_the_analysis_drawn_earlier(project):
    store = project.store
    shared, a = _camps(store, 6)
    view = FacilitatorView(project, "en", charts=False)
    view.tabs.selected_index = 1  # the analysis is drawn now
    drawn = float(view.analysis.statements.set_index("id").loc[shared, "consensus"])
    for _ in range(2):  # later votes, after the analysis was drawn: the consensus on `shared` goes up
        code = dl.join(store)
        dl.cast_vote(store, code, shared, "agree")
        dl.cast_vote(store, code, a, "agree")
    now = float(analyse(Deliberation.load(store)).statements.set_index("id").loc[shared, "consensus"])
    assert round(now, 3) != round(drawn, 3)
    view.promote_to.value = "intended_uses"
    view.promote_buttons[shared].click()
    item = ch.CharterHistory.load(store).draft()[1].intended_uses[0]
    assert item.statement == shared and item.consensus == round(now, 3)


# -- 5. stage 1 asks curation for the mapped columns --------------------------------------------------------------
def _add(project, data: bytes, name: str, mapping: importer.ColumnMapping):
    return importer.add(project, importer.inspect(data, name), mapping)


def test_project_columns_are_the_mapped_groups_and_target_values_in_any_format(project):
    assert ch.project_columns(project) == (None, None)
    frame = pd.DataFrame({"person": ["p1", "p2", "p3"], "hood": ["A", "B", "A"], "age_band": ["18-29", "30+", "30+"],
                          "label": ["urgent", "routine", "urgent"], "message": ["a", "b", "c"]})
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    _add(project, buf.getvalue(), "messages.parquet",
         importer.ColumnMapping("person", "label", ("hood", "age_band"), "message"))
    attributes, labels = ch.project_columns(project)
    assert attributes == {"hood", "age_band"} and labels == {"urgent", "routine"}
    with pytest.raises(WorkbenchError) as err:
        ch.save_draft(project.store, ch.Charter(groups=["person"]), "edit", attributes, labels)
    assert err.value.key == "purpose.charter.error.attribute_unknown"
    with pytest.raises(WorkbenchError) as err:
        ch.save_draft(project.store, ch.Charter(criteria=[ch.Criterion("recall", 0.8, label="panic")]), "edit",
                      attributes, labels)
    assert err.value.key == "purpose.charter.error.label_unknown"


def test_project_columns_follow_the_recorded_mapping_not_the_file_header(project):
    rows = [{"contributor_id": "c1", "hood": "A", "text": "hi", "label": "urgent", "note": "x"},
            {"contributor_id": "c2", "hood": "B", "text": "ho", "label": "routine", "note": "y"}]
    _add(project, frame_csv(rows), "m.csv", importer.ColumnMapping("note", None, ("hood",), "text"))
    assert ch.project_columns(project) == ({"hood"}, None)  # no target mapped: classes are not checked
    ds = importer.current(project.store)
    importer.remap(project, ds, importer.ColumnMapping("contributor_id", "label", ("hood",), "text"))
    assert ch.project_columns(project) == ({"hood"}, {"urgent", "routine"})
