"""``run_pipeline``: execute the papermill templates into ``artifacts/runs/<run id>/`` with a manifest.

A run folder holds the executed notebooks (``pipeline.ipynb``, ``report.ipynb``),
what the pipeline wrote (``results.json``, ``cards/``, ``evaluation/``), the
report (``report.html``) and ``manifest.json`` (see :mod:`.manifest`). The
manifest is written first with status ``running``, then ``ok`` or ``failed``:
a run that stops half-way still says so. A failing cell stops the run with one
sentence naming the cell and the error (:class:`RunFailed`); the executed
notebook keeps the full traceback.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import WorkbenchError
from . import manifest as mf
from .ids import new_run_id

_log = logging.getLogger(__name__)
_log.addHandler(logging.NullHandler())  # the app decides where records go (the CLI: errors.log), never stderr

TEMPLATE_NAMES = ("pipeline", "report")
KERNEL = "python3"
MAX_DETAIL = 300
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class RunFailed(WorkbenchError):
    """A run stopped at a failing cell; ``folder`` holds the executed notebook and the failed manifest."""

    def __init__(self, sentence: str, folder: Path | None = None):
        super().__init__(sentence)
        self.folder = folder


@dataclass
class RunResult:
    run: str
    folder: Path
    manifest: dict

    @property
    def status(self) -> str:
        return self.manifest["status"]


def template_dir() -> Path:
    """``templates/`` of the source tree (or of an installed copy under ``workbench/_templates``)."""
    import os

    here = Path(__file__).resolve().parent
    for candidate in (os.environ.get("WORKBENCH_TEMPLATES"), here.parents[1] / "templates", here.parent / "_templates"):
        if candidate and (Path(candidate) / "pipeline.ipynb").is_file():
            return Path(candidate)
    raise WorkbenchError("The run templates (templates/pipeline.ipynb) are not installed here.",
                         "Install the workbench from its source folder (pip install -e .), or set "
                         "WORKBENCH_TEMPLATES to the folder that holds them.")


def templates(overrides: Mapping[str, str | Path] | None = None) -> dict[str, Path]:
    chosen = {}
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(TEMPLATE_NAMES)
    if unknown:
        raise WorkbenchError(f"There is no template called {', '.join(sorted(unknown))}.",
                             f"Use one of: {', '.join(TEMPLATE_NAMES)}.")
    base = None
    for name in TEMPLATE_NAMES:
        if name in overrides:
            chosen[name] = Path(overrides[name]).absolute()
        else:
            base = base or template_dir()
            chosen[name] = base / f"{name}.ipynb"
        if not chosen[name].is_file():
            raise WorkbenchError(f"The template {chosen[name]} does not exist.", "Check the path.")
    return chosen


def cell_title(source: str) -> str:
    """A cell's name: its first comment line, else its first line of code."""
    lines = [x.strip() for x in str(source or "").splitlines() if x.strip()]
    for line in lines:
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return (lines[0][:60] + ("..." if len(lines[0]) > 60 else "")) if lines else "an empty cell"


_ERROR_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt)): (.+)$")
OWN_ERRORS = ("WorkbenchError", "RunFailed", "Cancelled", "StoreError", "NotSaved")


def _error_of(exc) -> tuple[str, str]:
    """(name, message) of the error in a cell; when IPython could not format it, the first one in the traceback."""
    ename, evalue = str(exc.ename or ""), " ".join(_ANSI.sub("", str(exc.evalue or "")).split())
    if evalue and ename != "CellExecutionError":
        return ename, evalue
    for line in _ANSI.sub("", "\n".join(exc.traceback or [])).splitlines():
        found = _ERROR_LINE.match(line.strip())
        if found:
            return found.group(1).rsplit(".", 1)[-1], " ".join(found.group(2).split())
    return ename or "Error", evalue


def failure_sentence(exc, template: str) -> str:
    """One sentence: which cell of which template failed, and the error."""
    ename, detail = _error_of(exc)
    if ename not in OWN_ERRORS or not detail:
        detail = f"{ename}: {detail}" if detail else ename
    if len(detail) > MAX_DETAIL:
        detail = detail[:MAX_DETAIL - 3].rstrip() + "..."
    where = f"cell [{exc.exec_count}]" if exc.exec_count else "a cell"
    sentence = f'The run stopped at {where} "{cell_title(exc.source)}" of {template}.ipynb: {detail}'
    return sentence if sentence.endswith((".", "!", "?")) else sentence + "."


