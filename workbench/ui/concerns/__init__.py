"""Concern views (issue 20), one module per screen: anyone raises a concern and follows it (:mod:`.form`);
facilitators triage (:mod:`.triage`). Importing this package loads neither; the entry points load the one
they open.
"""

from __future__ import annotations


def app():
    """Voila entry point for everyone (no code needed): ``from workbench.ui.concerns import app; app()``."""
    from ..context import open_app_project
    from .form import ConcernView

    project, ctx = open_app_project("concern")
    return ConcernView(project, ctx.language)


def triage_app():
    """Voila / JupyterLab entry point for facilitators."""
    from ..context import open_facilitator_app
    from .triage import TriageView

    project, ctx = open_facilitator_app(
        "concerns_triage", sentence=("Only facilitators can triage concerns.", "Sign in with the facilitator code."))
    return TriageView(project, ctx.language)
