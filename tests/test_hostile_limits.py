"""Hostile inputs of issue 26 that the corpus (tests/hostile/manifest.toml) cannot carry as plain bytes:
links, pipes, a ledger to contradict, signed bundles, skops models, escapes in names.

Each is answered with one sentence naming the right reason, exit 2 from the CLI, nothing written; each
test fails on the code before the fix. Large inputs are generated here, never committed.
"""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from workbench.cli import run_cli
from workbench.consent.scope import ScopeHistory
from workbench.errors import WorkbenchError

from .consent_support import make_scope, new_project
from .gates import publish
from .hostile_support import skops_model, swap_array

HEADER = "contributor_id,date,choices,method,witness\n"
ESCAPES = ("\x1b", "\x07", "\x9b")


@pytest.fixture
def consent_project(tmp_path):
    p = new_project(tmp_path)
    publish(p.store, make_scope())
    yield p
    p.close()


def _state(project):
    data = Path(project.data_dir)
    return project.store.count(), sorted(str(q.relative_to(data)) for q in data.rglob("*"))


def _refused(argv, project, needle: str) -> str:
    before = _state(project)
    code, out, err = run_cli(argv)
    assert code == 2, (code, out, err)
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in out + err, err
    assert needle in out + err, out + err
    assert _state(project) == before and project.store.verify().ok
    return out + err


# -- files that are not what their name says ---------------------------------------------------------------
def test_a_symlink_is_refused_without_reading_its_target(tmp_path):
    root = tmp_path / "p"
    assert run_cli(["init", str(root), "--name", "Links"])[0] == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET first line\nmore\n")
    link = tmp_path / "records.csv"
    link.symlink_to(secret)
    code, out, err = run_cli(["data", "add", str(root), str(link), "--contributor-col", "contributor_id"])
    assert code == 2 and "is a symbolic link" in err and "TOPSECRET" not in out + err, err


def test_a_symlink_or_a_fifo_given_to_consent_import_is_refused(consent_project, tmp_path):
    target = tmp_path / "real.csv"
    target.write_text(HEADER + "c-1,2026-01-10,train,paper,f-ana\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    root = str(consent_project.root)
    _refused(["consent", "import", root, str(link)], consent_project, "is a symbolic link")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # nobody writes to it: reading it would block forever
    _refused(["consent", "import", root, str(fifo)], consent_project, "not a regular file")


def test_a_records_file_over_the_size_limit_is_refused_before_reading(consent_project, tmp_path):
    from workbench.consent import paper

    big = HEADER.encode() + b"c-1,2026-01-10,train,paper," + b"w" * (paper.MAX_FILE_BYTES + 1) + b"\n"
    path = tmp_path / "big.csv"
    path.write_bytes(big)
    _refused(["consent", "import", str(consent_project.root), str(path)], consent_project, "more than the")
    with pytest.raises(WorkbenchError) as upload:  # the widget's bytes
        paper.read_records(big, "big.csv", history=ScopeHistory.load(consent_project.store))
    assert upload.value.key == "consent.import.file_too_big"


# -- dates ---------------------------------------------------------------------------------------------------
def test_a_withdrawal_dated_before_its_grant_is_refused_with_its_row(consent_project, tmp_path):
    root = str(consent_project.root)
    first = tmp_path / "grants.csv"
    first.write_text(HEADER + "c-1,2026-01-10,train,paper,f-ana\n")
    assert run_cli(["consent", "import", root, str(first)])[0] == 0
    later = tmp_path / "withdrawals.csv"  # the grant is in the ledger; this file withdraws five days before it
    later.write_text(HEADER + "c-1,2026-01-05,withdrawn,paper,f-ana\n")
    said = _refused(["consent", "import", root, str(later)], consent_project,
                    "row 2: This withdrawal is dated 2026-01-05, before the grant it withdraws (in the ledger")
    assert "2026-01-10" in said
    both = tmp_path / "both.csv"  # the grant and the earlier withdrawal in one file
    both.write_text(HEADER + "c-2,2026-02-10,train,paper,f-ana\nc-2,2026-02-01,withdrawn:train,paper,f-ana\n")
    _refused(["consent", "import", root, str(both)], consent_project,
             "row 3: This withdrawal is dated 2026-02-01, before the grant it withdraws (row 2")


def test_a_withdrawal_after_its_grant_still_imports(consent_project, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "c-3,2026-01-10,train,paper,f-ana\nc-3,2026-01-20,withdrawn,paper,f-ana\n")
    code, out, err = run_cli(["consent", "import", str(consent_project.root), str(path)])
    assert code == 0 and "Imported 2 records" in out, out + err


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1899-12-31"])
def test_dates_at_the_calendars_edge_are_a_bad_row_not_a_crash(consent_project, tmp_path, value):
    path = tmp_path / "edge.csv"
    path.write_text(HEADER + f"c-1,{value},train,paper,f-ana\n")
    _refused(["consent", "import", str(consent_project.root), str(path)], consent_project, "row 2: ")


# -- signed bundles ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from workbench.federation import keys
    from workbench.federation.bundle import export_bundle
    from workbench.project import Project

    root = tmp_path_factory.mktemp("hostile-bundle") / "p"
    p = Project.init(root, "Test co-op", ["en"], "BR", "Sort messages.", "sqlite:///store.db")
    publish(p.store, make_scope())
    keys.init_keys(p)
    out = export_bundle(p, root.parent / "bundle.zip")
    p.close()
    return root, out.path


def _resigned(bundle, tmp_path, edit=None, body=None) -> Path:
    from workbench.federation import _format as F
    from workbench.federation import keys

    from .test_federation_verify import rewrite

    root, path = bundle
    if body is None:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(F.MANIFEST))
        edit(manifest)
        body = F.manifest_bytes(manifest)
    sig = base64.b64encode(keys.sign(root, body)) + b"\n"
    return rewrite(path, tmp_path / "hostile.zip", {F.MANIFEST: body, F.SIGNATURE: sig})


