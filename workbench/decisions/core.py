"""One decision concept for every gate: a proposal, the votes, the result, and what it allows.

A gate (:data:`GATES`) is a step that changes what happens to people's data or which model is used:
publishing the consent scope, accepting the curated dataset, adopting a model, retiring it. The domain
function of each gate asks :func:`require` for an agreed decision on *exactly* what it is about to do,
linked by hash (the scope's content hash, the curated data's state hash, the run and candidate); without
one it refuses. Events:

- ``decision.proposed`` ``{"id", "gate", "subject": {"hash", "label"}, "title", "explain", "rule",
  "rule_source", "quorum", "voters", "quorum_needed", "open_to_phones"}`` -- the rule and the quorum are
  read from the charter when the proposal is made and stored with it, so a later change of the charter
  does not change how an earlier decision was taken;
- ``decision.vote`` ``{"id", "choice"}`` from a member's phone (the actor is their participant code; the
  last vote of a member counts while the decision is open);
- ``decision.closed`` ``{"id", "gate", "subject", "method", "present", "in_favour", "against", "abstain",
  "rule", "quorum_needed", "result", "outcome"}`` -- counted hands entered by a facilitator, or the
  phones' votes tallied;
- ``decision.overridden`` ``{"id", "gate", "subject", "reason"}`` -- a facilitator's emergency override,
  recorded as such and shown as such on the card, the report and in bundles.

A gate's own event carries ``"community_decision": id``; a decision allows its gate once.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import WorkbenchError
from ..text import check_text, snippet

GATES = ("scope", "dataset", "adopt", "retire")
# The gate's own event, which names the decision it used.
GATE_EVENTS = {"scope": "scope.published", "dataset": "curation.accepted", "adopt": "evaluation.decided",
               "retire": "model.retired"}
CHOICES = ("agree", "disagree", "abstain")
RESULTS = ("agreed", "not agreed", "no quorum")
DEFAULT_RULE = "two_thirds"
KINDS = ("decision.proposed", "decision.vote", "decision.closed", "decision.overridden")
MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 2000
MIN_OVERRIDE_REASON = 10


@dataclass
class Decision:
    id: str
    gate: str
    subject: dict
    title: str = ""
    explain: str = ""
    rule: str = DEFAULT_RULE
    rule_source: str = ""
    quorum: float = 0.0
    voters: int = 0
    quorum_needed: int = 0
    open_to_phones: bool = False
    status: str = "open"  # open | agreed | not agreed | no quorum | override
    method: str = ""  # hands | phones | override
    present: int = 0
    in_favour: int = 0
    against: int = 0
    abstain: int = 0
    outcome: str = ""
    reason: str = ""  # an override's
    ts: str = ""
    closed_ts: str = ""
    seq: int = 0
    closed_seq: int = 0
    actor: str = ""
    used_by: int | None = None  # seq of the gate event that used it
    attendance: list[str] = field(default_factory=list)  # member codes ticked present (stays in the project)
    votes: dict[str, str] = field(default_factory=dict)  # member code -> choice, while phones vote

    @property
    def allows(self) -> bool:
        return self.status in ("agreed", "override")

    @property
    def hash(self) -> str:
        return str(self.subject.get("hash", ""))

    def tally(self) -> dict[str, int]:
        out = dict.fromkeys(CHOICES, 0)
        for choice in self.votes.values():
            out[choice] += 1
        return out

    def to_dict(self) -> dict:
        """What leaves the project (report, bundle): counts and reasons, never who voted how."""
        keys = ("id", "gate", "subject", "title", "explain", "rule", "rule_source", "quorum_needed", "status",
                "method", "present", "in_favour", "against", "abstain", "outcome", "reason", "ts", "closed_ts")
        return {k: getattr(self, k) for k in keys}


class DecisionLog:
    """Every decision, folded from the log (and which gate event used each)."""

    def __init__(self):
        self.decisions: dict[str, Decision] = {}

    @classmethod
    def from_events(cls, events: Iterable) -> DecisionLog:
        out = cls()
        for ev in events:
            p = ev.payload
            if ev.kind == "decision.proposed":
                out.decisions[p["id"]] = Decision(
                    p["id"], p["gate"], dict(p.get("subject", {})), p.get("title", ""), p.get("explain", ""),
                    p.get("rule", DEFAULT_RULE), p.get("rule_source", ""), float(p.get("quorum", 0.0)),
                    int(p.get("voters", 0)), int(p.get("quorum_needed", 0)), bool(p.get("open_to_phones")),
                    ts=ev.ts, seq=ev.seq, actor=ev.actor)
            elif ev.kind == "decision.vote":
                d = out.decisions.get(p.get("id"))
                if d is not None and d.status == "open" and p.get("choice") in CHOICES:
                    d.votes[ev.actor] = p["choice"]
            elif ev.kind == "decision.closed":
                d = out.decisions.get(p.get("id"))
                if d is not None and d.status == "open":
                    d.status, d.method, d.outcome = p["result"], p.get("method", "hands"), p.get("outcome", "")
                    d.present, d.in_favour = int(p.get("present", 0)), int(p.get("in_favour", 0))
                    d.against, d.abstain = int(p.get("against", 0)), int(p.get("abstain", 0))
                    d.closed_ts, d.closed_seq = ev.ts, ev.seq
                    d.attendance = list(p.get("attendance", []))
            elif ev.kind == "decision.overridden":
                out.decisions[p["id"]] = Decision(
                    p["id"], p["gate"], dict(p.get("subject", {})), p.get("title", ""), status="override",
                    method="override", reason=p.get("reason", ""), ts=ev.ts, closed_ts=ev.ts, seq=ev.seq,
                    closed_seq=ev.seq, actor=ev.actor)
            elif ev.kind in GATE_EVENTS.values():
                d = out.decisions.get(p.get("community_decision"))
                if d is not None and d.used_by is None:
                    d.used_by = ev.seq
        return out

    @classmethod
    def load(cls, store) -> DecisionLog:
        return cls.from_events(store.events(kinds=[*KINDS, *GATE_EVENTS.values()]))

    def get(self, decision_id: str) -> Decision:
        d = self.decisions.get(str(decision_id))
        if d is None:
            raise WorkbenchError(f"There is no decision {snippet(decision_id)!r} in this project.",
                                 "List them with 'workbench decide DIR list'.", key="decisions.error.unknown",
                                 id=snippet(decision_id))
        return d

    def for_gate(self, gate: str) -> list[Decision]:
        return [d for d in self.decisions.values() if d.gate == gate]

    def open(self) -> list[Decision]:
        return [d for d in self.decisions.values() if d.status == "open"]

    def open_to_phones(self) -> list[Decision]:
        return [d for d in self.open() if d.open_to_phones]

    def overrides(self) -> list[Decision]:
        return [d for d in self.decisions.values() if d.status == "override"]


# -- the rule and the quorum come from the charter ---------------------------------------------
def rule_and_quorum(store) -> tuple[str, float, str]:
    """(rule, quorum share, where they came from): the latest agreed charter's gate rule and quorum; a
    charter that names none decides gates by the rule it was itself agreed by; no agreed charter: two
    thirds, no quorum."""
    from ..purpose.charter import CharterHistory

    agreed = CharterHistory.load(store).latest_agreed()
    if agreed is None:
        return DEFAULT_RULE, 0.0, "default"
    c = agreed.charter
    rule = c.gate_rule or (agreed.decision or {}).get("rule") or DEFAULT_RULE
    return rule, float(c.quorum or 0.0), f"charter v{agreed.version}"


def _clean(text, what: str, limit: int) -> str:
    text = " ".join(check_text(str(text or ""), what).split())
    if len(text) > limit:
        raise WorkbenchError(f"{what} is longer than {limit} characters.", "Shorten it.",
                             key="decisions.error.too_long", what=what, max=limit)
    return text


def _check_gate(gate: str) -> str:
    if gate not in GATES:
        raise WorkbenchError(f"{snippet(gate)!r} is not a gate.", f"Use one of: {', '.join(GATES)}.",
                             key="decisions.error.gate", gate=snippet(gate), known=", ".join(GATES))
    return gate


def _check_subject(subject: dict) -> dict:
    if not isinstance(subject, dict) or not str(subject.get("hash", "")).strip():
        raise WorkbenchError("A decision must name what it is about (its hash).", key="decisions.error.subject")
    return {"hash": str(subject["hash"]), "label": str(subject.get("label", ""))[:MAX_TITLE_CHARS],
            **{k: v for k, v in subject.items() if k not in ("hash", "label")}}


def _new_id() -> str:
    return "d-" + secrets.token_hex(5)


def _proposal(store, gate, subject, title, explain, open_to_phones) -> dict:
    from . import members

    gate, subject = _check_gate(gate), _check_subject(subject)
    rule, quorum, source = rule_and_quorum(store)
    voters = len(members.Register.load(store).voters())
    needed = math.ceil(quorum * voters - 1e-9) if quorum > 0 else 0
    if quorum > 0 and voters == 0:
        raise WorkbenchError("The charter asks for a quorum, but the member register is empty.",
                             "Add the members who may vote first (workbench members add).",
                             key="decisions.error.no_members")
    if open_to_phones and voters == 0:
        raise WorkbenchError("No one can vote from a phone: the member register is empty.",
                             "Add the members who may vote first, or count hands in the room.",
                             key="decisions.error.no_voters")
    return {"id": _new_id(), "gate": gate, "subject": subject,
            "title": _clean(title or subject.get("label", ""), "The title", MAX_TITLE_CHARS),
            "explain": _clean(explain, "The explanation", MAX_TEXT_CHARS), "rule": rule, "rule_source": source,
            "quorum": quorum, "voters": voters, "quorum_needed": needed, "open_to_phones": bool(open_to_phones)}


def _result(proposal: dict, present, in_favour, against, abstain) -> str:
    from ..purpose.charter import decide

    passed = decide(present, in_favour, against, abstain, proposal["rule"])  # checks the counts
    if present < int(proposal.get("quorum_needed", 0)):
        return "no quorum"
    return "agreed" if passed else "not agreed"


def _closing(proposal: dict, method, present, in_favour, against, abstain, outcome) -> dict:
    return {"id": proposal["id"], "gate": proposal["gate"], "subject": proposal["subject"], "method": method,
            "present": present, "in_favour": in_favour, "against": against, "abstain": abstain,
            "rule": proposal["rule"], "quorum_needed": int(proposal.get("quorum_needed", 0)),
            "result": _result(proposal, present, in_favour, against, abstain),
            "outcome": _clean(outcome, "The outcome statement", MAX_TEXT_CHARS)}


def _attendance(store, codes, present) -> tuple[list[str], int]:
    """Who was present, when the facilitator ticks the register: registered members, each once; ``present``
    is their number (a different count given with it is refused)."""
    from ..purpose.deliberation import normalise_code
    from .members import Register

    if codes is None:
        return [], present
    roles = Register.load(store).roles
    clean = list(dict.fromkeys(normalise_code(c) for c in codes if str(c).strip()))
    unknown = [c for c in clean if c not in roles]
    if unknown:
        raise WorkbenchError(f"{snippet(unknown[0])!r} is not in the member register.",
                             "Tick only registered members as present.", key="decisions.error.not_member",
                             code=snippet(unknown[0]))
    if present is not None and present != len(clean):
        raise WorkbenchError(f"{present} were counted present but {len(clean)} members were ticked.",
                             "Give one or the other, or make them agree.", key="decisions.error.attendance",
                             present=present, ticked=len(clean))
    return clean, len(clean)


def _refuse_twice_open(store, gate, subject_hash) -> None:
    for d in DecisionLog.load(store).open():
        if d.gate == gate and d.hash == subject_hash:
            raise WorkbenchError(f"A decision on this is already open ({d.id}).",
                                 "Close it first, with the counted hands or the phones' votes.",
                                 key="decisions.error.already_open", id=d.id)


def propose(store, gate: str, subject: dict, title: str = "", explain: str = "", *, open_to_phones: bool = True,
            actor: str = "facilitator") -> Decision:
    """Open a decision (members vote from their phones until a facilitator closes it)."""
    p = _proposal(store, gate, subject, title, explain, open_to_phones)
    _refuse_twice_open(store, p["gate"], p["subject"]["hash"])
    store.append("decision.proposed", p, actor=actor)
    return DecisionLog.load(store).get(p["id"])


def decide(store, gate: str, subject: dict, *, present: int | None = None, in_favour: int, against: int,
           abstain: int = 0, title: str = "", explain: str = "", outcome: str = "", attendance=None,
           actor: str = "facilitator") -> Decision:
    """The room decides now, by counted hands: the proposal and its result in one transaction.

    ``attendance``: the member codes the facilitator ticked present (kept in the project's log, never in
    what leaves it); ``present`` is then their number.
    """
    p = _proposal(store, gate, subject, title, explain, False)
    codes, present = _attendance(store, attendance, present)
    if present is None:
        raise WorkbenchError("Counted hands need how many were present, in favour and against.",
                             key="decisions.error.hands")
    closing = _closing(p, "hands", present, in_favour, against, abstain, outcome)
    if codes:
        closing["attendance"] = codes
    store.append_many([("decision.proposed", p, actor), ("decision.closed", closing, actor)])
    return DecisionLog.load(store).get(p["id"])


def vote(store, decision_id: str, code: str, choice: str) -> Decision:
    """A member's vote from their phone; their last vote counts while the decision is open."""
    from ..purpose.deliberation import normalise_code
    from .members import Register

    if choice not in CHOICES:
        raise WorkbenchError(f"{snippet(choice)!r} is not a vote.", f"Use one of: {', '.join(CHOICES)}.",
                             key="decisions.error.choice", choice=snippet(choice))
    d = DecisionLog.load(store).get(decision_id)
    if d.status != "open" or not d.open_to_phones:
        raise WorkbenchError("This decision is not open for votes from phones.",
                             key="decisions.error.not_open", id=d.id)
    code = normalise_code(code)
    if not Register.load(store).may_vote(code):
        raise WorkbenchError("Only members in the register can vote on the community's decisions.",
                             "Ask a facilitator to add you to the register.", key="decisions.error.not_voter")
    store.append("decision.vote", {"id": d.id, "choice": choice}, actor=code)
    return DecisionLog.load(store).get(d.id)


