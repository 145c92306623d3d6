"""Concerns as a fold over the log, and the calls that write them (issue 20).

Events (the tracking code never enters the log, only its keyed digest, :mod:`.codes`):

- ``concern.raised`` ``{"id", "about", "text", "share_text", "channel", "proof", "group", "stage", "decision",
  "language", "tracking_digest"}``. ``about``: data | model | process | datawork. ``channel`` and ``proof``
  say who raised it and what proved it: participant / ``participant_code`` (the actor is their participant
  code), contributor / ``card`` (the actor is the card's contributor id), public / ``none`` (actor
  ``public``: no code needed), facilitator / ``facilitator`` (a concern received on paper or aloud).
  ``share_text``: the author lets their words be shown publicly (:func:`summary`); otherwise only the
  facilitators read them. ``group``, ``stage`` and ``decision`` (a ``decision.proposed`` id) are optional.
- ``concern.triaged`` ``{"id", "status", "response", "decided_by"}``: received -> acknowledged ->
  resolved | upheld (or received -> resolved | upheld at once); resolved and upheld need a response and are
  final. The fold skips a triage that breaks this order (two facilitators at once), so state and log agree.

Pure Python (no pandas): the participant's concern app imports it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..errors import WorkbenchError
from ..text import free_text
from . import codes

RAISED, TRIAGED = "concern.raised", "concern.triaged"
KINDS = (RAISED, TRIAGED)
ABOUT = ("data", "model", "process", "datawork")
STAGES = ("purpose", "consent", "curation", "evaluation", "monitoring")
RECEIVED, ACKNOWLEDGED, RESOLVED, UPHELD = "received", "acknowledged", "resolved", "upheld"
STATUSES = (RECEIVED, ACKNOWLEDGED, RESOLVED, UPHELD)
TRIAGE_STATUSES = (ACKNOWLEDGED, RESOLVED, UPHELD)
NEXT = {RECEIVED: (ACKNOWLEDGED, RESOLVED, UPHELD), ACKNOWLEDGED: (RESOLVED, UPHELD), RESOLVED: (), UPHELD: ()}
NEEDS_RESPONSE = (RESOLVED, UPHELD)
# channel -> what proves it
PROOFS = {"participant": "participant_code", "contributor": "card", "public": "none", "facilitator": "facilitator"}
CHANNELS = tuple(PROOFS)
PUBLIC_ACTOR, FACILITATOR_ACTOR = "public", "facilitator"
MAX_TEXT, MAX_RESPONSE, MAX_GROUP = 1000, 1000, 80
# Concerns raised without a code, per page, browser session and address (workbench.limits).
PUBLIC_LIMITS: tuple[tuple[int, float], ...] = ((5, 3600.0),)
PUBLIC_LIMIT_KIND = "concern"


@dataclass(frozen=True)
class Concern:
    id: str
    about: str
    text: str
    share_text: bool
    channel: str
    proof: str
    actor: str
    group: str | None
    stage: str | None
    decision: str | None
    language: str
    tracking_digest: str
    raised_at: str
    seq: int
    status: str = RECEIVED
    response: str = ""
    decided_by: str = ""
    triaged_at: str = ""
    triaged_seq: int = 0
    history: tuple = ()  # ({"status", "response", "decided_by", "ts", "seq"}, ...) in order


class Concerns:
    """Concerns folded from the log: ``Concerns.load(store)``; ``.concerns`` is id -> :class:`Concern`."""

    def __init__(self):
        self.concerns: dict[str, Concern] = {}
        self._by_digest: dict[str, str] = {}

    @classmethod
    def from_events(cls, events: Iterable) -> Concerns:
        fold = cls()
        for ev in events:
            p = ev.payload
            cid = p.get("id")
            if ev.kind == RAISED and cid not in fold.concerns:
                fold.concerns[cid] = Concern(
                    cid, p.get("about", ""), p.get("text", ""), p.get("share_text") is True, p.get("channel", ""),
                    p.get("proof", ""), ev.actor, p.get("group"), p.get("stage"), p.get("decision"),
                    p.get("language", ""), p.get("tracking_digest", ""), ev.ts, ev.seq)
                fold._by_digest[p.get("tracking_digest", "")] = cid
            elif ev.kind == TRIAGED and cid in fold.concerns:
                c = fold.concerns[cid]
                status = p.get("status")
                if status not in NEXT[c.status]:
                    continue
                step = {"status": status, "response": p.get("response", ""), "decided_by": p.get("decided_by", ""),
                        "ts": ev.ts, "seq": ev.seq}
                fold.concerns[cid] = replace(c, status=status, response=step["response"] or c.response,
                                             decided_by=step["decided_by"], triaged_at=ev.ts, triaged_seq=ev.seq,
                                             history=(*c.history, step))
        return fold

    @classmethod
    def load(cls, store) -> Concerns:
        return cls.from_events(store.events(kinds=KINDS))

    def get(self, concern_id: object) -> Concern:
        c = self.concerns.get(str(concern_id or "").strip())
        if c is None:
            raise WorkbenchError(f"There is no concern {str(concern_id)[:40]!r} in this project.",
                                 "Run 'workbench concern list DIR' to see them.", key="concerns.error.unknown")
        return c

    def by_digest(self, digest: str | None) -> Concern | None:
        cid = self._by_digest.get(digest or "")
        return self.concerns.get(cid) if cid else None

    def list(self, status: str | None = None) -> list[Concern]:
        if status is not None and status not in STATUSES:
            raise WorkbenchError(f"{status!r} is not a concern status.", f"Use one of: {', '.join(STATUSES)}.",
                                 key="concerns.error.status", statuses=", ".join(STATUSES))
        return [c for c in self.concerns.values() if status is None or c.status == status]


@dataclass(frozen=True)
class Proof:
    """Who raises a concern and what proved it (see the module doc)."""

    channel: str
    proof: str
    actor: str


@dataclass(frozen=True)
class Raised:
    """A concern just raised, and its tracking code: the only time the code exists outside the person's hands."""

    concern: Concern
    code: str = field(repr=False)