def _bundle_refused(path, key: str, needle: str) -> None:
    code, out, err = run_cli(["bundle", "verify", str(path)])
    assert code == 2 and len(err.splitlines()) == 1 and "unexpected" not in err, (code, out, err)
    assert needle in err, err
    from workbench.federation.verify import BundleError, verify_bundle

    with pytest.raises(BundleError) as refused:
        verify_bundle(path)
    assert refused.value.key == key


def test_a_manifest_signer_that_is_a_string(bundle, tmp_path):
    def edit(m):
        m["signer"] = "trust me"

    _bundle_refused(_resigned(bundle, tmp_path, edit), "federation.error.signer", "does not name its signer's key")


def test_a_manifest_nested_100000_deep(bundle, tmp_path):
    body = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    _bundle_refused(_resigned(bundle, tmp_path, body=body), "federation.error.manifest_depth",
                    "nests 100,000 levels deep")


def test_a_large_signature_is_called_a_signature_not_a_zip_bomb(bundle, tmp_path):
    from workbench.federation import _format as F

    from .test_federation_verify import rewrite

    _root, path = bundle
    big = rewrite(path, tmp_path / "sig.zip", {F.SIGNATURE: b"A" * 5000})
    _bundle_refused(big, "federation.error.signature_size", "a signature is 88 characters")
    code, out, err = run_cli(["bundle", "verify", str(big)])
    assert "zip bomb" not in err


def test_a_community_name_with_terminal_escapes_is_printed_without_them(bundle, tmp_path):
    def edit(m):
        m["community"]["name"] = "Evil\x1b[2J\x1b]0;owned\x07 co-op\x9b31m"

    code, out, err = run_cli(["bundle", "verify", str(_resigned(bundle, tmp_path, edit))])
    assert code == 0 and "Evil[2J]0;owned co-op31m" in out, out + err
    assert not any(ch in out + err for ch in ESCAPES)


# -- skops models --------------------------------------------------------------------------------------------
def test_a_skops_model_that_inflates_past_the_budget_is_refused_before_loading(tmp_path):
    from workbench.evaluation.artifacts import MAX_MODEL_UNPACKED, load_model

    n = MAX_MODEL_UNPACKED // 8 + 1_000_000
    bomb = swap_array(skops_model(tmp_path), tmp_path / "bomb.skops", (n,), n * 8)
    assert bomb.stat().st_size < 2_000_000  # deflated zeros: ~1,000 times smaller
    with pytest.raises(WorkbenchError) as refused:
        load_model(bomb)
    assert refused.value.key == "evaluation.error.model_too_big" and "more than the" in refused.value.sentence


def test_a_skops_array_header_that_lies_about_its_shape_is_refused(tmp_path):
    from workbench.evaluation.artifacts import load_model

    liar = swap_array(skops_model(tmp_path), tmp_path / "liar.skops", (10**10,), 16)
    with pytest.raises(WorkbenchError) as refused:
        load_model(liar)
    assert refused.value.key == "evaluation.error.model_too_big" and "declares arrays of" in refused.value.sentence


def test_a_real_skops_model_still_loads(tmp_path):
    from workbench.evaluation.artifacts import load_model

    model = load_model(skops_model(tmp_path))
    assert model.predict([[0.0, 1.0]]).shape == (1,)


# -- names printed to a terminal ------------------------------------------------------------------------------
def test_names_and_values_with_terminal_escapes_are_printed_without_them(tmp_path):
    root = tmp_path / "p"
    assert run_cli(["init", str(root), "--name", "Escapes"])[0] == 0
    good = tmp_path / "evil\x1b[2J\x9b31m.csv"  # a group level (a cell) that clears the screen when printed
    good.write_bytes(b"contributor_id,hood,label\n" + b"".join(
        b"c-%d,\x1b[2J\x1b]0;owned\x07north,%s\n" % (i, b"urgent" if i % 2 else b"routine") for i in range(30)))
    code, out, err = run_cli(["data", "add", str(root), str(good), "--contributor-col", "contributor_id",
                              "--group", "hood", "--target", "label"])
    assert code == 0 and not any(ch in out + err for ch in ESCAPES), repr(out + err)
    code, out, err = run_cli(["data", "profile", str(root)])
    assert code == 0 and "north" in out and not any(ch in out + err for ch in ESCAPES), repr(out + err)
    bad = tmp_path / "evil\x1b]0;owned\x07.exe"
    bad.write_bytes(b"MZ")
    code, out, err = run_cli(["data", "add", str(root), str(bad), "--contributor-col", "contributor_id"])
    assert code == 2 and not any(ch in out + err for ch in ESCAPES), repr(out + err)


def test_sheet_rows_without_references_are_counted(consent_project, tmp_path):
    """OOXML lets rows and cells leave out their reference (r="A7"): they are counted all the same."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER.strip().split(","))
    buf = io.BytesIO()
    book.save(buf)
    rows = b'<row><c t="inlineStr"><is><t>c-1</t></is></c></row>' * 25_000
    path = tmp_path / "rows.xlsx"
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", rows + b"</sheetData>")
            dst.writestr(item, data)
    _refused(["consent", "import", str(consent_project.root), str(path)], consent_project, "reaches row 20,002")
