"""Who is in the room right now: one small file per live app kernel.

An app announces itself when it opens (app, role, language, process id) in
``.workbench/presence/``; the file goes when the kernel exits, and the room
view ignores files whose process is gone (a killed kernel leaves one behind).
Presence is not part of the event log: it is not a decision, and a page view
is nobody's business after the workshop.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PRESENCE_DIR = Path(".workbench") / "presence"


@dataclass(frozen=True)
class Presence:
    app: str
    role: str
    language: str
    pid: int
    since: float


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def announce(project_root: str | os.PathLike, app: str, role: str, language: str) -> Path | None:
    """Record this process as one person in ``app``; removed when the process exits."""
    folder = Path(project_root) / PRESENCE_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{os.getpid()}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"app": app, "role": role, "language": language, "pid": os.getpid(),
                                   "since": time.time()}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return None  # presence is a courtesy; never stop an app for it
    atexit.register(_forget, path)
    return path


def _forget(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def update_language(path: Path | None, language: str) -> None:
    if path is None:
        return
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["language"] = language
        path.write_text(json.dumps(data), encoding="utf-8")


def connected(project_root: str | os.PathLike) -> list[Presence]:
    """Live app kernels of the project; stale files of dead processes are removed."""
    folder = Path(project_root) / PRESENCE_DIR
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            item = Presence(str(data["app"]), str(data["role"]), str(data["language"]), int(data["pid"]),
                            float(data["since"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _alive(item.pid):
            out.append(item)
        else:
            _forget(path)
    return out


def summary(items: list[Presence]) -> dict[str, Counter]:
    """Counts of participants by language and by app (facilitators not counted)."""
    people = [p for p in items if p.role == "participant"]
    return {"language": Counter(p.language for p in people), "app": Counter(p.app for p in people)}
