"""The federation verbs in-process: keys, bundle plan / export / verify, catalog add / list / check, federate
evaluate; every refusal is one line on stderr with exit 2."""

from __future__ import annotations

import zipfile

import pytest

from workbench.cli import run_cli
from workbench.consent.scope import ALWAYS, CHOOSES, NEVER, Scope
from workbench.project import Project

from .gates import publish
from .test_federation_flow import communities


@pytest.fixture
def proj(tmp_path, backend_url):
    p = Project.init(tmp_path / "p", "Cli co-op", ["en"], "BR", "", backend_url)
    publish(p.store, Scope(holder="Cli co-op", uses={"train": CHOOSES, "evaluate": ALWAYS, "share_models": NEVER,
                                                     "commercial": NEVER}))
    p.close()
    return tmp_path / "p"


def one_line_error(code, out, err):
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_keys_export_verify_add_list_check(proj, tmp_path):
    code, out, err = run_cli(["keys", "init", str(proj)])
    assert code == 0 and "Fingerprint:" in out, err
    assert (proj / ".workbench" / "federation_ed25519.pem").stat().st_mode & 0o777 == 0o600
    line = one_line_error(*run_cli(["keys", "init", str(proj)]))
    assert "already has a signing key" in line
    code, out, _ = run_cli(["bundle", "plan", str(proj)])
    assert code == 0 and out.startswith("This will share: the consent scope (version 1)") and "will not share" in out
    bundle = tmp_path / "out" / "b.zip"
    code, out, err = run_cli(["bundle", "export", str(proj), "-o", str(bundle)])
    assert code == 0 and bundle.is_file() and "signed by" in out, err
    code, out, err = run_cli(["bundle", "verify", str(bundle)])
    assert code == 0 and out.startswith("OK: commons bundle from Cli co-op") and "scope.json" in out
    other = Project.init(tmp_path / "other", "Other co-op", ["en", "es"])
    other.close()
    code, out, err = run_cli(["catalog", "add", str(tmp_path / "other"), str(bundle)])
    assert code == 0 and "Added Cli co-op" in out, err
    code, out, _ = run_cli(["catalog", "list", str(tmp_path / "other")])
    assert code == 0 and "Cli co-op [en]" in out and "model shared: no" in out
    code, out, _ = run_cli(["catalog", "list", str(tmp_path / "other"), "--json"])
    assert code == 0 and '"community": "Cli co-op"' in out
    code, out, _ = run_cli(["catalog", "check", str(tmp_path / "other"), "Cli co-op", "--non-commercial"])
    assert code == 0 and out.startswith("No: you may not use Cli co-op's model") and "sharing models" in out
    code, out, _ = run_cli(["catalog", "check", str(tmp_path / "other"), "cli co-op", "--language", "es"])
    assert code == 0 and out.startswith("No: no pueden usar")


def test_refusals_are_one_line_with_exit_2(proj, tmp_path):
    line = one_line_error(*run_cli(["bundle", "export", str(proj), "-o", str(tmp_path / "b.zip")]))
    assert "no signing key" in line and not (tmp_path / "b.zip").exists()
    (tmp_path / "x.zip").write_text("not a zip")
    assert "not a zip" in one_line_error(*run_cli(["bundle", "verify", str(tmp_path / "x.zip")]))
    one_line_error(*run_cli(["bundle", "verify", str(tmp_path / "absent.zip")]))
    one_line_error(*run_cli(["bundle"]))
    one_line_error(*run_cli(["bundle", "export", str(proj)]))  # -o is required
    assert "match" in one_line_error(*run_cli(["catalog", "check", str(proj), "nobody"]))
    run_cli(["keys", "init", str(proj)])
    run_cli(["bundle", "export", str(proj), "-o", str(tmp_path / "b.zip")])
    with zipfile.ZipFile(tmp_path / "b.zip") as zin, zipfile.ZipFile(tmp_path / "t.zip", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data.replace(b"Cli co-op", b"Cli co-oq") if info.filename == "scope.json" else data)
    line = one_line_error(*run_cli(["bundle", "verify", str(tmp_path / "t.zip")]))
    assert "scope.json was changed" in line
    other = Project.init(tmp_path / "other", "Other co-op", ["en"])
    other.close()
    assert "scope.json" in one_line_error(*run_cli(["catalog", "add", str(tmp_path / "other"), str(tmp_path / "t.zip")]))
    line = one_line_error(*run_cli(["federate", "evaluate", str(tmp_path / "other"), str(tmp_path / "b.zip"), "-o",
                                    str(tmp_path / "r.zip")]))
    assert "signing key" in line  # the evaluator needs its own key to sign the result


def test_federate_evaluate_end_to_end(tmp_path):
    folders = communities()
    result = tmp_path / "result.zip"
    code, out, err = run_cli(["federate", "evaluate", str(folders["C"]), str(folders["A.zip"]), "-o", str(result),
                              "--min-group-size", "12"])
    assert code == 0, err
    assert "Evaluated Rio Claro's model on" in out and "small groups suppressed" in out and result.is_file()
    line = one_line_error(*run_cli(["federate", "evaluate", str(folders["C"]), str(folders["B.zip"]), "-o",
                                    str(tmp_path / "r2.zip")]))
    assert "does not share a model" in line
    code, out, err = run_cli(["catalog", "add", str(folders["A"]), str(result)])
    assert code == 0 and "Result from Lagoa Verde imported" in out, err
