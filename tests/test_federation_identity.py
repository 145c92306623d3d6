"""One identity rule for communities in the catalog (issue 26): full ids, pinned keys everywhere,
look-alikes refused, and every catalog change one act with its event."""

from __future__ import annotations

import base64
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from workbench.cli import run_cli
from workbench.errors import WorkbenchError
from workbench.federation import _format as F
from workbench.federation import catalog, keys
from workbench.federation.federated import federated_evaluate
from workbench.project import Project

from .test_federation_flow import communities


@pytest.fixture(scope="module")
def folders():
    return communities()


@pytest.fixture
def ours(folders, tmp_path):
    """A private copy of community A (its log is a SQLite file in its folder) with B in its catalog."""
    root = tmp_path / "ours"
    shutil.copytree(folders["A"], root)
    with Project.open(root) as p:
        catalog.add_to_catalog(p, folders["B.zip"])
    return root


def _forge(tmp_path: Path, source_zip: Path, community: dict, name: str = "forged.zip") -> Path:
    """A bundle with ``source_zip``'s parts, claiming ``community``, signed by a fresh key of its own."""
    signer = tmp_path / f"signer-{community['id'][:12]}-{len(list(tmp_path.iterdir()))}"
    project = Project.init(signer, "Signer")
    keys.init_keys(project)
    with zipfile.ZipFile(source_zip) as zf:
        manifest = json.loads(zf.read(F.MANIFEST))
        parts = {e["path"]: zf.read(e["path"]) for e in manifest["parts"]}
    public = keys.public_key(project.root)
    manifest["community"] = community
    manifest["signer"] = {"algorithm": keys.ALGORITHM, "public_key": public.b64, "fingerprint": public.fingerprint}
    body = F.manifest_bytes(manifest)
    out = tmp_path / name
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(F.MANIFEST, body)
        zf.writestr(F.SIGNATURE, base64.b64encode(keys.sign(project.root, body)) + b"\n")
        for path, data in parts.items():
            zf.writestr(path, data)
    project.close()
    return out


def _b(folders) -> dict:
    with zipfile.ZipFile(folders["B.zip"]) as zf:
        return json.loads(zf.read(F.MANIFEST))["community"]


@pytest.mark.parametrize("how", ["short_id_as_id", "short_id_as_name", "other_case", "same_name_new_id"])
def test_a_look_alike_of_a_known_community_is_refused_and_nothing_is_written(folders, ours, tmp_path, how):
    b = _b(folders)
    fake = {"short_id_as_id": {**b, "id": b["id"][:8], "name": "Someone"},
            "short_id_as_name": {**b, "id": "impostor-0001", "name": b["id"][:8]},
            "other_case": {**b, "id": b["id"].upper() if b["id"] != b["id"].upper() else b["id"].lower()},
            "same_name_new_id": {**b, "id": "impostor-0002"}}[how]
    forged = _forge(tmp_path, folders["B.zip"], fake)
    with Project.open(ours) as p:
        before = p.store.count()
        files_before = sorted(x.relative_to(ours) for x in (ours / "catalog").rglob("*"))
    code, _out, err = run_cli(["catalog", "add", str(ours), str(forged)])
    assert code == 2 and "could be taken for" in err and "Traceback" not in err
    with Project.open(ours) as p:
        assert p.store.count() == before
        assert sorted(x.relative_to(ours) for x in (ours / "catalog").rglob("*")) == files_before
        # typing the short id still finds B, the only community that holds it
        assert catalog.find(p, b["id"][:8]).community_id == b["id"]


def test_an_ambiguous_short_id_names_nobody(folders, ours):
    b = _b(folders)
    with Project.open(ours) as p:
        # An impostor that got in before the rule (the log is the truth: it stays readable).
        p.store.append(catalog.ADDED, {"community": b["id"][:8], "name": "Impostor", "languages": [], "country": "",
                                       "fingerprint": "x", "manifest_sha256": "0" * 64, "folder": "catalog/none",
                                       "parts": [], "shares": {}}, "facilitator")
        with pytest.raises(WorkbenchError, match="Several models"):
            catalog.find(p, b["id"][:8])
        assert catalog.find(p, b["id"]).community_id == b["id"]  # the full id always works
        with pytest.raises(WorkbenchError, match="No models"):
            catalog.find(p, b["id"][:5])  # shorter than the short id: never enough


