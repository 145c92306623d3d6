"""Import a conversation exported by Pol.is (``workbench purpose import DIR FOLDER``).

Reads ``comments.csv`` and ``votes.csv`` (required), and ``participants-votes.csv`` and ``summary.csv``
when present, exactly as Pol.is writes them (and as in ``../shared/data/polis/``), checks every row
first, then appends the whole conversation in one transaction (``append_many``): a malformed folder is
refused with one sentence and nothing is written.

What is kept
    Pol.is's ids (comment, participant), authors, times, moderation and every vote row. The last vote
    per (participant, comment) counts, as in Pol.is: rows are appended in the order of their Pol.is
    timestamps (ties in file order), and the fold lets a later vote replace an earlier one.

Times
    The store's ``ts`` of every imported event is the time of the import (the chain records when it was
    written); what Pol.is recorded travels in the payload's ``"polis"``: ``"ts"`` (milliseconds since
    1970, Pol.is's ``timestamp``) and ``"datetime"`` (Pol.is's own text, verbatim). The export writes
    those back, so a round trip keeps both columns.

Who acts
    The import is the facilitator's act: every event's actor is ``facilitator`` and the payload names the
    Pol.is participant (``polis-12``). Such a code has no word-and-digits shape, so nobody can resume as
    it, and imported events never count towards anyone's human pace (Rules) or join bursts.

Signs
    Pol.is's CSV export writes 1 = agree, -1 = disagree, 0 = pass in ``votes.csv`` (its database and
    API use -1 for agree; the export turns it round). The workbench uses agree = 1 too, so the mapping is
    the identity; it is checked, not assumed: ``comments.csv`` counts every vote row in ``agrees`` and
    ``disagrees``, so a file whose counts fit the reversed signs better is imported reversed, and the
    event says which (``"signs"``).

Implicit votes
    Pol.is records a participant's agreement with their own comment as a vote row, and none for a
    seed; the workbench adds no implicit vote to an imported statement (:mod:`.deliberation`).

Licence
    Pol.is open data is CC BY 4.0 with attribution to The Computational Democracy Project; the import
    event records the licence, the attribution and the conversation's address, and the Pol.is export of
    an imported conversation writes them again (``attribution.txt``).

The project's deliberation must be empty (no participant, statement or vote yet): ids and participants
of two conversations would otherwise mix. Statements longer than the project's
``[workshop] statement_max_chars`` are refused with the length to set.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WorkbenchError
from ..filecheck import read_regular_file
from ..text import first_refused, snippet
from . import deliberation as dl

COMMENTS_COLUMNS = ("timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated",
                    "comment-body")
VOTES_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
SUMMARY_KEYS = ("topic", "url", "views", "voters", "voters-in-conv", "commenters", "comments", "groups",
                "conversation-description")
MAX_FILE_BYTES = 500_000_000
MAX_ID = 2**53  # ids and times are JSON numbers
LICENCE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
ATTRIBUTION = ("Data was gathered using the Polis software (compdemocracy.org/polis) and is sub-licensed under "
               "CC BY 4.0 with Attribution to The Computational Democracy Project.")
SIGNS = {1: "agree", -1: "disagree", 0: "pass"}
# Pol.is's datetime column, e.g. "Mon Jul 17 16:10:15 WIB 2017": plain ASCII date text, nothing else.
DATETIME = re.compile(r"[A-Za-z0-9 :+\-.,/()]{0,64}")
REVERSED = {-1: "agree", 1: "disagree", 0: "pass"}


def code_for(pid: int) -> str:
    """The workbench code of Pol.is participant ``pid`` (no word-and-digits shape: nobody resumes as it)."""
    return f"polis-{pid}"


@dataclass
class PolisConversation:
    """A checked Pol.is export, ready to append."""

    source: str
    comments: list[dict]  # {"id", "author", "ts", "datetime", "moderated", "agrees", "disagrees", "text"}
    votes: list[dict]  # {"comment", "voter", "ts", "datetime", "vote"} in Pol.is timestamp order
    participants: dict[int, dict] = field(default_factory=dict)  # pid -> {"xid"?, "group"?}
    summary: dict = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    xid: bool = False  # participants-votes.csv had an xid column
    signs: str = "1 = agree, -1 = disagree, 0 = pass (Pol.is's CSV export)"
    reversed_signs: bool = False
    count_mismatches: int = 0  # comments whose agrees/disagrees differ from the vote rows


def _refuse(message: str, fix: str = "Export the conversation from Pol.is again, or fix the file.") -> WorkbenchError:
    return WorkbenchError(message, fix)


def _read_csv(path: Path, name: str, required: bool) -> tuple[list[str], list[list[str]], str] | None:
    if not path.exists() and not path.is_symlink():
        if required:
            raise _refuse(f"The folder {path.parent.name!r} has no {name}, so it is not a Pol.is export.",
                          "Give the folder that holds comments.csv and votes.csv.")
        return None
    data = read_regular_file(path, MAX_FILE_BYTES, what=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse(f"{name} is not UTF-8 text (byte {exc.start + 1}).") from None
    if "\x00" in text:
        raise _refuse(f"{name} holds a NUL byte, so it is not a CSV file.")
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, 10_000_000))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _refuse(f"{name} is not a readable CSV file ({exc}).") from None
    finally:
        csv.field_size_limit(old)
    if not rows:
        raise _refuse(f"{name} is empty.")
    return rows[0], rows[1:], hashlib.sha256(data).hexdigest()


def _int(value: str, name: str, line: int, column: str, lo: int = 0, hi: int = MAX_ID) -> int:
    text = value.strip()
    try:
        number = int(text)
    except ValueError:
        raise _refuse(f"{name} line {line}: {column} is {snippet(text)!r}, not a whole number.") from None
    if not lo <= number <= hi:
        raise _refuse(f"{name} line {line}: {column} is {number}, outside {lo} to {hi}.")
    return number


def _datetime(value: str, name: str, line: int) -> str:
    text = value.strip()
    if not DATETIME.fullmatch(text):
        raise _refuse(f"{name} line {line}: the datetime {snippet(text)!r} is not a date as Pol.is writes it.")
    return text


def _columns(header: list[str], want: tuple[str, ...], name: str) -> dict[str, int]:
    where = {h.strip(): i for i, h in enumerate(header)}
    missing = [c for c in want if c not in where]
    if missing:
        raise _refuse(f"{name} has no column {missing[0]!r}, so it is not a Pol.is {name}.")
    return {c: where[c] for c in want}


def _cells(row: list[str], cols: dict[str, int], name: str, line: int) -> dict[str, str]:
    if len(row) < len(cols) or max(cols.values()) >= len(row):
        raise _refuse(f"{name} line {line} has {len(row)} cells; the header has more.")
    return {c: row[i] for c, i in cols.items()}


def read_polis(folder: str | Path, max_chars: int = dl.MAX_STATEMENT_CHARS) -> PolisConversation:
    """Read and check a Pol.is export folder; a :class:`WorkbenchError` names the first problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise _refuse(f"{snippet(str(folder))!r} is not a folder.", "Give the folder of a Pol.is export.")
    files: dict[str, str] = {}

    head, rows, files["comments.csv"] = _read_csv(folder / "comments.csv", "comments.csv", True)
    cols = _columns(head, COMMENTS_COLUMNS, "comments.csv")
    comments, seen = [], set()
    for n, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        c = _cells(row, cols, "comments.csv", n)
        cid = _int(c["comment-id"], "comments.csv", n, "comment-id")
        if cid in seen:
            raise _refuse(f"comments.csv line {n}: comment {cid} appears twice.")
        seen.add(cid)
        try:
            dl.check_statement_text(c["comment-body"], max_chars)
        except WorkbenchError as exc:
            if exc.key == "purpose.error.too_long":
                raise _refuse(f"comments.csv line {n}: comment {cid} has {exc.params['count']} characters, more "
                              f"than this project's statement limit of {max_chars}.",
                              "Set statement_max_chars under [workshop] in workbench.toml to at least the "
                              "longest statement, then import again.") from None
            raise _refuse(f"comments.csv line {n}: comment {cid}: {exc.message}") from None
        comments.append({
            "id": cid, "author": _int(c["author-id"], "comments.csv", n, "author-id"),
            "ts": _int(c["timestamp"], "comments.csv", n, "timestamp"), "datetime": _datetime(c["datetime"], "comments.csv", n),
            "moderated": _int(c["moderated"], "comments.csv", n, "moderated", -1, 1),
            "agrees": _int(c["agrees"], "comments.csv", n, "agrees"),
            "disagrees": _int(c["disagrees"], "comments.csv", n, "disagrees"),
            "text": c["comment-body"],
        })
    if not comments:
        raise _refuse("comments.csv has no comments.")

    head, rows, files["votes.csv"] = _read_csv(folder / "votes.csv", "votes.csv", True)
    cols = _columns(head, VOTES_COLUMNS, "votes.csv")
    votes = []
    for n, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        c = _cells(row, cols, "votes.csv", n)
        cid = _int(c["comment-id"], "votes.csv", n, "comment-id")
        if cid not in seen:
            raise _refuse(f"votes.csv line {n}: there is no comment {cid} in comments.csv.")
        votes.append({"comment": cid, "voter": _int(c["voter-id"], "votes.csv", n, "voter-id"),
                      "ts": _int(c["timestamp"], "votes.csv", n, "timestamp"),
                      "datetime": _datetime(c["datetime"], "votes.csv", n), "vote": _int(c["vote"], "votes.csv", n, "vote", -1, 1)})
    votes.sort(key=lambda v: v["ts"])  # stable: ties keep the file's order; the last one counts

    conv = PolisConversation(source=folder.name, comments=sorted(comments, key=lambda c: c["id"]), votes=votes,
                             files=files)
    _check_signs(conv)

    found = _read_csv(folder / "participants-votes.csv", "participants-votes.csv", False)
    if found is not None:
        head, rows, files["participants-votes.csv"] = found
        conv.xid = "xid" in [h.strip() for h in head]
        cols = _columns(head, PARTICIPANT_COLUMNS + (("xid",) if conv.xid else ()), "participants-votes.csv")
        for n, row in enumerate(rows, start=2):
            if not any(c.strip() for c in row):
                continue
            c = _cells(row, cols, "participants-votes.csv", n)
            pid = _int(c["participant"], "participants-votes.csv", n, "participant")
            if pid in conv.participants:
                raise _refuse(f"participants-votes.csv line {n}: participant {pid} appears twice.")
            info: dict = {}
            if c["group-id"].strip():
                info["group"] = _int(c["group-id"], "participants-votes.csv", n, "group-id", 0, 1000)
            if conv.xid and c["xid"].strip():
                xid = c["xid"].strip()[:200]
                if first_refused(xid):
                    raise _refuse(f"participants-votes.csv line {n}: the xid holds a control character.")
                info["xid"] = xid
            conv.participants[pid] = info

    found = _read_csv(folder / "summary.csv", "summary.csv", False)
    if found is not None:
        head, rows, files["summary.csv"] = found
        for row in [head, *rows]:
            if len(row) >= 2 and row[0].strip() in SUMMARY_KEYS:
                value = row[1]
                if first_refused(value.replace("\n", " ")):
                    raise _refuse(f"summary.csv: {row[0].strip()} holds a control character.")
                conv.summary[row[0].strip()] = value[:5000]
    return conv


