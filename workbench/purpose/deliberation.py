"""Deliberation: participant codes, statements, votes and moderation.

State is a fold over the project's log, so the audit trail and what the
screens show cannot disagree::

    delib = Deliberation.load(project.store)
    code = join(project.store, "pt-BR")
    sid = add_statement(project.store, code, "Urgent messages must be read first")
    cast_vote(project.store, code, sid, "agree")

Events (all appended with the participant's pseudonymous code as actor, or
``facilitator``):

- ``participant.joined``  ``{"code", "language"}``
- ``statement.added``     ``{"text", "language", "topic", "seed"}``; the
  statement's id is the event's sequence number.
- ``vote.cast``           ``{"statement", "vote"}`` with vote agree / disagree / pass.
  A later vote by the same person on the same statement replaces the earlier
  one; both stay in the log.
- ``statement.hidden`` / ``statement.shown`` ``{"statement", "reason"}``
- ``statement.merged``    ``{"statement", "into"}``: the duplicate is hidden and
  its votes count for ``into`` where the voter did not vote on ``into`` itself.
- ``purpose.results_shared`` ``{"summary"}``: the facilitator shares a small
  summary of the analysis, which participant screens show without computing it.

As in Pol.is, the author of a statement counts as agreeing with it unless they
vote on it themselves. Pure Python: participant kernels import this module
without pandas.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import WorkbenchError

FACILITATOR_ACTOR = "facilitator"
MAX_STATEMENT_CHARS = 280
VOTES = {"agree": 1, "disagree": -1, "pass": 0}
TOPICS = ("problem", "benefit", "harm", "never", "other")

KINDS = (
    "participant.joined",
    "participant.language_set",
    "statement.added",
    "statement.hidden",
    "statement.shown",
    "statement.merged",
    "vote.cast",
    "purpose.results_shared",
)

# Short words that read the same way to speakers of pt, es and en and are hard
# to mishear. 64 x 64 x 9000 = ~37 million codes: guessing one in a workshop is
# not practical, and the server limits tries.
WORDS = (
    "alba", "ameixa", "anil", "arco", "areia", "aroma", "bambu", "barco", "boto", "brisa", "cacau", "cafe",
    "caju", "canoa", "cedro", "cipo", "coco", "cometa", "coral", "delta", "duna", "eco", "flor", "foca",
    "gaivota", "gema", "goiaba", "ilha", "ipe", "jade", "jaguar", "kiwi", "lago", "lima", "lontra", "lua",
    "mango", "mar", "milho", "mina", "monte", "nuvem", "oliva", "onda", "palma", "pampa", "pera", "pico",
    "pluma", "puma", "rio", "rocha", "rosa", "sabia", "selva", "sol", "tapir", "terra", "tucano", "uva",
    "vale", "vento", "yuca", "zebra",
)
CODE_RE = re.compile(r"^[a-z]+-[a-z]+-[0-9]{4}$")


def new_participant_code() -> str:
    """A fresh pseudonymous code such as ``rio-coral-4821`` (cryptographic randomness)."""
    return f"{secrets.choice(WORDS)}-{secrets.choice(WORDS)}-{secrets.randbelow(9000) + 1000}"


def normalise_code(text: str) -> str:
    """What people type, made comparable: ``' Rio Coral 4821 '`` -> ``'rio-coral-4821'``."""
    parts = re.split(r"[\s_.\-]+", str(text or "").strip().lower())
    return "-".join(p for p in parts if p)


@dataclass
class Statement:
    id: int
    text: str
    author: str
    language: str
    topic: str
    seed: bool
    ts: str
    hidden: bool = False
    hidden_reason: str = ""
    merged_into: int | None = None

    @property
    def visible(self) -> bool:
        return not self.hidden and self.merged_into is None


@dataclass(frozen=True)
class Vote:
    voter: str
    statement: int
    value: int  # 1 agree, -1 disagree, 0 pass
    seq: int
    ts: str
    implicit: bool = False  # the author's own agreement


@dataclass
class Deliberation:
    """The conversation so far, folded from events; call :meth:`update` to catch up."""

    participants: dict[str, dict] = field(default_factory=dict)  # code -> {"language", "seq", "ts"}
    statements: dict[int, Statement] = field(default_factory=dict)
    votes_cast: list[Vote] = field(default_factory=list)  # every vote.cast, in log order
    shared_results: dict | None = None
    last_seq: int = 0
    _latest: dict[tuple[str, int], Vote] = field(default_factory=dict, repr=False)
    _votes_cache: tuple[int, dict] | None = field(default=None, repr=False, compare=False)

    # -- folding ---------------------------------------------------------------
    @classmethod
    def from_events(cls, events: Iterable) -> Deliberation:
        delib = cls()
        delib.apply(events)
        return delib

    @classmethod
    def load(cls, store) -> Deliberation:
        return cls.from_events(store.events(kinds=KINDS))

    def update(self, store) -> Deliberation:
        """Fold only the events logged since the last fold (cheap on every click)."""
        self.apply(store.events(kinds=KINDS, after=self.last_seq))
        return self

    def apply(self, events: Iterable) -> None:
        for ev in events:
            if ev.seq <= self.last_seq:
                continue
            self.last_seq = ev.seq
            handler = _HANDLERS.get(ev.kind)
            if handler is not None:
                handler(self, ev)

    def _on_joined(self, ev) -> None:
        code = ev.payload.get("code", ev.actor)
        self.participants.setdefault(code, {"language": ev.payload.get("language", ""), "seq": ev.seq,
                                            "ts": ev.ts})

    def _on_language(self, ev) -> None:
        code = ev.payload.get("code", ev.actor)
        if code in self.participants:
            self.participants[code]["language"] = str(ev.payload.get("language", ""))

    def language_of(self, code: str) -> str:
        """The language a participant picked (it sticks to their code across devices)."""
        return str(self.participants.get(code, {}).get("language", ""))

    def _on_added(self, ev) -> None:
        p = ev.payload
        self.statements[ev.seq] = Statement(ev.seq, str(p.get("text", "")), ev.actor, str(p.get("language", "")),
                                            str(p.get("topic", "other")), bool(p.get("seed", False)), ev.ts)

    def _on_vote(self, ev) -> None:
        sid, value = ev.payload.get("statement"), VOTES.get(ev.payload.get("vote"))
        if sid not in self.statements or value is None:
            return
        vote = Vote(ev.actor, sid, value, ev.seq, ev.ts)
        self.votes_cast.append(vote)
        self._latest[(ev.actor, sid)] = vote

    def _on_hidden(self, ev) -> None:
        st = self.statements.get(ev.payload.get("statement"))
        if st is not None:
            st.hidden, st.hidden_reason = True, str(ev.payload.get("reason", ""))

    def _on_shown(self, ev) -> None:
        st = self.statements.get(ev.payload.get("statement"))
        if st is not None:
            st.hidden, st.hidden_reason, st.merged_into = False, "", None

    def _on_merged(self, ev) -> None:
        st = self.statements.get(ev.payload.get("statement"))
        if st is not None and ev.payload.get("into") in self.statements:
            st.merged_into = ev.payload["into"]

    def _on_shared(self, ev) -> None:
        self.shared_results = dict(ev.payload.get("summary") or {})

    # -- reading -----------------------------------------------------------------
    def visible_statements(self) -> list[Statement]:
        return [s for s in self.statements.values() if s.visible]

    def target(self, sid: int) -> int:
        """Where a statement's votes count: itself, or what it was merged into (followed)."""
        seen = set()
        while True:
            st = self.statements[sid]
            if st.merged_into is None or sid in seen:
                return sid
            seen.add(sid)
            sid = st.merged_into

    def votes(self) -> dict[tuple[str, int], Vote]:
        """The vote that counts per (participant, visible statement).

        A person's own vote on a statement beats a vote carried over from a
        merged duplicate, which beats the author's implicit agreement; among
        equals the later one wins. Cached until the next event is folded.
        """
        if self._votes_cache is not None and self._votes_cache[0] == self.last_seq:
            return self._votes_cache[1]
        out: dict[tuple[str, int], Vote] = {}
        rank: dict[tuple[str, int], tuple[int, int]] = {}

        def offer(key, vote, level):
            r = (level, vote.seq)
            if key not in rank or r > rank[key]:
                rank[key], out[key] = r, vote

        for st in self.statements.values():
            if st.author in self.participants:
                tgt = self.target(st.id)
                offer((st.author, tgt), Vote(st.author, tgt, 1, st.id, st.ts, implicit=True), 0)
        for (voter, sid), vote in self._latest.items():
            tgt = self.target(sid)
            offer((voter, tgt), vote, 2 if tgt == sid else 1)
        visible = {s.id for s in self.visible_statements()}
        result = {k: v for k, v in out.items() if k[1] in visible}
        self._votes_cache = (self.last_seq, result)
        return result

    def votes_by(self, code: str) -> dict[int, int]:
        return {sid: v.value for (voter, sid), v in self.votes().items() if voter == code}

    def next_card(self, code: str) -> Statement | None:
        """The next statement for ``code`` to vote on: visible, not theirs, not voted; fewest votes first."""
        counts: dict[int, int] = {}
        voted = set()
        for (voter, sid) in self.votes():
            counts[sid] = counts.get(sid, 0) + 1
            if voter == code:
                voted.add(sid)
        todo = [s for s in self.visible_statements() if s.id not in voted and s.author != code]
        if not todo:
            return None
        return min(todo, key=lambda s: (counts.get(s.id, 0), s.id))

    def progress(self, code: str) -> tuple[int, int]:
        """(statements voted on, statements there are to vote on) for ``code``."""
        mine = [s for s in self.visible_statements() if s.author != code]
        voted = self.votes_by(code)
        return sum(1 for s in mine if s.id in voted), len(mine)


