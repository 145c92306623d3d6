"""Bundles are checked before anything in them is trusted: every part's hash, the signature, the format version,
zip-slip names, links and zip bombs are each refused with one sentence that names what failed."""

from __future__ import annotations

import base64
import json
import stat
import zipfile
from pathlib import Path

import pytest

from workbench.consent.scope import ALWAYS, CHOOSES, NEVER, Scope
from workbench.errors import WorkbenchError
from workbench.federation import _format as F
from workbench.federation import catalog, keys
from workbench.federation.bundle import export_bundle, plan_bundle
from workbench.federation.verify import BundleError, verify_bundle
from workbench.project import Project

from .gates import publish


def _scope() -> Scope:
    return Scope(holder="Test co-op", uses={"train": CHOOSES, "evaluate": ALWAYS, "share_models": NEVER},
                 labels=("tk_attribution",))


@pytest.fixture(scope="module")
def small(tmp_path_factory, once_store_url):
    """A project with a scope and a charter draft, its key, and its bundle (no data, no model: fast).

    Built once, on PostgreSQL when a server is up: most tests here are about the zip, not the store.
    """
    from workbench.purpose import charter as ch

    root = tmp_path_factory.mktemp("fed") / "p"
    p = Project.init(root, "Test co-op", ["en"], "BR", "Sort messages.", once_store_url())
    publish(p.store, _scope())
    ch.save_draft(p.store, ch.Charter(title="Urgent first", problem="Urgent messages wait."), "first")
    keys.init_keys(p)
    out = export_bundle(p, root.parent / "bundle.zip")
    p.close()
    return root, out.path


def rewrite(src: Path, dst: Path, change: dict | None = None, add: dict | None = None) -> Path:
    """Copy a zip member by member, replacing (bytes), dropping (None) or adding members."""
    change, add = change or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change.get(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)
        for name, data in add.items():
            if not isinstance(name, zipfile.ZipInfo):
                name = zipfile.ZipInfo(name)
                name.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(name, data)
    return dst


def resigned(root: Path, src: Path, dst: Path, edit) -> Path:
    """The bundle with its manifest edited by ``edit`` and signed again with the project's real key."""
    with zipfile.ZipFile(src) as zf:
        manifest = json.loads(zf.read(F.MANIFEST))
    edit(manifest)
    body = F.manifest_bytes(manifest)
    sig = base64.b64encode(keys.sign(root, body)) + b"\n"
    return rewrite(src, dst, {F.MANIFEST: body, F.SIGNATURE: sig})


def refused(path, key: str, **params) -> BundleError:
    with pytest.raises(BundleError) as err:
        verify_bundle(path)
    assert err.value.key == key, err.value.sentence
    for k, v in params.items():
        assert err.value.params.get(k) == v
    assert "\n" not in err.value.sentence
    return err.value


def test_round_trip(small):
    root, path = small
    b = verify_bundle(path)
    assert b.kind == "commons" and set(b.parts) == {"charter.json", "scope.json"}
    assert b.json("scope.json")["labels_detail"][0]["code"] == "TK A"
    assert b.json("charter.json")["status"] == "draft"
    assert b.fingerprint == keys.public_key(root).fingerprint
    withheld = {w["part"]: w["reason"] for w in b.manifest["shares"]["withheld"]}
    assert withheld["model"] == "federation.reason.scope_forbids_models"
    assert withheld["datasheet"] == "federation.reason.no_aggregates"  # not mentioned in the scope: never
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist()[:2] == [F.MANIFEST, F.SIGNATURE]


@pytest.mark.parametrize("part", ["charter.json", "scope.json"])
@pytest.mark.parametrize("same_size", [True, False])
def test_tampering_any_part_is_named(small, tmp_path, part, same_size):
    _root, path = small
    with zipfile.ZipFile(path) as zf:
        data = zf.read(part)
    changed = data.replace(b"e", b"a", 1) if same_size else data + b" "
    err = refused(rewrite(path, tmp_path / "t.zip", {part: changed}), "federation.error.part_changed", part=part)
    assert part in err.sentence


def test_tampering_the_manifest_or_signature_is_named(small, tmp_path):
    _root, path = small
    with zipfile.ZipFile(path) as zf:
        body, sig = zf.read(F.MANIFEST), zf.read(F.SIGNATURE)
    err = refused(rewrite(path, tmp_path / "m.zip", {F.MANIFEST: body.replace(b"Test co-op", b"Tost co-op")}),
                  "federation.error.signature")
    assert "signature" in err.sentence
    flipped = base64.b64encode(bytes([base64.b64decode(sig)[0] ^ 1]) + base64.b64decode(sig)[1:])
    refused(rewrite(path, tmp_path / "s.zip", {F.SIGNATURE: flipped}), "federation.error.signature")
    refused(rewrite(path, tmp_path / "g.zip", {F.SIGNATURE: b"not base64!"}), "federation.error.signature")
    err = refused(rewrite(path, tmp_path / "u.zip", {F.SIGNATURE: None}), "federation.error.unsigned")
    assert "not signed" in err.sentence
    other = json.loads(body)
    other["signer"]["fingerprint"] = "0000:0000"
    refused(rewrite(path, tmp_path / "f.zip", {F.MANIFEST: F.manifest_bytes(other)}), "federation.error.signature")


