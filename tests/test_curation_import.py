"""Adding a dataset: every format, the raw file kept by hash, and one sentence for every bad file."""

from __future__ import annotations

import hashlib
import io
import json

import pandas as pd
import pytest

from workbench.cli import run_cli
from workbench.curation import importer
from workbench.curation.importer import ColumnMapping
from workbench.errors import WorkbenchError

from .consent_support import new_project
from .curation_support import MAPPING, ROWS, frame_csv

GOOD = pd.DataFrame(ROWS)


@pytest.fixture
def project(tmp_path, backend_url):
    p = new_project(tmp_path, store_url=backend_url)
    yield p
    p.close()


def _bytes(fmt: str) -> bytes:
    if fmt == "csv":
        return frame_csv(ROWS)
    if fmt == "tsv":
        return GOOD.to_csv(sep="\t", index=False).encode()
    if fmt == "jsonl":
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS).encode()
    buf = io.BytesIO()
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
        GOOD.to_excel(buf, index=False)
    else:
        pytest.importorskip("pyarrow")
        GOOD.to_parquet(buf, index=False)
    return buf.getvalue()


def _nothing_written(project):
    assert list(project.data_dir.iterdir()) == []
    assert project.store.events(prefix="dataset.") == [] and project.store.events(kinds=["data.received"]) == []


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx", "parquet", "jsonl"])
def test_every_format_is_stored_raw_by_hash_with_its_mapping(project, fmt):
    data = _bytes(fmt)
    ds = importer.add(project, importer.inspect(data, f"messages.{fmt}"), MAPPING)
    digest = hashlib.sha256(data).hexdigest()
    assert ds.sha256 == digest and ds.rows == len(ROWS)
    stored = project.data_dir / ds.file
    assert stored.name.startswith(digest) and stored.read_bytes() == data
    kinds = [e.kind for e in project.store.events()][-2:]
    assert kinds == ["data.received", "dataset.mapped"]
    assert importer.current(project.store).mapping == MAPPING
    frame = importer.load_frame(project, ds)
    assert len(frame) == len(ROWS) and frame["contributor_id"].iloc[0] == "c-ok"
    assert list(frame.columns) == list(GOOD.columns)


def test_ids_stay_text(project):
    rows = [{"contributor_id": "0012", "label": "a"}, {"contributor_id": "0013", "label": "b"}]
    ds = importer.add(project, importer.inspect(frame_csv(rows), "x.csv"), ColumnMapping("contributor_id", "label"))
    assert importer.load_frame(project, ds)["contributor_id"].tolist() == ["0012", "0013"]


def test_adding_the_same_file_twice_keeps_one_raw_copy(project):
    data = frame_csv(ROWS)
    importer.add(project, importer.inspect(data, "a.csv"), MAPPING)
    importer.add(project, importer.inspect(data, "a.csv"), MAPPING)
    assert len(list(project.data_dir.iterdir())) == 1