_HANDLERS = {
    "participant.joined": Deliberation._on_joined,
    "participant.language_set": Deliberation._on_language,
    "statement.added": Deliberation._on_added,
    "vote.cast": Deliberation._on_vote,
    "statement.hidden": Deliberation._on_hidden,
    "statement.shown": Deliberation._on_shown,
    "statement.merged": Deliberation._on_merged,
    "purpose.results_shared": Deliberation._on_shared,
}


# -- writing: each validates against the log, then appends one event ---------------
def join(store, language: str = "en") -> str:
    """A new participant: log their code (and nothing about who they are) and return it."""
    taken = Deliberation.load(store).participants
    for _ in range(20):
        code = new_participant_code()
        if code not in taken:
            break
    store.append("participant.joined", {"code": code, "language": str(language)}, actor=code)
    return code


def set_language(store, code: str, language: str) -> None:
    """Remember a participant's new language choice (only when it changed)."""
    delib = Deliberation.load(store)
    _check_participant(delib, code)
    if delib.language_of(code) != language:
        store.append("participant.language_set", {"code": code, "language": str(language)}, actor=code)


def resume(store, typed: str) -> str:
    """The code someone typed to come back, if it was given out here; refused otherwise."""
    code = normalise_code(typed)
    if not code:
        raise WorkbenchError("Type your participant code.", key="purpose.error.code_empty")
    if not CODE_RE.match(code) or code not in Deliberation.load(store).participants:
        raise WorkbenchError(f"There is no participant with the code {code!r} here.",
                             "Check the code you wrote down, or join as a new participant.",
                             key="purpose.error.code_unknown", code=code)
    return code


