"""The community's charter: what the model is for, its red lines, and how it is judged.

A success criterion is data, not prose (:class:`Criterion`), so the evaluation
stage checks it automatically. The charter is versioned in the log:

- ``charter.drafted``    ``{"version", "charter", "change"}`` -- every saved edit;
- ``charter.agreed``     ``{"version", "hash", "present", "in_favour", "against",
  "abstain", "rule", "result", "problem"}`` -- the room's decision, freezing the version;
- ``charter.not_agreed`` the same payload when the decision did not pass.

An edit after agreement starts the next version; an agreed version never
changes, and the evaluation stage reads the version it names.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ..errors import WorkbenchError
from ..text import check_text, snippet

# metric -> needs a named class
METRICS = {
    "accuracy": False,
    "balanced_accuracy": False,
    "macro_f1": False,
    "recall": True,
    "precision": True,
    "f1": True,
    "false_negative_rate": True,
    "false_positive_rate": True,
}
DIRECTIONS = (">=", "<=")
SCOPES = ("overall", "every_group", "gap")
LISTS = ("intended_uses", "out_of_scope", "beneficiaries", "harms", "alternatives")
TEXT_FIELDS = ("title", "problem", "community")
DECISION_RULES = {"consensus": "no one against", "two_thirds": "two thirds of those present in favour",
                  "majority": "more than half of those present in favour"}
DEFAULT_MIN_GROUP_SIZE = 30
DEFAULT_MIN_CONSENSUS = 0.7
MAX_FIELD_CHARS = 2000
KINDS = ("charter.drafted", "charter.agreed", "charter.not_agreed")
CRITERIA_FORMAT = "commons-workbench-criteria"
OPTIONAL_FIELDS = ("gate_rule", "quorum")


def _num(value, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise WorkbenchError(f"The {what} must be a number, not {snippet(value)!r}.",
                             key="purpose.charter.error.number", value=snippet(value)) from None
    if out != out or out in (float("inf"), float("-inf")):
        raise WorkbenchError(f"The {what} must be a number, not {snippet(value)!r}.",
                             key="purpose.charter.error.number", value=snippet(value))
    return out


def _not_too_long(value: str, name: str) -> None:
    if len(value) > MAX_FIELD_CHARS:
        raise WorkbenchError(f"The charter's {name} is longer than {MAX_FIELD_CHARS} characters.",
                             "Shorten it.", key="purpose.charter.error.too_long", max=MAX_FIELD_CHARS)


@dataclass
class Criterion:
    """One measurable success criterion.

    ``metric`` (see :data:`METRICS`; class metrics need ``label``), ``threshold``
    in [0, 1] with ``direction`` ``>=`` (at least) or ``<=`` (at most), and a
    ``scope``: ``overall``; ``every_group`` of ``attribute``; or ``gap``, the
    largest difference between groups of ``attribute`` (always ``<=``). Groups
    smaller than ``min_group_size`` give "not enough evidence", not pass or fail.
    """

    metric: str
    threshold: float
    direction: str = ">="
    scope: str = "overall"
    label: str | None = None
    attribute: str | None = None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    id: str = ""

    def validate(self, attributes: Iterable[str] | None = None, labels: Iterable[str] | None = None) -> Criterion:
        """Refuse, with a sentence saying which, anything the evaluation stage could not check."""
        if self.metric not in METRICS:
            raise WorkbenchError(f"{self.metric!r} is not a metric the workbench knows.",
                                 f"Use one of: {', '.join(METRICS)}.", key="purpose.charter.error.metric",
                                 metric=str(self.metric), known=", ".join(METRICS))
        self.threshold = _num(self.threshold, "threshold")
        if not 0.0 <= self.threshold <= 1.0:
            raise WorkbenchError(f"The threshold {self.threshold:g} for {self.metric} is outside 0 to 1; "
                                 "it is a rate.", "Write it as a share, for example 0.8 for 80%.",
                                 key="purpose.charter.error.threshold", threshold=f"{self.threshold:g}",
                                 metric=self.metric)
        if self.direction not in DIRECTIONS:
            raise WorkbenchError(f"{self.direction!r} is not a direction.", "Use '>=' (at least) or '<=' (at most).",
                                 key="purpose.charter.error.direction", direction=str(self.direction))
        if self.scope not in SCOPES:
            raise WorkbenchError(f"{self.scope!r} is not a scope.", f"Use one of: {', '.join(SCOPES)}.",
                                 key="purpose.charter.error.scope", scope=str(self.scope))
        if self.label is not None:
            check_text(self.label, "The criterion's class")
        if self.attribute is not None:
            check_text(self.attribute, "The criterion's attribute")
        self.label = (str(self.label).strip() or None) if self.label is not None else None
        if METRICS[self.metric] and not self.label:
            raise WorkbenchError(f"The metric {self.metric} needs the class it is about.",
                                 "Name the class, for example 'urgent'.", key="purpose.charter.error.label_needed",
                                 metric=self.metric)
        if not METRICS[self.metric]:
            self.label = None
        known_labels = sorted(labels) if labels is not None else None
        if self.label and known_labels is not None and self.label not in known_labels:
            raise WorkbenchError(f"The data has no class {snippet(self.label)!r}.",
                                 f"Use one of: {', '.join(known_labels)}.",
                                 key="purpose.charter.error.label_unknown", label=snippet(self.label),
                                 known=", ".join(known_labels))
        self.attribute = (str(self.attribute).strip() or None) if self.attribute is not None else None
        if self.scope == "overall":
            self.attribute = None
        else:
            if not self.attribute:
                raise WorkbenchError("A criterion per group or on the gap between groups needs an attribute.",
                                     "Choose the attribute whose groups are compared.",
                                     key="purpose.charter.error.attribute_needed")
            known = sorted(attributes) if attributes is not None else None
            if known is not None and self.attribute not in known:
                raise WorkbenchError(f"The project has no attribute {snippet(self.attribute)!r}.",
                                     f"Use one of: {', '.join(known) or 'none yet: add the groups first'}.",
                                     key="purpose.charter.error.attribute_unknown", attribute=snippet(self.attribute),
                                     known=", ".join(known))
        if self.scope == "gap" and self.direction != "<=":
            raise WorkbenchError("A gap between groups is a limit, so its direction must be '<=' (at most).",
                                 key="purpose.charter.error.gap_direction")
        size = self.min_group_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise WorkbenchError(f"The minimum group size must be a whole number of 1 or more, not {size!r}.",
                                 key="purpose.charter.error.min_group_size", value=str(size))
        if not self.id:
            parts = [self.metric, self.label, self.scope, self.attribute]
            self.id = "-".join(str(p).replace(" ", "_") for p in parts if p)
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict) -> Criterion:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in dict(raw).items() if k in names})

    def sentence(self, tr) -> str:
        """The criterion in words, in ``tr``'s language."""
        metric = tr(f"purpose.metric.{self.metric}")
        if self.label:
            metric = tr("purpose.metric.of_class", metric=metric, label=self.label)
        direction = tr("purpose.direction.at_least" if self.direction == ">=" else "purpose.direction.at_most")
        params = {"metric": metric, "direction": direction, "threshold": f"{self.threshold:g}",
                  "attribute": self.attribute or "", "size": self.min_group_size}
        return tr(f"purpose.criterion.{self.scope}", **params)


