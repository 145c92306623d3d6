"""Deliberation: participant codes, statements, votes and moderation.

State is a fold over the project's log, so the audit trail and what the
screens show cannot disagree::

    delib = Deliberation.load(project.store)
    code = join(project.store, "pt-BR")
    sid = add_statement(project.store, code, "Urgent messages must be read first")
    cast_vote(project.store, code, sid, "agree")

Events (all appended with the participant's pseudonymous code as actor, or
``facilitator``):

- ``participant.joined``  ``{"code", "language"}``, and from a participant's page also ``"sources"`` (keyed
  hashes of the page's kernel, browser session and address: ``["kernel:3f..", "addr:9c.."]``, never the
  address itself) and, when they joined with a join card, ``"card"`` (the card's digest).
- ``join_card.issued``    ``{"card"}``: a keyed digest of a single-use join card's code, never the code.
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
- ``purpose.imported`` ``{"source", "attribution", "licence", "summary", ...}``: a Pol.is conversation was
  imported (:mod:`.polis_import`); the events that follow it in the same batch carry ``"polis"``.

**Imported events** (``workbench purpose import``) are the facilitator's act: their actor is
``facilitator``, the store's ``ts`` is the time of the import, and the payload's ``"polis"`` holds what
Pol.is recorded (``{"id", "ts" (ms since 1970, as Pol.is), "datetime" (Pol.is's text, verbatim)}``, and
for a statement its ``"moderated"``). The person is named in the payload: ``participant.joined``
``{"code": "polis-12"}``, ``statement.added`` ``{"author": "polis-12"}``, ``vote.cast``
``{"code": "polis-12", "comment": 5}`` (the Pol.is comment id: the statement's sequence number is not known
before the batch is written). An imported code has no word-and-digits shape, so nobody can resume as it;
imported events never count towards anyone's pace (they are not that person acting now).

As in Pol.is, the author of a participant's statement counts as agreeing with it unless they vote on it
themselves (Pol.is records that vote as a row); a seed statement (the facilitators') and an imported one
(Pol.is's own rows say who agreed) get no implicit vote. Pure Python: participant kernels import this
module without pandas.

**Scale.** Every write (join, statement, vote, moderation) checks against :func:`current`: one fold per
open store, kept in this process and caught up from the log's last sequence number before each check
(so other processes' writes count), instead of re-reading the whole log: a join costs the same at 500k
events as at 500 (benchmarks/bench_polis_scale.py). The fold keeps the votes as columns
(:class:`VoteColumns`), not one object per vote: the export and the analysis read them in bulk, and
:meth:`Deliberation.votes` makes a :class:`Vote` only when one is read.

One person, one voice (:class:`Rules`, from ``[workshop]`` in workbench.toml): the calls a participant's
page makes pass the project's rules, the shared limiter (workbench.limits) and the page's keys
(workbench.ui.context.client_keys). In ``open`` mode new participants per page, browser session and
address are capped (``joins_per_hour``); in ``cards`` mode a person joins only with a single-use join card
(:func:`issue_cards`). Votes and statements keep a human pace, checked from the participant's own events
in the log. Every place that takes a code (resume, join card) counts wrong codes in the shared limiter.
Trusted callers (the facilitator's CLI, the demo, tests) may leave the rules out.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import re
import secrets
import threading
import weakref
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..errors import WorkbenchError
from ..text import check_text, snippet

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
    "join_card.issued",
    "purpose.imported",
)
MAX_CARDS = 500  # join cards one call issues
JOIN_WINDOW_S = 3600.0
BURST_WINDOW_S = 600.0  # the facilitator's analysis flags BURST_JOINS or more joins from one source in this
BURST_JOINS = 3
LANGUAGE_CHANGES_PER_HOUR = 20  # remembered language choices per participant (the screen follows every one)

# Short words that read the same way to speakers of pt, es and en and are hard to mishear.
WORDS = (
    "alba", "ameixa", "anil", "arco", "areia", "aroma", "bambu", "barco", "boto", "brisa", "cacau", "cafe",
    "caju", "canoa", "cedro", "cipo", "coco", "cometa", "coral", "delta", "duna", "eco", "flor", "foca",
    "gaivota", "gema", "goiaba", "ilha", "ipe", "jade", "jaguar", "kiwi", "lago", "lima", "lontra", "lua",
    "mango", "mar", "milho", "mina", "monte", "nuvem", "oliva", "onda", "palma", "pampa", "pera", "pico",
    "pluma", "puma", "rio", "rocha", "rosa", "sabia", "selva", "sol", "tapir", "terra", "tucano", "uva",
    "vale", "vento", "yuca", "zebra",
)
# Three words and four digits (new codes); two words and four digits (codes given out before: the log
# is the truth, so they still resume).
CODE_RE = re.compile(r"^[a-z]+-[a-z]+(-[a-z]+)?-[0-9]{4}$")
CODE_WORDS = 3


def new_participant_code() -> str:
    """A fresh pseudonymous code such as ``rio-coral-lua-4821`` (cryptographic randomness).

    How hard it is to guess: 64 words ** 3 x 9000 numbers = 2,359,296,000 (~2.4e9, 31 bits) codes. The
    shared limiter (workbench.limits.CODE_LIMITS) lets each address, browser session and page try at most
    10 wrong codes a minute and 30 an hour, so one address gets ~300 tries in a 10-hour workshop day. With
    200 participants (or join cards) in the project, the chance that any of those 300 tries hits one is
    300 x 200 / 2.36e9 ~= 2.5e-5 (1 in 39,000); an attacker with 100 addresses on the room's network
    still has ~0.25 %. The old two-word codes (64 ** 2 x 9000 = 36,864,000) gave 300 x 200 / 3.7e7 ~= 0.16 %
    per address. Join cards are codes of the same form (the card becomes its holder's code).
    """
    words = "-".join(secrets.choice(WORDS) for _ in range(CODE_WORDS))
    return f"{words}-{secrets.randbelow(9000) + 1000}"


def normalise_code(text: str) -> str:
    """What people type, made comparable: ``' Rio Coral 4821 '`` -> ``'rio-coral-4821'``.

    Spaces, dots, dashes and underscores separate the parts; anything else outside a-z and 0-9 (accents,
    control or invisible characters) is dropped, so it can never match.
    """
    parts = re.split(r"[\s_.\-]+", str(text or "").strip().lower())
    parts = [re.sub(r"[^a-z0-9]", "", p) for p in parts]
    return "-".join(p for p in parts if p)[:80]


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(when: datetime) -> str:
    """A time as the store writes event times (ISO 8601, UTC, microseconds), so stamps sort as strings."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _keyed(secret: bytes, label: str, value: str) -> str:
    return hmac.new(secret, f"{label}:{value}".encode(), hashlib.sha256).hexdigest()


def card_digest(code: str, secret: bytes = b"") -> str:
    """What the log keeps of a join card: a keyed hash of its normalised code, never the code."""
    return _keyed(secret, "commons-workbench-join-card", normalise_code(code))


def source_tags(keys: Iterable[str], secret: bytes = b"") -> list[str]:
    """The page's limiter keys (``addr:..``, ``session:..``, ``kernel:..``) as keyed hashes for the log:
    the kind stays readable, the address or id does not."""
    out = []
    for key in keys or ():
        kind, _, value = str(key).partition(":")
        if kind and value:
            tag = f"{kind}:{_keyed(secret, 'commons-workbench-join-source', str(key))[:16]}"
            if tag not in out:
                out.append(tag)
    return out


@dataclass(frozen=True)
class Rules:
    """One person, one voice: the project's settings for the calls a participant's page makes.

    A limit of 0 is off. ``secret`` keys the hashes of join sources and join cards in the log
    (derived from the project's cookie secret by :meth:`for_project`).
    """

    join_mode: str = "open"
    joins_per_hour: int = 3
    votes_per_minute: int = 30
    statements_per_hour: int = 10
    secret: bytes = b""
    statement_max_chars: int = MAX_STATEMENT_CHARS

    @classmethod
    def for_project(cls, project) -> Rules:
        shop = project.config.workshop
        return cls(join_mode=shop.join_mode, joins_per_hour=shop.joins_per_hour,
                   votes_per_minute=shop.votes_per_minute, statements_per_hour=shop.statements_per_hour,
                   secret=project_secret(project),
                   statement_max_chars=getattr(shop, "statement_max_chars", MAX_STATEMENT_CHARS))


def project_secret(project) -> bytes:
    """The key for the log's hashes of join sources and cards, derived from the project's cookie secret."""
    raw = project.access_codes().cookie_secret
    return hashlib.sha256(f"commons-workbench-deliberation:{raw}".encode()).digest()


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
    # What Pol.is recorded for an imported statement: {"id", "ts", "datetime", "moderated"}; None otherwise.
    origin: dict | None = None
    accepted: bool = False  # moderated in (Pol.is's 1): imported as accepted, or shown again by a facilitator

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
    origin: dict | None = None  # what Pol.is recorded for an imported vote: {"ts", "datetime"}


NO_TIME = -(2**63)  # no Pol.is timestamp for this vote (the workbench's own)


class VoteColumns:
    """Every ``vote.cast`` the fold accepted, in log order, held as columns rather than one object per vote.

    A national consultation logs hundreds of thousands of votes: one Python object each costs memory and,
    worse, CPU cache on every pass over them (the Pol.is export at 10x took more than 10x the time). Here
    each vote is a row of compact arrays (stdlib :mod:`array`, so participant kernels need no numpy), which
    the export and the analysis read in bulk:

    - ``voter`` (index into ``codes``), ``statement``, ``value`` (1 / -1 / 0), ``seq``; ``ts`` the store's time;
    - ``polis_ms``: Pol.is's timestamp of an imported vote (:data:`NO_TIME` for the workbench's own), and its
      datetime text as UTF-8 in ``text_bytes``, ending at ``text_end[row]`` (where the row before ended, or 0:
      no text); any other shape of ``"polis"`` is kept as given in ``origins`` (row -> dict);
    - ``last``: (code, statement) -> the row of that pair's latest vote (the one that counts, as in Pol.is).

    It reads as the list of :class:`Vote` it replaces (``len``, iteration, indexing, ``append``): each
    :class:`Vote` is made when asked for.
    """

    __slots__ = ("codes", "_code_ix", "voter", "statement", "value", "seq", "ts", "polis_ms", "text_bytes",
                 "text_end", "origins", "last")

    def __init__(self, votes: Iterable[Vote] = ()) -> None:
        self.codes: list[str] = []
        self._code_ix: dict[str, int] = {}
        self.voter = array("q")
        self.statement = array("q")
        self.value = array("b")
        self.seq = array("q")
        self.ts: list[str] = []
        self.polis_ms = array("q")
        self.text_bytes = bytearray()
        self.text_end = array("q")
        self.origins: dict[int, dict] = {}
        self.last: dict[tuple[str, int], int] = {}
        for vote in votes:
            self.append(vote)

    def add(self, voter: str, statement: int, value: int, seq: int, ts: str, origin: dict | None = None) -> int:
        """One vote as a new row; returns the row."""
        row = len(self.seq)
        ix = self._code_ix.get(voter)
        if ix is None:
            ix = self._code_ix[voter] = len(self.codes)
            self.codes.append(voter)
        self.voter.append(ix)
        self.statement.append(statement)
        self.value.append(value)
        self.seq.append(seq)
        self.ts.append(ts)
        ms = NO_TIME
        if origin is not None:
            stamp, when = origin.get("ts"), origin.get("datetime")
            if len(origin) == 2 and type(stamp) is int and type(when) is str and stamp != NO_TIME:
                ms = stamp
                self.text_bytes += when.encode("utf-8", "surrogatepass")
            else:
                self.origins[row] = origin
        self.polis_ms.append(ms)
        self.text_end.append(len(self.text_bytes))
        self.last[(voter, statement)] = row
        return row

    def append(self, vote: Vote) -> None:
        self.add(vote.voter, vote.statement, vote.value, vote.seq, vote.ts, vote.origin)

    def origin(self, row: int) -> dict | None:
        """What Pol.is recorded for the vote in ``row`` (None for the workbench's own)."""
        if row in self.origins:
            return self.origins[row]
        ms = self.polis_ms[row]
        if ms == NO_TIME:
            return None
        start = self.text_end[row - 1] if row else 0
        return {"ts": ms, "datetime": self.text_bytes[start:self.text_end[row]].decode("utf-8", "surrogatepass")}

    def __len__(self) -> int:
        return len(self.seq)

    def __getitem__(self, row: int) -> Vote:
        row = range(len(self.seq))[row]  # negative rows count from the end; IndexError past it
        return Vote(self.codes[self.voter[row]], self.statement[row], self.value[row], self.seq[row],
                    self.ts[row], origin=self.origin(row))

    def __iter__(self) -> Iterator[Vote]:
        return map(self.__getitem__, range(len(self.seq)))

    def voters(self) -> set[str]:
        """Everyone with at least one vote (no :class:`Vote` made)."""
        return {self.codes[i] for i in set(self.voter)}

    def __eq__(self, other) -> bool:
        if not isinstance(other, VoteColumns):
            return NotImplemented
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"VoteColumns({len(self)} votes)"


class CountedVotes(Mapping):
    """(participant, visible statement) -> the :class:`Vote` that counts, made when read.

    Holds only each pair's row in the fold's :class:`VoteColumns` (``~statement id`` for the author's
    implicit agreement), so counting touches no per-vote object.
    """

    def __init__(self, delib: Deliberation, rows: dict[tuple[str, int], int]) -> None:
        self._delib, self._rows = delib, rows

    def __getitem__(self, key: tuple[str, int]) -> Vote:
        row = self._rows[key]
        if row >= 0:
            return self._delib.votes_cast[row]
        st = self._delib.statements[~row]
        return Vote(st.author, self._delib.target(st.id), 1, st.id, st.ts, implicit=True)

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key) -> bool:
        return key in self._rows