# Control characters that are not whitespace (NUL, BEL, ESC, DEL, C1) and lone surrogates: invisible,
# never meant, and a lone surrogate cannot even be written as UTF-8. Tidied away like extra spaces.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")
# Format characters that draw nothing (zero-width space/joiners, direction marks and overrides, BOM,
# soft hyphen). They stay in a statement (emoji sequences and some scripts need them) but cannot be one.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def check_statement_text(text: str) -> str:
    """The statement's text, tidied; refused when empty (or invisible) or longer than 280 characters."""
    cleaned = " ".join(_CONTROLS.sub("", str(text or "")).split())
    if not _INVISIBLE.sub("", cleaned).strip():
        raise WorkbenchError("A statement cannot be empty.", "Write a short sentence.",
                             key="purpose.error.empty")
    if len(cleaned) > MAX_STATEMENT_CHARS:
        raise WorkbenchError(f"A statement can have at most {MAX_STATEMENT_CHARS} characters; "
                             f"this one has {len(cleaned)}.", "Make it shorter.",
                             key="purpose.error.too_long", max=MAX_STATEMENT_CHARS, count=len(cleaned))
    return cleaned


def _check_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise WorkbenchError(f"{topic!r} is not a statement topic.", f"Use one of: {', '.join(TOPICS)}.",
                             key="purpose.error.topic", topic=topic)
    return topic


def _check_participant(delib: Deliberation, code: str) -> None:
    if code not in delib.participants:
        raise WorkbenchError(f"There is no participant with the code {code!r} here.",
                             "Join as a new participant first.", key="purpose.error.code_unknown", code=code)


