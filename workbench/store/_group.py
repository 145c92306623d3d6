"""Group commit for the writers of one SQLite file: one transaction and one fsync for many appends.

Every participant's kernel is its own process writing to the same ``store.db``. One transaction per
append costs one fsync each, and writers that take turns on a lock pay a process hand-off each; with
60 writers on 2 cores the hand-offs, not the disk, set the pace. So writers combine:

1. A writer *publishes* its append as a request file in ``store.db.spool/`` (written, then renamed
   into place, so a half-written request is never seen), named by the time and a token of its own.
2. It tries, without waiting, to *lead*: to take the lock (an open-file-description lock on the first
   byte of ``store.db.writelock``, which dies with its process). The leader *claims* every request
   waiting (renames it ``.taken``: a writer withdraws only a request still ``.req``), appends them all in
   one transaction, and records each request's id and first sequence number in the same transaction
   (``write_requests``), so whether a request was committed is itself in the log's database.
3. The leader sends each writer its events' sequence numbers, times and hashes (a datagram to the
   writer's abstract Unix socket), and, once it has let go of the lock, wakes the oldest request still
   waiting to lead the next batch. A writer that could not lead waits for that message.

Nothing is lost or doubled when a process dies at any point: a leader killed before its COMMIT leaves
``.taken`` files and nothing committed; one killed after it leaves ``.taken`` files whose ids are in
``write_requests``. The next leader settles both before anything else (re-queues the first, answers
the second from the database). A writer that hears nothing for a while tries to lead itself, so a lost
message or a killed leader costs a short wait, not an append. A request older than the retry budget
(its writer gave up or died long ago) is dropped, never committed late.

Every writer's own appends keep their order (it waits for each), a request is committed by the next
batch after it is published (no writer waits behind a queue), and each batch is all or nothing per
request: when a batch is refused (a trigger, a constraint), each request is retried alone, so only the
refused one fails. Appends larger than a datagram's reply take the lock, waiting, and commit alone.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own locking keeps the log consistent
    fcntl = None

MAX_COMBINED = 64  # events in one request; more are committed alone (the reply must fit a datagram)
MAX_BATCH = 512  # requests in one transaction
_LOCK_BYTE = 0
_WAIT_FIRST_S = 0.05  # how long a writer waits for a message before trying to lead itself
_WAIT_MAX_S = 0.25
_TMP_STALE_NS = 600 * 10**9  # a request half-written this long ago belongs to a dead writer
_tokens = itertools.count()


def supported(db_path: str | None) -> bool:
    return (bool(db_path) and fcntl is not None and hasattr(fcntl, "F_OFD_SETLK")
            and hasattr(socket, "SO_PASSCRED") and hasattr(socket, "SCM_CREDENTIALS"))


@dataclass
class Request:
    rid: str
    items: list  # [kind, payload_json, actor], already checked by the writer

    @property
    def address(self) -> bytes:
        return _address(self.rid.split("-")[1])


def _older_than(rid: str, age_ns: int) -> bool:
    try:
        return int(rid.split("-")[0]) < time.time_ns() - age_ns
    except ValueError:
        return True


def _address(token: str) -> bytes:
    return b"\0commons-workbench-" + token.encode("ascii")


def _lock(fd: int, kind: int, wait: bool) -> bool:
    cmd = fcntl.F_OFD_SETLKW if wait else fcntl.F_OFD_SETLK
    try:
        fcntl.fcntl(fd, cmd, struct.pack("hhxxxxqqixxxx", kind, os.SEEK_SET, _LOCK_BYTE, 1, 0))
    except OSError as exc:
        if not wait and exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


class GroupCommit:
    """The lock, the spool and the messages of one SQLite file's writers, for one process."""

    def __init__(self, db_path: str):
        self.spool = f"{db_path}.spool"
        self._lock_path = f"{db_path}.writelock"
        self._thread_lock = threading.Lock()  # one leader per process: the lock below is the file's
        self._fd: int | None = None
        self._pid = 0
        self._local = threading.local()
        self._fileless = False
        self.usable = True

    # -- the lock ------------------------------------------------------------
    def _file(self) -> int:
        if self._fd is not None and self._pid != os.getpid():
            self._fd = None  # a forked child shares the parent's open file: it opens its own
        if self._fd is None:
            self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, wait: bool) -> bool:
        """Take the lock (one leader per file); ``wait=False`` gives up at once when it is held.

        A lock file that cannot be opened (a read-only folder) raises OSError without waiting; waiting,
        the thread lock alone is held then and SQLite's own locking keeps the log consistent.
        """
        if not self._thread_lock.acquire(blocking=wait):
            return False
        try:
            fd = self._file()
        except OSError:
            if wait:
                self._fileless = True
                return True
            self._thread_lock.release()
            raise
        try:
            if _lock(fd, fcntl.F_WRLCK, wait):
                return True
        except BaseException:
            self._thread_lock.release()
            raise
        self._thread_lock.release()
        return False

    def release(self) -> None:
        fileless, self._fileless = self._fileless, False
        try:
            if not fileless:
                with contextlib.suppress(OSError):
                    _lock(self._file(), fcntl.F_UNLCK, True)
        finally:
            self._thread_lock.release()
        if not fileless:
            self.nudge()

    def __enter__(self):
        """Hold the file's writers still (a move, a large append): waits for the lock."""
        self.acquire(wait=True)
        return self

    def __exit__(self, *exc):
        self.release()

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = None

    # -- the spool -----------------------------------------------------------
    def _socket(self) -> tuple[socket.socket, str]:
        held = getattr(self._local, "sock", None)
        if held is not None and held[2] == os.getpid():
            return held[0], held[1]
        token = f"{secrets.token_hex(6)}{next(_tokens):x}"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        # An abstract address has no file permissions: the kernel stamps each message with its sender's
        # user, and a writer listens only to its own user's processes (see listen).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        sock.bind(_address(token))
        self._local.sock = (sock, token, os.getpid())
        return sock, token

    def publish(self, items: list) -> tuple[str, socket.socket]:
        sock, token = self._socket()
        rid = f"{time.time_ns():020d}-{token}-{next(_tokens):x}"
        body = json.dumps(items, separators=(",", ":")).encode("utf-8")
        tmp = os.path.join(self.spool, f"{rid}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:
            os.makedirs(self.spool, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, body)
        finally:
            os.close(fd)
        os.rename(tmp, os.path.join(self.spool, f"{rid}.req"))
        return rid, sock

    def withdraw(self, rid: str) -> bool:
        """Take back a request no leader has claimed; False when one has (its answer will come)."""
        try:
            os.unlink(os.path.join(self.spool, f"{rid}.req"))
        except FileNotFoundError:
            return False
        return True

    def state(self, rid: str) -> str | None:
        for suffix in ("req", "taken"):
            if os.path.exists(os.path.join(self.spool, f"{rid}.{suffix}")):
                return suffix
        return None

    def waiting(self, suffix: str = "req") -> list[str]:
        return self.scan()[suffix]

    def scan(self) -> dict[str, list[str]]:
        """The requests waiting (``req``) and claimed (``taken``), oldest first."""
        found: dict[str, list[str]] = {"req": [], "taken": []}
        try:
            names = os.listdir(self.spool)
        except FileNotFoundError:
            return found
        for name in names:
            rid, _, suffix = name.rpartition(".")
            if suffix in found:
                found[suffix].append(rid)
            elif suffix == "tmp" and _older_than(rid, _TMP_STALE_NS):  # its writer died while writing it
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(self.spool, name))
        found["req"].sort()
        found["taken"].sort()
        return found

    def claim(self, rid: str, stale_before_ns: int) -> Request | None:
        """Rename a waiting request to ``.taken`` and read it; None if withdrawn, stale or unreadable."""
        src = os.path.join(self.spool, f"{rid}.req")
        taken = os.path.join(self.spool, f"{rid}.taken")
        try:
            os.rename(src, taken)
        except FileNotFoundError:
            return None  # withdrawn by its writer
        request = self.read(rid, "taken")
        if request is None or int(rid.split("-")[0]) < stale_before_ns:
            self.forget(rid)  # its writer gave up long ago (or the file is not a request): never commit it
            return None
        return request

    def read(self, rid: str, suffix: str) -> Request | None:
        try:
            with open(os.path.join(self.spool, f"{rid}.{suffix}"), "rb") as fh:
                items = json.loads(fh.read())
            if not isinstance(items, list) or not all(isinstance(i, list) and len(i) == 3 for i in items):
                return None
            int(rid.split("-")[0])
        except (OSError, ValueError, IndexError):
            return None
        return Request(rid, items)

    def requeue(self, rid: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.rename(os.path.join(self.spool, f"{rid}.taken"), os.path.join(self.spool, f"{rid}.req"))

    def forget(self, rid: str, suffix: str = "taken") -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.spool, f"{rid}.{suffix}"))

    # -- messages ------------------------------------------------------------
    def tell(self, request: Request, message: dict) -> bool:
        """Send a writer its answer (or a turn to lead); False when nobody listens at its address."""
        try:
            # never blocks: a writer that is not listening (it leads, or it is slow) must not stop the leader
            self._socket()[0].sendto(json.dumps(message, separators=(",", ":")).encode("utf-8"),
                                       socket.MSG_DONTWAIT, request.address)
        except (ConnectionRefusedError, FileNotFoundError):
            return False
        except OSError:  # its queue is full: the writer finds its answer in the log when it next leads
            return True
        return True

    def nudge(self) -> None:
        """Wake the oldest request still waiting so that its writer leads the next batch."""
        for rid in self.waiting()[:8]:
            if self.tell(Request(rid, []), {"lead": True}):
                return

    @staticmethod
    def listen(sock: socket.socket, rid: str, timeout: float) -> dict | None:
        """The next message for ``rid`` (or a turn to lead) from a process of this user; None after ``timeout``."""
        deadline = time.monotonic() + timeout
        uid = os.getuid()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            sock.settimeout(left)
            try:
                raw, ancillary, _flags, _addr = sock.recvmsg(1 << 20, socket.CMSG_SPACE(_UCRED.size))
            except TimeoutError:
                return None
            if _sender_uid(ancillary) != uid:
                continue  # another user's process: not a leader of this store
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if isinstance(message, dict) and (message.get("lead") or message.get("rid") == rid):
                return message


_UCRED = struct.Struct("iII")  # pid, uid, gid


def _sender_uid(ancillary) -> int | None:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(data) >= _UCRED.size:
            return _UCRED.unpack(data[:_UCRED.size])[1]
    return None
