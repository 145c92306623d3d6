"""Croissant 1.0 JSON-LD of the curated dataset (issue 24, formats): validated by MLCommons' own ``mlcroissant``.

``workbench data export DIR --croissant``: the raw file and the recorded snapshots as FileObjects with their
sha256, a RecordSet per file with types from the data, and the Responsible-AI fields filled from the
datasheet's answers and the consent scope. Offline: nothing is fetched.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from workbench.cli import run_cli
from workbench.curation import croissant, datasheet, snapshot
from workbench.errors import WorkbenchError

from .curation_support import curation_project

mlc = pytest.importorskip("mlcroissant", reason="Croissant validation needs mlcroissant (test extra)")
# rdflib's own JSON-LD parser (which mlcroissant calls) builds a ConjunctiveGraph, deprecated in rdflib 7.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

ROWS = [
    {"contributor_id": "c-ok", "hood": "A", "text": "call me on +55 11 91234 5678", "label": "urgent", "age": 31,
     "score": 0.5, "sent": "2026-01-02"},
    {"contributor_id": "c-ok", "hood": "B", "text": "clinic hours?", "label": "information", "age": 40,
     "score": 1.5, "sent": "2026-01-03"},
    {"contributor_id": "c-evalonly", "hood": "A", "text": "test only", "label": "routine", "age": 52,
     "score": 2.0, "sent": "2026-01-04"},
    {"contributor_id": "c-refused", "hood": "B", "text": "said no", "label": "urgent", "age": 23, "score": 0.25,
     "sent": "2026-01-05"},
]
ANSWERS = {("collection", "how_collected"): "Messages to the co-op's phone line, copied by two volunteers.",
           ("composition", "sensitive"): "Health questions; some messages name a street.",
           ("uses", "tasks"): "Sorting messages by urgency.",
           ("uses", "avoid"): "Judging people; any use outside the co-op.",
           ("collection", "who_involved"): "Two paid volunteers from the neighbourhood labelled the rows.",
           ("maintenance", "updates"): "Withdrawals are honoured at the next snapshot."}


@pytest.fixture
def project(tmp_path):
    from workbench.curation.importer import ColumnMapping

    p, _ds = curation_project(tmp_path, rows=ROWS, mapping=ColumnMapping("contributor_id", "label", ("hood",), "text",
                                                                        dates=("sent",)))
    for (section, question), text in ANSWERS.items():
        datasheet.answer(p.store, section, question, text)
    yield p
    p.close()


def _validate(doc: dict):
    """mlcroissant loads the JSON-LD and reports no error (and, here, no warning)."""
    ds = mlc.Dataset(jsonld=doc)
    issues = ds.metadata.ctx.issues
    assert not issues.errors, issues.report()
    assert not issues.warnings, issues.report()
    return ds.metadata


def test_croissant_loads_in_mlcroissant_with_files_by_hash_and_typed_columns(project):
    doc = croissant.build(project)
    meta = _validate(json.loads(croissant.to_json(doc)))
    raw = Path(project.data_dir)
    files = {f.id: f for f in meta.distribution}
    raw_file = next(raw.iterdir())
    assert files["raw"].sha256 == hashlib.sha256(raw_file.read_bytes()).hexdigest() == raw_file.stem
    assert files["raw"].content_url == f"data/{raw_file.name}"
    for use in croissant.USES:  # each recorded snapshot, its bytes hashing to what the file object says
        snap = snapshot.latest(project.store, use)
        assert files[f"snapshot-{use}"].sha256 == snap.content_sha256
        on_disk = Path(project.artifacts_dir) / snap.file
        assert hashlib.sha256(on_disk.read_bytes()).hexdigest() == snap.content_sha256
        assert files[f"snapshot-{use}"].content_url == f"artifacts/{snap.file}"

    record_sets = {r.id: r for r in meta.record_sets}
    fields = {f.name: f for f in record_sets["rows"].fields}
    assert set(fields) == {"contributor_id", "hood", "text", "label", "age", "score", "sent"}
    types = {name: str(f.data_types[0]) for name, f in fields.items()}
    assert types["age"].endswith("Integer") and types["score"].endswith("Float")
    assert types["sent"].endswith("Date") and types["text"].endswith("Text") and types["hood"].endswith("Text")
    assert "pseudonymous" in fields["contributor_id"].description.lower()
    assert "free text" in fields["text"].description.lower()
    assert fields["text"].source.file_object == "raw" and fields["text"].source.extract.column == "text"
    train = {f.name for f in record_sets["train"].fields}
    assert "row" in train and "text" in train


def test_rai_fields_come_from_the_datasheet_and_the_scope(project):
    doc = croissant.build(project)
    meta = _validate(doc)
    assert meta.data_collection.startswith("Messages to the co-op's phone line")
    assert meta.data_collection_type == ["Others"]
    sensitive = " ".join(meta.personal_sensitive_information)
    assert "Health questions" in sensitive and "phone" in sensitive and "'hood'" in sensitive
    assert "+55" not in json.dumps(doc)  # no value of the data, only what kind of personal data was found
    cases = " ".join(meta.data_use_cases)
    assert "Sorting messages by urgency" in cases
    assert "train: permitted only for the rows of contributors who chose it" in cases
    assert "publish_aggregates: permitted" in cases and "DUO:0000042" in cases
    limits = " ".join(meta.data_limitations)
    assert "Judging people" in limits
    for forbidden, duo in (("publish_examples", "DUO:0000024"), ("share_data", "DUO:0000028"),
                           ("commercial", "DUO:0000046")):
        assert f"{forbidden}: forbidden" in limits and duo in limits
    assert "24 months" in limits and "Local Contexts labels: TK Community Use Only (TK CO), BC Provenance" in limits
    assert meta.annotations_per_item == "One label per row, in column 'label'."
    assert meta.annotator_demographics == [ANSWERS[("collection", "who_involved")]]
    assert any("hood = " in b for b in meta.data_biases)
    assert meta.data_release_maintenance_plan == ANSWERS[("maintenance", "updates")]
    assert "version 1" in doc["license"]["name"] and doc["license"]["identifier"].startswith("sha256:")
    assert doc["conformsTo"] == [croissant.CONFORMS_TO, croissant.RAI_CONFORMS_TO]


def test_context_is_the_standard_croissant_context():
    from mlcroissant._src.core.rdf import make_context

    assert make_context().items() <= croissant.CONTEXT.items()


def test_unanswered_questions_are_left_out_not_invented(tmp_path):
    p, _ds = curation_project(tmp_path)
    try:
        doc = croissant.build(p)
        _validate(doc)
        for key in ("rai:dataCollection", "rai:annotatorDemographics", "rai:dataReleaseMaintenancePlan"):
            assert key not in doc
        assert doc["rai:dataUseCases"] and doc["rai:dataLimitations"]  # the scope alone says these
    finally:
        p.close()


def test_cli_writes_it_and_guards_the_records(project, tmp_path):
    code, out, err = run_cli(["data", "export", str(project.root), "--croissant"])
    assert code == 0, err
    path = Path(project.artifacts_dir) / "croissant.json"
    assert str(path) in out
    _validate(json.loads(path.read_text(encoding="utf-8")))
    target = tmp_path / "meta.json"
    assert run_cli(["data", "export", str(project.root), "--croissant", "--out", str(target)])[0] == 0
    with pytest.raises(WorkbenchError, match="already exists"):
        croissant.write(project, target)
    raw = next(Path(project.data_dir).iterdir())
    before = raw.read_bytes()
    with pytest.raises(WorkbenchError, match="never overwritten"):
        croissant.write(project, raw, force=True)
    assert raw.read_bytes() == before
