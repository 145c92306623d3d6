"""The conversation in the Pol.is export shape, safe to open in a spreadsheet.

Three CSV files, with Pol.is's column names:

- ``comments.csv``: timestamp, datetime, comment-id, author-id, agrees, disagrees, moderated, comment-body
- ``votes.csv``: timestamp, datetime, comment-id, voter-id, vote (every vote in the log, 1 agree,
  -1 disagree, 0 pass; a later row replaces an earlier one for the same pair)
- ``participants-votes.csv``: participant, group-id, n-comments, n-votes, n-agree, n-disagree, then one
  column per comment id with the vote that counts (empty when unseen)

Participant codes are credentials (whoever knows one can vote with it), so the
export numbers participants 0, 1, 2, ... in the order they joined, as Pol.is
does; the facilitator is ``-1``. Any text cell that starts with ``= + - @``, a
tab or a carriage return is prefixed with ``'`` so a spreadsheet shows it as
text instead of running it as a formula. ``moderated`` is -1 for hidden or
merged statements, 1 for the facilitators' seed statements, 0 otherwise.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from ..spreadsheet import FORMULA_START, neutralise  # noqa: F401  (the one rule, shared by every export)
from .deliberation import Deliberation

FILES = ("comments.csv", "votes.csv", "participants-votes.csv")


def _ms(ts: str) -> int:
    return int(datetime.fromisoformat(ts).timestamp() * 1000)


def _write(path: Path, header: list, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([neutralise(h) for h in header])
        writer.writerows([[neutralise(c) for c in row] for row in rows])
    return path


def export_polis(delib: Deliberation, folder: str | Path, groups: dict[str, str] | None = None) -> list[Path]:
    """Write the three files into ``folder``; ``groups`` maps participant codes to group names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pid = {code: i for i, code in enumerate(sorted(delib.participants, key=lambda c: delib.participants[c]["seq"]))}

    def who(code: str) -> int:
        return pid.get(code, -1)

    counted = delib.votes()
    comments = []
    for st in sorted(delib.statements.values(), key=lambda s: s.id):
        mine = [v for (_p, sid), v in counted.items() if sid == st.id]
        moderated = -1 if not st.visible else 1 if st.seed else 0
        comments.append([_ms(st.ts), st.ts, st.id, who(st.author), sum(v.value == 1 for v in mine),
                         sum(v.value == -1 for v in mine), moderated, st.text])
    votes = [[_ms(v.ts), v.ts, v.statement, who(v.voter), v.value] for v in delib.votes_cast]
    ids = [s.id for s in sorted(delib.statements.values(), key=lambda s: s.id)]
    people = []
    for code, n in sorted(pid.items(), key=lambda kv: kv[1]):
        mine = {sid: v.value for (p, sid), v in counted.items() if p == code}
        authored = sum(1 for s in delib.statements.values() if s.author == code)
        people.append([n, (groups or {}).get(code, ""), authored, len(mine),
                       sum(x == 1 for x in mine.values()), sum(x == -1 for x in mine.values()),
                       *[mine.get(sid, "") for sid in ids]])
    return [
        _write(folder / "comments.csv", ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees",
                                         "moderated", "comment-body"], comments),
        _write(folder / "votes.csv", ["timestamp", "datetime", "comment-id", "voter-id", "vote"], votes),
        _write(folder / "participants-votes.csv", ["participant", "group-id", "n-comments", "n-votes", "n-agree",
                                                   "n-disagree", *ids], people),
    ]


def export_project(project, folder: str | Path | None = None) -> list[Path]:
    """Export a project's deliberation to ``artifacts/deliberation/`` (or ``folder``), with opinion groups."""
    from .analysis import analyse

    delib = Deliberation.load(project.store)
    result = analyse(delib)
    groups = {code: g.name for g in result.groups for code in g.members}
    return export_polis(delib, folder or Path(project.artifacts_dir) / "deliberation", groups)
