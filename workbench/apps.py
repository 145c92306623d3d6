"""The registry of Voila apps: which notebook, for whom, in which stage.

``workbench serve`` consults it to decide who may open what; the welcome app
uses it for its links. Adding an app is one entry here plus its notebook.
A notebook that is not registered is treated as facilitator-only.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTICIPANT, FACILITATOR = "participant", "facilitator"
ROLES = (PARTICIPANT, FACILITATOR)


@dataclass(frozen=True)
class App:
    key: str
    notebook: str  # relative to notebooks/
    roles: tuple[str, ...]
    stage: str | None = None
    preheat: bool = False  # participant apps keep preheated kernels ready

    @property
    def title_key(self) -> str:
        return f"app.{self.key}.title"

    def url(self, base: str = "/", language: str | None = None) -> str:
        path = f"{base.rstrip('/')}/voila/render/{self.notebook}"
        return f"{path}?lang={language}" if language else path


APPS: tuple[App, ...] = (
    App("welcome", "welcome.ipynb", (PARTICIPANT, FACILITATOR), None, preheat=True),
    App("room", "room.ipynb", (FACILITATOR,), None),
    App("purpose", "purpose.ipynb", (PARTICIPANT, FACILITATOR), "purpose", preheat=True),
    App("charter", "charter.ipynb", (FACILITATOR,), "purpose"),
    App("consent", "consent.ipynb", (PARTICIPANT, FACILITATOR), "consent", preheat=True),
    App("scope", "scope.ipynb", (FACILITATOR,), "consent"),
    App("curation", "curation.ipynb", (FACILITATOR,), "curation"),
    App("datawork", "datawork.ipynb", (FACILITATOR,), "curation"),
    App("mywork", "mywork.ipynb", (PARTICIPANT, FACILITATOR), "curation"),
    App("evaluation", "evaluation.ipynb", (FACILITATOR,), "evaluation"),
    App("monitoring", "monitoring.ipynb", (FACILITATOR,), "evaluation"),
    App("outcomes", "outcomes.ipynb", (PARTICIPANT, FACILITATOR), None, preheat=False),
    App("concern", "concern.ipynb", ("public", PARTICIPANT, FACILITATOR), None),  # "public": no code (serve/auth.py)
    App("concerns_triage", "concerns_triage.ipynb", (FACILITATOR,), None),
)


def by_notebook(notebook: str) -> App | None:
    for app in APPS:
        if app.notebook == notebook:
            return app
    return None


def by_key(key: str) -> App:
    for app in APPS:
        if app.key == key:
            return app
    raise KeyError(key)


def may_open(role: str | None, notebook: str) -> bool:
    app = by_notebook(notebook)
    if role == FACILITATOR:
        return True
    return app is not None and role in app.roles


def for_role(role: str) -> list[App]:
    return [a for a in APPS if role in a.roles]
APPS = (*APPS, App("catalog", "catalog.ipynb", (FACILITATOR,), None))
