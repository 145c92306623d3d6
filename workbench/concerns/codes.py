"""Tracking codes: what a person keeps to follow their concern; the log keeps only a keyed digest of it.

A code is 15 characters of Crockford base32 (75 bits, cryptographic randomness), printed in three groups
of five, ``7K3M9-QXD2B-4F8RT``: longer than a contributor card's 12 characters, so neither box ever
takes one for the other. Typing is forgiving the way card codes are (:mod:`workbench.consent.cards`):
case, spaces and dashes do not matter, O reads as 0, I and L as 1.

The digest is the project-keyed HMAC the deliberation uses for join cards
(:func:`workbench.purpose.deliberation.project_secret`), under a label of its own: a copied log does not
let anyone look a concern up, and a code from another project finds nothing here.
"""

from __future__ import annotations

import secrets

from ..consent.cards import ALPHABET
from ..consent.cards import normalise as normalise_typed
from ..purpose.deliberation import _keyed, project_secret

CODE_CHARS = 15  # 75 bits
GROUP = 5
_LABEL = "commons-workbench-concern-tracking"

__all__ = ["CODE_CHARS", "format_code", "new_code", "normalise", "project_secret", "tracking_digest"]


def new_code() -> str:
    """A fresh tracking code, ``XXXXX-XXXXX-XXXXX``."""
    return format_code("".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS)))


def format_code(raw: str) -> str:
    return "-".join(raw[i:i + GROUP] for i in range(0, len(raw), GROUP))


def normalise(text: object) -> str | None:
    """The 15 canonical characters of what someone typed, or None when it cannot be a tracking code."""
    return normalise_typed(text, CODE_CHARS)


def tracking_digest(code: str, secret: bytes = b"") -> str | None:
    """What the log keeps of a tracking code (None when ``code`` is not one)."""
    raw = normalise(code)
    return None if raw is None else _keyed(secret, _LABEL, raw)
