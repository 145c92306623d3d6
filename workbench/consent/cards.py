"""Contributor cards: the proof a person shows before their consent changes (issue 19).

A data contributor id (``c-0179``) is on every row of the data and ids are sequential: knowing one proves
nothing. Each contributor gets a **card** with a claim code that cannot be derived from the id: 12
characters of Crockford base32 (60 bits), printed as ``7K3M-9QXD-2B4F`` with a QR code. The consent app
starts from the card; :func:`verify` turns a typed code into a :class:`CardProof`, which the ledger checks
again when it writes (:func:`check_proof`).

Events (the code itself never enters the log, only a slow salted digest of it):

- ``card.issued``: ``contributor``, ``card_id``, ``code_digest``, ``digest`` (the digest's method),
  ``witness`` (who checked the person, for a reissue), ``reason`` (``first`` / ``reissue`` / free text),
  ``replaces`` (the card_id it replaces, or None);
- ``card.revoked``: ``contributor``, ``card_id``, ``witness``, ``reason``.

A contributor has at most one live card: their last issued one, unless revoked. Reissuing revokes the
previous card in the same transaction; even without that event the fold keeps only the newest card live.

The deliberation app's participant codes (``rio-coral-lua-4821``, :mod:`workbench.purpose.deliberation`) are a
different thing with a different name ("participant code" there, "contributor card" here); generated card
codes never have that shape, and :func:`looks_like_participant_code` lets the consent app say so.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import WorkbenchError
from ..store import Event
from ..text import free_text, snippet

ISSUED, REVOKED = "card.issued", "card.revoked"
CARD_KINDS = (ISSUED, REVOKED)
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_CHARS = 12  # 60 bits
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})  # what people misread, read back as Crockford does
_PBKDF2_ROUNDS = 10_000  # ~2.5 ms per code: verifying is instant, brute-forcing a copied log is not
DIGEST_METHOD = f"pbkdf2-sha256:{_PBKDF2_ROUNDS}:commons-workbench-card-v1"
_SALT = b"commons-workbench-card-v1"
# rio-coral-4821, rio-coral-lua-4821 (not an id like c-browser-0375: its first part is one letter)
_PARTICIPANT_SHAPE = re.compile(r"^([a-z]{2,}[\s_-]+){2,3}[0-9]{4}$")
MAX_REASON = 200


# -- codes ----------------------------------------------------------------------------------------
def _shape_is_participant_like(raw: str) -> bool:
    groups = [raw[0:4], raw[4:8], raw[8:12]]
    return groups[0].isalpha() and groups[1].isalpha() and groups[2].isdigit()


def new_code() -> str:
    """A fresh card code, ``XXXX-XXXX-XXXX`` (cryptographic randomness; never shaped like a participant code)."""
    while True:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
        if not _shape_is_participant_like(raw):
            return format_code(raw)


def format_code(raw: str) -> str:
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}"


def normalise(text: object, chars: int = CODE_CHARS) -> str | None:
    """What someone typed as the canonical ``chars`` characters (12 for a card), or None when it cannot be
    such a code.

    Case, spaces and dashes do not matter; O reads as 0, I and L as 1. Any other character (a control
    character, a bidi mark, a letter outside the alphabet) makes it not a code. Concern tracking codes
    (:mod:`workbench.concerns.codes`) are typed the same way, with 15 characters.
    """
    value = "" if text is None else str(text)
    if len(value) > 64:
        return None
    raw = re.sub(r"[\s\-\u2010-\u2015\u2212]", "", value).upper().translate(_TYPED)
    if len(raw) != chars or any(ch not in ALPHABET for ch in raw):
        return None
    return raw


def looks_like_participant_code(text: object) -> bool:
    """True for what looks like the deliberation app's participant code (``rio-coral-4821``)."""
    value = " ".join(str(text or "").split()).lower()
    return len(value) <= 64 and bool(_PARTICIPANT_SHAPE.match(value))


def code_digest(code: str) -> str:
    """The log keeps this digest of a card code, never the code: reading the log does not let one claim a card."""
    raw = normalise(code)
    if raw is None:
        raise WorkbenchError("That is not a card code.", key="consent.card.not_a_card")
    return hashlib.pbkdf2_hmac("sha256", raw.encode(), _SALT, _PBKDF2_ROUNDS).hex()


# -- the fold -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Card:
    card_id: str
    contributor: str
    code_digest: str
    issued_at: str
    seq: int
    actor: str
    witness: str = ""
    reason: str = ""
    replaces: str | None = None
    revoked: bool = False


@dataclass(frozen=True)
class CardProof:
    """A card code someone typed and :func:`verify` found live. The ledger re-checks it when it writes."""

    card_id: str
    contributor: str
    code: str = field(repr=False)


