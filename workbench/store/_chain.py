"""Canonical encoding and hashing of events (pure functions, no I/O)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ..errors import WorkbenchError

GENESIS = "0" * 64
KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
ACTOR_RE = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")
MAX_PAYLOAD_BYTES = 1_000_000


@dataclass(frozen=True)
class Event:
    """One committed entry of a project's log."""

    seq: int
    ts: str
    actor: str
    kind: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def canonical_json(payload: Any) -> str:
    """Serialise ``payload`` the one way the chain hashes it."""
    try:
        text = json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(
            f"This event's payload cannot be stored as JSON ({exc}).",
            "Pass only text, numbers, true/false, lists and dicts, with no NaN or infinity.",
        ) from None
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate (a browser can send one as "\ud800")
        raise WorkbenchError(
            "This event's payload holds text that is not valid Unicode (a lone surrogate).",
            "Type the text again; if it was pasted, paste it as plain text.",
        ) from None
    if size > MAX_PAYLOAD_BYTES:
        raise WorkbenchError(
            "This event's payload is larger than 1 MB.",
            "Store large files under data/ or artifacts/ and record their hash instead.",
        )
    return text


def event_hash(seq: int, ts: str, actor: str, kind: str, payload_json: str, prev_hash: str) -> str:
    """SHA-256 over the event's fields and the previous hash."""
    material = json.dumps([seq, ts, actor, kind, payload_json, prev_hash], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def check_kind(kind: str) -> None:
    if not isinstance(kind, str) or not KIND_RE.match(kind):
        raise WorkbenchError(
            f"{kind!r} is not a valid event kind.",
            "Use dotted lower-case words such as 'statement.added'.",
        )


def check_actor(actor: str) -> None:
    if not isinstance(actor, str) or not ACTOR_RE.match(actor):
        raise WorkbenchError(
            f"{actor!r} is not a valid actor code.",
            "Use a pseudonymous code of letters, digits and '-' (never a person's name), "
            "at most 64 characters.",
        )


def check_payload(payload: Any) -> dict:
    if not isinstance(payload, dict):
        raise WorkbenchError("An event's payload must be a dict.", "Wrap the values in a dict.")
    _reject_non_finite(payload)
    return payload


def _reject_non_finite(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise WorkbenchError(
                "An event's payload contains NaN or infinity.",
                "Replace missing numbers with null before storing them.",
            )
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
