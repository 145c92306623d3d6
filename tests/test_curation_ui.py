"""The curation and data-work views without a browser: set values, click, assert on the store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workbench.curation import actions, importer
from workbench.curation.datasheet import answers
from workbench.i18n import Translator
from workbench.ui.curation.datawork import DataWorkView
from workbench.ui.curation.view import CurationView

from .consent_support import new_project
from .curation_support import ROWS, curation_project, frame_csv

HOSTILE = '<img src=x onerror=alert(1)>'


@pytest.fixture
def proj(tmp_path, backend_url):
    p, ds = curation_project(tmp_path, store_url=backend_url)
    yield p, ds
    p.close()


def test_upload_map_and_add(tmp_path, backend_url):
    p = new_project(tmp_path, store_url=backend_url)
    view = CurationView(p, "facilitator", "en", charts=False)
    assert "curation.no_dataset" not in view.log_table.value
    view.upload.value = ({"name": "messages.csv", "type": "text/csv", "size": 10, "last_modified": datetime(2026, 5, 1, tzinfo=UTC),
                          "content": memoryview(frame_csv(ROWS))},)
    assert view.contributor_col.value == "contributor_id" and view.target_col.value == "label"
    assert view.text_col.value == "text"
    view.group_cols.value = ("hood",)
    view.add_button.click()
    assert "wb-ok" in view.status.value
    ds = importer.current(p.store)
    assert ds.mapping.groups == ("hood",) and ds.rows == len(ROWS)
    assert ds.sha256 in view.import_status.value
    p.close()


def test_a_bad_upload_shows_the_sentence_in_the_language_and_writes_nothing(tmp_path, backend_url):
    p = new_project(tmp_path, store_url=backend_url)
    view = CurationView(p, "facilitator", "pt-BR", charts=False)
    view.load_file(b"contributor_id,label\n", "vazio.csv")
    assert "wb-error" in view.status.value
    assert Translator("pt-BR")("curation.error.header_only", name="vazio.csv") in view.status.value
    view.add_button.click()
    assert importer.current(p.store) is None and list(p.data_dir.iterdir()) == []
    view.load_file(frame_csv(ROWS), "ok.csv")
    view.contributor_col.value = "hood"
    view.target_col.value = "hood"
    view.text_col.value = "text"
    view.drop_cols.value = ("text",)
    view.add_button.click()
    assert "wb-error" in view.status.value and importer.current(p.store) is None
    p.close()


def test_consent_waterfall_and_snapshot(proj):
    p, _ds = proj
    view = CurationView(p, "facilitator", "en", charts=True)
    view.use.value = "evaluate"
    view.show_button.click()
    tr = Translator("en")
    assert tr("curation.reason.no_record") in view.waterfall_table.value
    assert 'data-kept="' in view.waterfall_table.value
    assert view.waterfall_chart.value.count("<svg") == 1
    view.snapshot_button.click()
    snap = p.store.events(kinds=["curation.snapshot"])[-1].payload
    assert snap["use"] == "evaluate" and snap["content_sha256"][:16] in view.status.value
    view.language_switch.value = "es"
    assert Translator("es")("curation.reason.no_record") in view.waterfall_table.value


def test_profile_reference_and_pii(proj):
    p, _ds = proj
    view = CurationView(p, "facilitator", "en", charts=True)
    view.profile_button.click()
    assert "hood" in view.profile_out.value and view.profile_charts.value.count("<svg") >= 4
    view.ref_attribute.value = "hood"
    view.ref_shares.value = "A = 0.6\nB = 0.4"
    view.ref_save.click()
    assert p.store.events(kinds=["dataset.reference_set"])[-1].payload["shares"] == {"A": 0.6, "B": 0.4}
    assert "60.0%" in view.profile_out.value
    assert Translator("en")("curation.pii.phone_intl") in view.pii_out.value
    view.redact_column.value = "text"
    view.redact_reason.value = ""
    view.redact_button.click()
    assert "wb-error" in view.status.value and not p.store.events(kinds=["curation.redacted"])
    view.redact_kinds.value = ("phone_intl",)
    view.redact_reason.value = "phones leaked"
    view.redact_button.click()
    ev = p.store.events(kinds=["curation.redacted"])[-1]
    assert ev.payload["kinds"] == ["phone_intl"] and ev.actor == "facilitator"


def test_curation_log_actions_and_revert(proj):
    p, ds = proj
    view = CurationView(p, "facilitator", "en", charts=False)
    view.rule_op.value = "duplicate"
    view.rule_reason.value = "forwarded twice"
    view.rule_button.click()
    view.rows_text.value = "0, 4"
    view.rows_reason.value = HOSTILE
    view.rows_button.click()
    view.column_pick.value = "hood"
    view.column_action.value = "hash"
    view.column_reason.value = "identifying"
    view.column_button.click()
    view.label_rows.value = "1"
    view.label_value.value = "routine"
    view.label_reason.value = "misread"
    view.label_button.click()
    log = actions.CurationLog.load(p.store).active(ds.sha256)
    assert [a.short for a in log] == ["excluded", "excluded", "column_hashed", "label_corrected"]
    assert log[1].payload["rows"] == [0, 4] and log[1].reason == HOSTILE
    assert HOSTILE not in view.log_table.value and "&lt;img" in view.log_table.value
    view.revert_pick.value = log[0].id
    view.revert_reason.value = "keep both"
    view.revert_button.click()
    assert [a.id for a in actions.CurationLog.load(p.store).active(ds.sha256)] == [a.id for a in log[1:]]
    assert Translator("en")("curation.log.reverted") in view.log_table.value
    view.rows_text.value = "999"
    view.rows_reason.value = "x"
    view.rows_button.click()
    assert "wb-error" in view.status.value


def test_datasheet_answers_in_the_views_language(proj):
    p, _ds = proj
    view = CurationView(p, "facilitator", "es", charts=False)
    view.ds_section.value = "uses"
    assert view.ds_question.value == "tasks"
    view.ds_question.value = "avoid"
    view.ds_answer.value = "Nunca para negar atención."
    view.ds_save.click()
    assert answers(p.store)[("uses", "avoid")] == {**answers(p.store)[("uses", "avoid")], "language": "es",
                                                  "text": "Nunca para negar atención."}
    view.ds_question.value = "tasks"
    assert view.ds_answer.value == ""
    view.ds_question.value = "avoid"
    assert view.ds_answer.value == "Nunca para negar atención."
    view.ds_write.click()
    assert "datasheet.md" in view.ds_status.value
    assert (p.artifacts_dir / "datasheet.html").is_file()


def test_datawork_view(proj):
    p, _ds = proj
    view = DataWorkView(p, "facilitator", "en", charts=True)
    view.floor_value.value = "25"
    view.floor_currency.value = "BRL"
    view.floor_save.click()
    assert p.store.events(kinds=["datawork.terms_set"])[-1].payload["hourly_floor"] == 25
    view.work_worker.value = "Maria Silva"
    view.work_hours.value = "4"
    view.work_pay.value = "40"
    view.work_add.click()
    assert "wb-error" in view.status.value and not p.store.events(kinds=["datawork.recorded"])
    view.work_worker.value = "w-07"
    view.work_add.click()
    ev = p.store.events(kinds=["datawork.recorded"])[-1].payload
    assert ev["worker"] == "w-07" and ev["hours"] == 4 and ev["currency"] == "BRL"
    assert 'data-below="1"' in view.summary.value and "w-07" in view.workers_table.value
    assert "<svg" in view.chart.value


def test_participants_get_no_controls(proj):
    p, _ds = proj
    view = CurationView(p, "participant", "en")
    assert Translator("en")("curation.facilitators_only") in view.status.value
    assert not hasattr(view, "add_button")
    work = DataWorkView(p, "participant", "en")
    assert Translator("en")("curation.facilitators_only") in work.status.value
    assert "w-07" not in work.summary.value + work.workers_table.value


def test_a_chart_that_cannot_be_drawn_says_so(monkeypatch, proj):
    """A failing chart is named in the view, not silently left blank (the tables stay)."""
    from workbench.charts import curation as charts

    p, _ds = proj
    view = CurationView(p, "facilitator", "en")

    def broken(*_a, **_k):
        raise ValueError("vega says no")

    monkeypatch.setattr(charts, "missing_values", broken)
    view.profile_button.click()
    assert "hood" in view.profile_out.value
    assert "wb-error" in view.profile_charts.value
    assert view.tr("error.chart_failed") in view.profile_charts.value