def test_a_missing_or_unlisted_part(small, tmp_path):
    _root, path = small
    refused(rewrite(path, tmp_path / "d.zip", {"charter.json": None}), "federation.error.part_missing",
            part="charter.json")
    refused(rewrite(path, tmp_path / "x.zip", add={"extra.txt": b"hi"}), "federation.error.unlisted",
            name="extra.txt")


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "a/../../evil", "a\\..\\evil", "C:evil", "./x"])
def test_zip_slip_names_are_refused(small, tmp_path, name):
    _root, path = small
    err = refused(rewrite(path, tmp_path / "z.zip", add={name: b"x"}), "federation.error.zip_slip", name=name)
    assert "outside" in err.sentence


def test_a_signed_manifest_naming_a_path_outside_is_refused(small, tmp_path):
    root, path = small

    def edit(m):
        m["parts"][0]["path"] = "../charter.json"

    refused(resigned(root, path, tmp_path / "r.zip", edit), "federation.error.zip_slip")


def test_links_and_folders_are_refused(small, tmp_path):
    _root, path = small
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    refused(rewrite(path, tmp_path / "l.zip", add={link: b"/etc/passwd"}), "federation.error.link")
    refused(rewrite(path, tmp_path / "f.zip", add={"folder/": b""}), "federation.error.not_plain")


def test_zip_bombs_and_oversized_parts_are_refused(small, tmp_path):
    _root, path = small
    bomb = rewrite(path, tmp_path / "b.zip", add={"zeros.bin": b"\0" * (8 * 1024 * 1024)})
    err = refused(bomb, "federation.error.zip_bomb", part="zeros.bin")
    assert "zip bomb" in err.sentence
    with pytest.raises(BundleError) as big:
        verify_bundle(path, max_member_bytes=100)
    assert big.value.key == "federation.error.too_large"
    with pytest.raises(BundleError) as total:
        verify_bundle(path, max_total_bytes=1000)
    assert total.value.key in ("federation.error.too_large_total", "federation.error.too_large")


def test_formats_and_versions(small, tmp_path):
    root, path = small

    def version(m):
        m["format_version"] = 99

    err = refused(resigned(root, path, tmp_path / "v.zip", version), "federation.error.version", version="99")
    assert "99" in err.sentence and "unknown" in err.sentence

    def other(m):
        m["format"] = "something-else"

    refused(resigned(root, path, tmp_path / "o.zip", other), "federation.error.not_bundle")
    (tmp_path / "plain.zip").write_bytes(b"just text")
    refused(tmp_path / "plain.zip", "federation.error.not_zip")
    refused(rewrite(path, tmp_path / "n.zip", {F.MANIFEST: None}), "federation.error.not_bundle")
    with pytest.raises(BundleError, match="no file"):
        verify_bundle(tmp_path / "absent.zip")


def test_a_part_swapped_after_the_check_is_caught(small, tmp_path):
    _root, path = small
    copy = tmp_path / "c.zip"
    copy.write_bytes(path.read_bytes())
    bundle = verify_bundle(copy)
    rewrite(path, copy, {"charter.json": b"{}"})
    with pytest.raises(BundleError) as err:
        bundle.read("charter.json")
    assert err.value.key == "federation.error.part_changed"


def test_the_catalog_refuses_a_tampered_bundle_and_writes_nothing(small, tmp_path, backend_url):
    _root, path = small
    other = Project.init(tmp_path / "other", "Other co-op", ["en"], store_url=backend_url)
    try:
        bad = rewrite(path, tmp_path / "bad.zip", {"scope.json": b"{}"})
        with pytest.raises(BundleError):
            catalog.add_to_catalog(other, bad)
        assert not (other.root / "catalog").exists()
        assert not other.store.events(prefix="federation.")
        entry = catalog.add_to_catalog(other, path)
        assert entry.folder.parent.parent == other.root / "catalog"
        assert {p.name for p in entry.folder.iterdir()} == {F.MANIFEST, F.SIGNATURE, "charter.json", "scope.json"}
    finally:
        other.close()


def test_keys_live_in_dot_workbench_only(small, tmp_path, backend_url):
    root, path = small
    private = root / ".workbench" / keys.PRIVATE_NAME
    assert private.stat().st_mode & 0o777 == 0o600 and (root / ".workbench").stat().st_mode & 0o777 == 0o700
    with Project.open(root) as p:
        with pytest.raises(WorkbenchError, match="already has a signing key"):
            keys.init_keys(p)
        created = p.store.events(kinds=["federation.keys_created"])[0].payload
        assert set(created) == {"algorithm", "public_key", "fingerprint"}
        assert b"PRIVATE" not in json.dumps(created).encode()
        with pytest.raises(WorkbenchError, match=".workbench folder"):
            export_bundle(p, root / ".workbench" / "b.zip")
    fresh = Project.init(tmp_path / "fresh", "Fresh", ["en"], store_url=backend_url)
    try:
        publish(fresh.store, _scope())
        with pytest.raises(WorkbenchError, match="no signing key") as err:
            export_bundle(fresh, tmp_path / "f.zip")
        assert err.value.key == "federation.error.no_keys" and not (tmp_path / "f.zip").exists()
        assert not fresh.store.events(kinds=["federation.bundle_exported"])
        assert plan_bundle(fresh).scope_version == 1  # the preview needs no key
    finally:
        fresh.close()


def test_export_needs_a_scope(tmp_path, backend_url):
    p = Project.init(tmp_path / "p", "No scope", ["en"], store_url=backend_url)
    try:
        keys.init_keys(p)
        with pytest.raises(WorkbenchError, match="consent scope") as err:
            export_bundle(p, tmp_path / "b.zip")
        assert err.value.key == "federation.error.no_scope"
        plan = plan_bundle(p)
        assert {w.what for w in plan.withheld} >= {"scope", "model", "rows", "private_key"}
    finally:
        p.close()
