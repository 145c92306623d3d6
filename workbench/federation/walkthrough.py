"""A federated evaluation end to end on one machine, for Binder and workshops about the commons.

Community A (a project with an adopted model, e.g. the demo) shares its model in a signed bundle;
a neighbouring community B (a second demo project, built here) evaluates it on its own rows
permitted for evaluation, where they are; only the signed, aggregate-only result travels back;
A adds it to its catalog and its model card gains "evaluated by N communities".
``templates/federated.ipynb`` runs these steps one cell each.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

from ..errors import WorkbenchError
from . import keys

NEIGHBOUR = "Comunidade Vizinha (demo)"


def ensure_keys(project) -> str:
    """The community's signing key, made once; returns its fingerprint."""
    if not keys.has_keys(project.root):
        keys.init_keys(project)
    return keys.public_key(project.root).fingerprint


def share_model(project, out_file) -> Path:
    """Export A's bundle; refuse with a sentence when the scope or consent keeps the model home."""
    from .bundle import export_bundle, plan_bundle

    if not plan_bundle(project).shares_model:
        raise WorkbenchError("This project's bundle would not share a model (no adopted model, or the scope "
                             "or its contributors do not permit sharing it).",
                             "Adopt a model in the evaluation app, or run this walkthrough on the demo project.")
    return export_bundle(project, out_file).path


def build_neighbour(path, seed: int = 21, n: int = 600):
    """A second community from the demo generator, with its own name, consent and key."""
    from ..demo import build_demo
    from ..project import CONFIG_NAME, Project

    project = build_demo(path, seed=seed, n=n)
    project.close()
    cfg = Path(path) / CONFIG_NAME
    raw = tomllib.loads(cfg.read_text(encoding="utf-8"))
    raw["project"]["name"] = NEIGHBOUR
    cfg.write_text(tomli_w.dumps(raw), encoding="utf-8")
    neighbour = Project.open(path)
    ensure_keys(neighbour)
    return neighbour
