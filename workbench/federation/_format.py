"""The bundle format shared by export, federated results and verification.

A bundle is a zip with ``manifest.json`` (every part's path, SHA-256 and size;
the community; what was shared and withheld; the signer's public key),
``manifest.sig`` (the Ed25519 signature of the exact bytes of manifest.json,
base64) and the parts. Members are written in a fixed order with a fixed
timestamp, so the same content gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from .._atomic import atomic_path

FORMAT = "commons-workbench-bundle"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
KIND_COMMONS, KIND_RESULT = "commons", "evaluation-result"
KINDS = (KIND_COMMONS, KIND_RESULT)
# Part paths: plain relative names, at most two levels; nothing else is written or accepted.
PART_RE = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)?\.[a-z0-9]{1,8}$")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode()


def community_of(project) -> dict:
    c = project.config
    return {"id": c.id, "name": c.name, "languages": list(c.languages), "country": c.country}


def write_signed(project, out_file, kind: str, parts: dict[str, tuple[str, bytes]], extra: dict) -> tuple[Path, dict]:
    """Write a signed bundle of ``parts`` ({path: (what, bytes)}); returns (path, manifest).

    The zip is written next to its target and renamed into place, so a bundle appears whole or not at all.
    """
    from .. import __version__
    from . import keys

    public = keys.public_key(project.root)  # refuses, with a sentence, before anything is written
    entries = []
    for path, (what, data) in parts.items():
        if not PART_RE.match(path):  # pragma: no cover - our own names
            raise ValueError(f"bad part path {path!r}")
        entries.append({"path": path, "what": what, "sha256": sha256(data), "bytes": len(data)})
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind, "created_at": now_iso(),
                "workbench_version": __version__, "community": community_of(project), "parts": entries,
                "signer": {"algorithm": keys.ALGORITHM, "public_key": public.b64,
                           "fingerprint": public.fingerprint}, **extra}
    body = manifest_bytes(manifest)
    signature = base64.b64encode(keys.sign(project.root, body)) + b"\n"
    target = Path(out_file).expanduser().absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in [(MANIFEST, body), (SIGNATURE, signature), *((p, d) for p, (_w, d) in parts.items())]:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return target, manifest
