"""A project: a folder a community owns and can carry on a USB stick.

::

    my-project/
      workbench.toml    name, languages, country, store URL, workshop settings
      store.db          the event log (SQLite, WAL)
      data/             raw files as received, named by content hash
      artifacts/        generated cards, reports, runs
      .workbench/       access codes and the server's cookie secret (never shared)
"""

from __future__ import annotations

import os
import secrets
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from ._atomic import write_atomic
from .errors import WorkbenchError
from .i18n import normalise_language
from .store import EventStore

CONFIG_NAME = "workbench.toml"
SECRETS_PATH = Path(".workbench") / "secrets.toml"
# Unambiguous letters and digits: no 0/O, 1/I/L, so codes survive being read aloud.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
WORKSHOP_CODE_LENGTH = 8
FACILITATOR_CODE_LENGTH = 12
JOIN_MODES = ("open", "cards")


@dataclass
class WorkshopSettings:
    """How ``workbench serve`` runs a workshop.

    One person, one voice in the deliberation (workbench.purpose.deliberation):

    - ``join_mode``: ``"open"`` (anyone with the workshop code presses "I am new") or ``"cards"`` (only
      with a single-use join card printed by ``workbench purpose join-cards``).
    - ``joins_per_hour``: in open mode, new participants one page (kernel), one browser session and one
      address may create in an hour.
    - ``votes_per_minute`` / ``statements_per_hour``: a participant's human pace.
    - ``statement_max_chars``: the longest statement, in characters (280 by default, like a short
      message; Pol.is conversations hold longer ones, so a project that imports one may raise it), from
      1 to :data:`MAX_STATEMENT_CHARS_SETTING`.

    A limit of 0 turns it off (but not the statement length) (a kiosk tablet passed round the room, say); old files without these
    keys get the defaults.
    """

    preheated_kernels: int = 2
    max_kernels: int = 80
    cull_idle_seconds: int = 600
    cull_interval_seconds: int = 60
    join_mode: str = "open"
    joins_per_hour: int = 3
    votes_per_minute: int = 30
    statements_per_hour: int = 10
    statement_max_chars: int = 280


MAX_STATEMENT_CHARS_SETTING = 20_000  # a statement is read on a phone; an event's payload holds at most 1 MB


@dataclass
class Limits:
    """How much of a file the workbench reads (``[limits]`` in workbench.toml), each checked before the
    file is expanded: a hostile or mistaken file is refused with a sentence, not read until memory runs out.

    - ``data_file_mb``: a data file for ``workbench data add`` (CSV and TSV streamed, others read whole; default
      1,000 MB);
    - ``sheet_rows`` / ``sheet_columns``: how far an .xlsx sheet may reach, from its cell references;
    - ``consent_rows``: rows in one file of paper consent records (``workbench consent import``);
    - ``model_mb``: what another community's skops model may unpack to (``workbench federate evaluate``).

    Old files without the table get the defaults; each value is a whole number of 1 or more.
    """

    data_file_mb: int = 1_000
    sheet_rows: int = 1_000_000
    sheet_columns: int = 5_000
    consent_rows: int = 20_000
    model_mb: int = 200


@dataclass
class ProjectConfig:
    name: str
    id: str
    languages: list[str]
    country: str = ""
    store_url: str = "sqlite:///store.db"
    workshop: WorkshopSettings = field(default_factory=WorkshopSettings)
    limits: Limits = field(default_factory=Limits)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(
            {
                "project": {
                    "name": self.name,
                    "id": self.id,
                    "languages": self.languages,
                    "country": self.country,
                },
                "store": {"url": self.store_url},
                "workshop": dict(vars(self.workshop)),
                "limits": dict(vars(self.limits)),
            }
        )

    @classmethod
    def from_toml(cls, text: str, where: Path) -> ProjectConfig:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise WorkbenchError(
                f"{where} is not valid TOML ({exc}).", "Fix the line it names, or restore it from a backup."
            ) from None
        proj = raw.get("project", {})
        if not isinstance(proj, dict) or not proj.get("name") or not proj.get("id"):
            raise WorkbenchError(
                f"{where} has no [project] name and id.", "Restore it, or run 'workbench init' in a new folder."
            )
        languages = [normalise_language(x) for x in proj.get("languages", ["en"])] or ["en"]
        shop = raw.get("workshop", {})
        defaults = WorkshopSettings()
        if not isinstance(shop, dict):
            raise WorkbenchError(f"[workshop] in {where} must be a table of settings.", "Fix it in workbench.toml.")
        workshop = WorkshopSettings(
            **{k: (_join_mode(shop.get(k, v), where) if k == "join_mode" else _positive_int(shop.get(k, v), k, where))
               for k, v in vars(defaults).items()}
        )
        if not 1 <= workshop.statement_max_chars <= MAX_STATEMENT_CHARS_SETTING:
            raise WorkbenchError(
                f"workshop.statement_max_chars in {where} must be from 1 to {MAX_STATEMENT_CHARS_SETTING:,}, "
                f"not {workshop.statement_max_chars!r}.", "Fix it in workbench.toml.")
        raw_limits = raw.get("limits", {})
        if not isinstance(raw_limits, dict):
            raise WorkbenchError(f"[limits] in {where} must be a table of settings.", "Fix it in workbench.toml.")
        unknown = sorted(set(raw_limits) - set(vars(Limits())))
        if unknown:
            raise WorkbenchError(f"[limits] in {where} has no setting {unknown[0]!r}.",
                                 f"Use: {', '.join(vars(Limits()))}.")
        limits = Limits(**{k: _at_least_one(raw_limits.get(k, v), k, where) for k, v in vars(Limits()).items()})
        return cls(
            name=str(proj["name"]),
            id=str(proj["id"]),
            languages=languages,
            country=str(proj.get("country", "")),
            store_url=str(raw.get("store", {}).get("url", "sqlite:///store.db")),
            workshop=workshop,
            limits=limits,
        )


