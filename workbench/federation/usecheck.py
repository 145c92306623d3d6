""""May we use model X for our purpose?": their scope and labels against our intended use.

The answer is ``yes``, ``no`` or ``ask`` (ask them), with every reason, each a
catalog key with its parameters. The rules, one per condition of their scope:

- models: their scope forbids sharing models, or the bundle does not carry the
  model (withheld) -> no;
- commercial use (DUO NCU; Local Contexts TK/BC Non-Commercial labels): a
  commercial purpose against non-commercial only -> no; a commercial purpose when
  each person chooses -> ask; our purpose not known to be non-commercial against
  NCU -> ask;
- data that must stay on their machine (DUO GS, nearest match): a purpose that
  needs their data -> no (a federated evaluation brings the model to our data
  instead); sharing data forbidden -> no; otherwise the model alone is fine;
- collaboration required (DUO COL): yes when we agree to collaborate, else ask;
- benefit sharing: yes when we accept their terms (quoted), else ask;
- a body that approves new uses (DUO IRB, nearest match): ask;
- TK Community Use Only: ask; BC Research Use with a commercial purpose: no;
- expiry (DUO TS): consent behind the model that lapsed before today -> ask.

Everything here works on plain dicts (a scope as exported), so a hand-made scope
can be checked; :func:`check_entry` adapts a catalog entry and our project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..errors import WorkbenchError

YES, NO, ASK = "yes", "no", "ask"
ANSWERS = (YES, NO, ASK)
NON_COMMERCIAL_LABELS = ("tk_non_commercial", "bc_non_commercial")


@dataclass(frozen=True)
class OurUse:
    """What we intend: ``commercial`` True / False / None (not known), whether our purpose needs their data
    (not only their model), and whether we agree to collaborate and accept their benefit-sharing terms."""

    commercial: bool | None = None
    needs_their_data: bool = False
    will_collaborate: bool = False
    accepts_benefit_sharing: bool = False
    intended_uses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    outcome: str
    key: str
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"outcome": self.outcome, "key": self.key, "params": dict(self.params)}


@dataclass
class UseAnswer:
    answer: str
    reasons: list[Reason]
    community: str = ""
    contact: str = ""
    their_out_of_scope: list[str] = field(default_factory=list)
    our_intended_uses: list[str] = field(default_factory=list)

    def reason_keys(self) -> list[str]:
        return [r.key for r in self.reasons]

    def sentence(self, tr) -> str:
        head = tr(f"federation.use.answer.{self.answer}", community=self.community)
        why = " ".join(tr(r.key, **r.params) for r in self.reasons if r.outcome == self.answer or self.answer == YES)
        return f"{head} {why}".strip()

    def to_dict(self) -> dict:
        return {"answer": self.answer, "community": self.community, "contact": self.contact,
                "reasons": [r.to_dict() for r in self.reasons], "their_out_of_scope": self.their_out_of_scope,
                "our_intended_uses": self.our_intended_uses}


def _when(value) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).replace("Z", "+00:00")
    out = datetime.fromisoformat(text)
    return out if out.tzinfo else out.replace(tzinfo=UTC)


def check_use(scope: dict, ours: OurUse, *, model_shared: bool = True, model_info: dict | None = None,
              withheld: dict | None = None, community: str = "", at=None) -> UseAnswer:
    """Answer "may we use their model for our purpose?" from their ``scope`` (as exported or ``to_dict``)."""
    from ..consent.scope import CHOOSES, NEVER, Scope

    parsed = Scope.from_dict(scope)  # validates a hand-made or foreign scope with the consent stage's rules
    uses, c, labels = parsed.uses, parsed.conditions, set(parsed.labels)
    reasons: list[Reason] = []
    add = reasons.append

    # the model itself
    if uses["share_models"] == NEVER:
        add(Reason(NO, "federation.use.no_model_sharing"))
    elif not model_shared:
        add(Reason(NO, "federation.use.model_withheld"))
        if withheld and str(withheld.get("reason", "")).startswith("federation.reason."):
            add(Reason(NO, str(withheld["reason"]), dict(withheld.get("params") or {})))
    else:
        add(Reason(YES, "federation.use.models_shared"))

    # commercial use
    ncu = uses["commercial"] == NEVER or bool(labels & set(NON_COMMERCIAL_LABELS))
    if ours.commercial is True:
        if ncu:
            add(Reason(NO, "federation.use.ncu"))
        elif uses["commercial"] == CHOOSES:
            add(Reason(ASK, "federation.use.commercial_chooses"))
        else:
            add(Reason(YES, "federation.use.commercial_ok"))
        if "bc_research_use" in labels:
            add(Reason(NO, "federation.use.research_only"))
    elif ours.commercial is None:
        if ncu:
            add(Reason(ASK, "federation.use.commercial_unknown"))
    elif ncu:
        add(Reason(YES, "federation.use.non_commercial"))

    # their data
    if ours.needs_their_data:
        if c.stays_on_machine:
            add(Reason(NO, "federation.use.data_stays"))
        elif uses["share_data"] == NEVER:
            add(Reason(NO, "federation.use.no_data_sharing"))
        else:
            add(Reason(ASK if uses["share_data"] == CHOOSES else YES, "federation.use.data_shared"))
    elif c.stays_on_machine:
        add(Reason(YES, "federation.use.data_stays_ok"))

    # conditions
    if c.collaboration_required:
        add(Reason(YES if ours.will_collaborate else ASK,
                   "federation.use.collaboration_agreed" if ours.will_collaborate else "federation.use.collaboration"))
    if c.benefit_sharing:
        add(Reason(YES if ours.accepts_benefit_sharing else ASK,
                   "federation.use.benefit_accepted" if ours.accepts_benefit_sharing else
                   "federation.use.benefit_sharing", {"terms": c.benefit_sharing}))
    if c.new_use_approver:
        add(Reason(ASK, "federation.use.approver", {"approver": c.new_use_approver}))
    if c.derived_data_returned:
        add(Reason(YES, "federation.use.return_results"))
    if "tk_community_use_only" in labels:
        add(Reason(ASK, "federation.use.community_only"))
    if labels & {"tk_attribution", "bc_provenance"}:
        add(Reason(YES, "federation.use.attribution"))

    # expiry
    until = (model_info or {}).get("consent_valid_until")
    if c.expiry_months and until:
        lapsed = _when(until) <= _when(at)
        add(Reason(ASK if lapsed else YES, "federation.use.expired" if lapsed else "federation.use.expiry",
                   {"date": str(until)[:10], "months": c.expiry_months}))
    elif c.expiry_months:
        add(Reason(YES, "federation.use.expiry_months", {"months": c.expiry_months}))

    outcomes = {r.outcome for r in reasons}
    answer = NO if NO in outcomes else ASK if ASK in outcomes else YES
    return UseAnswer(answer, reasons, community, parsed.contact, our_intended_uses=list(ours.intended_uses))


def our_use(project, **overrides) -> OurUse:
    """Our intended use from our project: the charter's intended uses; non-commercial when our own scope forbids
    commercial use (otherwise not known, unless ``commercial=`` says)."""
    from ..consent.scope import NEVER, ScopeHistory
    from ..purpose.charter import CharterHistory

    history = CharterHistory.load(project.store)
    version = history.latest_agreed() or history.latest
    intended = tuple(i.text for i in version.charter.intended_uses) if version else ()
    scope = ScopeHistory.load(project.store).latest
    commercial = False if scope is not None and scope.scope.uses["commercial"] == NEVER else None
    values = {"commercial": commercial, "intended_uses": intended}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return OurUse(**values)


def check_entry(project, entry, ours: OurUse | None = None, at=None) -> UseAnswer:
    """The use check for a catalog entry against our project (see :func:`check_use`)."""
    scope = entry.scope
    if scope is None:
        raise WorkbenchError(f"{entry.name}'s bundle has no consent scope, so nobody can say what it may be used for.",
                             "Ask them for a bundle with their scope.", key="federation.error.no_their_scope",
                             community=entry.name)
    withheld = [w for w in (entry.shares.get("withheld") or []) if w.get("part") == "model"]
    answer = check_use(scope, ours or our_use(project), model_shared=entry.shares_model, model_info=entry.model_info,
                       withheld=withheld[0] if withheld else None, community=entry.name, at=at)
    summary = entry.summary()
    answer.their_out_of_scope = summary["out_of_scope"]
    return answer
