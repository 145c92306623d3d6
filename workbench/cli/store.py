from ._sub import Actions, add_dir

HELP = ("The project's event log: 'store move DIR --to URL' moves it to an empty PostgreSQL database or schema "
        "(or a new SQLite file) with every event and hash as it is, and points workbench.toml at it.")


def _move_args(m):
    add_dir(m)
    m.add_argument("--to", required=True, metavar="URL",
                   help="the new store: postgresql+psycopg://user@host/coop_a (an empty database, or "
                        "?options=-csearch_path%%3Dcoop_a for an empty schema), or sqlite:////abs/path/new.db "
                        "(a relative sqlite:///new.db is inside the project folder)")


def _move(args):
    result, old = move_project(args.dir, args.to)
    print(f"Moved {result.count} events to {result.target}; the head is event {result.head_seq} "
          f"({result.head_hash[:12]}), the same as before, and the hash chain verifies there.")
    print(f"workbench.toml now points at {result.target}.")
    print(f"The old store ({old}) is left as it was and is no longer used: keep it as a backup, or delete it.")


ACTIONS = Actions("store")
ACTIONS.add("move", _move, _move_args, project=False,  # move_project opens the project itself, held still
            help="copy the whole log to an empty store, verify it, then point workbench.toml at it",
            description="Copy the project's whole event log to an empty PostgreSQL database or schema (or a new "
            "SQLite file), check the copy (same events, same head hash, chain verified), then point workbench.toml "
            "at it. The old store is left as it was. Stop 'workbench serve' first.")
add_arguments, run = ACTIONS.add_arguments, ACTIONS.run


def move_project(project_dir, target_url: str):
    """Move a project's event log to ``target_url``; returns (MoveResult, where the old store is).

    Refuses in one sentence, changing nothing, while app kernels of a workshop have the project
    open, or when :func:`workbench.store.move.copy_log` refuses. workbench.toml is rewritten
    (whole or not at all, workbench._atomic) only once the copy is committed and checked, while the source is
    still held still; then the project is opened from the new store and verified once more.
    """
    import sqlalchemy as sa

    from .. import presence
    from .._atomic import write_atomic
    from ..errors import WorkbenchError
    from ..project import CONFIG_NAME, Project, resolve_store_url
    from ..store.move import copy_log

    try:
        sa.engine.make_url(target_url)
    except (sa.exc.ArgumentError, ValueError, TypeError):  # not parsed as a URL (a bad port is a ValueError)
        raise WorkbenchError(f"{target_url!r} is not a store URL.",
                             "Use one like postgresql+psycopg://user@host/coop_a or sqlite:////srv/coop.db.") from None
    with Project.open(project_dir) as project:
        server = presence.served_by(project.root)
        if server:
            raise WorkbenchError(
                f"A workshop is being served from {project.root} ('workbench serve', process {server['pid']}).",
                "Stop 'workbench serve' (Ctrl+C) and wait for the apps to close, then move the store.")
        live = presence.connected(project.root)
        if live:
            raise WorkbenchError(
                f"A workshop is being served from {project.root} ({len(live)} app kernel(s) have it open).",
                "Stop 'workbench serve' (Ctrl+C) and wait for the apps to close, then move the store.")
        cfg_path = project.root / CONFIG_NAME
        old_text = cfg_path.read_text(encoding="utf-8")
        old_url = project.config.store_url
        resolved_old = resolve_store_url(old_url, project.root)
        shown_old = sa.engine.make_url(resolved_old)
        old_place = (shown_old.database if shown_old.get_backend_name() == "sqlite"
                     else shown_old.render_as_string(hide_password=True))

        def point_config_at_new_store(result):
            write_atomic(cfg_path, _with_store_url(old_text, target_url, cfg_path))
            try:
                with Project.open(project.root) as moved:
                    checked = moved.store.verify()
                    if not checked.ok or moved.store.head() != (result.head_seq, result.head_hash):
                        raise WorkbenchError(f"The moved project does not open as it was ({checked.sentence})",
                                             "workbench.toml was put back; report this as a bug.")
            except BaseException:
                write_atomic(cfg_path, old_text)
                raise

        result = copy_log(project.store, resolve_store_url(target_url, project.root),
                          then=point_config_at_new_store)
    return result, old_place


def _with_store_url(text: str, url: str, where) -> str:
    """workbench.toml with [store] url changed and nothing else (comments and other tables kept)."""
    import re
    import tomllib

    import tomli_w

    from ..errors import WorkbenchError

    line = tomli_w.dumps({"url": url}).strip()
    lines = text.splitlines(keepends=True)
    start = next((i for i, x in enumerate(lines) if re.match(r"^\s*\[\s*store\s*\]\s*(#.*)?$", x)), None)
    if start is None:
        new = text + ("" if text.endswith("\n") or not text else "\n") + f"\n[store]\n{line}\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if re.match(r"^\s*\[", lines[i])), len(lines))
        at = next((i for i in range(start + 1, end) if re.match(r"^\s*url\s*=", lines[i])), None)
        if at is None:
            lines.insert(start + 1, line + "\n")
        else:
            lines[at] = line + "\n"
        new = "".join(lines)
    before, after = tomllib.loads(text), tomllib.loads(new)
    before.setdefault("store", {})["url"] = url
    if after != before:  # an unusual layout (a multi-line value, a dotted key): write it plainly instead
        new = tomli_w.dumps(before)
        if tomllib.loads(new) != before:
            raise WorkbenchError(f"Cannot rewrite {where} safely.", "Set [store] url in it by hand.")
    return new
