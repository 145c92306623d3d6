"""The consent scope: what a community permits, on what conditions, with which labels.

A :class:`Scope` is plain data, validated on construction. Publishing it
appends a ``scope.published`` event carrying the whole scope and its content
hash; versions are numbered by their order in the log (:class:`ScopeHistory`).
A new version never touches the consent already given: every grant names the
hash of the version it was given under, and keeps that version's terms.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import WorkbenchError
from ..store import Event, canonical_json
from .uses import CONDITION_TERMS, DPV_CONSENT, LABELS, USE_KEYS, USES, get_label, get_use

ALWAYS, CHOOSES, NEVER = "always", "chooses", "never"
CHOICES = (ALWAYS, CHOOSES, NEVER)
SCHEMA = "commons-workbench/consent-scope/1"
MAX_TEXT = 2000
MAX_EXPIRY_MONTHS = 600

PUBLISHED, DRAFT_SAVED = "scope.published", "scope.draft_saved"


def _text(value: Any, name: str) -> str:
    text = " ".join(str(value or "").split()) if name != "benefit_sharing" else str(value or "").strip()
    if len(text) > MAX_TEXT:
        raise WorkbenchError(
            f"The scope's {name.replace('_', ' ')} is longer than {MAX_TEXT} characters.",
            "Shorten it: the form must stay readable on a phone.",
            key="consent.error.text_too_long", field=name, limit=MAX_TEXT,
        )
    return text


@dataclass(frozen=True)
class Conditions:
    """Conditions that hold for every permitted use.

    ``expiry_months``: consent lapses this many months after it is given
    (``None``: no time limit). ``stays_on_machine``: the data never leaves the
    community's machine (the federation stage must honour it). The free texts
    are the community's own words, shown as written.
    """

    expiry_months: int | None = None
    stays_on_machine: bool = True
    benefit_sharing: str = ""
    collaboration_required: bool = False
    derived_data_returned: bool = False
    new_use_approver: str = ""

    def __post_init__(self):
        months = self.expiry_months
        if months is not None and (
            isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_EXPIRY_MONTHS
        ):
            raise WorkbenchError(
                f"Consent expiry must be a whole number of months from 1 to {MAX_EXPIRY_MONTHS}, not {months!r}.",
                "Leave it empty for consent that does not expire.",
                key="consent.error.expiry", limit=MAX_EXPIRY_MONTHS,
            )
        for name in ("stays_on_machine", "collaboration_required", "derived_data_returned"):
            object.__setattr__(self, name, bool(getattr(self, name)))
        object.__setattr__(self, "benefit_sharing", _text(self.benefit_sharing, "benefit_sharing"))
        object.__setattr__(self, "new_use_approver", _text(self.new_use_approver, "new_use_approver"))

    def to_dict(self) -> dict:
        return {
            "expiry_months": self.expiry_months,
            "stays_on_machine": self.stays_on_machine,
            "benefit_sharing": self.benefit_sharing,
            "collaboration_required": self.collaboration_required,
            "derived_data_returned": self.derived_data_returned,
            "new_use_approver": self.new_use_approver,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Conditions:
        raw = dict(raw or {})
        unknown = set(raw) - set(cls().to_dict())
        if unknown:
            raise WorkbenchError(f"The scope has unknown conditions: {', '.join(sorted(unknown))}.",
                                 "Remove them, or update the workbench.")
        months = raw.get("expiry_months")
        return cls(**{**raw, "expiry_months": None if months in (None, "", 0) else months})


@dataclass(frozen=True)
class Scope:
    """What the community permits: per use always / contributor chooses / never.

    ``holder`` says who holds the data and where; ``contact`` how to reach them
    (to ask, or to withdraw in person). ``labels`` are Local Contexts label keys.
    ``language`` is the language the free texts are written in.
    """

    holder: str
    uses: Mapping[str, str]
    conditions: Conditions = field(default_factory=Conditions)
    labels: tuple[str, ...] = ()
    contact: str = ""
    language: str = ""

    def __post_init__(self):
        holder = _text(self.holder, "holder")
        if not holder:
            raise WorkbenchError("The scope must say who holds the data.",
                                 "Fill in who holds it, for example the co-op's name and where its computer is.",
                                 key="consent.error.no_holder")
        object.__setattr__(self, "holder", holder)
        object.__setattr__(self, "contact", _text(self.contact, "contact"))
        uses = dict(self.uses)
        for key, choice in uses.items():
            get_use(key)
            if choice not in CHOICES:
                raise WorkbenchError(
                    f"{choice!r} is not a choice for the use {key!r}.", f"Use one of: {', '.join(CHOICES)}.",
                    key="consent.error.bad_choice", use=str(key),
                )
        # Uses the scope does not mention are forbidden: permission is never implied.
        object.__setattr__(self, "uses", {k: uses.get(k, NEVER) for k in USE_KEYS})
        labels = tuple(dict.fromkeys(self.labels))
        for lb in labels:
            get_label(lb)
        object.__setattr__(self, "labels", tuple(k for k in LABELS if k in labels))
        if not isinstance(self.conditions, Conditions):
            object.__setattr__(self, "conditions", Conditions.from_dict(self.conditions))
        if not any(c != NEVER for c in self.uses.values()):
            raise WorkbenchError("This scope forbids every use, so nobody could consent to anything.",
                                 "Set at least one use to 'always' or 'contributor chooses'.",
                                 key="consent.error.all_never")

    # -- views -----------------------------------------------------------------
    def choosable(self) -> tuple[str, ...]:
        return tuple(k for k, c in self.uses.items() if c == CHOOSES)

    def always(self) -> tuple[str, ...]:
        return tuple(k for k, c in self.uses.items() if c == ALWAYS)

    def never(self) -> tuple[str, ...]:
        return tuple(k for k, c in self.uses.items() if c == NEVER)

    def offered(self) -> tuple[str, ...]:
        """Uses a contributor can be asked about (always + chooses), in registry order."""
        return tuple(k for k, c in self.uses.items() if c != NEVER)

    def replace(self, **changes) -> Scope:
        return replace(self, **changes)

    # -- content and hash ------------------------------------------------------
    def to_dict(self) -> dict:
        """The content that is hashed: no version number, no publication time."""
        return {
            "schema": SCHEMA,
            "holder": self.holder,
            "contact": self.contact,
            "language": self.language,
            "uses": dict(self.uses),
            "conditions": self.conditions.to_dict(),
            "labels": list(self.labels),
        }

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.to_dict()).encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Scope:
        if not isinstance(raw, Mapping):
            raise WorkbenchError("A scope must be a JSON object.", "Export one with 'workbench consent scope'.")
        schema = raw.get("schema", SCHEMA)
        if schema != SCHEMA:
            raise WorkbenchError(f"This scope has the format {schema!r}; this workbench reads {SCHEMA!r}.",
                                 "Install the workbench version that made it.")
        return cls(
            holder=raw.get("holder", ""),
            uses=dict(raw.get("uses") or {}),
            conditions=Conditions.from_dict(raw.get("conditions")),
            labels=tuple(raw.get("labels") or ()),
            contact=raw.get("contact", ""),
            language=str(raw.get("language", "") or ""),
        )

    def export(self, version: int | None = None, published_at: str | None = None) -> dict:
        """The scope for other systems: content, hash, and the DUO/DPV mapping of every use and condition."""
        c = self.conditions
        modifiers = [{"term": CONDITION_TERMS["project_only"].to_dict(),
                      "note": "Use is limited to this project's agreed purpose."}]
        if c.expiry_months:
            modifiers.append({"term": CONDITION_TERMS["expiry_months"].to_dict(), "value": c.expiry_months,
                              "unit": "months", "note": "Counted from the time each person gave consent."})
        if c.stays_on_machine:
            modifiers.append({"term": CONDITION_TERMS["stays_on_machine"].to_dict(), "value": "community machine",
                              "note": "Nearest match: the data stays on the community's own machine."})
        if c.collaboration_required:
            modifiers.append({"term": CONDITION_TERMS["collaboration_required"].to_dict()})
        if c.derived_data_returned:
            modifiers.append({"term": CONDITION_TERMS["derived_data_returned"].to_dict()})
        if c.new_use_approver:
            modifiers.append({"term": CONDITION_TERMS["new_use_approver"].to_dict(), "value": c.new_use_approver,
                              "note": "Nearest match: a new use needs the approval of the body named here."})
        return {
            **self.to_dict(),
            "hash": self.content_hash,
            "version": version,
            "published_at": published_at,
            "legal_basis": DPV_CONSENT.to_dict(),
            "mapping": {k: {"choice": ch, **USES[k].mapping(ch)} for k, ch in self.uses.items()},
            "duo_modifiers": modifiers,
            "labels_detail": [LABELS[k].to_dict() for k in self.labels],
        }


@dataclass(frozen=True)
class ScopeVersion:
    """A published scope: its number (1, 2, ...), hash, time and event."""

    version: int
    scope: Scope
    hash: str  # as the event stored it: never recomputed by today's code (the log is the truth)
    published_at: str
    seq: int
    actor: str
    effective_at: str = ""  # when it took effect: the publication time, or an earlier date given on purpose
    backdated: bool = False

    def __post_init__(self):
        if not self.effective_at:
            object.__setattr__(self, "effective_at", self.published_at)

    def export(self) -> dict:
        return self.scope.export(self.version, self.published_at)


class ScopeHistory:
    """The published versions and the current draft, folded from ``scope.*`` events."""

    def __init__(self, versions: list[ScopeVersion], draft: Scope | None = None):
        self.versions = versions
        self.draft = draft
        self._by_hash = {v.hash: v for v in versions}

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> ScopeHistory:
        versions: list[ScopeVersion] = []
        draft: Scope | None = None
        for ev in events:
            if ev.kind == PUBLISHED:
                p = ev.payload
                scope = Scope.from_dict(p["scope"])
                # The hash grants refer to is the one stored with the event, not one recomputed now: a use added
                # to the registry later fills the old scope's dict with 'never' and would change its hash.
                versions.append(ScopeVersion(len(versions) + 1, scope, str(p.get("hash") or scope.content_hash),
                                             ev.ts, ev.seq, ev.actor, str(p.get("effective_at") or ev.ts),
                                             bool(p.get("backdated", False))))
                draft = None
            elif ev.kind == DRAFT_SAVED:
                draft = Scope.from_dict(ev.payload["scope"])
        return cls(versions, draft)

    @classmethod
    def load(cls, store) -> ScopeHistory:
        return cls.from_events(store.events(prefix="scope."))

    @property
    def latest(self) -> ScopeVersion | None:
        return self.versions[-1] if self.versions else None

    def by_hash(self, digest: str) -> ScopeVersion:
        try:
            return self._by_hash[digest]
        except KeyError:
            raise WorkbenchError(f"No published scope has the hash {str(digest)[:12]}.",
                                 "Give consent against a published version of the scope.",
                                 key="consent.error.unknown_version") from None

    def require_latest(self) -> ScopeVersion:
        if not self.versions:
            raise WorkbenchError("The community has not published a consent scope yet.",
                                 "A facilitator publishes it in the scope app first.",
                                 key="consent.error.no_scope")
        return self.versions[-1]


def save_draft(store, scope: Scope, actor: str = "facilitator") -> Event:
    """Keep a draft in the log, so an unfinished edit survives a closed laptop."""
    return store.append(DRAFT_SAVED, {"scope": scope.to_dict(), "hash": scope.content_hash}, actor)


def publish(store, scope: Scope, actor: str = "facilitator", effective_at=None,
            decision: str | None = None) -> ScopeVersion:
    """Publish ``scope`` as the next version; refuses a version identical to the latest, and a version the
    community has not agreed (a gate: :func:`workbench.decisions.require` finds the agreed decision on this
    scope's hash, or checks ``decision``).

    ``effective_at``: when the scope took effect, if earlier than now (a scope agreed on paper before the
    log existed): recorded as back-dated, never in the future, never before the previous version took effect.
    """
    from . import _time

    history = ScopeHistory.load(store)
    latest = history.latest
    if latest is not None and latest.hash == scope.content_hash:
        raise WorkbenchError(f"This scope is the same as version {latest.version}, already published.",
                             "Change something before publishing a new version.",
                             key="consent.error.unchanged", version=latest.version)
    from ..decisions import require

    agreed = require(store, "scope", scope.content_hash, decision)
    number = len(history.versions) + 1
    payload = {"scope": scope.to_dict(), "hash": scope.content_hash, "version": number, "schema_version": 1,
               "community_decision": agreed.id}
    if effective_at is not None:
        when = _time.not_in_future(effective_at)
        if latest is not None and _time.to_us(when) < _time.to_us(latest.effective_at):
            raise WorkbenchError(f"Version {latest.version} took effect on {latest.effective_at[:10]}; a new version "
                                 "cannot take effect before it.", "Give a later date, or none (now).",
                                 key="consent.error.effective_order", version=latest.version,
                                 date=latest.effective_at[:10])
        payload.update(effective_at=_time.iso(when), backdated=True)
    ev = store.append(PUBLISHED, payload, actor)
    # Numbering comes from the fold, so two facilitators publishing at once cannot both make version 2.
    for v in ScopeHistory.load(store).versions:
        if v.seq == ev.seq:
            return v
    raise AssertionError("a published scope vanished from the log")  # pragma: no cover