@dataclass
class Deliberation:
    """The conversation so far, folded from events; call :meth:`update` to catch up."""

    # code -> {"language", "seq", "ts", "sources", "card"}
    participants: dict[str, dict] = field(default_factory=dict)
    statements: dict[int, Statement] = field(default_factory=dict)
    votes_cast: VoteColumns = field(default_factory=VoteColumns)  # every vote.cast, in log order (columns)
    shared_results: dict | None = None
    cards: dict[str, str | None] = field(default_factory=dict)  # join card digest -> the code that used it
    # A participant's own vote.cast / statement.added times (the store's stamps, in log order): their pace.
    vote_times: dict[str, list[str]] = field(default_factory=dict)
    statement_times: dict[str, list[str]] = field(default_factory=dict)
    language_times: dict[str, list[str]] = field(default_factory=dict)
    imported: dict | None = None  # the purpose.imported payload (source, attribution, Pol.is summary)
    polis_ids: dict[int, int] = field(default_factory=dict)  # Pol.is comment id -> statement id (imported)
    last_seq: int = 0
    _votes_cache: tuple | None = field(default=None, repr=False, compare=False)

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
        """Fold only the events logged since the last fold (cheap on every click).

        After the first fold the tail is read by sequence number alone (the primary key's range), every
        kind, so its cost follows the new events, never the log's length (a kind filter let the database
        walk the kind index over the whole log); events of other kinds are skipped but still advance
        ``last_seq``.
        """
        if self.last_seq == 0:
            self.apply(store.events(kinds=KINDS))
        else:
            self.apply(store.events(after=self.last_seq))
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
        sources = ev.payload.get("sources")
        card = ev.payload.get("card")
        info = {"language": ev.payload.get("language", ""), "seq": ev.seq, "ts": ev.ts,
                "sources": [str(x) for x in sources] if isinstance(sources, list) else [],
                "card": str(card) if card else ""}
        origin = _origin(ev)
        if origin is not None:
            info["polis"] = origin
        self.participants.setdefault(code, info)
        if card and self.cards.get(card, "") is None:
            self.cards[card] = code

    def _on_card(self, ev) -> None:
        card = ev.payload.get("card")
        if isinstance(card, str) and card:
            self.cards.setdefault(card, None)

    def _on_language(self, ev) -> None:
        code = ev.payload.get("code", ev.actor)
        self.language_times.setdefault(code, []).append(ev.ts)
        if code in self.participants:
            self.participants[code]["language"] = str(ev.payload.get("language", ""))

    def language_of(self, code: str) -> str:
        """The language a participant picked (it sticks to their code across devices)."""
        return str(self.participants.get(code, {}).get("language", ""))

    def _on_added(self, ev) -> None:
        p = ev.payload
        origin = _origin(ev)
        author = ev.actor
        if origin is not None:
            author = str(p.get("author") or ev.actor)
        elif not p.get("seed"):
            self.statement_times.setdefault(ev.actor, []).append(ev.ts)
        st = Statement(ev.seq, str(p.get("text", "")), author, str(p.get("language", "")),
                       str(p.get("topic", "other")), bool(p.get("seed", False)), ev.ts, origin=origin)
        if origin is not None:
            if isinstance(origin.get("id"), int):
                self.polis_ids.setdefault(origin["id"], ev.seq)
            st.accepted = origin.get("moderated") == 1
            if origin.get("moderated") == -1:
                st.hidden, st.hidden_reason = True, "polis"
        self.statements[ev.seq] = st

    def _on_vote(self, ev) -> None:
        origin = _origin(ev)
        if origin is None:
            voter, sid = ev.actor, ev.payload.get("statement")
            self.vote_times.setdefault(voter, []).append(ev.ts)
        else:  # imported: the person is in the payload, and the statement by its Pol.is id
            voter, sid = str(ev.payload.get("code") or ev.actor), self.polis_ids.get(ev.payload.get("comment"))
        value = VOTES.get(ev.payload.get("vote"))
        if sid not in self.statements or value is None:
            return
        self.votes_cast.add(voter, sid, value, ev.seq, ev.ts, origin)

    def _on_hidden(self, ev) -> None:
        st = self.statements.get(ev.payload.get("statement"))
        if st is not None:
            st.hidden, st.hidden_reason, st.accepted = True, str(ev.payload.get("reason", "")), False

    def _on_shown(self, ev) -> None:
        st = self.statements.get(ev.payload.get("statement"))
        if st is not None:
            st.hidden, st.hidden_reason, st.merged_into, st.accepted = False, "", None, True

    def _on_merged(self, ev) -> None:
        st = self.statements.get(ev.payload.get("statement"))
        if st is not None and ev.payload.get("into") in self.statements:
            st.merged_into = ev.payload["into"]

    def _on_shared(self, ev) -> None:
        self.shared_results = dict(ev.payload.get("summary") or {})

    def _on_imported(self, ev) -> None:
        if self.imported is None:
            self.imported = dict(ev.payload)

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

    def votes(self) -> Mapping[tuple[str, int], Vote]:
        """The vote that counts per (participant, visible statement).

        A person's own vote on a statement beats a vote carried over from a
        merged duplicate, which beats the author's implicit agreement; among
        equals the later one wins. Cached until the next event is folded.
        A read-only mapping whose :class:`Vote` objects are made when read
        (:meth:`vote_values` gives the values alone).
        """
        return CountedVotes(self, self._counted())

    def vote_values(self) -> dict[tuple[str, int], int]:
        """(participant, visible statement) -> the value (1 / -1 / 0) of the vote that counts (:meth:`votes`)."""
        key = (self.last_seq, len(self.votes_cast))
        if self._votes_cache is not None and self._votes_cache[0] == key and self._votes_cache[2] is not None:
            return self._votes_cache[2]
        rows = self._counted()
        value = self.votes_cast.value
        values = {k: (value[r] if r >= 0 else 1) for k, r in rows.items()}
        self._votes_cache = (key, rows, values)
        return values

    def _counted(self) -> dict[tuple[str, int], int]:
        """(participant, visible statement) -> the row in ``votes_cast`` of the vote that counts, or
        ``~statement id`` for the author's implicit agreement with their own statement."""
        key = (self.last_seq, len(self.votes_cast))
        if self._votes_cache is not None and self._votes_cache[0] == key:
            return self._votes_cache[1]
        # Pol.is records the author's agreement as a vote row for a participant's comment only: a seed
        # statement gets none, and an imported statement's rows came with it.
        own = [st for st in self.statements.values()
               if st.author in self.participants and not st.seed and st.origin is None]
        last = self.votes_cast.last
        out: dict[tuple[str, int], int]
        if all(st.merged_into is None for st in self.statements.values()):
            # No merge: a person's own vote (the pair's latest) always beats the implicit agreement.
            out = {(st.author, st.id): ~st.id for st in own}
            out.update(last)
        else:
            out = {}
            rank: dict[tuple[str, int], tuple[int, int]] = {}
            seq = self.votes_cast.seq
            target = {sid: self.target(sid) for sid in self.statements}

            def offer(pair, row, r):
                if pair not in rank or r > rank[pair]:
                    rank[pair], out[pair] = r, row

            for st in own:
                offer((st.author, target[st.id]), ~st.id, (0, st.id))
            for (voter, sid), row in last.items():
                tgt = target[sid]
                offer((voter, tgt), row, (2 if tgt == sid else 1, seq[row]))
        hidden = {s.id for s in self.statements.values() if not s.visible}
        if hidden:
            out = {k: r for k, r in out.items() if k[1] not in hidden}
        self._votes_cache = (key, out, None)
        return out

    def votes_by(self, code: str) -> dict[int, int]:
        return {sid: value for (voter, sid), value in self.vote_values().items() if voter == code}

    def next_card(self, code: str) -> Statement | None:
        """The next statement for ``code`` to vote on: visible, not theirs, not voted; fewest votes first."""
        counts: dict[int, int] = {}
        voted = set()
        for (voter, sid) in self._counted():
            counts[sid] = counts.get(sid, 0) + 1
            if voter == code:
                voted.add(sid)
        todo = [s for s in self.visible_statements() if s.id not in voted and s.author != code]
        if not todo:
            return None
        return min(todo, key=lambda s: (counts.get(s.id, 0), s.id))

    def join_bursts(self, window_s: float = BURST_WINDOW_S, joins: int = BURST_JOINS) -> list[dict]:
        """Participants created from one page, browser session or address in a burst.

        For each source (a keyed hash in ``participant.joined``), every run of ``joins`` or more joins within
        ``window_s`` seconds. Returns ``[{"source": "kernel" | "session" | "addr", "count", "codes"}]``,
        largest first: for the facilitator's eyes only (a code lets its holder resume as that person).
        """
        by_source: dict[str, list[tuple[datetime, str]]] = {}
        for code, info in self.participants.items():
            try:
                when = datetime.fromisoformat(info.get("ts", ""))
            except (TypeError, ValueError):
                continue
            for tag in info.get("sources") or []:
                by_source.setdefault(tag, []).append((when, code))
        out = []
        for tag, rows in by_source.items():
            rows.sort()
            flagged: set[str] = set()
            start = 0
            for end in range(len(rows)):
                while (rows[end][0] - rows[start][0]).total_seconds() > window_s:
                    start += 1
                if end - start + 1 >= joins:
                    flagged.update(code for _when, code in rows[start:end + 1])
            if flagged:
                out.append({"source": tag.split(":", 1)[0], "count": len(flagged),
                            "codes": sorted(flagged, key=lambda c: self.participants[c]["seq"])})
        # One page's burst also shows under its address and session: keep each set of people once.
        seen, unique = set(), []
        for row in sorted(out, key=lambda r: (-r["count"], ("kernel", "session", "addr").index(r["source"])
                                              if r["source"] in ("kernel", "session", "addr") else 3)):
            key = tuple(row["codes"])
            if key not in seen:
                seen.add(key)
                unique.append(row)
        return unique

    def roster(self) -> dict[str, int]:
        """Who is "Person N": participants numbered 1, 2, ... in the order they joined (their join event).

        The one definition every screen uses (the facilitator's desk, its analysis, the room), so the same
        person has the same number everywhere; screens that may be projected show this, never the code.
        """
        joined = sorted(self.participants.items(), key=lambda kv: kv[1].get("seq", 0))
        return {code: n for n, (code, _info) in enumerate(joined, start=1)}

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
    "join_card.issued": Deliberation._on_card,
    "purpose.imported": Deliberation._on_imported,
}


