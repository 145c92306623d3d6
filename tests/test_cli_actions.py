"""Verbs with actions share one shape (workbench.cli._sub): the refusal without an action, the project
opened around an action, the exit code, and a new action as a function plus one registration line."""

from __future__ import annotations

import argparse

import pytest

from workbench.cli import COMMANDS, _Parser, build_parser, run_cli
from workbench.cli._sub import Actions
from workbench.errors import WorkbenchError


def _verbs_with_actions() -> dict[str, list[str]]:
    top = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    found = {}
    for verb in COMMANDS:
        for action in top.choices[verb]._actions:
            if isinstance(action, argparse._SubParsersAction):
                found[verb] = list(action.choices)
    return found


def test_every_verb_with_actions_names_them_all_when_none_is_given():
    verbs = _verbs_with_actions()
    assert {"benefits", "concern", "consent", "data", "monitor", "purpose", "store", "keys", "bundle", "catalog",
            "federate"} <= set(verbs)
    for verb, actions in verbs.items():
        code, out, err = run_cli([verb])
        assert (code, out) == (2, ""), (verb, err)
        assert err == (f"error: workbench {verb} needs an action. Use one of: {', '.join(actions)} "
                       f"(see 'workbench {verb} --help').\n"), verb
    assert "Use one of: plan, export, verify (see 'workbench bundle --help')." in run_cli(["bundle"])[2]
    assert "Use one of: join-cards, import (see 'workbench purpose --help')." in run_cli(["purpose"])[2]


def _parser(actions: Actions) -> argparse.ArgumentParser:
    p = _Parser(prog="workbench demo-verb")
    actions.add_arguments(p)
    return p


def test_a_new_action_is_a_function_and_one_line(sqlite_project, capsys):
    seen = []

    def _count(project, args):
        seen.append((project.root, args.times))
        print(f"opened {project.root.name}")
        return 3 if args.times > 1 else None

    actions = Actions("demo-verb")
    actions.add("count", _count, lambda p: p.add_argument("--times", type=int, default=1), help="count events")  # the one line
    actions.add("echo", lambda args: print(args.word), lambda p: p.add_argument("word"), help="say a word",
                project=False)

    args = _parser(actions).parse_args(["count", str(sqlite_project.root), "--times", "2"])
    assert actions.run(args) == 3  # the action's return value is the exit code
    assert seen == [(sqlite_project.root, 2)]
    assert capsys.readouterr().out == "opened proj\n"
    assert actions.run(_parser(actions).parse_args(["count", str(sqlite_project.root)])) == 0  # None: 0
    assert actions.run(_parser(actions).parse_args(["echo", "hello"])) == 0  # no DIR, no project opened
    assert not hasattr(_parser(actions).parse_args(["echo", "hello"]), "dir")
    assert capsys.readouterr().out == "opened proj\nhello\n"

    help_text = _parser(actions).format_help()
    assert "count     count events" in help_text and "echo      say a word" in help_text
    with pytest.raises(WorkbenchError) as caught:
        actions.run(_parser(actions).parse_args([]))
    assert caught.value.sentence == ("workbench demo-verb needs an action. Use one of: count, echo "
                                     "(see 'workbench demo-verb --help').")


def test_an_action_on_a_folder_that_is_no_project_is_one_line(tmp_path):
    code, out, err = run_cli(["concern", "list", str(tmp_path / "nowhere")])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err
