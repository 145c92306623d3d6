"""Consent views, one module per role: the contributor's form (:mod:`.contributor`, phone, one decision
per screen) and the facilitator's scope editor (:mod:`.facilitator`).

Importing this package loads neither screen; the entry points load the one they open.
"""

from __future__ import annotations


def app():
    """Voila entry point for contributors: ``from workbench.ui.consent import app; app()``."""
    from ..context import open_app_project
    from .contributor import ContributorView

    project, ctx = open_app_project("consent")
    return ContributorView(project, ctx.language, ctx.role)


def scope_app():
    """Voila / JupyterLab entry point for facilitators."""
    from ..context import open_facilitator_app
    from .facilitator import FacilitatorView

    project, ctx = open_facilitator_app(
        "scope", sentence=("Only facilitators can edit the consent scope.", "Sign in with the facilitator code."))
    return FacilitatorView(project, ctx.language)