def _origin(ev) -> dict | None:
    """What Pol.is recorded, for an event the facilitator imported (``None`` for the workbench's own)."""
    origin = ev.payload.get("polis")
    return origin if isinstance(origin, dict) and ev.actor == FACILITATOR_ACTOR else None


_FOLDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FOLDS_LOCK = threading.Lock()


def current(store) -> Deliberation:
    """This process's fold of ``store``'s deliberation, caught up with the log before it is returned.

    One fold per open store, updated from its last sequence number (:meth:`Deliberation.update`), so a
    check costs the events since the last call, not the whole log. Other processes' writes are in the
    log, so they are folded in before every check. Treat it as read-only: it is shared by every call in
    the process (use :meth:`Deliberation.load` for a private copy).
    """
    with _FOLDS_LOCK:
        entry = _FOLDS.get(store)
        if entry is None:
            entry = _FOLDS[store] = (Deliberation(), threading.Lock())
    delib, lock = entry
    with lock:
        delib.update(store)
    return delib


# -- writing: each validates against the log, then appends one event ---------------
def join(store, language: str = "en", *, rules: Rules | None = None, keys: Iterable[str] = (),
         limiter=None, card: str | None = None) -> str:
    """A new participant: log their code (and nothing about who they are) and return it.

    From a participant's page pass the project's ``rules``, the shared ``limiter`` and the page's ``keys``:
    in ``open`` mode each key may create ``rules.joins_per_hour`` participants an hour (``TooManyTries``
    after that); in ``cards`` mode, or whenever ``card`` is given, the person joins with a join card
    (:func:`join_with_card`). The keys go into the log only as keyed hashes (``sources``), for the
    facilitator's burst flag.
    """
    if card is not None or (rules is not None and rules.join_mode == "cards"):
        return join_with_card(store, card or "", language, rules=rules, keys=keys, limiter=limiter)
    keys = list(keys or ())
    if rules is not None and limiter is not None and rules.joins_per_hour > 0 and keys:
        from ..limits import TooManyTries

        try:
            limiter.take(keys, "join", ((rules.joins_per_hour, JOIN_WINDOW_S),), key="purpose.error.too_many_joins")
        except TooManyTries as exc:
            exc.message = "Too many new participants were made from this device in the last hour."
            exc.fix = f"Continue with the code you were given, or wait {exc.params['minutes']} minute(s)."
            exc.args = (exc.sentence,)
            raise
    taken = current(store).participants
    for _ in range(20):
        code = new_participant_code()
        if code not in taken:
            break
    payload = {"code": code, "language": str(language)}
    if keys:
        payload["sources"] = source_tags(keys, rules.secret if rules else b"")
    store.append("participant.joined", payload, actor=code)
    return code