class CardRegister:
    """Cards folded from the log: ``CardRegister.from_events(store.events(kinds=CARD_KINDS))``.

    One holder has at most one live card: the last issued to them, unless revoked. A subclass folds another
    kind of card (a data worker's, :mod:`workbench.benefits.worker_cards`) by naming its event kinds, the
    payload field of its holder and its card class (whose holder attribute has the same name).
    """

    KINDS: tuple[str, str] = (ISSUED, REVOKED)
    HOLDER = "contributor"
    CARD: type = Card

    def __init__(self):
        self.cards: dict = {}  # card_id -> card, in issue order
        self._latest: dict[str, str] = {}  # holder -> their newest card_id
        self._live_digests: dict[str, str] = {}  # code digest -> live card_id

    @classmethod
    def from_events(cls, events: Iterable[Event]):
        reg, revoked = cls(), set()
        issued_kind, revoked_kind = cls.KINDS
        for ev in events:
            p = ev.payload
            if ev.kind == issued_kind:
                reg.cards[p["card_id"]] = cls.CARD(p["card_id"], p[cls.HOLDER], p["code_digest"], ev.ts, ev.seq,
                                                   ev.actor, p.get("witness", ""), p.get("reason", ""),
                                                   p.get("replaces"))
                reg._latest[p[cls.HOLDER]] = p["card_id"]
            elif ev.kind == revoked_kind:
                revoked.add(p["card_id"])
        for cid, card in list(reg.cards.items()):
            if cid in revoked or reg._latest.get(getattr(card, cls.HOLDER)) != cid:
                reg.cards[cid] = replace(card, revoked=True)
            else:
                reg._live_digests[card.code_digest] = cid
        return reg

    @classmethod
    def load(cls, store):
        return cls.from_events(store.events(kinds=list(cls.KINDS)))

    def live(self, holder: str):
        """The holder's live card, or None."""
        card = self.cards.get(self._latest.get(str(holder), ""))
        return card if card is not None and not card.revoked else None

    def by_digest(self, digest: str):
        """The live card with this code digest, or None (a revoked card's code finds nothing)."""
        cid = self._live_digests.get(digest)
        return self.cards[cid] if cid is not None else None

    @property
    def holders(self) -> list[str]:
        """Holders with a live card."""
        return sorted(getattr(c, self.HOLDER) for c in self.cards.values() if not c.revoked)


# -- issuing --------------------------------------------------------------------------------------
def _check_contributor(contributor: object) -> str:
    from .ledger import check_contributor

    return check_contributor(contributor)


def _clean(text: object, what: str, limit: int = MAX_REASON) -> str:
    return free_text(text or "", what, limit)


def issue_events(contributor: str, actor: str, witness: str, reason: str,
                 current: Card | None) -> tuple[list[tuple[str, dict, str]], str]:
    """The events issuing one card (revoking ``current`` first) and its code; nothing is written."""
    code = new_code()
    card_id = uuid.uuid4().hex[:16]
    items = []
    if current is not None:
        items.append((REVOKED, {"contributor": contributor, "card_id": current.card_id, "witness": witness,
                                "reason": reason or "reissue"}, actor))
    items.append((ISSUED, {"contributor": contributor, "card_id": card_id, "code_digest": code_digest(code),
                           "digest": DIGEST_METHOD, "witness": witness,
                           "reason": reason or ("reissue" if current is not None else "first"),
                           "replaces": current.card_id if current is not None else None}, actor))
    return items, code


@dataclass(frozen=True)
class Issued:
    """A card just issued and its code: the only moment the code exists outside the person's hands."""

    card: Card
    code: str = field(repr=False)


def issue(store, contributor: str, *, actor: str = "facilitator", witness: str = "", reason: str = "") -> Issued:
    """Issue a card for ``contributor``; returns the code once. A live card is revoked in the same act.

    Reissuing (a lost card) needs a ``witness``: the facilitator who checked the person in person.
    """
    contributor = _check_contributor(contributor)
    witness = _clean(witness, "The witness")
    reason = _clean(reason, "The reason")
    current = CardRegister.load(store).live(contributor)
    if current is not None and not witness:
        raise WorkbenchError(f"{contributor} already has a card.",
                             "To replace a lost card, check the person in person and write your name as witness.",
                             key="consent.card.reissue_needs_witness")
    items, code = issue_events(contributor, actor, witness, reason, current)
    events = store.append_many(items)
    ev = events[-1]
    return Issued(CardRegister.from_events([ev]).cards[ev.payload["card_id"]], code)