@dataclass
class Item:
    """An entry of one of the charter's lists, maybe promoted from a statement."""

    text: str
    statement: int | None = None
    consensus: float | None = None
    mitigation: str = ""  # for harms

    @classmethod
    def from_dict(cls, raw: dict) -> Item:
        return cls(str(raw.get("text", "")), raw.get("statement"), raw.get("consensus"),
                   str(raw.get("mitigation", "")))


@dataclass
class Charter:
    title: str = ""
    problem: str = ""
    community: str = ""
    intended_uses: list[Item] = field(default_factory=list)
    out_of_scope: list[Item] = field(default_factory=list)
    beneficiaries: list[Item] = field(default_factory=list)
    harms: list[Item] = field(default_factory=list)
    alternatives: list[Item] = field(default_factory=list)
    min_consensus: float = DEFAULT_MIN_CONSENSUS  # the decision rule for statements
    groups: list[str] = field(default_factory=list)  # attributes whose outcomes are checked separately
    criteria: list[Criterion] = field(default_factory=list)
    footprint_kwh: float | None = None  # budget to train and evaluate one candidate
    # How the community decides its gates (workbench.decisions): a rule of DECISION_RULES and a quorum, the
    # share of registered voting members who must be present. Unset (None) they are left out of the dict,
    # so a charter written before they existed keeps its hash.
    gate_rule: str | None = None
    quorum: float | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        for name in OPTIONAL_FIELDS:
            if out.get(name) is None:
                out.pop(name, None)
        return out

    @classmethod
    def from_dict(cls, raw: dict) -> Charter:
        raw = dict(raw or {})
        out = cls(**{k: str(raw.get(k, "")) for k in TEXT_FIELDS})
        for name in LISTS:
            setattr(out, name, [Item.from_dict(x) for x in raw.get(name, [])])
        out.min_consensus = float(raw.get("min_consensus", DEFAULT_MIN_CONSENSUS))
        out.groups = [str(g) for g in raw.get("groups", [])]
        out.criteria = [Criterion.from_dict(c) for c in raw.get("criteria", [])]
        fk = raw.get("footprint_kwh")
        out.footprint_kwh = None if fk is None else float(fk)
        out.gate_rule = None if raw.get("gate_rule") in (None, "") else str(raw["gate_rule"])
        out.quorum = None if raw.get("quorum") is None else float(raw["quorum"])
        return out

    def copy(self) -> Charter:
        return copy.deepcopy(self)

    def hash(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def validate(self, attributes: Iterable[str] | None = None, labels: Iterable[str] | None = None) -> Charter:
        """Check every field that has a value; refuse the first problem with a sentence."""
        for name in TEXT_FIELDS:
            value = check_text(getattr(self, name), f"The charter's {name}")
            value = " ".join(value.split()) if name == "title" else value.strip()
            _not_too_long(value, name)
            setattr(self, name, value)
        for name in LISTS:
            for item in getattr(self, name):
                # A promoted statement was checked by the deliberation's own rule when it was written.
                if item.statement is None:
                    item.text = " ".join(check_text(item.text, f"An entry of the charter's {name}").split())
                    _not_too_long(item.text, name)
                if item.mitigation:
                    item.mitigation = " ".join(check_text(item.mitigation, "The mitigation").split())
                    _not_too_long(item.mitigation, "mitigation")
        self.min_consensus = _num(self.min_consensus, "decision rule")
        if not 0.0 <= self.min_consensus <= 1.0:
            raise WorkbenchError(f"The decision rule's consensus {self.min_consensus:g} is outside 0 to 1.",
                                 key="purpose.charter.error.rule", value=f"{self.min_consensus:g}")
        if self.footprint_kwh is not None:
            self.footprint_kwh = _num(self.footprint_kwh, "footprint budget")
            if self.footprint_kwh <= 0:
                raise WorkbenchError("The footprint budget must be more than 0 kWh.",
                                     key="purpose.charter.error.footprint")
        if self.gate_rule is not None and self.gate_rule not in DECISION_RULES:
            raise WorkbenchError(f"{snippet(self.gate_rule)!r} is not a decision rule.",
                                 f"Use one of: {', '.join(DECISION_RULES)}.",
                                 key="purpose.charter.error.decision_rule", rule=snippet(self.gate_rule))
        if self.quorum is not None:
            self.quorum = _num(self.quorum, "quorum")
            if not 0.0 <= self.quorum <= 1.0:
                raise WorkbenchError(f"The quorum {self.quorum:g} is outside 0 to 1; it is the share of members "
                                     "who must be present.", "Write it as a share, for example 0.5 for half.",
                                     key="purpose.charter.error.quorum", value=f"{self.quorum:g}")
        self.groups = list(dict.fromkeys(check_text(g, "A group's attribute").strip()
                                         for g in self.groups if g and g.strip()))
        if attributes is not None:
            known = sorted(attributes)
            for g in self.groups:
                if g not in known:
                    raise WorkbenchError(f"The project has no attribute {snippet(g)!r}.",
                                         f"Use one of: {', '.join(known)}.",
                                         key="purpose.charter.error.attribute_unknown", attribute=snippet(g),
                                         known=", ".join(known))
        seen = set()
        for c in self.criteria:
            c.validate(self.groups, labels)
            if c.id in seen:
                raise WorkbenchError(f"Two criteria have the same id {c.id!r}.", "Remove one of them.",
                                     key="purpose.charter.error.duplicate_criterion", id=c.id)
            seen.add(c.id)
        return self

    def missing_for_agreement(self) -> list[tuple[str, dict]]:
        """What must be filled in before the room can agree it, as catalog keys."""
        out = []
        for name in ("title", "problem", "community"):
            if not getattr(self, name).strip():
                out.append(("purpose.charter.missing.field", {"field": name}))
        for name in ("intended_uses", "out_of_scope"):
            if not getattr(self, name):
                out.append(("purpose.charter.missing.field", {"field": name}))
        if not self.criteria:
            out.append(("purpose.charter.missing.criteria", {}))
        out += [("purpose.charter.missing.mitigation", {"harm": h.text}) for h in self.harms
                if not h.mitigation.strip()]
        if self.footprint_kwh is None:
            out.append(("purpose.charter.missing.field", {"field": "footprint_kwh"}))
        return out

    def statement_ids(self) -> set[int]:
        return {i.statement for name in LISTS for i in getattr(self, name) if i.statement is not None}


@dataclass
class Version:
    version: int
    charter: Charter
    seq: int
    ts: str
    decision: dict | None = None  # the charter.agreed payload once agreed

    @property
    def agreed(self) -> bool:
        return self.decision is not None


@dataclass
class CharterHistory:
    """Every version of the charter, folded from the log."""

    versions: dict[int, Version] = field(default_factory=dict)
    decisions: list[dict] = field(default_factory=list)  # agreed and not agreed, in order

    @classmethod
    def from_events(cls, events: Iterable) -> CharterHistory:
        out = cls()
        for ev in events:
            p = ev.payload
            if ev.kind == "charter.drafted":
                v = int(p["version"])
                if v in out.versions and out.versions[v].agreed:
                    continue  # an agreed version never changes
                out.versions[v] = Version(v, Charter.from_dict(p.get("charter", {})), ev.seq, ev.ts)
            elif ev.kind in ("charter.agreed", "charter.not_agreed"):
                out.decisions.append({**p, "kind": ev.kind, "ts": ev.ts, "seq": ev.seq})
                v = out.versions.get(int(p.get("version", 0)))
                if ev.kind == "charter.agreed" and v is not None and p.get("hash") == v.charter.hash():
                    v.decision = {**p, "ts": ev.ts, "seq": ev.seq}
        return out

    @classmethod
    def load(cls, store) -> CharterHistory:
        return cls.from_events(store.events(kinds=KINDS))

    @property
    def latest(self) -> Version | None:
        return self.versions[max(self.versions)] if self.versions else None

    def draft(self) -> tuple[int, Charter]:
        """(version number, charter) to edit next: the open draft, or a copy of the agreed one as version + 1."""
        latest = self.latest
        if latest is None:
            return 1, Charter()
        if latest.agreed:
            return latest.version + 1, latest.charter.copy()
        return latest.version, latest.charter.copy()

    def latest_agreed(self) -> Version | None:
        agreed = [v for v in self.versions.values() if v.agreed]
        return max(agreed, key=lambda v: v.version) if agreed else None

    def get(self, version: int) -> Version:
        if version not in self.versions:
            raise WorkbenchError(f"There is no charter version {version}.",
                                 f"Versions: {', '.join(map(str, sorted(self.versions))) or 'none yet'}.",
                                 key="purpose.charter.error.no_version", version=version)
        return self.versions[version]


# -- what the project's data has (checked only once data was mapped) ---------------------------
def project_columns(project) -> tuple[set[str] | None, set[str] | None]:
    """(attributes, class labels) of the project's current dataset, as curation mapped it; (None, None) before
    a dataset is mapped, or (attributes, None) when no target column is mapped.

    Asked of curation (:func:`workbench.curation.importer.current`), so any format it reads counts and only the
    columns mapped as groups are attributes (never the contributor id, target or text). The labels are the
    target column's values in the raw file.
    """
    from ..curation.importer import current, load_frame

    ds = current(project.store)
    if ds is None:
        return None, None
    attributes = set(ds.mapping.groups)
    if not ds.mapping.target:
        return attributes, None
    values = load_frame(project, ds)[ds.mapping.target].dropna().astype(str).str.strip()
    labels = set(values[values != ""].unique())
    return attributes, labels or None


# -- writing ------------------------------------------------------------------------------------
def save_draft(store, charter: Charter, change: str = "edit", attributes=None, labels=None,
               actor: str = "facilitator") -> int:
    """Validate and log the charter as the open draft; returns its version number."""
    charter = charter.copy().validate(attributes, labels)
    version, _ = CharterHistory.load(store).draft()
    store.append("charter.drafted", {"version": version, "charter": charter.to_dict(), "change": str(change)[:200]},
                 actor=actor)
    return version


def promote(store, statement: int, to: str, consensus: float | None = None, actor: str = "facilitator") -> Item:
    """Put a deliberation statement into one of the charter's lists, recording its id and consensus.

    The consensus is computed here from the log as it stands (the analysis of the current deliberation), so
    what is recorded is never a figure drawn before the last votes. ``consensus`` overrides it for scripts that
    replay a known analysis (the demo, tests). Refused when the consensus is below the charter's decision rule.
    """
    from .deliberation import current

    if to not in LISTS:
        raise WorkbenchError(f"{to!r} is not one of the charter's lists.", f"Use one of: {', '.join(LISTS)}.",
                             key="purpose.charter.error.list", name=str(to))
    delib = current(store)  # the process's fold, caught up with the log: read only
    st = delib.statements.get(statement)
    if st is None or not st.visible:
        raise WorkbenchError(f"There is no visible statement {statement!r}.", key="purpose.error.no_statement",
                             statement=statement)
    if consensus is None:
        from .analysis import analyse

        table = analyse(delib).statements.set_index("id")
        consensus = float(table.loc[statement, "consensus"])
    version, charter = CharterHistory.load(store).draft()
    if statement in charter.statement_ids():
        raise WorkbenchError(f"Statement {statement} is already in the charter.",
                             key="purpose.charter.error.already", statement=statement)
    if consensus < charter.min_consensus:
        raise WorkbenchError(f"Statement {statement} has a consensus of {consensus:.2f}, below the charter's rule "
                             f"of {charter.min_consensus:.2f}.", "Keep discussing it, or change the rule.",
                             key="purpose.charter.error.below_rule", consensus=f"{consensus:.2f}",
                             rule=f"{charter.min_consensus:.2f}")
    item = Item(st.text, st.id, round(float(consensus), 3))
    getattr(charter, to).append(item)
    store.append("charter.drafted", {"version": version, "charter": charter.to_dict(),
                                     "change": f"promoted statement {st.id} to {to}"}, actor=actor)
    return item


def decide(present: int, in_favour: int, against: int, abstain: int, rule: str) -> bool:
    """Whether a decision passes under ``rule`` (see :data:`DECISION_RULES`)."""
    if rule not in DECISION_RULES:
        raise WorkbenchError(f"{rule!r} is not a decision rule.", f"Use one of: {', '.join(DECISION_RULES)}.",
                             key="purpose.charter.error.decision_rule", rule=str(rule))
    counts = [present, in_favour, against, abstain]
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts):
        raise WorkbenchError("The counts must be whole numbers of 0 or more.", key="purpose.charter.error.counts")
    if present < 1 or in_favour + against + abstain > present:
        raise WorkbenchError("More people voted than were present, or no one was present.",
                             "Check the counts.", key="purpose.charter.error.present")
    if rule == "consensus":
        return against == 0 and in_favour > 0
    if rule == "two_thirds":
        return 3 * in_favour >= 2 * present
    return 2 * in_favour > present


