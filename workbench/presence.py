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

from ._atomic import write_atomic

PRESENCE_DIR = Path(".workbench") / "presence"
_mine: Path | None = None  # this process's own record, once it announced itself


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
        write_atomic(path, json.dumps({"app": app, "role": role, "language": language, "pid": os.getpid(),
                                       "since": time.time()}), durable=False)  # no fsync per arrival
    except OSError:
        return None  # presence is a courtesy; never stop an app for it
    global _mine
    if _mine != path:
        atexit.register(_forget, path)
    _mine = path
    return path


def _forget(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def update_language(path: Path | None, language: str) -> None:
    """Rewrite a record's language (atomically: the room never reads half a file)."""
    if path is None:
        return
    with contextlib.suppress(OSError, ValueError, TypeError):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("language") == language:
            return
        data["language"] = str(language)
        write_atomic(path, json.dumps(data), durable=False)


def set_language(language: str) -> None:
    """The person in this process switched language: the room counts them under the new one.

    Views call it from ``View.set_language``; a process that never announced itself (a test, a
    notebook in JupyterLab) has nothing to update.
    """
    update_language(_mine, language)


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


def by_language_and_app(items: list[Presence]) -> dict[str, Counter]:
    """For each language, how many participants are in each app now (facilitators not counted)."""
    out: dict[str, Counter] = {}
    for p in items:
        if p.role == "participant":
            out.setdefault(p.language, Counter())[p.app] += 1
    return out


# -- the server itself -------------------------------------------------------------------------------
SERVING_FILE = Path(".workbench") / "serving.json"


def _started(pid: int) -> str:
    """The process's start time as the kernel counts it ('' where /proc is absent): tells a reused pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


@contextlib.contextmanager
def serving(project_root: str | os.PathLike, url: str = ""):
    """Mark the project as served by this process while the block runs (``workbench serve``)."""
    path = Path(project_root) / SERVING_FILE
    pid = os.getpid()
    # Whole or not at all: served_by() reads a torn mark as no mark, and 'store move' would then go ahead.
    write_atomic(path, json.dumps({"pid": pid, "started": _started(pid), "url": url}))
    atexit.register(path.unlink, missing_ok=True)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def served_by(project_root: str | os.PathLike) -> dict | None:
    """The live ``workbench serve`` process serving the project, or None (a stale mark is removed)."""
    path = Path(project_root) / SERVING_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pid = int(data["pid"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if _alive(pid) and (not data.get("started") or data.get("started") == _started(pid)):
        return data
    with contextlib.suppress(OSError):
        path.unlink()
    return None