def join_with_card(store, typed: str, language: str = "en", *, rules: Rules | None = None,
                   keys: Iterable[str] = (), limiter=None) -> str:
    """Join with a single-use join card; the card's code becomes the person's participant code.

    A card that was never issued counts as a wrong code in the shared limiter (as at every code box); a
    used card is refused (its holder continues with it as their code instead), so one card is one voice.
    """
    secret = rules.secret if rules else b""
    code = normalise_code(typed)
    if not code:
        raise WorkbenchError("Type the code on your join card.", key="purpose.error.card_empty")
    keys = list(keys or ())
    digest = card_digest(code, secret)

    def issued():
        return CODE_RE.match(code) and digest in current(store).cards

    ok = limiter.attempt(keys, issued) if limiter is not None and keys else issued()
    if not ok:
        raise WorkbenchError("This is not a join card of this workshop.",
                             "Check the code on your card, or ask a facilitator for one.",
                             key="purpose.error.card_unknown", code=snippet(code))
    delib = current(store)
    if delib.cards.get(digest) is not None or code in delib.participants:
        raise WorkbenchError("This join card was already used.",
                             "If it is yours, type it under 'Continue with my code'.",
                             key="purpose.error.card_used")
    payload = {"code": code, "language": str(language), "card": digest}
    if keys:
        payload["sources"] = source_tags(keys, secret)
    store.append("participant.joined", payload, actor=code)
    return code