def _decision(history: CharterHistory, charter: Charter | None, present: int, in_favour: int, against: int,
              abstain: int, rule: str) -> tuple[bool, int, str, dict]:
    """(agreed, version, event kind, payload) of the room's decision on the open draft, or on ``charter``
    standing in for it; refused, before anything is written, when there is nothing to decide."""
    latest = history.latest
    if latest is None:
        raise WorkbenchError("There is no charter to agree yet.", "Write and save a draft first.",
                             key="purpose.charter.error.no_draft")
    if latest.agreed:
        raise WorkbenchError(f"Version {latest.version} is already agreed.",
                             "Change the charter to start a new version.",
                             key="purpose.charter.error.already_agreed", version=latest.version)
    charter = latest.charter if charter is None else charter
    missing = charter.missing_for_agreement()
    if missing:
        key, params = missing[0]
        raise WorkbenchError(f"The charter is not complete yet ({key.rsplit('.', 1)[-1]}: "
                             f"{', '.join(map(str, params.values()))}).", "Fill it in before agreeing.",
                             key=key, **params)
    agreed = decide(present, in_favour, against, abstain, rule)
    payload = {"version": latest.version, "hash": charter.hash(), "present": present,
               "in_favour": in_favour, "against": against, "abstain": abstain, "rule": rule,
               "result": "agreed" if agreed else "not agreed", "problem": charter.problem}
    return agreed, latest.version, "charter.agreed" if agreed else "charter.not_agreed", payload


