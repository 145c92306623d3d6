"""Checking a bundle before anything in it is trusted or written anywhere.

:func:`verify_bundle` refuses, each with one sentence naming what failed:

- a file that is not a zip, or a zip without ``manifest.json`` (not a bundle);
- member names that could write outside a folder (absolute paths, ``..``,
  backslashes, drive letters), symbolic links, encrypted or duplicate members;
- members larger than :data:`MAX_MEMBER_BYTES`, bundles larger than
  :data:`MAX_TOTAL_BYTES`, members compressed more than :data:`MAX_RATIO` times
  (zip bombs); reads are capped at the declared size, so a lying header cannot
  inflate past it;
- another format, or a format version this workbench does not read;
- a bundle without ``manifest.sig`` (unsigned), or whose signature does not match
  the manifest and the public key it names;
- a part that is missing, changed (its SHA-256 or size differs from the
  manifest), damaged, or a member the manifest does not list.

Nothing is extracted here; :meth:`VerifiedBundle.read` re-reads a part and
checks its hash again each time, so a file swapped after the check is caught.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkbenchError
from ..filecheck import json_depth
from . import _format as F
from .keys import PublicKey

MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_RATIO = 100  # a bundle's parts (JSON, Markdown, CSV, a model) compress far less than this
RATIO_FROM_BYTES = 1024 * 1024  # small members may compress well (a JSON of zeros); only large ones are judged
COMMUNITY_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
MAX_MANIFEST_DEPTH = 32  # a manifest nests 4 levels (parts -> entry -> field); 32 is generous
MAX_SIGNATURE_BYTES = 200  # an Ed25519 signature in base64 is 88 characters and a newline
SIGNATURE_CHARS = 88
MAX_PART_DEPTH = 64  # a charter, scope or result nests a handful of levels




class BundleError(WorkbenchError):
    """A bundle that is refused; the sentence names the part or the check that failed."""


@dataclass(frozen=True)
class VerifiedBundle:
    path: Path
    manifest: dict
    manifest_bytes: bytes
    signature: bytes

    @property
    def manifest_sha256(self) -> str:
        return F.sha256(self.manifest_bytes)

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def community(self) -> dict:
        return self.manifest["community"]

    @property
    def fingerprint(self) -> str:
        return self.manifest["signer"]["fingerprint"]

    @property
    def parts(self) -> dict[str, dict]:
        return {p["path"]: p for p in self.manifest["parts"]}

    def has(self, path: str) -> bool:
        return path in self.parts

    def read(self, path: str) -> bytes:
        """A part's bytes, its hash checked again."""
        entry = self.parts.get(path)
        if entry is None:
            raise BundleError(f"The bundle has no part {path}.", key="federation.error.no_part", part=path)
        with zipfile.ZipFile(self.path) as zf:
            data = _read(zf, zf.getinfo(path), int(entry["bytes"]), path)
        if F.sha256(data) != entry["sha256"]:
            raise BundleError(f"The part {path} was changed after the bundle was checked.",
                              "Check the bundle again; if it still fails, ask for a new one.",
                              key="federation.error.part_changed", part=path)
        return data

    def json(self, path: str):
        data = self.read(path)
        depth = json_depth(data)
        if depth > MAX_PART_DEPTH:
            raise _refuse(f"The part {path} nests {depth:,} levels deep; a part nests at most {MAX_PART_DEPTH}.",
                          "federation.error.part_depth", part=path, depth=f"{depth:,}", limit=MAX_PART_DEPTH)
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _refuse(f"The part {path} is not valid JSON.", "federation.error.part_damaged",
                          part=path) from None


def _refuse(message: str, key: str, fix: str = "Do not use it; ask the community that sent it for a new one.",
            **params) -> BundleError:
    return BundleError(message, fix, key=key, **params)