def _execute(template: Path, target: Path, parameters: dict, folder: Path, name: str) -> None:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .kernel import LocalKernelManager

    try:
        pm.execute_notebook(str(template), str(target), parameters=parameters, kernel_name=KERNEL,
                            progress_bar=False, cwd=str(folder), report_mode=False,
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],  # errors live in the notebook
                            kernel_manager_class=LocalKernelManager)
    except PapermillExecutionError as exc:
        raise RunFailed(failure_sentence(exc, name), folder) from None
    except RunFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - a seam: papermill, nbformat and a kernel that may not start
        _log.error("the run could not execute %s (%s)", name, target, exc_info=True)
        detail = " ".join(str(exc).split())[:MAX_DETAIL] or type(exc).__name__
        raise RunFailed(f"The run could not execute {name}.ipynb: {type(exc).__name__}: {detail}", folder) from None


def run_pipeline(project, as_of=None, seed: int = 0, candidates=None, language: str | None = None,
                 report: bool = True, template_overrides: Mapping[str, str | Path] | None = None,
                 progress=None) -> RunResult:
    """Run the pipeline (and the report) on ``project``; returns the run, raises :class:`RunFailed` on a failing cell.

    ``as_of``: consent as it was at this time (ISO text, date or datetime; default now). ``candidates``: keys,
    a list or ``"a,b"`` (default: every usable one except the heavy ones). ``progress(step)`` is told each step.
    """
    from .pinned import pinned_project
    from .pipeline import as_of_time, candidate_list

    say = progress or (lambda step: None)
    at = as_of_time(as_of)
    keys = candidate_list(candidates)
    paths = templates(template_overrides)
    t0, started = time.perf_counter(), datetime.now(UTC)
    p = pinned_project(project)
    try:
        if language:
            from ..i18n import normalise_language

            language = normalise_language(language)
        run_id = new_run_id(started)
        folder = Path(p.artifacts_dir) / "runs" / run_id
        folder.mkdir(parents=True)
        seq = p.store.head()[0]
        manifest = {
            "format": mf.FORMAT, "format_version": 1, "run": run_id, "status": "running", "error": "",
            "started": started.isoformat(timespec="seconds"), "finished": None, "seconds": None,
            "parameters": {"as_of": at.isoformat(timespec="microseconds"), "seed": int(seed), "candidates": keys,
                           "language": language or p.config.default_language},
            "inputs": mf.inputs(p, at, paths),
            **mf.environment(),
            "outputs": [],
        }
        mf.write(folder, manifest)
    finally:
        p.close()
    params = {"project": str(p.root), "as_of": manifest["parameters"]["as_of"], "seed": int(seed),
              "candidates": keys, "language": manifest["parameters"]["language"], "run_dir": str(folder),
              "ledger_seq": seq}

    def close(status: str, error: str = "") -> None:
        manifest.update(status=status, error=error, finished=datetime.now(UTC).isoformat(timespec="seconds"),
                        seconds=round(time.perf_counter() - t0, 3), outputs=mf.outputs(folder))
        results = folder / mf.RESULTS
        if results.is_file():
            import json

            found = json.loads(results.read_text(encoding="utf-8"))
            manifest["inputs"]["snapshots"] = {
                use: {k: s.get(k) for k in ("content_sha256", "inputs_sha256", "rows")}
                for use, s in (found.get("snapshots") or {}).items()}
            manifest["parameters"]["candidates"] = found.get("candidates") or keys
        mf.write(folder, manifest)

    try:
        say("pipeline")
        _execute(paths["pipeline"], folder / "pipeline.ipynb", params, folder, "pipeline")
        close("ok")  # the report shows this manifest
        if report:
            say("report")
            _execute(paths["report"], folder / "report.ipynb",
                     {"project": str(p.root), "run_dir": str(folder), "language": params["language"],
                      "output": str(folder / "report.html")}, folder, "report")
            close("ok")
    except RunFailed as exc:
        close("failed", exc.sentence)
        raise
    except BaseException as exc:
        close("failed", f"The run was interrupted ({type(exc).__name__}).")
        raise
    return RunResult(run_id, folder, manifest)


def list_runs(project_root: str | Path) -> list[dict]:
    """Manifests of the pipeline runs in ``artifacts/runs/``, oldest first."""
    out = []
    base = Path(project_root) / "artifacts" / "runs"
    for path in sorted(base.glob(f"*/{mf.MANIFEST}")) if base.is_dir() else []:
        try:
            found = mf.read(path.parent)
        except (OSError, ValueError):
            continue
        if found.get("format") == mf.FORMAT:
            out.append({**found, "folder": str(path.parent)})
    return sorted(out, key=lambda m: (m.get("started") or "", m.get("run") or ""))