# -- proving -----------------------------------------------------------------------------------------
def prove(store, typed: object, *, keys: Iterable[str] = (), limiter=None) -> Proof:
    """The proof for what someone typed in "my code": nothing (public), a participant code or a contributor card.

    A code that is neither is refused with a sentence (nothing is saved); from a page pass the shared
    ``limiter`` and the page's ``keys`` so wrong codes count as at every other code box.
    """
    from ..consent import cards
    from ..purpose import deliberation as D

    text = "" if typed is None else str(typed)
    if not text.strip():
        return Proof("public", PROOFS["public"], PUBLIC_ACTOR)
    participant_shaped = bool(D.CODE_RE.match(D.normalise_code(text)))  # words and digits: never a tracking code
    if not participant_shaped and codes.normalise(text) is not None:
        raise WorkbenchError("That is a tracking code: it follows a concern already raised.",
                             "Type it under 'Check my concern', or leave 'my code' empty.",
                             key="concerns.error.tracking_code_given")
    keys = list(keys or ())
    if not participant_shaped and D._card_shaped(text):
        def check():
            return cards.verify(store, text)

        card = limiter.attempt(keys, check) if limiter is not None and keys else check()
        if card is None:
            raise WorkbenchError("This is not a contributor card of this project.",
                                 "Check the code on your card, or leave the box empty to raise it without a code.",
                                 key="concerns.error.code_unknown")
        return Proof("contributor", PROOFS["contributor"], card.contributor)
    try:
        code = D.resume(store, text, keys=keys, limiter=limiter)
    except WorkbenchError as exc:
        if exc.key in ("purpose.error.code_unknown", "purpose.error.code_empty"):
            raise WorkbenchError("This code was not found in this project.",
                                 "Check the code, or leave the box empty to raise it without a code.",
                                 key="concerns.error.code_unknown") from None
        raise
    return Proof("participant", PROOFS["participant"], code)


# -- writing -----------------------------------------------------------------------------------------
def _choice(value: object, allowed: tuple[str, ...], key: str, what: str) -> str:
    text = str(value or "").strip().lower()
    if text not in allowed:
        raise WorkbenchError(f"{what} must be one of: {', '.join(allowed)}.", f"Choose {what.lower()}.", key=key)
    return text


def _known_decisions(store) -> set[str]:
    return {str(ev.payload.get("id")) for ev in store.events(kinds=["decision.proposed"])}


def check_text(text: object) -> str:
    """The concern's words: no control or invisible character, spaces tidied, 1 to 1000 characters."""
    value = free_text(text, "The concern", MAX_TEXT, one_line=False)
    if not value.replace("\u200c", "").replace("\u200d", "").strip():
        raise WorkbenchError("The concern is empty.", "Write what worries you.", key="concerns.error.empty")
    return value