def unsafe_name(name: str) -> bool:
    """Whether a member name could land outside the folder it is extracted into."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    parts = name.rstrip("/").split("/")
    return any(p in ("", ".", "..") for p in parts)


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str) -> bytes:
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise _refuse(f"The part {name} is damaged and cannot be read.", "federation.error.part_damaged",
                      part=name) from None
    if len(data) > limit:
        raise _refuse(f"The part {name} is larger than its declared size: the bundle may be a zip bomb.",
                      "federation.error.zip_bomb", part=name)
    return data


def _check_members(infos: list[zipfile.ZipInfo], max_member: int, max_total: int) -> None:
    if len(infos) > MAX_MEMBERS:
        raise _refuse(f"The bundle holds {len(infos)} files, more than the {MAX_MEMBERS} a bundle may hold.",
                      "federation.error.too_many", count=len(infos), limit=MAX_MEMBERS)
    seen, total = set(), 0
    for info in infos:
        name = info.filename
        if unsafe_name(name):
            raise _refuse(f"The bundle holds a file named {name!r} that would be written outside its folder.",
                          "federation.error.zip_slip", name=name)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _refuse(f"The bundle holds a link, {name!r}; bundles hold only plain files.",
                          "federation.error.link", name=name)
        if info.is_dir() or info.flag_bits & 0x1:
            raise _refuse(f"The bundle holds {name!r}, which is a folder or encrypted; bundles hold only plain files.",
                          "federation.error.not_plain", name=name)
        if name in seen:
            raise _refuse(f"The bundle holds two files named {name!r}.", "federation.error.duplicate", name=name)
        seen.add(name)
        if info.file_size > max_member:
            raise _refuse(f"The part {name} is {info.file_size} bytes, more than the {max_member} a part may be.",
                          "federation.error.too_large", part=name, size=info.file_size, limit=max_member)
        total += info.file_size
        if total > max_total:
            raise _refuse(f"The bundle unpacks to more than {max_total} bytes.", "federation.error.too_large_total",
                          limit=max_total)
        if info.file_size >= RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise _refuse(f"The part {name} is compressed {info.file_size // max(1, info.compress_size)} times: "
                          "the bundle looks like a zip bomb.", "federation.error.zip_bomb", part=name)


def _check_manifest(manifest) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != F.FORMAT:
        raise _refuse("This zip is not a commons bundle (its manifest is of another kind).",
                      "federation.error.not_bundle")
    version = manifest.get("format_version")
    if version not in F.SUPPORTED_VERSIONS:
        raise _refuse(f"The bundle's format version {version!r} is unknown to this workbench, which reads "
                      f"{', '.join(map(str, F.SUPPORTED_VERSIONS))}.", "federation.error.version",
                      "Update the workbench, or ask for a bundle in a version it reads.", version=str(version))
    if manifest.get("kind") not in F.KINDS:
        raise _refuse(f"The bundle is of an unknown kind {manifest.get('kind')!r}.", "federation.error.kind",
                      kind=str(manifest.get("kind")))
    community = manifest.get("community")
    if not isinstance(community, dict) or not COMMUNITY_ID_RE.match(str(community.get("id", ""))):
        raise _refuse("The bundle does not name its community with a valid id.", "federation.error.community")
    parts = manifest.get("parts")
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise _refuse("The bundle's manifest has no list of parts.", "federation.error.not_bundle")
    for p in parts:
        path = str(p.get("path", ""))
        if not F.PART_RE.match(path) or unsafe_name(path):
            raise _refuse(f"The manifest lists a part named {path!r} that would be written outside its folder.",
                          "federation.error.zip_slip", name=path)
        if not isinstance(p.get("bytes"), int) or not re.fullmatch(r"[0-9a-f]{64}", str(p.get("sha256", ""))):
            raise _refuse(f"The manifest does not give the size and hash of the part {path}.",
                          "federation.error.no_hash", part=path)


def verify_bundle(file, *, max_member_bytes: int = MAX_MEMBER_BYTES,
                  max_total_bytes: int = MAX_TOTAL_BYTES) -> VerifiedBundle:
    """Check every hash and the signature of the bundle at ``file``; raise :class:`BundleError` naming what fails."""
    path = Path(file).expanduser().absolute()
    if not path.is_file():
        raise BundleError(f"There is no file {path}.", "Check the path.", key="federation.error.no_file",
                          file=str(path))
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _refuse(f"{path.name} is not a commons bundle (it is not a zip file).",
                      "federation.error.not_zip", file=path.name) from None
    with zf:
        infos = zf.infolist()
        _check_members(infos, max_member_bytes, max_total_bytes)
        by_name = {i.filename: i for i in infos}
        if F.MANIFEST not in by_name:
            raise _refuse(f"{path.name} is not a commons bundle (it has no {F.MANIFEST}).",
                          "federation.error.not_bundle")
        body = _read(zf, by_name[F.MANIFEST], MAX_MANIFEST_BYTES, F.MANIFEST)
        depth = json_depth(body)
        if depth > MAX_MANIFEST_DEPTH:  # json.loads would recurse once per level and overflow the stack
            raise _refuse(f"The bundle's manifest nests {depth:,} levels deep; a manifest nests at most "
                          f"{MAX_MANIFEST_DEPTH}.", "federation.error.manifest_depth", depth=f"{depth:,}",
                          limit=MAX_MANIFEST_DEPTH)
        try:
            manifest = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise _refuse("The bundle's manifest is not valid JSON.", "federation.error.not_bundle") from None
        _check_manifest(manifest)
        if F.SIGNATURE not in by_name:
            raise _refuse("The bundle is not signed, so nobody can tell who made it or whether it was changed.",
                          "federation.error.unsigned", "Ask the community to sign it ('workbench keys init', "
                          "then export again).")
        signer = manifest.get("signer")
        if not isinstance(signer, dict) or not isinstance(signer.get("public_key"), str) \
                or not isinstance(signer.get("fingerprint"), str):
            raise _refuse("The bundle's manifest does not name its signer's key (signer, public_key and "
                          "fingerprint).", "federation.error.signer")
        public = PublicKey.from_b64(signer["public_key"])
        sig_info = by_name[F.SIGNATURE]
        if sig_info.file_size > MAX_SIGNATURE_BYTES:
            raise _refuse(f"The bundle's signature is {sig_info.file_size:,} bytes; a signature is "
                          f"{SIGNATURE_CHARS} characters, so this is not one.", "federation.error.signature_size",
                          size=f"{sig_info.file_size:,}")
        if signer.get("fingerprint") != public.fingerprint:
            raise _refuse("The manifest's key fingerprint does not belong to its public key.",
                          "federation.error.signature")
        try:
            signature = base64.b64decode(_read(zf, sig_info, MAX_SIGNATURE_BYTES, F.SIGNATURE).strip(),
                                         validate=True)
        except (binascii.Error, ValueError):
            signature = b""
        if not public.verify(signature, body):
            raise _refuse("The bundle's signature does not match its manifest: the manifest or the signature was "
                          "changed after signing.", "federation.error.signature")
        listed = {p["path"]: p for p in manifest["parts"]}
        for name in by_name:
            if name not in listed and name not in (F.MANIFEST, F.SIGNATURE):
                raise _refuse(f"The bundle holds {name}, which its manifest does not list.",
                              "federation.error.unlisted", name=name)
        for name, entry in listed.items():
            info = by_name.get(name)
            if info is None:
                raise _refuse(f"The part {name} is missing from the bundle.", "federation.error.part_missing",
                              part=name)
            if info.file_size != entry["bytes"]:
                raise _refuse(f"The part {name} was changed: its size differs from the signed manifest.",
                              "federation.error.part_changed", part=name)
            data = _read(zf, info, entry["bytes"], name)
            if F.sha256(data) != entry["sha256"]:
                raise _refuse(f"The part {name} was changed: its hash differs from the signed manifest.",
                              "federation.error.part_changed", part=name)
    return VerifiedBundle(path, manifest, body, signature)
