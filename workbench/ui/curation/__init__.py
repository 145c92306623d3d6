"""Curation views: the facilitators' curation app (:mod:`.view`, one module per panel), the data-work
ledger (:mod:`.datawork`) and a data worker's own record (:mod:`.mywork`, on a phone). Importing this
package loads none of them; the entry points load the one they open, so the worker's kernel imports no
pandas.
"""

from __future__ import annotations


def app():
    """The Voila entry point of notebooks/curation.ipynb."""
    from ..context import open_app_project
    from .view import CurationView

    project, ctx = open_app_project("curation")
    return CurationView(project, ctx.role, ctx.language)


def datawork_app():
    """The Voila entry point of notebooks/datawork.ipynb."""
    from ..context import open_app_project
    from .datawork import DataWorkView

    project, ctx = open_app_project("datawork")
    return DataWorkView(project, ctx.role, ctx.language)


def mywork_app():
    """Voila entry point of notebooks/mywork.ipynb: ``from workbench.ui.curation import mywork_app``."""
    from ..context import open_app_project
    from .mywork import MyWorkView

    project, ctx = open_app_project("mywork")
    return MyWorkView(project, ctx.language, ctx.role)