def issue_cards(store, count: int, *, secret: bytes = b"", actor: str = FACILITATOR_ACTOR) -> list[str]:
    """Make ``count`` single-use join cards; the log keeps only their keyed digests. Returns the codes
    (to print now: they cannot be read back from the log)."""
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_CARDS:
        raise WorkbenchError(f"Join cards are made 1 to {MAX_CARDS} at a time, not {count!r}.",
                             "Choose how many seats there are.", key="purpose.error.card_count", max=MAX_CARDS)
    delib = current(store)
    codes: list[str] = []
    digests: set[str] = set()
    while len(codes) < count:
        code = new_participant_code()
        digest = card_digest(code, secret)
        if code in delib.participants or digest in delib.cards or digest in digests:
            continue
        codes.append(code)
        digests.add(digest)
    store.append_many([("join_card.issued", {"card": card_digest(c, secret)}, actor) for c in codes])
    return codes


def set_language(store, code: str, language: str, *, rules: Rules | None = None,
                 now: datetime | None = None) -> None:
    """Remember a participant's new language choice (only when it changed).

    With ``rules`` (a participant's page), at most :data:`LANGUAGE_CHANGES_PER_HOUR` are remembered an
    hour, so a page cannot flood the log by flipping its language switch.
    """
    delib = current(store)
    _check_participant(delib, code)
    if delib.language_of(code) != language:
        if rules is not None:
            _check_pace(delib.language_times.get(code, []), LANGUAGE_CHANGES_PER_HOUR, 3600.0, now,
                        lambda wait: WorkbenchError("Your language choice was not remembered this time.",
                                                    key="purpose.error.language_pace"))
        store.append("participant.language_set", {"code": code, "language": str(language)}, actor=code)