def _check_signs(conv: PolisConversation) -> None:
    """Which sign means agree: comments.csv's agrees/disagrees count every vote row."""
    plus, minus = {}, {}
    for v in conv.votes:
        if v["vote"] == 1:
            plus[v["comment"]] = plus.get(v["comment"], 0) + 1
        elif v["vote"] == -1:
            minus[v["comment"]] = minus.get(v["comment"], 0) + 1
    straight = sum(c["agrees"] != plus.get(c["id"], 0) or c["disagrees"] != minus.get(c["id"], 0)
                   for c in conv.comments)
    turned = sum(c["agrees"] != minus.get(c["id"], 0) or c["disagrees"] != plus.get(c["id"], 0)
                 for c in conv.comments)
    if turned < straight:
        conv.reversed_signs = True
        conv.signs = "-1 = agree, 1 = disagree, 0 = pass (Pol.is's database convention; comments.csv's counts fit it)"
        conv.count_mismatches = turned
    else:
        conv.count_mismatches = straight


def import_events(conv: PolisConversation, language: str = "en", attribution: str = ATTRIBUTION) -> list[tuple]:
    """The conversation as ``(kind, payload, actor)`` items for one ``append_many``."""
    actor = dl.FACILITATOR_ACTOR
    names = REVERSED if conv.reversed_signs else SIGNS
    people = set(conv.participants) | {c["author"] for c in conv.comments} | {v["voter"] for v in conv.votes}
    summary = {k: conv.summary[k] for k in ("topic", "url", "views", "conversation-description") if k in conv.summary}
    items: list[tuple] = [("purpose.imported", {
        "format": "polis", "source": conv.source, "files": conv.files, "licence": LICENCE,
        "attribution": " ".join(str(attribution).split())[:2000], "summary": summary, "xid": conv.xid,
        "signs": conv.signs, "count_mismatches": conv.count_mismatches,
        "counts": {"participants": len(people), "comments": len(conv.comments), "votes": len(conv.votes)},
        "times": "each event's payload 'polis' holds Pol.is's timestamp (ms) and datetime; the event's ts is "
                 "the time of this import",
    }, actor)]
    for pid in sorted(people):
        origin = {"id": pid, **conv.participants.get(pid, {})}
        items.append(("participant.joined", {"code": code_for(pid), "language": language, "polis": origin}, actor))
    for c in conv.comments:
        items.append(("statement.added", {
            "text": c["text"], "language": language, "topic": "other", "seed": False, "author": code_for(c["author"]),
            "polis": {"id": c["id"], "ts": c["ts"], "datetime": c["datetime"], "moderated": c["moderated"]}}, actor))
    for v in conv.votes:
        items.append(("vote.cast", {"code": code_for(v["voter"]), "comment": v["comment"], "vote": names[v["vote"]],
                                    "polis": {"ts": v["ts"], "datetime": v["datetime"]}}, actor))
    return items


def import_polis(project, folder: str | Path, *, language: str | None = None,
                 attribution: str = ATTRIBUTION) -> dict:
    """Check ``folder`` and append it to ``project``'s log in one transaction; returns the counts.

    Refused (nothing written) when the folder is malformed or the project's deliberation has begun.
    """
    conv = read_polis(folder, project.config.workshop.statement_max_chars)
    delib = dl.current(project.store)
    if delib.participants or delib.statements or delib.votes_cast or delib.imported:
        raise WorkbenchError("This project's deliberation has already begun, so a Pol.is conversation cannot be "
                             "imported into it.", "Import it into a new project ('workbench init').")
    items = import_events(conv, language or project.config.default_language, attribution)
    events = project.store.append_many(items)
    return {"participants": sum(1 for k, _p, _a in items if k == "participant.joined"),
            "statements": len(conv.comments), "votes": len(conv.votes), "events": len(events),
            "topic": conv.summary.get("topic", ""), "url": conv.summary.get("url", ""), "signs": conv.signs,
            "count_mismatches": conv.count_mismatches, "hidden": sum(c["moderated"] == -1 for c in conv.comments)}