def issue_all(store, contributors: Iterable[str], *, actor: str = "facilitator") -> list[Issued]:
    """Issue cards, in one transaction, to the contributors given who have no live card yet."""
    reg = CardRegister.load(store)
    wanted = []
    for who in contributors:
        who = _check_contributor(who)
        if reg.live(who) is None and who not in wanted:
            wanted.append(who)
    items, codes = [], []
    for who in wanted:
        its, code = issue_events(who, actor, "", "first", None)
        items += its
        codes.append(code)
    events = store.append_many(items) if items else []
    folded = CardRegister.from_events(events)
    return [Issued(folded.cards[ev.payload["card_id"]], code) for ev, code in zip(events, codes, strict=True)]


def revoke(store, contributor: str, *, actor: str = "facilitator", witness: str = "", reason: str = "") -> Card:
    """Revoke a contributor's live card (it then proves nothing); refuses when there is none."""
    contributor = _check_contributor(contributor)
    current = CardRegister.load(store).live(contributor)
    if current is None:
        raise WorkbenchError(f"{contributor} has no card to revoke.", key="consent.card.none_to_revoke")
    store.append(REVOKED, {"contributor": contributor, "card_id": current.card_id,
                           "witness": _clean(witness, "The witness"),
                           "reason": _clean(reason, "The reason") or "revoked"}, actor)
    return current


# -- proving --------------------------------------------------------------------------------------
def verify(store, typed: object) -> CardProof | None:
    """The proof for a typed card code, or None when it is not the code of a live card.

    Callers that take codes from people put this behind the shared limiter (:mod:`workbench.limits`).
    """
    raw = normalise(typed)
    if raw is None:
        return None
    card = CardRegister.load(store).by_digest(code_digest(raw))
    if card is None:
        return None
    return CardProof(card.card_id, card.contributor, format_code(raw))


def check_proof(store, proof: object) -> Card:
    """The live card a :class:`CardProof` stands for, checked now against the log; refuses anything else."""
    if not isinstance(proof, CardProof):
        raise WorkbenchError("A decision made in the app needs the person's contributor card.",
                             "Start from the card's code; a contributor id alone is not enough.",
                             key="consent.error.card_needed")
    raw = normalise(proof.code)
    card = CardRegister.load(store).by_digest(code_digest(raw)) if raw else None
    if card is None or card.card_id != proof.card_id or card.contributor != proof.contributor:
        raise WorkbenchError("This contributor card is no longer valid.",
                             "Ask a facilitator for a new card.", key="consent.card.not_live")
    return card


# -- who should have a card -----------------------------------------------------------------------
def contributors_in_data(project) -> list[str]:
    """The contributor ids of the project's current dataset (its mapped contributor column), sorted."""
    from ..curation import importer

    dataset = importer.require_current(project.store)
    frame = importer.load_frame(project, dataset)
    ids = frame[dataset.mapping.contributor].dropna().astype("str").str.strip()
    return sorted({i for i in ids.unique() if i})


# -- the printed sheet ----------------------------------------------------------------------------
def qr_svg(code: str) -> str:
    """The code as a QR image (inline SVG, no XML declaration), for print and for the screen."""
    import segno

    return segno.make(code, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True,
                                                  svgclass="wb-qr-code")


def sheet_html(project_name: str, issued: Iterable[Issued], language: str, server: str = "") -> str:
    """A printable HTML sheet of cards (A4, several per page): project, code in large type, QR, one line, and
    where to raise a concern (the concern app on ``server``, which needs no code: issue 20)."""
    from ..concerns import concern_link
    from ..i18n import Translator
    from .form import _env

    tr = Translator(language)
    cards = [{"contributor": i.card.contributor, "code": i.code, "qr": qr_svg(i.code),
              "issued": i.card.issued_at[:10]} for i in issued]
    return _env(True).get_template("cards.html.j2").render(
        cards=cards, project=project_name, lang=tr.language,
        title=tr("consent.card.sheet_title"), heading=tr("consent.card.name"),
        explain=tr("consent.card.explain"), secret=tr("consent.card.sheet_secret"),
        contributor_label=tr("consent.card.contributor_label"),
        concern=tr("consent.card.concern", link=concern_link(server or "/", tr.language)))


def write_sheet(project, issued: list[Issued], language: str, out: str | Path | None = None,
                server: str = "") -> Path:
    """Write the sheet (default: ``.workbench/cards/``, never shared) readable by the owner only."""
    import os
    from datetime import UTC, datetime

    if out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out = Path(project.root) / ".workbench" / "cards" / f"cards-{language}-{stamp}.html"
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = sheet_html(project.name, issued, language, server)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def echo(text: object) -> str:
    """What of a typed code may be shown back (see :func:`workbench.text.snippet`)."""
    return snippet(text, 24)