def add_statement(store, code: str, text: str, language: str = "en", topic: str = "other") -> int:
    """A participant's statement; returns its id once committed."""
    cleaned = check_statement_text(text)
    _check_topic(topic)
    _check_participant(Deliberation.load(store), code)
    ev = store.append("statement.added", {"text": cleaned, "language": str(language), "topic": topic,
                                          "seed": False}, actor=code)
    return ev.seq


def seed_statement(store, text: str, language: str = "en", topic: str = "other",
                   actor: str = FACILITATOR_ACTOR) -> int:
    """A facilitator's seed statement, to start the conversation."""
    cleaned = check_statement_text(text)
    _check_topic(topic)
    ev = store.append("statement.added", {"text": cleaned, "language": str(language), "topic": topic,
                                          "seed": True}, actor=actor)
    return ev.seq


def _statement(delib: Deliberation, sid) -> Statement:
    st = delib.statements.get(sid) if isinstance(sid, int) and not isinstance(sid, bool) else None
    if st is None:
        raise WorkbenchError(f"There is no statement {sid!r}.", "Reload the page to see the statements.",
                             key="purpose.error.no_statement", statement=sid)
    return st


def cast_vote(store, code: str, statement: int, vote: str, delib: Deliberation | None = None) -> None:
    """Record ``code``'s vote (agree / disagree / pass); a later vote replaces an earlier one."""
    if vote not in VOTES:
        raise WorkbenchError(f"{vote!r} is not a vote.", "Vote agree, disagree or pass.",
                             key="purpose.error.vote", vote=vote)
    delib = delib.update(store) if delib is not None else Deliberation.load(store)
    _check_participant(delib, code)
    st = _statement(delib, statement)
    if not st.visible:
        raise WorkbenchError("This statement was taken out of the conversation by the facilitators.",
                             "Vote on the next one.", key="purpose.error.statement_hidden")
    store.append("vote.cast", {"statement": st.id, "vote": vote}, actor=code)


def hide(store, statement: int, reason: str = "", actor: str = FACILITATOR_ACTOR) -> None:
    """Take a statement out of the conversation: it stays in the log, marked hidden."""
    _statement(Deliberation.load(store), statement)
    store.append("statement.hidden", {"statement": statement, "reason": " ".join(str(reason).split())[:280]},
                 actor=actor)


def show(store, statement: int, actor: str = FACILITATOR_ACTOR) -> None:
    """Undo a hide or a merge."""
    _statement(Deliberation.load(store), statement)
    store.append("statement.shown", {"statement": statement}, actor=actor)


def merge(store, duplicate: int, into: int, actor: str = FACILITATOR_ACTOR) -> None:
    """Mark ``duplicate`` as a copy of ``into``; its votes count for ``into``."""
    delib = Deliberation.load(store)
    dup, keep = _statement(delib, duplicate), _statement(delib, into)
    if dup.id == keep.id or delib.target(keep.id) == dup.id:
        raise WorkbenchError("A statement cannot be merged into itself.", "Choose two different statements.",
                             key="purpose.error.merge_self")
    if not keep.visible:
        raise WorkbenchError(f"Statement {keep.id} is hidden or merged, so nothing can be merged into it.",
                             "Merge into a visible statement.", key="purpose.error.merge_hidden",
                             statement=keep.id)
    store.append("statement.merged", {"statement": dup.id, "into": keep.id}, actor=actor)


def share_results(store, summary: dict, actor: str = FACILITATOR_ACTOR) -> None:
    """Publish a small summary of the analysis for participant screens."""
    store.append("purpose.results_shared", {"summary": summary}, actor=actor)


def cast_votes(store, votes: Iterable[tuple[str, int, str]]) -> int:
    """Record many votes ``(code, statement, vote)`` in one transaction (all or none); returns how many."""
    delib = Deliberation.load(store)
    items = []
    for code, statement, vote in votes:
        if vote not in VOTES:
            raise WorkbenchError(f"{vote!r} is not a vote.", "Vote agree, disagree or pass.",
                                 key="purpose.error.vote", vote=vote)
        _check_participant(delib, code)
        st = _statement(delib, statement)
        if not st.visible:
            raise WorkbenchError("This statement was taken out of the conversation by the facilitators.",
                                 "Vote on the next one.", key="purpose.error.statement_hidden")
        items.append(("vote.cast", {"statement": st.id, "vote": vote}, code))
    store.append_many(items)
    return len(items)