def _card_shaped(typed) -> bool:
    """What someone typed reads as a contributor card code (:func:`workbench.consent.cards.normalise`).

    A participant code's words and digits can also be 12 such characters once the dashes go
    ("rio-coral-4821"): a code of the discussion's own shape is never taken for a card.
    """
    from ..consent.cards import normalise  # only on this path: the card module is not a participant import

    return normalise(typed) is not None and not CODE_RE.match(normalise_code(typed))


def resume(store, typed: str, *, keys: Iterable[str] = (), limiter=None) -> str:
    """The code someone typed to come back, if it was given out here; refused otherwise.

    From a participant's page pass the shared ``limiter`` and the page's ``keys``: a wrong code counts
    against every key (workbench.limits.CODE_LIMITS), a right one does not, and while a key is over its
    limit even a right code waits (``TooManyTries``).
    """
    if _card_shaped(typed):
        raise WorkbenchError("That is a contributor card code: it is for the consent app, not for the discussion.",
                             "Type your participant code (words and four digits), or join as a new participant.",
                             key="purpose.error.card_code")
    code = normalise_code(typed)
    if not code:
        raise WorkbenchError("Type your participant code.", key="purpose.error.code_empty")
    keys = list(keys or ())

    def known():
        return CODE_RE.match(code) and code in current(store).participants

    ok = limiter.attempt(keys, known) if limiter is not None and keys else known()
    if not ok:
        shown = snippet(code)
        raise WorkbenchError(f"There is no participant with the code {shown!r} here.",
                             "Check the code you wrote down, or join as a new participant.",
                             key="purpose.error.code_unknown", code=shown)
    return code


