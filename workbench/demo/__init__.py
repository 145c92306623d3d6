"""The demo project: a fictional community co-op with a believable case for a small model.

Each stage fills in its part of the demo when it lands: a module
``workbench/demo/<stage>.py`` with ``build(project, rows, plan)``, run in the
order of ``STAGE_MODULES`` (a stage whose module is absent is skipped).
"""

from __future__ import annotations

import hashlib
from importlib import import_module
from pathlib import Path

from .dataset import consent_plan, generate_rows, to_csv

DEMO_NAME = "Vila Esperança Community Health Co-op"
DEMO_PURPOSE = ("Help our health promoters see urgent messages from residents first, "
                "without sending anyone's messages outside the co-op.")
DEMO_SEED = 7

STAGE_MODULES = ("purpose", "consent", "curation", "evaluation", "afterwards")


DEMO_LANGUAGES = ("pt-BR", "es", "en")


def build_demo(path: str | Path, seed: int = DEMO_SEED, n: int = 1200, store_url: str = "sqlite:///store.db",
               language: str | None = None, progress=None):
    """Create the demo project at ``path`` (absent or empty) and return it open.

    ``store_url`` is where its event log lives (the folder's SQLite file by default); ``language``: the
    one its apps open in (first of its three; Portuguese when not given, as the co-op would).
    """
    from ..i18n import normalise_language
    from ..project import Project

    languages = list(DEMO_LANGUAGES)
    if language is not None:
        first = normalise_language(language)
        languages = [first, *[x for x in languages if x != first]]
    project = Project.init(path, DEMO_NAME, languages, "BR", DEMO_PURPOSE, store_url)
    rows = generate_rows(n=n, seed=seed)
    raw = to_csv(rows)
    digest = hashlib.sha256(raw).hexdigest()
    target = project.data_dir / f"{digest}.csv"
    target.write_bytes(raw)
    project.store.append(
        "data.received",
        {"file": target.name, "sha256": digest, "bytes": len(raw), "rows": len(rows),
         "source": f"workbench demo generator, seed {seed}", "original_name": "mensagens-2026.csv"},
        actor="facilitator",
    )
    plan = consent_plan(rows, seed=seed)
    for name in STAGE_MODULES:
        if (Path(__file__).parent / f"{name}.py").is_file():
            if progress is not None:
                progress(name)
            import_module(f".{name}", __name__).build(project, rows, plan)
    return project