BAD = {
    "not_a_table_binary": ("x.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary", "curation.error.not_a_table"),
    "not_a_table_ragged": ("x.csv", b"a,b\n1,2\n3,4,5,6\n", "curation.error.not_a_table"),
    "not_a_table_jsonl": ("x.jsonl", b'{"a": 1}\n[1, 2]\n', "curation.error.not_a_table"),
    "not_json": ("x.jsonl", b'{"a": 1}\nnot json\n', "curation.error.not_a_table"),
    "not_excel": ("x.xlsx", b"this is not a workbook", "curation.error.not_a_table"),
    "not_parquet": ("x.parquet", b"this is not parquet", "curation.error.not_a_table"),
    "encoding": ("x.csv", "contributor_id,text\nc-1,ação\n".encode("latin-1"), "curation.error.encoding"),
    "empty": ("x.csv", b"", "curation.error.empty"),
    "blank": ("x.csv", b"  \n\n", "curation.error.empty"),
    "empty_jsonl": ("x.jsonl", b"\n\n", "curation.error.empty"),
    "header_only": ("x.csv", b"contributor_id,label\n", "curation.error.header_only"),
    "header_only_tsv": ("x.tsv", b"contributor_id\tlabel\n", "curation.error.header_only"),
    "duplicate_columns": ("x.csv", b"id,label,label\n1,a,b\n", "curation.error.duplicate_column"),
    "duplicate_keys": ("x.jsonl", b'{"id": 1, "id": 2}\n', "curation.error.duplicate_column"),
    "unnamed_column": ("x.csv", b"id,,label\n1,2,a\n", "curation.error.empty_column_name"),
    "file_type": ("x.docx", b"whatever", "curation.error.file_type"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_get_one_sentence_and_nothing_is_written(project, case):
    name, data, key = BAD[case]
    if name.endswith(".xlsx"):
        pytest.importorskip("openpyxl")
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    with pytest.raises(WorkbenchError) as err:
        importer.add(project, importer.inspect(data, name), MAPPING)
    assert err.value.key == key
    assert "\n" not in err.value.sentence and err.value.sentence.count(".") >= 1
    _nothing_written(project)


def test_encoding_error_names_the_guess(project):
    with pytest.raises(WorkbenchError) as err:
        importer.inspect("contributor_id,text\nc-1,ação e informação\n".encode("latin-1") * 20, "x.csv")
    assert "UTF-8" in err.value.sentence


def test_duplicate_columns_in_excel(project):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["id", "label", "id"])
    book.active.append([1, "a", 2])
    buf = io.BytesIO()
    book.save(buf)
    with pytest.raises(WorkbenchError) as err:
        importer.inspect(buf.getvalue(), "x.xlsx")
    assert err.value.key == "curation.error.duplicate_column"


@pytest.mark.parametrize("mapping,key", [
    (ColumnMapping("contributor", "label"), "curation.error.no_such_column"),
    (ColumnMapping("contributor_id", "labels"), "curation.error.no_such_column"),
    (ColumnMapping("contributor_id", "label", ("hood", "age")), "curation.error.no_such_column"),
    (ColumnMapping("contributor_id", "label", text="text", drop=("text",)), "curation.error.mapped_and_dropped"),
    (ColumnMapping("contributor_id", "hood_single"), "curation.error.single_class"),
])
def test_mapping_errors(project, mapping, key):
    rows = [dict(r, hood_single="same") for r in ROWS]
    with pytest.raises(WorkbenchError) as err:
        importer.add(project, importer.inspect(frame_csv(rows), "x.csv"), mapping)
    assert err.value.key == key
    _nothing_written(project)


def test_the_mapping_needs_a_contributor_column():
    with pytest.raises(WorkbenchError) as err:
        ColumnMapping("", "label")
    assert err.value.key == "curation.error.no_contributor_col"


def test_a_failed_append_removes_the_new_raw_file(project, monkeypatch):
    def boom(_items):
        raise WorkbenchError("The store is read-only.")

    monkeypatch.setattr(project.store, "append_many", boom)
    with pytest.raises(WorkbenchError):
        importer.add(project, importer.inspect(frame_csv(ROWS), "x.csv"), MAPPING)
    assert list(project.data_dir.iterdir()) == []


def test_a_changed_raw_file_is_refused(project):
    ds = importer.add(project, importer.inspect(frame_csv(ROWS), "x.csv"), MAPPING)
    path = project.data_dir / ds.file
    path.write_bytes(path.read_bytes() + b"c-x,A,tampered,urgent\n")
    with pytest.raises(WorkbenchError) as err:
        importer.load_frame(project, ds)
    assert err.value.key == "curation.error.changed"


def test_cli_add_and_profile(project, tmp_path):
    src = tmp_path / "messages.csv"
    src.write_bytes(frame_csv(ROWS))
    code, out, err = run_cli(["data", "add", str(project.root), str(src), "--contributor-col", "contributor_id",
                              "--target", "label", "--group", "hood", "--text", "text"])
    assert code == 0, err
    assert "Added messages.csv: 9 rows" in out
    code, out, err = run_cli(["data", "profile", str(project.root)])
    assert code == 0, err
    assert "9 rows" in out and "phone_intl" in out
    code, out, err = run_cli(["data", "add", str(project.root), str(tmp_path / "nope.csv"), "--contributor-col", "x"])
    assert code == 2 and err.startswith("error: There is no file") and err.count("\n") == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"contributor_id,label\n")
    code, _out, err = run_cli(["data", "add", str(project.root), str(bad), "--contributor-col", "contributor_id"])
    assert code == 2 and "no rows" in err