def record_decision(store, present: int, in_favour: int, against: int, abstain: int, rule: str = "two_thirds",
                    actor: str = "facilitator") -> tuple[bool, int]:
    """Record the room's decision on the open draft; returns (agreed, version)."""
    agreed, version, kind, payload = _decision(CharterHistory.load(store), None, present, in_favour, against,
                                               abstain, rule)
    store.append(kind, payload, actor=actor)
    return agreed, version


def save_and_decide(store, charter: Charter, present: int, in_favour: int, against: int, abstain: int,
                    rule: str = "two_thirds", attributes=None, labels=None,
                    actor: str = "facilitator") -> tuple[bool, int]:
    """The room decides on ``charter`` as it stands on screen: one act, returning (agreed, version).

    When ``charter`` differs from the open draft it is validated and saved as that draft first; the draft (if
    changed) and the decision are appended in one transaction, so a failure leaves neither. Refused, with
    nothing written, when there is no open draft, the draft is already agreed, the charter is incomplete or
    the counts do not add up.
    """
    history = CharterHistory.load(store)
    latest = history.latest
    events = []
    chosen = None
    if latest is not None and not latest.agreed:
        form = charter.copy().validate(attributes, labels)
        if form.hash() != latest.charter.hash():
            chosen = Charter.from_dict(form.to_dict())  # as the log will read it back, so the hashes agree
            events.append(("charter.drafted", {"version": latest.version, "charter": form.to_dict(),
                                               "change": "edit"}, actor))
    agreed, version, kind, payload = _decision(history, chosen, present, in_favour, against, abstain, rule)
    store.append_many([*events, (kind, payload, actor)])
    return agreed, version


def criteria_document(version: Version, project_id: str = "") -> dict:
    """What the evaluation stage reads: the criteria of one named version, with its hash and decision."""
    c = version.charter
    return {
        "format": CRITERIA_FORMAT,
        "format_version": 1,
        "project_id": project_id,
        "charter_version": version.version,
        "charter_hash": c.hash(),
        "status": "agreed" if version.agreed else "draft",
        "decision": version.decision,
        "groups": list(c.groups),
        "footprint_kwh": c.footprint_kwh,
        "criteria": [cr.to_dict() for cr in c.criteria],
    }


def witness_decision(project, version) -> None:
    """Sign the log's head right after the community's decision on the charter (workbench.store.witness)."""
    from ..store.witness import checkpoint_now

    checkpoint_now(project, f"charter decision on version {version}")