# Joiners that draw nothing on their own: allowed inside a statement (emoji sequences, some scripts need
# them), but a statement of nothing else is empty.
_INVISIBLE = re.compile("[\u200c\u200d]")


def check_statement_text(text: str, max_chars: int = MAX_STATEMENT_CHARS) -> str:
    """The statement's text with its spaces tidied; refused when it holds a control or invisible character
    (workbench.text.check_text: nothing is stripped silently), is empty, or is longer than ``max_chars``
    (the project's ``statement_max_chars``, 280 unless workbench.toml says otherwise)."""
    cleaned = " ".join(check_text(text, "The statement").split())
    if not _INVISIBLE.sub("", cleaned).strip():
        raise WorkbenchError("A statement cannot be empty.", "Write a short sentence.",
                             key="purpose.error.empty")
    if len(cleaned) > max_chars:
        raise WorkbenchError(f"A statement can have at most {max_chars} characters; "
                             f"this one has {len(cleaned)}.", "Make it shorter.",
                             key="purpose.error.too_long", max=max_chars, count=len(cleaned))
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


def _check_pace(times: list[str], limit: int, window_s: float, now: datetime | None, refuse) -> None:
    """Refuse when ``limit`` (> 0) of ``times`` (store stamps, in order) fall in the last ``window_s``."""
    if limit <= 0 or len(times) < limit:
        return
    now = now or _now()
    cutoff = _stamp(now - timedelta(seconds=window_s))
    if len(times) - bisect.bisect_right(times, cutoff) >= limit:
        oldest = datetime.fromisoformat(times[len(times) - limit])
        wait = max(1, int(window_s - (now - oldest).total_seconds() + 0.999))
        raise refuse(wait)