def close(store, decision_id: str, *, present: int | None = None, in_favour: int | None = None,
          against: int | None = None, abstain: int | None = None, outcome: str = "",
          actor: str = "facilitator") -> Decision:
    """Close an open decision: with counted hands when given, else with the phones' votes (present = who voted)."""
    log = DecisionLog.load(store)
    d = log.get(decision_id)
    if d.status != "open":
        raise WorkbenchError(f"Decision {d.id} is already closed ({d.status}).", key="decisions.error.closed",
                             id=d.id, status=d.status)
    proposal = {"id": d.id, "gate": d.gate, "subject": d.subject, "rule": d.rule, "quorum_needed": d.quorum_needed}
    hands = (present, in_favour, against, abstain)
    if all(n is None for n in hands):
        t = d.tally()
        closing = _closing(proposal, "phones", sum(t.values()), t["agree"], t["disagree"], t["abstain"], outcome)
    else:
        if any(n is None for n in (present, in_favour, against)):
            raise WorkbenchError("Counted hands need how many were present, in favour and against.",
                                 key="decisions.error.hands")
        closing = _closing(proposal, "hands", present, in_favour, against, abstain or 0, outcome)
    store.append("decision.closed", closing, actor=actor)
    return DecisionLog.load(store).get(d.id)