def raise_concern(store, about: str, text: str, *, share_text: bool = False, code: object = "",
                  group: str | None = None, stage: str | None = None, decision: str | None = None,
                  language: str = "en", secret: bytes = b"", keys: Iterable[str] = (), limiter=None,
                  by_facilitator: bool = False) -> Raised:
    """Record a concern; returns it with its tracking code (shown once: the log keeps only its digest).

    ``code``: what the person typed as their participant code or contributor card, "" for none (:func:`prove`).
    ``by_facilitator``: a facilitator records a concern received on paper (the CLI; never a participant's page).
    ``secret``: the project's key for the tracking digest (:func:`codes.project_secret`). From a page pass the
    shared ``limiter`` and the page's ``keys``: concerns without a code are limited to :data:`PUBLIC_LIMITS`.
    """
    from ..i18n import normalise_language

    about = _choice(about, ABOUT, "concerns.error.about", "What the concern is about")
    words = check_text(text)
    group_text = free_text(group or "", "The group", MAX_GROUP) or None
    stage_key = _choice(stage, STAGES, "concerns.error.stage", "The stage") if stage else None
    decision_id = str(decision).strip() if decision else None
    if decision_id and decision_id not in _known_decisions(store):
        raise WorkbenchError(f"There is no decision {decision_id[:40]!r} in this project's log.",
                             "Leave the decision out, or copy its id from the decision list.",
                             key="concerns.error.unknown_decision")
    language = normalise_language(language)
    keys = list(keys or ())
    if by_facilitator:
        who = Proof("facilitator", PROOFS["facilitator"], FACILITATOR_ACTOR)
    else:
        who = prove(store, code, keys=keys, limiter=limiter)
    if who.channel == "public" and limiter is not None and keys:
        limiter.take(keys, PUBLIC_LIMIT_KIND, PUBLIC_LIMITS, key="concerns.error.too_many")
    fold = Concerns.load(store)
    while True:
        tracking = codes.new_code()
        digest = codes.tracking_digest(tracking, secret)
        cid = f"cn-{secrets.token_hex(4)}"
        if fold.by_digest(digest) is None and cid not in fold.concerns:
            break
    payload = {"id": cid, "about": about, "text": words, "share_text": share_text is True, "channel": who.channel,
               "proof": who.proof, "group": group_text, "stage": stage_key, "decision": decision_id,
               "language": language, "tracking_digest": digest}
    ev = store.append(RAISED, payload, who.actor)
    return Raised(Concerns.from_events([ev]).concerns[cid], tracking)


def triage(store, concern_id: str, status: str, response: str = "", *, actor: str = FACILITATOR_ACTOR) -> Concern:
    """A facilitator moves a concern on: acknowledged, resolved or upheld (the last two with a response)."""
    concern = Concerns.load(store).get(concern_id)
    status = _choice(status, TRIAGE_STATUSES, "concerns.error.triage_status", "The new status")
    words = free_text(response or "", "The response", MAX_RESPONSE, one_line=False)
    if status in NEEDS_RESPONSE and not words:
        raise WorkbenchError(f"A concern {status} needs a response to the person who raised it.",
                             "Write what was decided and why.", key="concerns.error.response_needed")
    if status not in NEXT[concern.status]:
        raise WorkbenchError(f"Concern {concern.id} is {concern.status}; it cannot become {status}.",
                             "A concern goes received, acknowledged, then resolved or upheld.",
                             key="concerns.error.transition", current=concern.status, wanted=status)
    ev = store.append(TRIAGED, {"id": concern.id, "status": status, "response": words, "decided_by": actor}, actor)
    del ev
    return Concerns.load(store).get(concern.id)


# -- reading -----------------------------------------------------------------------------------------
def status_for_code(store, code: object, *, secret: bytes = b"") -> dict | None:
    """What the holder of a tracking code may see: its status and the facilitators' response (never text).

    None when the code is not one of this project's (or is not a tracking code at all).
    """
    digest = codes.tracking_digest(str(code or ""), secret)
    concern = Concerns.load(store).by_digest(digest) if digest else None
    if concern is None:
        return None
    return {"id": concern.id, "about": concern.about, "status": concern.status, "response": concern.response,
            "raised_at": concern.raised_at, "triaged_at": concern.triaged_at}


def summary(store) -> dict:
    """Counts by status and by what concerns are about, the facilitators' responses, and the words of
    only those concerns whose author chose to share them."""
    concerns = list(Concerns.load(store).concerns.values())
    by_status = dict.fromkeys(STATUSES, 0)
    by_about = dict.fromkeys(ABOUT, 0)
    for c in concerns:
        by_status[c.status] = by_status.get(c.status, 0) + 1
        by_about[c.about] = by_about.get(c.about, 0) + 1
    return {
        "total": len(concerns),
        "by_status": by_status,
        "by_about": by_about,
        "responses": [{"id": c.id, "about": c.about, "status": c.status, "response": c.response,
                       "ts": c.triaged_at} for c in concerns if c.response],
        "shared": [{"id": c.id, "about": c.about, "status": c.status, "text": c.text}
                   for c in concerns if c.share_text],
    }


def under_review_reasons(store, since_seq: int) -> list[dict]:
    """Upheld concerns about the model, triaged after event ``since_seq``: each puts the model "under review"
    until a new decision (the model lifecycle calls this with the seq of the decision it stands on)."""
    out = []
    for c in Concerns.load(store).concerns.values():
        if c.about == "model" and c.status == UPHELD and c.triaged_seq > int(since_seq):
            out.append({"id": c.id, "seq": c.triaged_seq, "ts": c.triaged_at, "response": c.response,
                        "decided_by": c.decided_by, "stage": c.stage, "decision": c.decision,
                        "text": c.text if c.share_text else None})
    return sorted(out, key=lambda r: r["seq"])
