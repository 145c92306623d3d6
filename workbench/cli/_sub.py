"""Verbs with actions (``workbench benefits promise DIR ...``): one shape for all of them.

A verb module makes one :class:`Actions` and registers each action with one line; the module's
``add_arguments`` and ``run`` are the object's::

    ACTIONS = Actions("benefits")
    ACTIONS.add("promise", _promise, _promise_args, help="record ...", description="Record ...")
    add_arguments, run = ACTIONS.add_arguments, ACTIONS.run

An action is ``fn(project, args)``: the project in DIR is opened around it and closed after. With
``project=False`` it is ``fn(args)`` and gets no DIR argument (it opens what it needs itself). It returns the
exit code (None: 0). ``arguments(p)``, when given, adds the action's own arguments after DIR ("the project
folder"). Errors are the CLI's (``workbench.cli``): a WorkbenchError is one line on stderr, exit 2.

Without an action, a verb refuses in one sentence that names every registered action, so the list cannot
drift from the parser: ``workbench V needs an action. Use one of: a, b (see 'workbench V --help').``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    name: str
    fn: Callable
    arguments: Callable | None
    help: str
    description: str | None
    project: bool


def add_dir(p) -> None:
    p.add_argument("dir", metavar="DIR", help="the project folder")


class Actions:
    """The actions of one verb, in the order ``--help`` lists them."""

    def __init__(self, verb: str):
        self.verb = verb
        self.actions: dict[str, Action] = {}

    def add(self, name: str, fn: Callable, arguments: Callable | None = None, *, help: str,
            description: str | None = None, project: bool = True) -> None:
        self.actions[name] = Action(name, fn, arguments, help, description, project)

    def _arguments(self, p, action: Action) -> None:
        if action.project:
            add_dir(p)
        if action.arguments:
            action.arguments(p)
        p.set_defaults(_action=action)

    def add_arguments(self, p) -> None:
        sub = p.add_subparsers(dest="_action_name", metavar="ACTION", parser_class=type(p))
        for action in self.actions.values():
            self._arguments(sub.add_parser(action.name, help=action.help, description=action.description), action)

    def add_arguments_of(self, p, name: str) -> None:
        """``p`` takes the arguments of action ``name`` itself (a verb that is another verb's action)."""
        self._arguments(p, self.actions[name])

    def run(self, args) -> int:
        from ..errors import WorkbenchError

        action = getattr(args, "_action", None)
        if action is None:
            raise WorkbenchError(f"workbench {self.verb} needs an action.",
                                 f"Use one of: {', '.join(self.actions)} (see 'workbench {self.verb} --help').")
        if not action.project:
            return int(action.fn(args) or 0)
        from .. import open as open_project

        with open_project(args.dir) as project:
            return int(action.fn(project, args) or 0)