def test_federate_evaluate_checks_the_key_pin_of_a_file(folders, ours, tmp_path):
    forged = _forge(tmp_path, folders["B.zip"], _b(folders))  # B's name and id, another key
    with Project.open(ours) as p, pytest.raises(WorkbenchError, match="another key"):
        federated_evaluate(p, forged, tmp_path / "result.zip", n_boot=10)
    assert not (tmp_path / "result.zip").exists()


def test_a_malformed_bundle_writes_nothing(folders, ours, tmp_path):
    forged = _forge(tmp_path, folders["B.zip"], {"id": "new-community-1", "name": "New", "languages": 5,
                                                  "country": "BR"})
    with Project.open(ours) as p:
        before = p.store.count()
    code, _out, err = run_cli(["catalog", "add", str(ours), str(forged)])
    assert code == 2 and "malformed" in err
    assert not (ours / "catalog" / "new-community-1").exists()
    with Project.open(ours) as p:
        assert p.store.count() == before


def test_remove_takes_the_entry_and_its_files_and_keeps_the_pin(folders, ours, tmp_path):
    b = _b(folders)
    code, out, err = run_cli(["catalog", "remove", str(ours), b["id"][:8]])
    assert code == 2 and "full id" in err  # a short id never removes anything
    code, out, err = run_cli(["catalog", "remove", str(ours), b["id"], "--reason", "they asked"])
    assert code == 0, err
    assert not (ours / "catalog" / b["id"]).exists()
    with Project.open(ours) as p:
        assert all(e.community_id != b["id"] for e in catalog.entries(p))
        assert p.store.events(kinds=[catalog.REMOVED])[-1].payload["reason"] == "they asked"
        with pytest.raises(WorkbenchError, match="another key"):
            catalog.add_to_catalog(p, _forge(tmp_path, folders["B.zip"], b))
        catalog.add_to_catalog(p, folders["B.zip"])  # their own bundle comes back
        assert any(e.community_id == b["id"] for e in catalog.entries(p))


def test_one_damaged_entry_does_not_hide_the_catalog(folders, ours):
    b = _b(folders)
    with Project.open(ours) as p:
        entry = next(e for e in catalog.entries(p) if e.community_id == b["id"])
    (entry.folder / F.MANIFEST).write_text("{ not json")
    code, out, _err = run_cli(["catalog", "list", str(ours)])
    assert code == 1
    assert "damaged or malformed" in out and b["id"] in out


def test_terminal_and_markdown_controls_in_a_name_are_not_printed_raw(folders, ours, tmp_path):
    evil = {"id": "evil-community-9", "name": "Evil\x1b[2J\u202e\n# heading <script>x</script>|",
            "languages": ["en"], "country": "BR"}
    forged = _forge(tmp_path, folders["B.zip"], evil)
    code, out, err = run_cli(["catalog", "add", str(ours), str(forged)])
    assert code == 0, err
    assert "\x1b" not in out and "\u202e" not in out
    code, out, _ = run_cli(["catalog", "list", str(ours)])
    assert "\x1b" not in out and "\u202e" not in out
    with Project.open(ours) as p:
        from workbench.i18n import Translator

        # A result's community name as an older version stored it, raw: the table still shows it as text.
        p.store.append(catalog.RESULT_IMPORTED, {"community": "evil-community-9", "name": evil["name"], "rows": 12,
                                                 "criteria": [{"id": "x\n## injected", "status": "pass"}]},
                       "facilitator")
        md = catalog.evaluated_by_markdown(p, Translator("en"))
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert not any(line.lstrip().startswith("#") for line in md.splitlines()[1:])
    assert "\x1b" not in md and "\u202e" not in md
