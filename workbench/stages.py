"""The four stages and where a project stands in each, folded from its events.

A stage is *not started* until one of its ``started_by`` kinds is logged, and
*done* once its ``done_by`` kind is. Each stage package adds its kinds here when
it lands; nothing else needs to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .store import Event

NOT_STARTED, IN_PROGRESS, DONE = "not_started", "in_progress", "done"


@dataclass(frozen=True)
class Stage:
    key: str
    number: int
    started_by: tuple[str, ...]  # kind prefixes
    done_by: tuple[str, ...]  # exact kinds

    @property
    def title_key(self) -> str:
        return f"stage.{self.key}.title"

    @property
    def summary_key(self) -> str:
        return f"stage.{self.key}.summary"


STAGES: tuple[Stage, ...] = (
    Stage("purpose", 1, ("statement.", "vote.", "charter."), ("charter.agreed",)),
    Stage("consent", 2, ("scope.", "consent."), ("scope.published",)),
    # Done once the community accepted the curated data with its datasheet (a gate, workbench.decisions).
    Stage("curation", 3, ("dataset.", "curation.", "datawork."), ("curation.accepted",)),
    Stage("evaluation", 4, ("evaluation.", "modelcard."), ("modelcard.written",)),
)


@dataclass(frozen=True)
class StageStatus:
    stage: Stage
    status: str
    events: int

    @property
    def status_key(self) -> str:
        return f"status.{self.status}"


def stage_statuses(events: Iterable[Event]) -> list[StageStatus]:
    counts = {s.key: 0 for s in STAGES}
    done = {s.key: False for s in STAGES}
    for ev in events:
        for s in STAGES:
            if ev.kind.startswith(s.started_by):
                counts[s.key] += 1
            if ev.kind in s.done_by:
                done[s.key] = True
    out = []
    for s in STAGES:
        status = DONE if done[s.key] else IN_PROGRESS if counts[s.key] else NOT_STARTED
        out.append(StageStatus(s, status, counts[s.key]))
    return out


# -- how far each group of participants has got ---------------------------------------
# The steps a participant takes in the participant apps, in order; each counts people, never names them.
STEPS: tuple[tuple[str, str], ...] = (
    ("purpose", "joined"),  # has a code in the conversation
    ("purpose", "wrote"),  # wrote at least one statement
    ("purpose", "voted"),  # voted on at least one statement
    ("purpose", "voted_all"),  # voted on every statement there is for them now
    ("consent", "decided"),  # gave a consent choice (yes / no per use, or declined the form)
    ("consent", "withdrew"),  # withdrew some or all of it later
)
STEP_KEYS = tuple(f"{stage}.{step}" for stage, step in STEPS)
NO_LANGUAGE = ""  # paper records and old events may carry no language


@dataclass(frozen=True)
class GroupProgress:
    """One group of participants: ``kind`` is "language" or "opinion", ``name`` the tag or group letter.

    ``people`` is how many distinct participants the log knows in the group; ``steps`` how many of them
    reached each step of :data:`STEP_KEYS` (steps that do not apply to the kind are absent).
    """

    kind: str
    name: str
    people: int
    steps: dict[str, int]

    @property
    def stage(self) -> str | None:
        """The furthest stage some of the group has reached in the log, or None."""
        reached = [key.split(".", 1)[0] for key, n in self.steps.items() if n]
        order = [s.key for s in STAGES]
        return max(reached, key=order.index) if reached else None


def _purpose_reached(delib, codes) -> dict[str, set]:
    """For each purpose step, the codes (among ``codes``) that reached it."""
    votes = delib.votes()
    visible = delib.visible_statements()
    authored_visible: dict[str, int] = {}
    for st in visible:
        authored_visible[st.author] = authored_visible.get(st.author, 0) + 1
    done: dict[str, int] = {}
    for voter, sid in votes:
        if delib.statements[sid].author != voter:  # a person's own statement is not theirs to vote on
            done[voter] = done.get(voter, 0) + 1
    wrote = {st.author for st in delib.statements.values() if not st.seed}
    voted = delib.votes_cast.voters()
    out: dict[str, set] = {"purpose.joined": set(), "purpose.wrote": set(), "purpose.voted": set(),
                           "purpose.voted_all": set()}
    for code in codes:
        out["purpose.joined"].add(code)
        if code in wrote:
            out["purpose.wrote"].add(code)
        if code in voted:
            out["purpose.voted"].add(code)
        todo = len(visible) - authored_visible.get(code, 0)
        if todo > 0 and done.get(code, 0) >= todo:
            out["purpose.voted_all"].add(code)
    return out


def group_progress(events: Iterable[Event], opinion_groups: dict[str, list[str]] | None = None) -> list[GroupProgress]:
    """How far each group has got, folded from the log: by language, then by opinion group.

    A person's language is the one they last picked (a purpose code's ``participant.language_set``, a
    consent event's ``language``). ``opinion_groups`` maps a group's name to its members' purpose codes
    (``Analysis.groups`` of the deliberation analysis); opinion groups count the purpose steps only.
    Pure Python over the events (no pandas): cheap enough to run whenever the log grows.
    """
    from .purpose.deliberation import Deliberation

    events = list(events)
    delib = Deliberation.from_events(events)
    language: dict[str, str] = {code: str(info.get("language", "")) for code, info in delib.participants.items()}
    decided, withdrew = set(), set()
    for ev in events:
        if ev.kind in ("consent.granted", "consent.refused", "consent.withdrawn"):
            who = str(ev.payload.get("contributor", ""))
            if not who:
                continue
            lang = str(ev.payload.get("language") or "")
            if lang or who not in language:
                language[who] = lang
            (withdrew if ev.kind == "consent.withdrawn" else decided).add(who)
    reached = _purpose_reached(delib, delib.participants)
    reached["consent.decided"], reached["consent.withdrew"] = decided, withdrew
    out = []
    for lang in sorted(set(language.values()), key=lambda t: (t == NO_LANGUAGE, t)):
        members = {who for who, tag in language.items() if tag == lang}
        out.append(GroupProgress("language", lang, len(members),
                                 {key: len(reached[key] & members) for key in STEP_KEYS}))
    for name, codes in sorted((opinion_groups or {}).items()):
        members = set(codes) & set(delib.participants)
        out.append(GroupProgress("opinion", name, len(members),
                                 {key: len(reached[key] & members) for key in STEP_KEYS if key.startswith("purpose.")}))
    return out
