"""Every command of README.md's "Using it" block, run against a demo project, so an example cannot drift.

The ```sh block under "## Using it" is parsed line by line: ``my-project`` becomes the demo's folder
(``init`` gets a fresh one), optional ``[...]`` parts are included (dropped when they hold a placeholder such
as ``FILE``), ``a|b|c`` sub-commands each run. A line is skipped only with a stated reason (it starts a server,
builds the demo, names a placeholder or a file of the reader's, or is not a workbench command); a skipped
workbench line is still checked against ``--help``: its verb exists and knows every option the line uses.
A run must exit 0 (or, for the few lines the README itself says may refuse, exit 2 with one sentence); a usage
error always fails the test.

Every other ```sh block of the README is read the same way (``demo-project``, the folder ``make demo`` builds,
stands for the demo too), before "Using it" changes the demo: its workbench lines run, a ``make`` line's target
must exist in the Makefile, and ``. .venv/bin/activate`` must name the folder the Makefile installs into.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from workbench.cli import run_cli

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9-]{2,}$")  # FILE, DIR, THEIR-BUNDLE, RUN (not a country code: BR)
READS_FILE = re.compile(r"\.(csv|json|zip|ipynb|xlsx|parquet|jsonl|pem)$")
OUTPUT_FLAGS = {"-o", "--out", "--output"}
SKIP_VERBS = {"serve": "starts the workshop server (tests/test_serve_options.py and the browser tests run it)",
              "lab": "starts JupyterLab and waits for it to be stopped",
              "demo": "builds the demo project itself (tests/test_project_cli.py runs it)"}
# Lines the README says may refuse on a project that already did the thing: (words, a phrase of the refusal).
MAY_REFUSE = {("keys", "init"): "already has a signing key", ("data", "accept"): "already accepted"}


def using_it_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using it", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README.md's 'Using it' section has no ```sh block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def sh_blocks() -> list[tuple[str, list[str]]]:
    """(the heading above it, its command lines) for every ```sh block of README.md, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"```sh\n(.*?)```", text, re.S):
        heading = re.findall(r"^#+ (.+)$", text[:m.start()], re.M)
        lines = [line for line in m.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]
        out.append((heading[-1] if heading else "", lines))
    return out


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", text, re.M))


def _uncomment(line: str) -> str:
    """The command without its trailing comment (a '#' after a space, outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def _has_placeholder(words: list[str]) -> str | None:
    return next((w for w in words if PLACEHOLDER.match(w)), None)


def expand(line: str, project: str, fresh: str) -> list[list[str]]:
    """The argv lists one README line stands for (see the module's docstring)."""
    command = _uncomment(line)

    def optional(m):
        inner = m.group(1)
        return "" if _has_placeholder(shlex.split(inner)) else inner

    command = re.sub(r"\[([^\[\]]*)\]", optional, command)
    words = shlex.split(command)
    target = fresh if words[1:2] == ["init"] else project
    words = [target if w in ("my-project", "demo-project") else w for w in words]
    out = [words]
    for i, w in enumerate(words):
        if "|" in w and all(re.fullmatch(r"[a-z-]+", part) for part in w.split("|")):
            out = [words[:i] + [part] + words[i + 1:] for part in w.split("|")]
            break
    return out


def skip_reason(argv: list[str], cwd: Path) -> str | None:
    if argv[0] != "workbench":
        return f"not a workbench command ({argv[0]}; tests/test_notebooks.py runs the templates)"
    if argv[1] in SKIP_VERBS:
        return SKIP_VERBS[argv[1]]
    if "..." in argv:
        return "its arguments are left to the reader ('...')"
    placeholder = _has_placeholder(argv[2:])
    if placeholder:
        return f"{placeholder} is a placeholder for the reader's own"
    for i, w in enumerate(argv):
        if READS_FILE.search(w) and argv[i - 1] not in OUTPUT_FLAGS and not (cwd / w).exists():
            return f"it reads {w}, a file of the reader's that the demo does not have"
    return None


def _help_knows(argv: list[str]) -> None:
    """A skipped line's verb (and sub-command) exists, and its help names every option the line uses."""
    words = [w for w in argv[1:] if not w.startswith("-")]
    path = words[:1]
    code, out, err = run_cli([*path, "--help"])
    assert code == 0, f"workbench {' '.join(path)} --help: {err}"
    if len(words) > 1 and re.fullmatch(r"[a-z-]+", words[1]):
        code2, out2, _ = run_cli([*words[:2], "--help"])
        if code2 == 0:
            path, out = words[:2], out2
    for w in argv:
        if w.startswith("--"):
            name = w.split("=", 1)[0]
            assert name in out, f"README uses {name} but 'workbench {' '.join(path)} --help' does not know it"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from workbench.demo import build_demo
    from workbench.purpose.charter import CharterHistory, save_draft

    root = tmp_path_factory.mktemp("readme") / "demo"
    project = build_demo(root, n=300)
    try:  # a workshop in progress: a new draft of the charter is open for the room to decide on
        _version, charter = CharterHistory.load(project.store).draft()
        charter.title = (charter.title or "Charter") + " (revised)"
        save_draft(project.store, charter, "a revision for the README's 'charter agree' line")
    finally:
        project.close()
    return root


def test_every_other_sh_block_in_the_readme_runs_against_the_demo(demo, tmp_path, monkeypatch):
    """The blocks around "Using it" (two commands, after make demo, the four stages, runs): each line is run,
    checked against the Makefile, or skipped with its reason (and then checked against --help)."""
    monkeypatch.chdir(tmp_path)
    blocks = [(h, lines) for h, lines in sh_blocks() if h != "Using it"]
    assert len(blocks) >= 4, [h for h, _ in blocks]
    targets = make_targets()
    venv = re.search(r"^VENV \?= (\S+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)
    ran, checked = [], []
    for heading, lines in blocks:
        for line in lines:
            command = _uncomment(line)
            words = shlex.split(command)
            if words[0] == "make":
                assert len(words) == 2 and words[1] in targets, f"{heading}: {command}: no such make target"
                checked.append(command)
                continue
            if words[0] in (".", "source"):
                assert words[1] == f"{venv}/bin/activate", f"{heading}: the Makefile installs into {venv}/"
                checked.append(command)
                continue
            for argv in expand(line, str(demo), str(tmp_path / "fresh-project")):
                reason = skip_reason(argv, tmp_path)
                if reason:
                    print(f"skipped: {line.strip()}  ({reason})")
                    if argv[0] == "workbench":
                        _help_knows(argv)
                    continue
                code, _out, err = run_cli(argv[1:])
                assert code == 0, f"README ({heading}) line failed: {' '.join(argv)}\nexit {code}\n{err}"
                ran.append(" ".join(argv))
    print("ran:", *ran, "checked against the Makefile:", *checked, sep="\n  ")
    assert {"make demo", "make test", "make lab", "make screenshots"} <= set(checked), checked
    assert {a.split()[1] for a in ran} >= {"info", "verify", "charter", "consent", "data", "decide"}, ran


def test_every_command_in_the_readme_runs_against_the_demo(demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ran, skipped = [], []
    for line in using_it_block():
        for argv in expand(line, str(demo), str(tmp_path / "fresh-project")):
            reason = skip_reason(argv, tmp_path)
            if reason:
                skipped.append((line, reason))
                if argv[0] == "workbench":
                    _help_knows(argv)
                continue
            code, out, err = run_cli(argv[1:])
            shown = " ".join(argv)
            assert "for usage" not in err and "unexpected" not in err, f"{shown}\n{err}"
            refusal = next((v for k, v in MAY_REFUSE.items() if tuple(argv[1:3]) == k), None)
            if refusal and code == 2:
                assert refusal in err, f"{shown}\n{err}"
            else:
                assert code == 0, f"README line failed: {shown}\nexit {code}\n{err}"
            ran.append(shown)
    for line, reason in dict.fromkeys(skipped):  # every skip says why
        assert reason, line
        print(f"skipped: {line.strip()}  ({reason})")
    print("ran:", *ran, sep="\n  ")
    assert len(ran) >= 20, ran
    verbs = {a.split()[1] for a in ran}
    assert {"charter", "adopt", "evaluate", "card", "run", "report", "verify"} <= verbs


def test_the_parser_expands_options_alternatives_and_placeholders():
    argv = expand('workbench data profile|consent my-project [--force] [--receipt FILE]  # a [comment]', "P", "F")
    assert argv == [["workbench", "data", "profile", "P", "--force"], ["workbench", "data", "consent", "P", "--force"]]
    assert expand("workbench init my-project --name \"Our co-op\"", "P", "F") == [
        ["workbench", "init", "F", "--name", "Our co-op"]]
    assert expand('workbench adopt my-project latest x [--reason "a; b # c"]', "P", "F")[0][-1] == "a; b # c"
    assert skip_reason(["workbench", "federate", "evaluate", "/p", "THEIR-BUNDLE"], Path(".")).startswith("THEIR")
    assert "not a workbench command" in skip_reason(["papermill", "x.ipynb"], Path("."))
