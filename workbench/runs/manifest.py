"""What a run was made from and what it made: hashes, parameters, package versions.

``manifest.json`` in a run folder::

    {"format": "commons-workbench-run", "format_version": 1, "run": id, "status": "ok" | "failed" | "running",
     "error": sentence, "started": ISO, "finished": ISO, "seconds": float,
     "parameters": {"as_of", "seed", "candidates", "language"},
     "inputs": {"project": {id, name}, "data": [{file, sha256, bytes}], "ledger": {seq, hash, events},
                "scope": {version, hash, published_at}, "charter": {version, hash, status},
                "snapshots": {use: {content_sha256, inputs_sha256, rows}}, "templates": {name: sha256}},
     "packages": {name: version}, "python": "3.11.7", "platform": "...",
     "outputs": [{file, sha256, bytes}]}

Snapshot hashes are known only once the pipeline has curated the data, so they
are filled in from ``results.json`` after the run.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from pathlib import Path

from .._atomic import write_atomic
from ..evaluation.artifacts import sha256_file

FORMAT = "commons-workbench-run"
MANIFEST = "manifest.json"
RESULTS = "results.json"
# Packages whose versions can change a run's numbers or files, beyond the workbench's own dependencies.
ALSO_RECORDED = ("numpy", "scipy", "scikit-learn", "threadpoolctl", "joblib", "skops", "codecarbon", "ipykernel",
                 "nbclient", "nbformat", "PyYAML")


def data_files(project) -> list[dict]:
    """Every raw file under ``data/`` with its hash (named by content hash when received)."""
    out = []
    folder = Path(project.data_dir)
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file() and not path.name.startswith("."):
            out.append({"file": path.relative_to(folder).as_posix(), "sha256": sha256_file(path),
                        "bytes": path.stat().st_size})
    return out


def scope_in_force(store, at) -> dict:
    """The consent scope version published last at or before ``at`` (empty before any)."""
    from ..consent import _time
    from ..consent.scope import ScopeHistory

    chosen: dict = {}
    t = _time.to_us(at)
    for v in ScopeHistory.load(store).versions:
        if _time.to_us(v.effective_at) <= t:
            chosen = {"version": v.version, "hash": v.hash, "published_at": v.published_at}
    return chosen


def charter_version(project) -> dict:
    from ..evaluation.inputs import charter_criteria

    doc = charter_criteria(project)
    if not doc:
        return {}
    return {"version": doc["charter_version"], "hash": doc["charter_hash"], "status": doc["status"]}


def inputs(project, at, templates: dict[str, Path]) -> dict:
    """The run's inputs as they stand now (``project`` is pinned, so they cannot move during the run)."""
    seq, head = project.store.head()
    return {
        "project": {"id": project.config.id, "name": project.name},
        "data": data_files(project),
        "ledger": {"seq": seq, "hash": head},
        "scope": scope_in_force(project.store, at),
        "charter": charter_version(project),
        "snapshots": {},
        "templates": {name: sha256_file(path) for name, path in templates.items()},
    }


def _dependency_names() -> list[str]:
    from importlib import metadata

    try:
        reqs = metadata.requires("commons-workbench") or []
    except metadata.PackageNotFoundError:
        reqs = []
    names = [re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0] for r in reqs if "extra ==" not in r]
    return sorted({*names, *ALSO_RECORDED}, key=str.lower)


def packages() -> dict[str, str]:
    """Installed versions of the workbench, its dependencies and the libraries that shape a run's numbers."""
    from importlib import metadata

    from .. import __version__

    out = {"commons-workbench": __version__}
    for name in _dependency_names():
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment() -> dict:
    return {"packages": packages(), "python": platform.python_version(), "platform": platform.platform(),
            "executable": sys.executable}


def outputs(folder: Path) -> list[dict]:
    """Every file the run wrote (the manifest itself excepted), with its hash."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST and not path.name.startswith("."):
            out.append({"file": path.relative_to(folder).as_posix(), "sha256": sha256_file(path),
                        "bytes": path.stat().st_size})
    return out


def write(folder: Path, manifest: dict) -> Path:
    path = folder / MANIFEST
    write_atomic(path, json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n")
    return path


def read(folder: Path) -> dict:
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
