"""The member register: who may vote on the community's decisions, and in which roles.

Members are participant codes (the three-word codes of the purpose stage, never names). A facilitator
adds and removes them by recorded events:

- ``member.added``   ``{"member", "roles"}`` -- adding a member again replaces their roles;
- ``member.removed`` ``{"member", "reason"}``.

Roles: ``member`` and ``steward`` vote; ``facilitator`` and ``data_worker`` are recorded so everyone
can see who serves the community in which way, and do not vote unless they are also members.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import WorkbenchError
from ..text import check_text, snippet

ROLES = ("member", "steward", "facilitator", "data_worker")
VOTING_ROLES = ("member", "steward")
KINDS = ("member.added", "member.removed")
MAX_REASON_CHARS = 300


@dataclass
class Register:
    """The register folded from the log: current members and their roles, plus every change."""

    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)

    @classmethod
    def from_events(cls, events: Iterable) -> Register:
        out = cls()
        for ev in events:
            member = str(ev.payload.get("member", ""))
            if ev.kind == "member.added":
                out.roles[member] = tuple(r for r in ev.payload.get("roles", ()) if r in ROLES)
            elif ev.kind == "member.removed":
                out.roles.pop(member, None)
            else:
                continue
            out.changes.append({"kind": ev.kind, "member": member, "seq": ev.seq, "ts": ev.ts,
                                **{k: v for k, v in ev.payload.items() if k != "member"}})
        return out

    @classmethod
    def load(cls, store) -> Register:
        return cls.from_events(store.events(kinds=list(KINDS)))

    def voters(self) -> list[str]:
        """Members who vote, in the order they were added."""
        return [m for m, roles in self.roles.items() if set(roles) & set(VOTING_ROLES)]

    def may_vote(self, code: str) -> bool:
        return bool(set(self.roles.get(code, ())) & set(VOTING_ROLES))

    def counts(self) -> dict[str, int]:
        """How many people hold each role (a person with two roles counts in both)."""
        return {role: sum(1 for roles in self.roles.values() if role in roles) for role in ROLES}


def _check_roles(roles: Iterable[str]) -> list[str]:
    out = list(dict.fromkeys(str(r).strip() for r in roles if str(r).strip()))
    if not out:
        raise WorkbenchError("A member needs at least one role.", f"Use one or more of: {', '.join(ROLES)}.",
                             key="decisions.error.no_role", known=", ".join(ROLES))
    for role in out:
        if role not in ROLES:
            raise WorkbenchError(f"{snippet(role)!r} is not a role.", f"Use one or more of: {', '.join(ROLES)}.",
                                 key="decisions.error.role", role=snippet(role), known=", ".join(ROLES))
    return out


def _known_code(store, typed: str) -> str:
    from ..purpose.deliberation import CODE_RE, current, normalise_code

    code = normalise_code(typed)
    if not (CODE_RE.match(code) and code in current(store).participants):
        raise WorkbenchError(f"There is no participant with the code {snippet(code)!r} in this project.",
                             "Add people by the participant code they were given, or make new codes with "
                             "'workbench members new'.", key="decisions.error.unknown_participant",
                             code=snippet(code))
    return code


def add(store, code: str, roles: Iterable[str] = ("member",), actor: str = "facilitator") -> str:
    """Put a participant in the register with ``roles`` (replacing the roles they had); returns the code."""
    code = _known_code(store, code)
    store.append("member.added", {"member": code, "roles": _check_roles(roles)}, actor=actor)
    return code


def remove(store, code: str, reason: str = "", actor: str = "facilitator") -> None:
    from ..purpose.deliberation import normalise_code

    code = normalise_code(code)
    if code not in Register.load(store).roles:
        raise WorkbenchError(f"{snippet(code)!r} is not in the member register.", "Check the code.",
                             key="decisions.error.not_member", code=snippet(code))
    reason = " ".join(check_text(reason, "The reason").split())[:MAX_REASON_CHARS]
    store.append("member.removed", {"member": code, "reason": reason}, actor=actor)


def new(store, count: int, roles: Iterable[str] = ("member",), language: str = "en",
        actor: str = "facilitator") -> list[str]:
    """Make ``count`` new participant codes and register them (for a co-op's members who did not take part
    in the discussion); the codes are returned once, to hand out on paper."""
    from ..purpose.deliberation import new_participant_code

    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 500:
        raise WorkbenchError(f"Members are made 1 to 500 at a time, not {count!r}.",
                             key="decisions.error.count", count=str(count))
    roles = _check_roles(roles)
    from ..purpose.deliberation import current

    taken = set(current(store).participants)
    codes: list[str] = []
    while len(codes) < count:
        code = new_participant_code()
        if code not in taken and code not in codes:
            codes.append(code)
    items = []
    for code in codes:
        items.append(("participant.joined", {"code": code, "language": str(language), "registered": True}, code))
        items.append(("member.added", {"member": code, "roles": roles}, actor))
    store.append_many(items)
    return codes