def check_vote_pace(delib: Deliberation, code: str, rules: Rules | None, now: datetime | None = None) -> None:
    """At most ``rules.votes_per_minute`` votes in any minute: a person reads a card before voting."""
    if rules is None:
        return
    limit = rules.votes_per_minute
    _check_pace(delib.vote_times.get(code, []), limit, 60.0, now, lambda wait: WorkbenchError(
        f"That is faster than anyone can read: at most {limit} votes a minute.",
        f"Wait {wait} seconds, read the statement, then vote.",
        key="purpose.error.vote_pace", limit=limit, seconds=wait))


def check_statement_pace(delib: Deliberation, code: str, rules: Rules | None, now: datetime | None = None) -> None:
    """At most ``rules.statements_per_hour`` statements by one person in any hour."""
    if rules is None:
        return
    limit = rules.statements_per_hour

    def refuse(wait):
        minutes = max(1, (wait + 59) // 60)
        return WorkbenchError(f"You have written {limit} statements in the last hour, as many as one person may.",
                              f"Wait {minutes} minute(s); meanwhile, vote on the others' statements.",
                              key="purpose.error.statement_pace", limit=limit, minutes=minutes)
    _check_pace(delib.statement_times.get(code, []), limit, 3600.0, now, refuse)


def add_statement(store, code: str, text: str, language: str = "en", topic: str = "other", *,
                  rules: Rules | None = None, now: datetime | None = None, max_chars: int | None = None) -> int:
    """A participant's statement; returns its id once committed.

    With ``rules`` (a participant's page), refused past ``rules.statements_per_hour``; ``now`` is for tests.
    The length limit is ``max_chars``, else ``rules.statement_max_chars``, else 280.
    """
    limit = max_chars or (rules.statement_max_chars if rules is not None else MAX_STATEMENT_CHARS)
    cleaned = check_statement_text(text, limit)
    _check_topic(topic)
    delib = current(store)
    _check_participant(delib, code)
    check_statement_pace(delib, code, rules, now)
    ev = store.append("statement.added", {"text": cleaned, "language": str(language), "topic": topic,
                                          "seed": False}, actor=code)
    return ev.seq


def seed_statement(store, text: str, language: str = "en", topic: str = "other",
                   actor: str = FACILITATOR_ACTOR, max_chars: int = MAX_STATEMENT_CHARS) -> int:
    """A facilitator's seed statement, to start the conversation (no implicit vote: as in Pol.is)."""
    cleaned = check_statement_text(text, max_chars)
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


def cast_vote(store, code: str, statement: int, vote: str, delib: Deliberation | None = None, *,
              rules: Rules | None = None, now: datetime | None = None) -> None:
    """Record ``code``'s vote (agree / disagree / pass); a later vote replaces an earlier one.

    With ``rules`` (a participant's page), refused past ``rules.votes_per_minute``; ``now`` is for tests.
    """
    if vote not in VOTES:
        raise WorkbenchError(f"{vote!r} is not a vote.", "Vote agree, disagree or pass.",
                             key="purpose.error.vote", vote=vote)
    delib = delib.update(store) if delib is not None else current(store)
    _check_participant(delib, code)
    st = _statement(delib, statement)
    if not st.visible:
        raise WorkbenchError("This statement was taken out of the conversation by the facilitators.",
                             "Vote on the next one.", key="purpose.error.statement_hidden")
    check_vote_pace(delib, code, rules, now)
    store.append("vote.cast", {"statement": st.id, "vote": vote}, actor=code)


def hide(store, statement: int, reason: str = "", actor: str = FACILITATOR_ACTOR) -> None:
    """Take a statement out of the conversation: it stays in the log, marked hidden."""
    _statement(current(store), statement)
    store.append("statement.hidden", {"statement": statement, "reason": " ".join(str(reason).split())[:280]},
                 actor=actor)


def show(store, statement: int, actor: str = FACILITATOR_ACTOR) -> None:
    """Undo a hide or a merge."""
    _statement(current(store), statement)
    store.append("statement.shown", {"statement": statement}, actor=actor)


def merge(store, duplicate: int, into: int, actor: str = FACILITATOR_ACTOR) -> None:
    """Mark ``duplicate`` as a copy of ``into``; its votes count for ``into``."""
    delib = current(store)
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
    delib = current(store)
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
