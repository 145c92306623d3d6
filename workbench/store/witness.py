"""Witnesses of the log's head: signed checkpoints and receipts, so a rewritten history is caught.

``verify`` recomputes the hash chain, but whoever holds the file can edit an event and recompute every
later hash: the chain is then intact and wrong. A *witness* is a copy of the head (sequence number and
hash) kept outside the log, as Certificate Transparency and Kantara receipts do:

- a **checkpoint**: the head signed with the project's Ed25519 key (``workbench checkpoint DIR``; written
  to ``artifacts/checkpoints/<seq>.json``), made at a decision or at the end of a workshop day, and
  carried by bundles and copied by anyone who wants to hold the community to its log;
- a **receipt** a person carries (consent, withdrawal, decision, payment): it names the event it records
  (``log_head``: that event's sequence number and hash).

:func:`check` compares witnesses with the log and names the first event where they disagree.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .._atomic import write_atomic
from ..errors import WorkbenchError
from ._sql import utc_now

CHECKPOINT_FORMAT = "commons-workbench-checkpoint/1"
CHECKPOINT_DIR = Path("artifacts") / "checkpoints"
CHECKPOINTED = "log.checkpointed"


@dataclass(frozen=True)
class Witness:
    """What someone outside the log holds: the hash of event ``seq`` as they saw it."""

    seq: int
    hash: str
    source: str  # where it came from, for the sentence ("checkpoint 0042.json", "receipt ABCDE-...")
    at: str = ""


@dataclass(frozen=True)
class WitnessResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""

    @property
    def sentence(self) -> str:
        if self.ok:
            return f"OK: the log agrees with {self.checked} witness(es) of its head."
        return f"FAILED at event {self.first_bad_seq}: {self.reason}"


def _signed_bytes(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def checkpoint(project, reason: str = "manual", actor: str = "facilitator") -> Path:
    """Sign the current head with the project's key; write ``artifacts/checkpoints/<seq>.json``.

    The checkpoint is made of the head *before* this call records ``log.checkpointed`` (that event then
    names the file, so the log also says when it was witnessed). Needs the project's key
    (``workbench keys init DIR``).
    """
    from ..federation import keys

    seq, head_hash = project.store.head()
    if seq == 0:
        raise WorkbenchError("The log is empty: there is nothing to witness yet.",
                             "Make a checkpoint once something has been recorded.")
    body = {"format": CHECKPOINT_FORMAT, "project_id": project.config.id, "project": project.config.name,
            "seq": seq, "hash": head_hash, "at": utc_now(), "reason": str(reason)[:200]}
    signature = keys.sign(project.root, _signed_bytes(body))
    doc = {**body, "public_key": keys.public_key(project.root).b64,
           "signature": base64.b64encode(signature).decode("ascii")}
    folder = Path(project.root) / CHECKPOINT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{seq:08d}.json"
    write_atomic(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    project.store.append(CHECKPOINTED, {"seq": seq, "hash": head_hash, "file": path.name, "reason": body["reason"]},
                         actor)
    return path


def checkpoint_now(project, reason: str, actor: str = "facilitator") -> Path | None:
    """A checkpoint at a decision or at the end of a workshop day: makes the project's key first when it
    has none. A witness is a courtesy to the record, not part of the decision: if it cannot be written
    (a read-only folder), the decision stands and this returns None."""
    from ..federation import keys

    try:
        if not keys.has_keys(project.root):
            keys.init_keys(project, actor)
        return checkpoint(project, reason, actor)
    except (WorkbenchError, OSError):
        return None


def read_checkpoint(path: str | os.PathLike, public_key_b64: str | None = None) -> Witness:
    """A checkpoint file as a witness, its signature checked (against ``public_key_b64`` when given)."""
    from ..federation.keys import PublicKey

    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        body = {k: doc[k] for k in ("format", "project_id", "project", "seq", "hash", "at", "reason")}
        signature = base64.b64decode(doc["signature"], validate=True)
        key_b64 = doc["public_key"]
    except (OSError, ValueError, KeyError, TypeError):
        raise WorkbenchError(f"{path.name} is not a checkpoint file.",
                             "Pass a file from artifacts/checkpoints/ of the project.") from None
    if body["format"] != CHECKPOINT_FORMAT or not isinstance(body["seq"], int):
        raise WorkbenchError(f"{path.name} is not a checkpoint file this version reads.",
                             "Pass a file from artifacts/checkpoints/ of the project.")
    if public_key_b64 is not None and key_b64 != public_key_b64:
        raise WorkbenchError(f"{path.name} was signed by another key than this project's.",
                             "Use the project's own checkpoints, or check which key the community published.")
    if not PublicKey.from_b64(key_b64).verify(signature, _signed_bytes(body)):
        raise WorkbenchError(f"{path.name} has a signature that does not match its content.",
                             "The file was changed after it was signed: do not trust it.")
    return Witness(body["seq"], str(body["hash"]), f"checkpoint {path.name}", str(body["at"]))


def read_receipt(path: str | os.PathLike) -> Witness:
    """A receipt file (JSON with ``log_head``: ``{"seq", "hash"}``) as a witness."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        head = doc["log_head"]
        seq, head_hash = head["seq"], head["hash"]
        if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(head_hash, str):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise WorkbenchError(f"{path.name} is not a receipt with the log's head (log_head: seq and hash).",
                             "Pass the JSON receipt the workbench gave (consent, decision or payment).") from None
    return Witness(seq, head_hash, f"receipt {path.name}", str(doc.get("at", doc.get("consentTimestamp", ""))))


