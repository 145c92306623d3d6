"""Data-worker cards: a worker sees their own data-work record with a card (issue 20).

Workers in :mod:`workbench.curation.datawork` are pseudonyms (``w-07``); a pseudonym proves nothing. A
facilitator issues a worker a card whose code is made, normalised and digested exactly like a contributor
card's (:mod:`workbench.consent.cards`: 12 Crockford base32 characters, 60 bits, ``7K3M-9QXD-2B4F``); the API
mirrors that module's (``issue``, ``revoke``, ``verify``, a register with ``live`` / ``by_digest`` / ``holders``).

Events (the code never enters the log, only its slow salted digest):

- ``datawork.card_issued``: ``worker``, ``card_id``, ``code_digest``, ``digest`` (the method and its salt),
  ``witness``, ``reason`` (``first`` / ``reissue`` / free text), ``replaces``;
- ``datawork.card_revoked``: ``worker``, ``card_id``, ``witness``, ``reason``.

A worker has at most one live card, the last issued unless revoked; reissuing (a lost card, with a witness)
revokes the previous one in the same transaction. :func:`verify_worker_card` turns a typed code into the
worker's pseudonym or refuses with one sentence, counting wrong tries on the shared limiter.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..consent.cards import (
    DIGEST_METHOD,
    MAX_REASON,
    CardRegister,
    code_digest,
    format_code,
    looks_like_participant_code,
    new_code,
    normalise,
)
from ..curation.datawork import WORKER_RE
from ..errors import WorkbenchError
from ..text import free_text, snippet

ISSUED, REVOKED = "datawork.card_issued", "datawork.card_revoked"
CARD_KINDS = (ISSUED, REVOKED)


def check_worker(worker: object) -> str:
    """A worker pseudonym as :func:`workbench.curation.datawork.record` accepts it, or its refusal."""
    who = str(worker or "").strip()
    if not WORKER_RE.match(who):
        raise WorkbenchError(f"{snippet(worker)!r} is not a worker pseudonym.",
                             "Use a code such as w-07: letters, digits and - _ . only, no names or spaces.",
                             key="curation.work.error.worker")
    return who


@dataclass(frozen=True)
class WorkerCard:
    card_id: str
    worker: str
    code_digest: str
    issued_at: str
    seq: int
    actor: str
    witness: str = ""
    reason: str = ""
    replaces: str | None = None
    revoked: bool = False


@dataclass(frozen=True)
class WorkerProof:
    """A typed code that :func:`verify` found to be a live worker card."""

    card_id: str
    worker: str
    code: str = field(repr=False)


@dataclass(frozen=True)
class Issued:
    """A worker card just issued and its code: shown once, never stored."""

    card: WorkerCard
    code: str = field(repr=False)


class WorkerCardRegister(CardRegister):
    """Worker cards folded from the log: ``WorkerCardRegister.load(store)`` (the contributor cards' fold)."""

    KINDS = CARD_KINDS
    HOLDER = "worker"
    CARD = WorkerCard


def issue(store, worker: str, *, actor: str = "facilitator", witness: str = "", reason: str = "") -> Issued:
    """Issue a card for ``worker``; the code is returned once. A live card is revoked in the same act,
    which needs a ``witness`` (the facilitator who checked the person in person)."""
    worker = check_worker(worker)
    witness = free_text(witness or "", "The witness", MAX_REASON)
    reason = free_text(reason or "", "The reason", MAX_REASON)
    current = WorkerCardRegister.load(store).live(worker)
    if current is not None and not witness:
        raise WorkbenchError(f"{worker} already has a worker card.",
                             "To replace a lost card, check the person in person and give your name as witness.",
                             key="mywork.card.reissue_needs_witness", worker=worker)
    code = new_code()
    items = []
    if current is not None:
        items.append((REVOKED, {"worker": worker, "card_id": current.card_id, "witness": witness,
                                "reason": reason or "reissue"}, actor))
    items.append((ISSUED, {"worker": worker, "card_id": uuid.uuid4().hex[:16], "code_digest": code_digest(code),
                           "digest": DIGEST_METHOD, "witness": witness,
                           "reason": reason or ("reissue" if current is not None else "first"),
                           "replaces": current.card_id if current is not None else None}, actor))
    ev = store.append_many(items)[-1]
    return Issued(WorkerCardRegister.from_events([ev]).cards[ev.payload["card_id"]], code)


def revoke(store, worker: str, *, actor: str = "facilitator", witness: str = "", reason: str = "") -> WorkerCard:
    """Revoke a worker's live card; refuses when there is none."""
    worker = check_worker(worker)
    current = WorkerCardRegister.load(store).live(worker)
    if current is None:
        raise WorkbenchError(f"{worker} has no worker card to revoke.", key="mywork.card.none_to_revoke",
                             worker=worker)
    store.append(REVOKED, {"worker": worker, "card_id": current.card_id,
                           "witness": free_text(witness or "", "The witness", MAX_REASON),
                           "reason": free_text(reason or "", "The reason", MAX_REASON) or "revoked"}, actor)
    return current


def verify(store, typed: object) -> WorkerProof | None:
    """The proof for a typed worker-card code, or None when it is not the code of a live worker card."""
    raw = normalise(typed)
    if raw is None:
        return None
    card = WorkerCardRegister.load(store).by_digest(code_digest(raw))
    return WorkerProof(card.card_id, card.worker, format_code(raw)) if card is not None else None


def verify_worker_card(store, code: object, *, limiter=None, keys: Iterable[str] = ()) -> str:
    """The worker pseudonym a typed card code stands for, or a one-sentence refusal.

    With a ``limiter`` (:class:`workbench.limits.Limiter`), a try is refused while ``keys`` are over the
    limit for wrong codes, and a wrong code counts against them (:meth:`~workbench.limits.Limiter.attempt`).
    """
    proof = (limiter.attempt(keys, lambda: verify(store, code)) if limiter is not None
             else verify(store, code))
    if proof is not None:
        return proof.worker
    if looks_like_participant_code(code):
        raise WorkbenchError("That is a participant code, not a worker card.",
                             "Type the code printed on your data-worker card.", key="mywork.card.participant_code")
    if normalise(code) is None:
        raise WorkbenchError("That is not a card code.", "A card code has 12 letters and digits, like 7K3M-9QXD-2B4F.",
                             key="mywork.card.bad_shape")
    raise WorkbenchError("This card code is not known or no longer valid.",
                         "Check the code, or ask a facilitator for a new card.", key="mywork.card.unknown")