def override(store, gate: str, subject: dict, reason: str, *, title: str = "",
             actor: str = "facilitator") -> Decision:
    """A facilitator's emergency override of a gate, recorded as an override with its reason."""
    gate, subject = _check_gate(gate), _check_subject(subject)
    reason = _clean(reason, "The reason", MAX_TEXT_CHARS)
    if len(reason) < MIN_OVERRIDE_REASON:
        raise WorkbenchError("An override needs a reason the community can read later.",
                             f"Write at least {MIN_OVERRIDE_REASON} characters on why it could not wait.",
                             key="decisions.error.override_reason", min=MIN_OVERRIDE_REASON)
    payload = {"id": _new_id(), "gate": gate, "subject": subject,
               "title": _clean(title or subject.get("label", ""), "The title", MAX_TITLE_CHARS), "reason": reason}
    store.append("decision.overridden", payload, actor=actor)
    return DecisionLog.load(store).get(payload["id"])


GATE_WORDS = {"scope": "publish this consent scope", "dataset": "accept this curated dataset",
              "adopt": "adopt this model", "retire": "retire the model in use"}


def require(store, gate: str, subject_hash: str, decision_id: str | None = None) -> Decision:
    """The agreed (or overridden) decision that allows ``gate`` on ``subject_hash``, not used before.

    With ``decision_id`` that decision must be it; without, the latest one that fits. Refused with one
    sentence otherwise: the domain does not do what the community did not agree.
    """
    log = DecisionLog.load(store)
    if decision_id:
        d = log.get(decision_id)
        fits = [d] if d.gate == gate and d.hash == subject_hash else []
    else:
        fits = [d for d in log.for_gate(gate) if d.hash == subject_hash]
    usable = [d for d in fits if d.allows and d.used_by is None]
    if usable:
        return usable[-1]
    words = GATE_WORDS[_check_gate(gate)]
    if fits and fits[-1].status in ("not agreed", "no quorum"):
        raise WorkbenchError(f"The community did not agree to {words} (decision {fits[-1].id}: "
                             f"{fits[-1].status}).", "Change the proposal and decide again.",
                             key="decisions.error.not_agreed", gate=gate, id=fits[-1].id, status=fits[-1].status)
    if fits and fits[-1].status == "open":
        raise WorkbenchError(f"The community's decision to {words} is still open ({fits[-1].id}).",
                             "Close it with the counted hands or the phones' votes first.",
                             key="decisions.error.still_open", gate=gate, id=fits[-1].id)
    if fits and fits[-1].used_by is not None:
        raise WorkbenchError(f"Decision {fits[-1].id} was already used.", "Record a new decision.",
                             key="decisions.error.used", id=fits[-1].id)
    raise WorkbenchError(f"The community has not decided to {words}.",
                         f"Record the room's decision first (workbench decide DIR {gate} ...), or a facilitator's "
                         "override with its reason.", key=f"decisions.error.no_decision.{gate}", gate=gate)