def parse_head(text: str) -> Witness:
    """``SEQ:HASH`` as typed from a printed receipt ("event 42, 3f9a..." works too)."""
    import re

    m = re.fullmatch(r"\s*(?:event\s*)?(\d{1,12})\s*[:,]\s*([0-9a-fA-F]{64})\s*\.?\s*", str(text or ""))
    if not m:
        raise WorkbenchError(f"{str(text)[:80]!r} is not a log head.",
                             "Type the event number and the 64-character hash from the receipt, like 42:3f9a...")
    return Witness(int(m.group(1)), m.group(2).lower(), f"the head typed in (event {m.group(1)})")


def project_checkpoints(project) -> list[Witness]:
    """Every checkpoint in the project's ``artifacts/checkpoints/``, signatures checked against its key."""
    from ..federation import keys

    folder = Path(project.root) / CHECKPOINT_DIR
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        return []
    own = keys.public_key(project.root).b64 if keys.has_keys(project.root) else None
    return [read_checkpoint(f, own) for f in files]


def check(store, witnesses: Iterable[Witness]) -> WitnessResult:
    """Compare each witness with the log, lowest sequence number first; name the first that disagrees."""
    witnesses = sorted(witnesses, key=lambda w: w.seq)
    last_seq, _ = store.head()
    by_seq = {}
    if witnesses:
        wanted = {w.seq for w in witnesses}
        lo = min(wanted)
        for ev in store.events(after=lo - 1):
            if ev.seq in wanted:
                by_seq[ev.seq] = ev.hash
    matched = 0
    for w in witnesses:
        if w.seq > last_seq:
            return WitnessResult(False, matched, last_seq,
                                 f"the log ends at event {last_seq}, but {w.source} saw event {w.seq}"
                                 f"{' on ' + w.at if w.at else ''}: events were removed after it was made.")
        if by_seq.get(w.seq) != w.hash:
            return WitnessResult(False, matched, w.seq,
                                 f"event {w.seq} is not the one {w.source} saw{' on ' + w.at if w.at else ''}: "
                                 f"the log was rewritten at or before event {w.seq}, even though its hash chain "
                                 "may still be intact.")
        matched += 1
    return WitnessResult(True, matched)


def write_receipt_witness(path: str | os.PathLike, event, extra: dict | None = None) -> Path:
    """Write a small JSON receipt naming ``event`` as the log's head (for tests and the CLI)."""
    doc = {**(extra or {}), "log_head": {"seq": event.seq, "hash": event.hash}, "at": event.ts}
    write_atomic(Path(path), json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return Path(path)
