"""The consent ledger: grants, refusals and withdrawals per contributor and use.

Events (all carry ``contributor``, ``at`` — when the person decided, which for a
paper form is the date on the paper — ``method`` and ``receipt_id``):

- ``consent.granted``: ``scope_hash``, ``scope_version``, ``choices`` {use: true/false}
  for every use the version offers, ``expires`` (from the version's expiry);
- ``consent.refused``: the person declined the whole form;
- ``consent.withdrawn``: ``uses`` withdrawn from ``at`` on (earlier grants stay in the log).

:class:`ConsentLedger` folds them. For one person, :meth:`ConsentLedger.permits`;
for a table, :meth:`ConsentLedger.permitted_mask`, vectorised over a pandas
Series of contributor ids (no Python loop per row; pandas is imported only there).

The status of a person's consent for a use at time *t* is set by their last
event for that use at or before *t* (ties in time go by log order): a grant
(``ok``, or ``expired`` once *t* passes its expiry), a "no" to that use or a
refusal (``refused``), a withdrawal (``withdrawn``); no event: ``no_record``.
A use is also refused to everyone (``never``) while the scope version in force
at *t* forbids it: a community may narrow its scope, and that binds at once,
whereas widening it never stretches consent already given.

Who may decide (issue 19; one table, :data:`PROOFS`, checked here and nowhere else): a contributor id
alone never grants, refuses or withdraws anything.

- ``method="app"``: the person proves who they are with their contributor card (a
  :class:`~workbench.consent.cards.CardProof` from :func:`~workbench.consent.cards.verify`); to withdraw,
  a receipt code they were given also proves it (:class:`ReceiptProof`). The ledger checks the proof
  against the log again when it writes. Payload: ``proof`` ``card`` + ``card_id``, or ``receipt`` +
  ``via_receipt`` (the receipt id whose code was used).
- ``method="paper"`` / ``"spoken"``: a facilitator records a decision made on paper or aloud. It needs the
  recording ``actor`` (never the contributor), a ``witness`` and a ``paper_ref`` (where the paper or the
  note is kept). Payload: ``proof`` ``witness`` + ``paper_ref``.

Events written before these rules (no ``proof`` field) still fold: the log is the truth.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import WorkbenchError
from ..store import Event
from ..text import free_text, snippet
from . import _time
from .scope import ALWAYS, NEVER, PUBLISHED, ScopeHistory, ScopeVersion
from .uses import CONSENT_STATUS_DPV, USE_KEYS, USES, get_use

GRANTED, REFUSED_KIND, WITHDRAWN_KIND = "consent.granted", "consent.refused", "consent.withdrawn"
LEDGER_KINDS = (PUBLISHED, GRANTED, REFUSED_KIND, WITHDRAWN_KIND)
METHODS = ("app", "paper", "spoken")  # spoken needs a witness

# Reasons, in the order of the categorical the vectorised mask returns.
OK, NO_RECORD, REFUSED, WITHDRAWN, EXPIRED, NEVER_REASON = "ok", "no_record", "refused", "withdrawn", "expired", "never"
REASONS = (OK, NO_RECORD, REFUSED, WITHDRAWN, EXPIRED, NEVER_REASON)
_R = {r: i for i, r in enumerate(REASONS)}
# The person's consent status (DPV terms) for each reason; "never" is the community's rule, not the person's.
STATUS = {OK: "given", NO_RECORD: "none", REFUSED: "refused", WITHDRAWN: "withdrawn", EXPIRED: "expired"}
DPV_STATUS = {status: term.id for status, term in CONSENT_STATUS_DPV.items()}  # "given" -> "dpv:ConsentGiven"

_E_GIVEN, _E_REFUSED, _E_WITHDRAWN = 1, 2, 3
NO_EXPIRY = 2**62
CONTRIBUTOR_RE = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")  # the store's actor alphabet: ids can be actors
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud safely
RECEIPT_LENGTH = 10


def check_contributor(contributor: Any) -> str:
    text = str(contributor or "").strip()
    if not CONTRIBUTOR_RE.match(text):
        raise WorkbenchError(  # what was typed is echoed only as a short, cleaned snippet
            f"{snippet(text)!r} is not a contributor code." if text else "The contributor code is empty.",
            "Use the code on the person's card: letters, digits and - _ . only, up to 64.",
            key="consent.error.bad_contributor",
        )
    return text


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    raw = re.sub(r"[^A-Za-z0-9]", "", str(code or "")[:64]).upper()
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == RECEIPT_LENGTH else raw


def code_digest(code: str) -> str:
    """The log keeps a hash of a receipt code, not the code: reading the log does not let one withdraw."""
    return hashlib.sha256(("commons-workbench-receipt:" + normalise_code(code)).encode()).hexdigest()


@dataclass(frozen=True)
class Receipt:
    """What a person gets back for each decision; ``code`` is known only at the moment it is made."""

    kind: str  # granted / refused / withdrawn
    receipt_id: str
    contributor: str
    at: str
    method: str
    choices: Mapping[str, bool] = field(default_factory=dict)
    scope_hash: str = ""
    scope_version: int | None = None
    expires: str | None = None
    witness: str = ""
    language: str = ""
    recorded_by: str = ""
    seq: int = 0
    code: str | None = None
    paper_ref: str = ""
    proof: str = ""
    log_hash: str = ""  # the hash of the event this receipt records: with ``seq``, the log's head at that moment

    @classmethod
    def from_event(cls, ev: Event, code: str | None = None) -> Receipt:
        p = ev.payload
        kind = ev.kind.split(".", 1)[1]
        choices = dict(p.get("choices") or {})
        if kind == "withdrawn":
            choices = dict.fromkeys(p.get("uses", []), False)
        return cls(kind, p.get("receipt_id", ""), p["contributor"], p["at"], p.get("method", "app"), choices,
                   p.get("scope_hash", ""), p.get("scope_version"), p.get("expires"), p.get("witness", ""),
                   p.get("language", ""), ev.actor, ev.seq, code, p.get("paper_ref", ""), p.get("proof", ""),
                   ev.hash)

    def record(self, holder: str = "", contact: str = "", jurisdiction: str = "", service: str = "") -> dict:
        """The receipt as a record with the fields of the Kantara Consent Receipt (v1.1) / ISO/IEC TS 27560.

        Where a field does not apply (no URL for a policy that lives in the log), the scope hash stands in.
        """
        at = _time.to_datetime(self.at)
        purposes = []
        for use, yes in self.choices.items():
            u = USES[use]
            purposes.append({
                "purpose": use,
                "purposeCategory": [t.id for t in u.dpv_purposes],
                "consentType": "EXPLICIT",
                "consentStatus": CONSENT_STATUS_DPV[
                    "given" if yes and self.kind == "granted" else
                    "withdrawn" if self.kind == "withdrawn" else "refused"].id,
                "piiCategory": ["messages contributed to the community"],
                "primaryPurpose": use == "train",
                "termination": self.expires or "until withdrawn",
                "thirdPartyDisclosure": u.third_party,
            })
        return {
            "version": "KI-CR-v1.1.0",
            "jurisdiction": jurisdiction,
            "consentTimestamp": int(at.timestamp()),
            "collectionMethod": self.method + (f" (witness: {self.witness})" if self.witness else ""),
            "consentReceiptID": self.receipt_id,
            "language": self.language,
            "piiPrincipalId": self.contributor,
            "piiControllers": [{"piiController": holder, "contact": contact}],
            "policyUrl": f"scope:sha256:{self.scope_hash}" if self.scope_hash else "",
            "services": [{"service": service, "purposes": purposes}],
            "sensitive": False,
            "spiCat": [],
            "event": self.kind,
            "recordedBy": self.recorded_by,
            # A witness of the log: 'workbench verify DIR --receipt FILE' finds a rewritten history with it.
            "log_head": {"seq": self.seq, "hash": self.log_hash},
        }


# -- recording -------------------------------------------------------------------
def _method(method: str, witness: str) -> tuple[str, str]:
    if method not in METHODS:
        raise WorkbenchError(f"{snippet(method)!r} is not a way of giving consent.",
                             f"Use one of: {', '.join(METHODS)}.", key="consent.error.bad_method",
                             method=snippet(method))
    witness = free_text(witness or "", "The witness", 200)
    if method == "spoken" and not witness:
        raise WorkbenchError("Consent given by speaking needs a witness.", "Write the witness's name or code.",
                             key="consent.error.no_witness")
    return method, witness


@dataclass(frozen=True)
class ReceiptProof:
    """A receipt code someone typed and :func:`verify_receipt` found: proves who may withdraw."""

    contributor: str
    receipt_id: str
    code: str = field(repr=False)


def verify_receipt(store, typed: object) -> ReceiptProof | None:
    """The proof for a typed receipt code, or None. Callers taking codes from people use the shared limiter."""
    text = "" if typed is None else str(typed)
    if len(text) > 64:
        return None
    found = ConsentLedger.load(store).receipt_for_code(text)
    return ReceiptProof(found[0], found[1], normalise_code(text)) if found else None


# What proves who is deciding, per action, when the person decides in the app. Paper and spoken decisions
# are recorded by a facilitator with a witness and a paper reference instead (see the module's docstring).
PROOFS = {"give": ("card",), "refuse": ("card",), "withdraw": ("card", "receipt")}
RECORDED_METHODS = ("paper", "spoken")


def _decider(store, who, action: str, *, method: str | None, actor: str | None, witness: str,
             paper_ref: str) -> tuple[str, str, str, str, dict]:
    """(contributor, method, witness, actor, proof fields) for a decision, or a refusal saying what is missing."""
    from . import cards

    if isinstance(who, (cards.CardProof, ReceiptProof)):
        if method not in (None, "app"):
            raise WorkbenchError("A card or receipt proves a decision made in the app, not on paper.",
                                 "Record paper or spoken consent with the contributor id, a witness and the "
                                 "paper's reference.", key="consent.error.proof_is_app")
        if isinstance(who, cards.CardProof):
            card = cards.check_proof(store, who)
            return card.contributor, "app", "", actor or card.contributor, {"proof": "card", "card_id": card.card_id}
        if "receipt" not in PROOFS[action]:
            raise WorkbenchError("A receipt code lets a person see and withdraw their consent, not give it.",
                                 "Start from the contributor card.", key="consent.error.card_needed")
        found = ConsentLedger.load(store).receipt_for_code(who.code)
        if found is None or found[0] != who.contributor:
            raise WorkbenchError("That receipt code was not found.", "Check it, or ask a facilitator.",
                                 key="consent.app.unknown_code")
        return who.contributor, "app", "", actor or who.contributor, {"proof": "receipt", "via_receipt": found[1]}
    return check_recording(who, method=method, witness=witness, paper_ref=paper_ref, actor=actor)


def check_recording(contributor: object, *, method: str | None, witness: str, paper_ref: str,
                    actor: str | None = None) -> tuple[str, str, str, str, dict]:
    """A facilitator's record of a paper or spoken decision, checked: what :func:`give` and the others write.

    Returns (contributor, method, witness, actor, proof fields); refuses a missing witness or paper reference.
    """
    contributor = check_contributor(contributor)
    if method not in RECORDED_METHODS:
        if method is not None and method != "app":
            _method(method, witness)  # names the bad method
        raise WorkbenchError("A decision made in the app needs the person's contributor card.",
                             "Start from the card's code; a contributor id alone is not enough.",
                             key="consent.error.card_needed")
    method, witness = _method(method, witness)
    if not witness:
        raise WorkbenchError("A decision recorded by a facilitator needs a witness.",
                             "Write who saw the person decide.", key="consent.error.witness_needed")
    paper_ref = free_text(paper_ref or "", "The paper reference", 200)
    if not paper_ref:
        raise WorkbenchError("A decision recorded by a facilitator needs the paper's reference.",
                             "Write where the signed form or the note is kept, e.g. 'folder A, form 12'.",
                             key="consent.error.paper_ref_needed")
    actor = actor or "facilitator"
    if actor == contributor:
        raise WorkbenchError("A person cannot record their own paper consent.",
                             "A facilitator records it, with a witness.", key="consent.error.self_recorded")
    return contributor, method, witness, actor, {"proof": "witness", "paper_ref": paper_ref}


def _version(store, scope: ScopeVersion | None) -> ScopeVersion:
    return scope if scope is not None else ScopeHistory.load(store).require_latest()


def check_choices(version: ScopeVersion, choices: Mapping[str, Any]) -> dict[str, bool]:
    """Every use the version offers gets a yes/no; 'always' uses are yes; 'never' uses cannot be granted."""
    scope = version.scope
    out: dict[str, bool] = {}
    for use, value in dict(choices).items():
        get_use(use)
        choice = scope.uses[use]
        if choice == NEVER:
            if value:
                raise WorkbenchError(
                    f"Version {version.version} of the scope does not permit the use {use!r}: nobody can grant it.",
                    "Leave it out.", key="consent.error.never_use", use=use)
            continue
        if choice == ALWAYS and not value:
            raise WorkbenchError(
                f"The use {use!r} is part of taking part in version {version.version} of the scope.",
                "To say no to it, refuse the whole form.", key="consent.error.always_use", use=use)
        out[use] = bool(value)
    # Not answered = not granted: consent is never implied.
    return {u: out.get(u, scope.uses[u] == ALWAYS) for u in scope.offered()}


def grant_payload(version: ScopeVersion, contributor: str, choices: Mapping[str, Any], *, method: str = "app",
                  at=None, witness: str = "", language: str = "", code: str | None = None) -> dict:
    contributor = check_contributor(contributor)
    method, witness = _method(method, witness)
    when = _time.not_in_future(at)
    months = version.scope.conditions.expiry_months
    checked = check_choices(version, choices)
    return {
        "contributor": contributor, "scope_hash": version.hash, "scope_version": version.version,
        "choices": checked, "method": method, "witness": witness, "at": _time.iso(when),
        "expires": _time.iso(_time.add_months(when, months)) if months else None,
        "language": language, "receipt_id": str(uuid.uuid4()),
        "receipt_sha256": code_digest(code) if code else None,
    }


def give(store, who, choices: Mapping[str, Any], *, scope: ScopeVersion | None = None,
         method: str | None = None, at=None, witness: str = "", paper_ref: str = "", language: str = "",
         actor: str | None = None) -> Receipt:
    """Record a person's consent under ``scope`` (default: the latest version); returns their receipt.

    ``who`` is the person's verified card (:func:`workbench.consent.cards.verify`) for a decision in the
    app, or a contributor id for paper/spoken consent a facilitator records (``method``, ``witness``,
    ``paper_ref`` required). The receipt is returned only once the event is committed (``NotSaved``
    otherwise).
    """
    contributor, method, witness, actor, proof = _decider(store, who, "give", method=method, actor=actor,
                                                          witness=witness, paper_ref=paper_ref)
    version = _version(store, scope)
    code = new_receipt_code()
    payload = grant_payload(version, contributor, choices, method=method, at=at, witness=witness,
                            language=language, code=code)
    payload.update(proof)
    ev = store.append(GRANTED, payload, actor)
    return Receipt.from_event(ev, code)


def refuse_payload(version: ScopeVersion, contributor: str, *, method: str = "app", at=None, witness: str = "",
                   language: str = "", code: str | None = None) -> dict:
    contributor = check_contributor(contributor)
    method, witness = _method(method, witness)
    return {"contributor": contributor, "scope_hash": version.hash, "scope_version": version.version,
            "method": method, "witness": witness, "at": _time.iso(_time.not_in_future(at)),
            "language": language, "receipt_id": str(uuid.uuid4()),
            "receipt_sha256": code_digest(code) if code else None}


def refuse(store, who, *, scope: ScopeVersion | None = None, method: str | None = None, at=None,
           witness: str = "", paper_ref: str = "", language: str = "", actor: str | None = None) -> Receipt:
    """Record that a person declined the whole form (``who`` as for :func:`give`)."""
    contributor, method, witness, actor, proof = _decider(store, who, "refuse", method=method, actor=actor,
                                                          witness=witness, paper_ref=paper_ref)
    version = _version(store, scope)
    code = new_receipt_code()
    payload = refuse_payload(version, contributor, method=method, at=at, witness=witness, language=language,
                             code=code)
    payload.update(proof)
    ev = store.append(REFUSED_KIND, payload, actor)
    return Receipt.from_event(ev, code)


def withdraw_payload(contributor: str, uses: Iterable[str] | None = None, *, method: str = "app", at=None,
                     witness: str = "", language: str = "") -> dict:
    contributor = check_contributor(contributor)
    method, witness = _method(method, witness)
    chosen = list(USE_KEYS) if uses is None else list(dict.fromkeys(uses))
    if not chosen:
        raise WorkbenchError("Choose at least one use to withdraw.", key="consent.error.nothing_to_withdraw")
    for use in chosen:
        get_use(use)
    return {"contributor": contributor, "uses": [u for u in USE_KEYS if u in chosen], "method": method,
            "witness": witness, "at": _time.iso(_time.not_in_future(at)), "language": language,
            "receipt_id": str(uuid.uuid4())}


def withdraw(store, who, uses: Iterable[str] | None = None, *, method: str | None = None, at=None,
             witness: str = "", paper_ref: str = "", language: str = "", actor: str | None = None) -> Receipt:
    """Withdraw consent for ``uses`` (all when None) from ``at`` (default now); earlier grants stay in the log.

    ``who``: the person's verified card or a receipt code of theirs (:func:`verify_receipt`) in the app,
    or a contributor id for a withdrawal a facilitator records (as for :func:`give`).
    """
    contributor, method, witness, actor, proof = _decider(store, who, "withdraw", method=method, actor=actor,
                                                          witness=witness, paper_ref=paper_ref)
    payload = withdraw_payload(contributor, uses, method=method, at=at, witness=witness, language=language)
    payload.update(proof)
    ev = store.append(WITHDRAWN_KIND, payload, actor)
    return Receipt.from_event(ev)


# -- the fold -------------------------------------------------------------------
class ConsentLedger:
    """State folded from the log: ``ConsentLedger.from_events(store.events())``."""

    def __init__(self):
        # one row per (event, use): contributor, use, at (us), seq, effect, expires (us)
        self._rows: list[tuple[str, str, int, int, int, int]] = []
        self._never: list[tuple[int, int, frozenset[str]]] = []  # (published at, seq, uses forbidden)
        self._codes: dict[str, tuple[str, str]] = {}  # receipt code digest -> (contributor, receipt_id)
        self.receipts: list[Receipt] = []
        self._timeline: dict[tuple[str, str], tuple[list[tuple[int, int]], list[tuple[int, int]]]] | None = None
        self._frames: dict[str, Any] | None = None

    # -- building -----------------------------------------------------------
    @classmethod
    def from_events(cls, events: Iterable[Event]) -> ConsentLedger:
        ledger = cls()
        for ev in events:
            ledger._add(ev)
        ledger._rows.sort(key=lambda r: (r[2], r[3]))
        return ledger

    @classmethod
    def load(cls, store) -> ConsentLedger:
        return cls.from_events(store.events(kinds=LEDGER_KINDS))

    def _add(self, ev: Event) -> None:
        p = ev.payload
        if ev.kind == PUBLISHED:
            uses = p.get("scope", {}).get("uses", {})
            never = frozenset(u for u in USE_KEYS if uses.get(u, NEVER) == NEVER)
            self._never.append((_time.to_us(p.get("effective_at") or ev.ts), ev.seq, never))
            return
        if ev.kind not in (GRANTED, REFUSED_KIND, WITHDRAWN_KIND):
            return
        who, at = p["contributor"], _time.to_us(p["at"])
        if p.get("receipt_sha256"):
            self._codes[p["receipt_sha256"]] = (who, p.get("receipt_id", ""))
        self.receipts.append(Receipt.from_event(ev))
        if ev.kind == GRANTED:
            expires = _time.to_us(p["expires"]) if p.get("expires") else NO_EXPIRY
            for use, yes in p["choices"].items():
                self._rows.append((who, use, at, ev.seq, _E_GIVEN if yes else _E_REFUSED, expires))
        elif ev.kind == REFUSED_KIND:
            for use in USE_KEYS:
                self._rows.append((who, use, at, ev.seq, _E_REFUSED, NO_EXPIRY))
        else:
            for use in p["uses"]:
                self._rows.append((who, use, at, ev.seq, _E_WITHDRAWN, NO_EXPIRY))

    # -- one at a time -------------------------------------------------------
    @property
    def contributors(self) -> list[str]:
        return sorted({r[0] for r in self._rows})

    def contributor_for_code(self, code: str) -> str | None:
        """Whose receipt code this is (any of their receipts), or None."""
        found = self.receipt_for_code(code)
        return found[0] if found else None

    def receipt_for_code(self, code: str) -> tuple[str, str] | None:
        """(contributor, receipt_id) of the receipt with this code, or None."""
        return self._codes.get(code_digest(code))

    def forbidden(self, use: str, at=None) -> bool:
        """Whether the scope version in force at ``at`` forbids ``use`` for everyone."""
        t = _time.to_us(at)
        current = None
        for published, _seq, never in self._never:
            if published <= t:
                current = never
        return current is not None and use in current

    def consent_reason(self, contributor: str, use: str, at=None) -> str:
        """The person's own standing for ``use`` at ``at``: ok / no_record / refused / withdrawn / expired."""
        get_use(use)
        t = _time.to_us(at)
        if self._timeline is None:
            timeline: dict = {}
            for who, u, at_us, seq, effect, expires in self._rows:
                keys, vals = timeline.setdefault((who, u), ([], []))
                keys.append((at_us, seq))
                vals.append((effect, expires))
            self._timeline = timeline
        entry = self._timeline.get((str(contributor), use))
        if entry is None:
            return NO_RECORD
        keys, vals = entry
        i = bisect.bisect_right(keys, (t, 2**62)) - 1
        if i < 0:
            return NO_RECORD
        effect, expires = vals[i]
        if effect == _E_GIVEN:
            return EXPIRED if t >= expires else OK
        return REFUSED if effect == _E_REFUSED else WITHDRAWN

    def explain(self, contributor: str, use: str, at=None) -> str:
        """Why ``use`` of this person's data is or is not permitted at ``at`` (a reason in :data:`REASONS`)."""
        if self.forbidden(use, at):
            get_use(use)
            return NEVER_REASON
        return self.consent_reason(contributor, use, at)

    def permits(self, contributor: str, use: str, at=None) -> bool:
        """May this person's data be used for ``use`` at time ``at`` (default: now)?"""
        return self.explain(contributor, use, at) == OK

    def status(self, contributor: str, use: str, at=None) -> str:
        """The person's consent status (DPV): given / refused / withdrawn / expired / none."""
        return STATUS[self.consent_reason(contributor, use, at)]

    def current(self, contributor: str, at=None) -> dict[str, str]:
        """Reason per use for one person at ``at``."""
        return {u: self.explain(contributor, u, at) for u in USE_KEYS}

    def history(self, contributor: str) -> list[Receipt]:
        return [r for r in self.receipts if r.contributor == contributor]

    # -- vectorised ----------------------------------------------------------
    def _frame(self, use: str):
        """Per use: ledger rows as numpy arrays sorted by (at, seq), contributors as integer codes."""
        import numpy as np
        import pandas as pd

        if self._frames is None:
            rows = self._rows
            frame = pd.DataFrame(rows, columns=["contributor", "use", "at", "seq", "effect", "expires"])
            frame = frame.astype({"contributor": object, "use": object, "at": "int64", "seq": "int64",
                                  "effect": "int8", "expires": "int64"})
            codes, universe = pd.factorize(frame["contributor"])
            frame["code"] = codes
            self._universe = pd.Index(universe, dtype=object)
            self._frames = {}
            for u, part in frame.groupby("use", sort=False):
                self._frames[u] = {k: part[k].to_numpy() for k in ("at", "code", "effect", "expires")}
            self._empty = {k: np.empty(0, dtype="int64") for k in ("at", "code", "effect", "expires")}
        return self._frames.get(use, self._empty)

    def _status_per_contributor(self, use: str, t: int):
        """Reason code for every contributor the ledger knows, for ``use`` at ``t`` (numpy, no row loop)."""
        import numpy as np

        f = self._frame(use)
        out = np.full(len(self._universe), _R[NO_RECORD], dtype="int8")
        n = int(np.searchsorted(f["at"], t, side="right"))  # rows are sorted by (at, seq): a prefix
        if n:
            codes = f["code"][:n]
            rev_unique, rev_first = np.unique(codes[::-1], return_index=True)
            last = n - 1 - rev_first  # the last row of each contributor within the prefix
            effect, expires = f["effect"][last], f["expires"][last]
            reason = np.where(effect == _E_REFUSED, _R[REFUSED], _R[WITHDRAWN]).astype("int8")
            reason = np.where(effect == _E_GIVEN, np.where(t >= expires, _R[EXPIRED], _R[OK]), reason)
            out[rev_unique] = reason
        return out

    def permitted_mask(self, contributor_ids, use: str, at=None):
        """``(mask, reason)`` for a pandas Series of contributor ids: may each row be used for ``use`` at ``at``?

        ``mask`` is a boolean Series and ``reason`` a categorical Series (categories :data:`REASONS`), both
        with the input's index. Missing or unknown ids are ``no_record``. Vectorised: the rows are
        factorised once (a categorical input skips even that), the ledger is folded per contributor in
        numpy, and the answer is gathered by integer codes.
        """
        import numpy as np
        import pandas as pd

        get_use(use)
        t = _time.to_us(at)
        ids = contributor_ids if isinstance(contributor_ids, pd.Series) else pd.Series(contributor_ids)
        if self.forbidden(use, at):
            codes_out = np.full(len(ids), _R[NEVER_REASON], dtype="int8")
        else:
            per_contributor = self._status_per_contributor(use, t)
            if isinstance(ids.dtype, pd.CategoricalDtype):
                row_codes, uniques = ids.cat.codes.to_numpy(), pd.Index(ids.cat.categories)
            else:
                row_codes, uniques = pd.factorize(ids)
                uniques = pd.Index(uniques)
            where = self._universe.get_indexer(uniques.astype(str)) if len(uniques) else np.empty(0, "int64")
            per_unique = np.where(where >= 0, per_contributor[np.maximum(where, 0)] if len(per_contributor)
                                  else _R[NO_RECORD], _R[NO_RECORD]).astype("int8")
            per_unique = np.append(per_unique, np.int8(_R[NO_RECORD]))  # code -1 (missing) -> no_record
            codes_out = per_unique[np.asarray(row_codes)]
        reason = pd.Series(pd.Categorical.from_codes(codes_out, categories=list(REASONS)), index=ids.index,
                           name="reason")
        mask = pd.Series(codes_out == _R[OK], index=ids.index, name=use)
        return mask, reason

    def statuses(self, at=None):
        """Every known person x every use: their consent status (DPV terms) at ``at``, as a DataFrame.

        Values are given / refused / withdrawn / expired / none; :data:`DPV_STATUS` maps them to DPV terms.
        The community's 'never' is not a person's status, so it does not appear here (see ``explain``).
        """
        import numpy as np
        import pandas as pd

        t = _time.to_us(at)
        people = self.contributors
        names = np.array([STATUS[r] for r in REASONS if r in STATUS], dtype=object)
        columns = {}
        for use in USE_KEYS:
            self._frame(use)
            per = self._status_per_contributor(use, t)  # reason codes, in the ledger's own order
            order = self._universe.get_indexer(pd.Index(people, dtype=object))
            columns[use] = names[per[order]] if len(people) else np.empty(0, dtype=object)
        return pd.DataFrame(columns, index=pd.Index(people, name="contributor"))

    def coverage(self, at=None, contributors: Iterable[str] | None = None):
        """Counts per use and reason at ``at`` over the ledger's contributors (or those given): a DataFrame."""
        import pandas as pd

        ids = pd.Series(list(contributors) if contributors is not None else self.contributors, dtype=object)
        rows = []
        for use in USE_KEYS:
            _mask, reason = self.permitted_mask(ids, use, at)
            counts = reason.value_counts()
            rows.append({"use": use, **{r: int(counts.get(r, 0)) for r in REASONS}})
        return pd.DataFrame(rows, columns=["use", *REASONS])

    def coverage_over_time(self, times: Iterable) -> Any:
        """Long table (at, use, permitted) for a coverage chart; withdrawals show as drops."""
        import pandas as pd

        ids = pd.Series(self.contributors, dtype=object)
        rows = []
        for when in times:
            for use in USE_KEYS:
                mask, _reason = self.permitted_mask(ids, use, when)
                rows.append({"at": _time.to_datetime(when), "use": use, "permitted": int(mask.sum())})
        return pd.DataFrame(rows, columns=["at", "use", "permitted"])
