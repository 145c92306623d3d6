"""Evaluation views, one module per screen: the evaluation desk (:mod:`.desk`: candidates, criteria, the
recommendation and the community's decision) and the adopted model in use (:mod:`.monitoring`). Both are
facilitators' apps. Importing this package loads neither; the entry points load the one they open.
"""

from __future__ import annotations


def app():
    """The Voila / JupyterLab entry point of notebooks/evaluation.ipynb (facilitators only)."""
    from ..context import open_facilitator_app
    from .desk import EvaluationView

    project, ctx = open_facilitator_app("evaluation", "evaluation.error.facilitators_only")
    return EvaluationView(project, ctx.language)


def monitoring_app():
    """The Voila entry point of notebooks/monitoring.ipynb."""
    from ..context import open_app_project
    from .monitoring import MonitoringView

    project, ctx = open_app_project("monitoring")
    return MonitoringView(project, ctx.role, ctx.language)