def _positive_int(value: Any, name: str, where: Path) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise WorkbenchError(
            f"workshop.{name} in {where} must be a whole number of 0 or more, not {value!r}.",
            "Fix it in workbench.toml.",
        )
    return value


def _at_least_one(value: Any, name: str, where: Path) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise WorkbenchError(f"limits.{name} in {where} must be a whole number of 1 or more, not {value!r}.",
                             "Fix it in workbench.toml.")
    return value


def _join_mode(value: Any, where: Path) -> str:
    if value not in JOIN_MODES:
        raise WorkbenchError(
            f"workshop.join_mode in {where} must be \"open\" or \"cards\", not {value!r}.",
            "Fix it in workbench.toml.",
        )
    return value


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class AccessCodes:
    """The room's codes: participants join with one, facilitators with the other."""

    workshop: str
    facilitator: str
    cookie_secret: str


class Project:
    """An open project folder. Use :func:`workbench.open` or :meth:`Project.init`."""

    def __init__(self, root: Path, config: ProjectConfig, store: EventStore):
        self.root = root
        self.config = config
        self.store = store

    # -- paths ---------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.config.name

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"

    def __repr__(self) -> str:
        return f"<Project {self.config.name!r} at {self.root}>"

    # -- creation and opening ------------------------------------------------
    @classmethod
    def init(
        cls,
        root: str | os.PathLike,
        name: str,
        languages: list[str] | None = None,
        country: str = "",
        purpose: str = "",
        store_url: str = "sqlite:///store.db",
    ) -> Project:
        """Create a new project folder (the folder must be absent or empty).

        ``store_url`` is a SQLAlchemy URL; the default keeps the store in the folder.
        """
        root = Path(root).expanduser().absolute()
        name = " ".join(str(name or "").split())
        if not name:
            raise WorkbenchError("A project needs a name.", 'Pass --name "Our project".')
        if len(name) > 120:
            raise WorkbenchError("The project name is longer than 120 characters.", "Pass a shorter --name.")
        langs = [normalise_language(x) for x in (languages or ["en"])]
        if root.exists() and not root.is_dir():
            raise WorkbenchError(f"{root} is a file, not a folder.", "Choose a folder path for the project.")
        if root.exists() and any(root.iterdir()):
            raise WorkbenchError(
                f"{root} is not empty.", "Choose a new or empty folder, so nothing in it is overwritten."
            )
        config = ProjectConfig(name=name, id=str(uuid.uuid4()), languages=list(dict.fromkeys(langs)),
                               country=country.upper(), store_url=store_url)
        created_root = not root.exists()
        store = None
        try:
            root.mkdir(parents=True, exist_ok=True)
            for sub in ("data", "artifacts", ".workbench"):
                (root / sub).mkdir()
            _write_secrets(root, AccessCodes(new_code(WORKSHOP_CODE_LENGTH), new_code(FACILITATOR_CODE_LENGTH),
                                             secrets.token_hex(32)))
            store = EventStore.create(resolve_store_url(config.store_url, root), config.id)
            store.append(
                "project.created",
                {"name": name, "languages": config.languages, "country": config.country, "purpose": purpose},
                actor="facilitator",
            )
            # The config goes last: a folder without it is not (yet) a project.
            (root / CONFIG_NAME).write_text(config.to_toml(), encoding="utf-8")
        except BaseException as exc:
            # Nothing half-made stays behind: the folder was absent or empty, so all in it is ours.
            _undo_init(root, created_root, store)
            if isinstance(exc, OSError):
                raise WorkbenchError(f"Cannot create the project at {root} ({exc.strerror}).",
                                     "Check the path and its permissions.") from None
            raise
        return cls(root, config, store)

    @classmethod
    def open(cls, root: str | os.PathLike) -> Project:
        root = Path(root).expanduser().absolute()
        cfg_path = root / CONFIG_NAME
        if not root.is_dir():
            raise WorkbenchError(f"{root} is not a folder.", "Pass the path of a project folder.")
        if not cfg_path.is_file():
            raise WorkbenchError(
                f"{root} is not a Commons Workbench project (it has no {CONFIG_NAME}).",
                f"Run 'workbench init {root}' to make one, or pass the project's folder.",
            )
        config = ProjectConfig.from_toml(cfg_path.read_text(encoding="utf-8"), cfg_path)
        url = resolve_store_url(config.store_url, root)
        store = EventStore.open(url)
        if store.project_id and store.project_id != config.id:
            store.close()
            raise WorkbenchError(
                f"The store at {config.store_url} belongs to another project.",
                "Point workbench.toml's store URL at this project's own store.",
            )
        return cls(root, config, store)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- access --------------------------------------------------------------
    def access_codes(self) -> AccessCodes:
        path = self.root / SECRETS_PATH
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            return AccessCodes(raw["workshop_code"], raw["facilitator_code"], raw["cookie_secret"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            codes = AccessCodes(new_code(WORKSHOP_CODE_LENGTH), new_code(FACILITATOR_CODE_LENGTH),
                                secrets.token_hex(32))
            _write_secrets(self.root, codes)
            return codes

    def rotate_codes(self) -> AccessCodes:
        old = self.access_codes()
        codes = AccessCodes(new_code(WORKSHOP_CODE_LENGTH), new_code(FACILITATOR_CODE_LENGTH), old.cookie_secret)
        _write_secrets(self.root, codes)
        return codes

    # -- state ---------------------------------------------------------------
    def purpose_so_far(self) -> str:
        """The charter's purpose once agreed, else what was said at creation."""
        text = ""
        for ev in self.store.events(kinds=["project.created", "project.purpose_set", "charter.agreed"]):
            value = ev.payload.get("purpose") or ev.payload.get("problem")
            if value:
                text = str(value)
        return text

    def stages(self):
        from .stages import stage_statuses

        return stage_statuses(self.store.events())


def backup_project(src: str | os.PathLike, dest: str | os.PathLike | None = None):
    """Copy a project (config, store, data, artifacts, codes) into a new folder; verify the copy.

    The store is copied consistently while others write; files are copied as
    they are (data/ is write-once by design). Returns (dest path, VerifyResult).
    """
    import shutil
    from datetime import datetime

    project = Project.open(src)
    try:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = Path(dest) if dest else project.root.with_name(f"{project.root.name}-backup-{stamp}")
        target = target.expanduser().absolute()
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise WorkbenchError(f"{target} is not empty.", "Choose a new folder for the backup.")
        partial = target.with_name(f".{target.name}.partial")
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        try:
            project.store.backup_to(partial / "store.db")
            for sub in ("data", "artifacts", ".workbench"):
                if (project.root / sub).is_dir():
                    shutil.copytree(project.root / sub, partial / sub)
            config = ProjectConfig.from_toml((project.root / CONFIG_NAME).read_text("utf-8"), project.root)
            config.store_url = "sqlite:///store.db"
            (partial / CONFIG_NAME).write_text(config.to_toml(), encoding="utf-8")
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        if target.exists():
            target.rmdir()
        partial.rename(target)  # the backup appears whole or not at all
    finally:
        project.close()
    with Project.open(target) as copy:
        return target, copy.store.verify()


def resolve_store_url(url: str, root: Path) -> str:
    """Make a relative SQLite path in workbench.toml relative to the project folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////"):
        rel = url[len(prefix):]
        if rel and rel != ":memory:":
            return prefix + str((root / rel).absolute())
    return url


def _write_secrets(root: Path, codes: AccessCodes) -> None:
    import tomli_w

    path = root / SECRETS_PATH
    path.parent.mkdir(exist_ok=True)
    write_atomic(path, tomli_w.dumps({"workshop_code": codes.workshop, "facilitator_code": codes.facilitator,
                                      "cookie_secret": codes.cookie_secret}), mode=0o600)


def _undo_init(root: Path, created_root: bool, store) -> None:
    """Remove what a failed ``Project.init`` made (the folder was absent or empty before it)."""
    import shutil

    if store is not None:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            store.close()
        except (OSError, SQLAlchemyError):  # the store is going away with its folder; the first error is raised
            pass
    if created_root:
        shutil.rmtree(root, ignore_errors=True)
        return
    for child in list(root.iterdir()) if root.is_dir() else []:
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
