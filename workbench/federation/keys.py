"""The community's signing key: an Ed25519 key pair (``cryptography``).

The private key lives in ``DIR/.workbench/federation_ed25519.pem`` (PKCS#8 PEM,
file mode 600), next to the room's access codes: never in ``artifacts/``, never
in a bundle, never in the log. The public key is written beside it and carried
in every bundle's manifest; its fingerprint (SHA-256 of the 32 raw bytes) is
what people compare over the phone. Making the pair logs ``federation.keys_created``
with the public key and fingerprint only.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .._atomic import write_atomic
from ..errors import WorkbenchError

PRIVATE_NAME = "federation_ed25519.pem"
PUBLIC_NAME = "federation_ed25519.pub"
ALGORITHM = "Ed25519"
KEYS_CREATED = "federation.keys_created"


@dataclass(frozen=True)
class PublicKey:
    """The 32 raw bytes of an Ed25519 public key."""

    raw: bytes

    @property
    def b64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    @classmethod
    def from_b64(cls, text: str) -> PublicKey:
        try:
            raw = base64.b64decode(str(text), validate=True)
        except (ValueError, TypeError):
            raw = b""
        if len(raw) != 32:
            raise WorkbenchError("The bundle's public key is not an Ed25519 key.",
                                 "Ask the community that sent it for a new bundle.", key="federation.error.bad_key")
        return cls(raw)

    def verify(self, signature: bytes, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True


def fingerprint(raw: bytes) -> str:
    """SHA-256 of the raw public key, hex, in groups of four for reading aloud (first 32 hex digits)."""
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return ":".join(digest[i:i + 4] for i in range(0, 32, 4))


def key_dir(root: str | os.PathLike) -> Path:
    return Path(root) / ".workbench"


def has_keys(root: str | os.PathLike) -> bool:
    return (key_dir(root) / PRIVATE_NAME).is_file()


def init_keys(project, actor: str = "facilitator") -> PublicKey:
    """Make the community's key pair under ``.workbench/`` (refused when one exists); log the public half."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = key_dir(project.root)
    private_path = folder / PRIVATE_NAME
    if private_path.exists():
        raise WorkbenchError("This project already has a signing key.",
                             "Keep it: other communities know it. Delete .workbench/" + PRIVATE_NAME +
                             " only if it was lost or leaked, and tell them.", key="federation.error.keys_exist")
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    write_atomic(private_path, pem, mode=0o600)  # 0o600 from the start, whatever the umask said
    public = PublicKey(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    write_atomic(folder / PUBLIC_NAME, public.b64 + "\n")
    project.store.append(KEYS_CREATED, {"algorithm": ALGORITHM, "public_key": public.b64,
                                        "fingerprint": public.fingerprint}, actor)
    return public


def _private(root):
    from cryptography.hazmat.primitives import serialization

    path = key_dir(root) / PRIVATE_NAME
    if not path.is_file():
        raise WorkbenchError("This project has no signing key yet, so it cannot sign a bundle.",
                             f"Run 'workbench keys init {root}' first.", key="federation.error.no_keys")
    if os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o600)  # copied with loose permissions (a USB stick): tighten before use
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_key(root) -> PublicKey:
    from cryptography.hazmat.primitives import serialization

    key = _private(root)
    return PublicKey(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def sign(root, data: bytes) -> bytes:
    """The Ed25519 signature of ``data`` by the project's private key (64 bytes)."""
    return _private(root).sign(data)
