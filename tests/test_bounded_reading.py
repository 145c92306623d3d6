"""Bounded reading (issue 26): a file is checked before it is expanded, and only regular files are read.

Each hostile file is generated here (small on disk, huge once expanded) and must be refused with one
sentence, exit 2, nothing written, in well under the time and memory the unchecked path took.
"""

from __future__ import annotations

import io
import os
import resource
import time

import pytest

import workbench
from workbench.cli import run_cli
from workbench.errors import WorkbenchError
from workbench.filecheck import check_sheet_dimensions, read_regular_file


@pytest.fixture
def proj(tmp_path):
    path = tmp_path / "p"
    assert run_cli(["init", str(path), "--name", "Bounded"])[0] == 0
    return path


def _count(path) -> int:
    with workbench.open(path) as project:
        return project.store.count()


def _refused(proj, file, needle: str, seconds: float = 10.0) -> str:
    before = _count(proj)
    data_before = sorted(p.name for p in (proj / "data").iterdir())
    start = time.monotonic()
    code, out, err = run_cli(["data", "add", str(proj), str(file), "--contributor-col", "contributor_id"])
    took = time.monotonic() - start
    assert code == 2, (out, err)
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert took < seconds
    assert _count(proj) == before
    assert sorted(p.name for p in (proj / "data").iterdir()) == data_before
    return err


def test_one_cell_at_the_last_column_and_row_is_refused_before_pandas_expands_it(proj, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["contributor_id", "text"])
    sheet.append(["c-1", "hello"])
    sheet["XFD1048576"] = "x"
    path = tmp_path / "far.xlsx"
    book.save(path)
    assert path.stat().st_size < 20_000
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    err = _refused(proj, path, "reaches column 16,384")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 500_000  # KB: under 500 MB more
    assert "unpacks to" not in err  # the right reason, not the zip-bomb one


def test_a_row_wider_than_its_header_is_refused(proj, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["contributor_id", "text"])
    sheet.append(["c-1", "hello", "stray", "cells"])
    path = tmp_path / "wide.xlsx"
    book.save(path)
    _refused(proj, path, "Row 2")


def test_nested_parquet_columns_are_refused_at_import(proj, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"contributor_id": ["c-1", "c-2"], "tags": [["a", "b"], ["c"]],
                      "meta": [{"x": 1}, {"x": 2}]})
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path)
    _refused(proj, path, "nested columns")


@pytest.mark.timeout(30)
def test_a_fifo_is_refused_without_hanging(proj, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    _refused(proj, fifo, "not a regular file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused(proj):
    _refused(proj, "/dev/zero", "not a regular file")


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"contributor_id\n" + b"c-1\n" * 100)
    with pytest.raises(WorkbenchError, match="more than the"):
        read_regular_file(path, limit=64)
    assert read_regular_file(path, limit=10_000).startswith(b"contributor_id")


def test_the_dimension_check_reads_cells_not_the_declared_dimension():
    """A sheet whose <dimension> says A1:B2 but whose cells reach far is still refused."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    buf = io.BytesIO()
    book.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>",
                                    b'<row r="2000000"><c r="A2000000" t="inlineStr"><is><t>x</t></is></c></row>'
                                    b"</sheetData>")
            dst.writestr(item, data)
    with pytest.raises(WorkbenchError, match="row 2,000,000"):
        check_sheet_dimensions(out.getvalue(), "lying.xlsx", key="curation.error.sheet_too_large", fix="Fix it.")


def test_the_limits_are_settings_of_the_project(proj, tmp_path):
    """[limits] in workbench.toml (issue 26): defaults when absent, refused when nonsense, used by the readers."""
    from workbench.project import CONFIG_NAME, Limits

    with workbench.open(proj) as project:
        assert project.config.limits == Limits()
    toml = proj / CONFIG_NAME
    text = toml.read_text()
    assert "data_file_mb = 1000" in text  # 'workbench init' writes the defaults, for people to see and change
    toml.write_text(text.replace("data_file_mb = 1000", "data_file_mb = 0"))
    code, _out, err = run_cli(["info", str(proj)])
    assert code == 2 and "limits.data_file_mb" in err and "1 or more" in err
    toml.write_text(text.replace("data_file_mb = 1000", "data_file_mb = 1"))
    big = tmp_path / "two-mb.csv"
    big.write_bytes(b"contributor_id,text\n" + b"c-1,hello\n" * 210_000)
    _refused(proj, big, "more than the 1.0 MB")
    toml.write_text(text.replace("consent_rows = 20000", "consent_rows = 2"))
    with workbench.open(proj) as project:
        assert project.config.limits.consent_rows == 2
    toml.write_text(text.replace("[limits]", "[limits]\nnope = 1\n", 1))
    code, _out, err = run_cli(["info", str(proj)])
    assert code == 2 and "no setting 'nope'" in err
