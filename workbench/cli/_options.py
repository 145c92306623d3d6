"""Options several verbs share, spelled one way: ``--as-of`` for a time, ``--candidates`` for candidate models.

- ``--as-of WHEN`` wherever a time applies. The old spelling ``--at`` stays for one release as a hidden
  alias (it still works, says once on stderr that it is now ``--as-of``, and is not in ``--help``).
  :func:`one_time_spelling` applies this to every verb's parser, so a verb that still declares ``--at``
  answers to ``--as-of`` too (its code keeps reading ``args.at``).
- ``--candidates A,B`` and/or ``--candidates A --candidates B``: one syntax in ``evaluate`` and ``run``;
  an unknown name is refused with the list of known ones.
"""

from __future__ import annotations

import argparse
import sys

AS_OF_HELP = "the date or time to read the project as of (YYYY-MM-DD or ISO time; default: now)"
CANDIDATES_HELP = ("candidate models, comma-separated and/or the option repeated, e.g. majority,decision_tree "
                   "(default: every usable one except the heavy ones)")


class _OldSpelling(argparse.Action):
    """``--at``: stores like ``--as-of`` and says it is the old spelling."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"note: {option_string} is now spelled --as-of; {option_string} goes in the next release.",
              file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_as_of(p, dest: str = "as_of", help: str = AS_OF_HELP) -> None:
    p.add_argument("--as-of", dest=dest, metavar="WHEN", default=None, help=help)
    p.add_argument("--at", dest=dest, action=_OldSpelling, default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def one_time_spelling(parser: argparse.ArgumentParser) -> None:
    """Every parser under ``parser`` that declares ``--at`` but not ``--as-of``: ``--as-of`` becomes the spelling
    shown, ``--at`` a hidden alias to the same destination."""
    for action in list(parser._actions):
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                one_time_spelling(sub)
        elif "--at" in action.option_strings and "--as-of" not in parser._option_string_actions:
            action.option_strings = ["--as-of" if o == "--at" else o for o in action.option_strings]
            del parser._option_string_actions["--at"]
            parser._option_string_actions["--as-of"] = action
            action.metavar = action.metavar or "WHEN"
            parser.add_argument("--at", dest=action.dest, action=_OldSpelling, default=argparse.SUPPRESS,
                                help=argparse.SUPPRESS)


def add_candidates(p) -> None:
    p.add_argument("--candidates", action="append", metavar="A,B", default=None, help=CANDIDATES_HELP)


def candidate_names(values) -> list[str]:
    """``--candidates`` as given (a list of "a,b" texts, or None) as known candidate keys, in order, once each."""
    from ..evaluation import candidates as cands

    names: list[str] = []
    for value in values or []:
        names += [x.strip() for x in str(value).split(",") if x.strip()]
    names = list(dict.fromkeys(names))
    for name in names:
        cands.get(name)  # an unknown name: one sentence naming the known ones
    return names


def show_progress() -> bool:
    """Progress goes to stderr on a terminal, never when piped or captured (a script reading the output gets
    the result alone); ``WORKBENCH_PROGRESS=1`` asks for it anyway (a CI log), ``=0`` never."""
    import os

    forced = os.environ.get("WORKBENCH_PROGRESS")
    if forced in ("0", "1"):
        return forced == "1"
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def step(message: str) -> None:
    """A line of progress for work that takes more than a second or two (see :func:`show_progress`)."""
    if show_progress():
        print(message, file=sys.stderr, flush=True)
