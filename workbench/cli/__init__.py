"""The ``workbench`` command: one module per verb, registered in ``COMMANDS``.

Errors are one line on stderr naming the problem and the fix, exit 2, no
traceback. ``run_cli`` runs a command in-process for tests.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
from importlib import import_module
from pathlib import Path

from ..errors import WorkbenchError

# verb -> module under workbench.cli (each has `add_arguments(parser)`, `run(args)` and `HELP`, or
# `HELPS[verb]` when one module serves several verbs)
COMMANDS = {
    "init": "init",
    "verify": "verify",
    "checkpoint": "checkpoint",
    "serve": "serve",
    "lab": "lab",
    "demo": "demo",
    "info": "info",
    "charter": "charter",
    "purpose": "purpose",
    "backup": "backup",
    "store": "store",
    "consent": "consent",
    "data": "data",
    "datasheet": "data",
    "evaluate": "evaluate",
    "card": "card",
    "adopt": "adopt",
    "decide": "decide",
    "members": "members",
    "retire": "retire",
    "run": "run",
    "report": "report",
    "concern": "concern",
    "keys": "federation",
    "bundle": "federation",
    "catalog": "federation",
    "federate": "federation",
    "monitor": "monitor",
    "benefits": "benefits",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise WorkbenchError(f"{self.prog}: {message}.", f"Run '{self.prog} --help' for usage.")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog="workbench", description="Commons Workbench: participatory design of small, "
                     "consented AI. Each command has --help.")
    parser.add_argument("--version", action="version", version=f"commons-workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for verb, module_name in COMMANDS.items():
        module = import_module(f".{module_name}", __name__)
        text = getattr(module, "HELPS", {}).get(verb, module.HELP)
        p = sub.add_parser(verb, help=text, description=text)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    from ._options import one_time_spelling

    one_time_spelling(parser)  # --as-of wherever a time applies; --at a hidden alias for one release
    return parser


class _TerminalSafe:
    """A text stream that passes on what it is given with terminal controls removed (see text.terminal_safe)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        from ..text import terminal_safe

        # A progress bar redraws its line with a leading CR (cli/evaluate.py); a CR anywhere else is removed.
        lead = "\r" if text[:1] == "\r" else ""
        self._stream.write(lead + terminal_safe(text))
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):  # fileno, buffer, ...: the real stream's
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    """Run one command; everything it prints reaches the terminal without escape sequences (issue 26)."""
    with contextlib.redirect_stdout(_TerminalSafe(sys.stdout)), contextlib.redirect_stderr(_TerminalSafe(sys.stderr)):
        return _main(argv)


BUG_LOG = "workbench-errors.log"  # in the temp folder when the command names no project


def bug_log_path(args) -> Path:
    """Where this command logs a bug: the project's ``.workbench/errors.log`` (as the app kernels do), else
    ``workbench-errors.log`` in the temp folder."""
    folder = getattr(args, "dir", None)
    if folder and (Path(folder) / ".workbench").is_dir():
        return Path(folder) / ".workbench" / "errors.log"
    import tempfile

    return Path(tempfile.gettempdir()) / BUG_LOG


def _append(path: Path, what: str, text: str) -> bool:
    """Append one entry (a header line, then ``text``) to the bug log at ``path``; False if it cannot be written."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"=== {now} {what} (pid {os.getpid()})\n{text}\n".encode("utf-8", "backslashreplace"))
        finally:
            os.close(fd)
    except OSError:  # a read-only project or a full disk: the one line on stderr still says what happened
        return False
    return True


class _BugLog(logging.Handler):
    """While a command runs, ``workbench.*`` records of level WARNING and above (a candidate that crashed, a
    report section that failed, with their tracebacks) go to the bug log, never to the terminal."""

    def __init__(self, path: Path, command: str):
        super().__init__(logging.WARNING)
        self.path, self.command = path, command

    def emit(self, record):
        try:
            _append(self.path, f"{record.levelname} {record.name} in 'workbench {self.command}'", self.format(record))
        except Exception:  # noqa: BLE001 - a logging handler must never raise (logging's rule); never to stderr
            pass


def _command(argv) -> str:
    return " ".join(str(a) for a in (sys.argv[1:] if argv is None else argv))[:500]


def _log_bug(args, argv) -> Path | None:
    """The current exception's traceback, with the command, appended to :func:`bug_log_path`; None if unwritable."""
    import traceback

    path = bug_log_path(args)
    return path if _append(path, f"error in 'workbench {_command(argv)}'", traceback.format_exc()) else None


def _main(argv: list[str] | None = None) -> int:
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "_run", None):
            parser.print_help()
            return 2
        handler = _BugLog(bug_log_path(args), _command(argv))
        logger = logging.getLogger("workbench")
        logger.addHandler(handler)
        try:
            return int(args._run(args) or 0)
        finally:
            logger.removeHandler(handler)
    except WorkbenchError as exc:
        print(f"error: {exc.sentence}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's top-level seam: a bug is logged, then said in one line
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        logged = _log_bug(args, argv)
        where = f"the details are in {logged}; " if logged else ""
        print(f"error: unexpected {type(exc).__name__}: {exc}. This is a bug; {where}run again with "
              "WORKBENCH_DEBUG=1 to see them here, and report it.", file=sys.stderr)
        return 1


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run ``workbench ARGV`` in this process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # --help / --version
            code = exc.code if isinstance(exc.code, int) else 0
    return code, out.getvalue(), err.getvalue()


def entry() -> None:
    sys.exit(main())
