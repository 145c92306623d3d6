"""Commons Workbench: participatory design of small, consented AI, in Jupyter.

>>> import workbench
>>> p = workbench.open("my-project")      # doctest: +SKIP
"""

from __future__ import annotations

from .errors import WorkbenchError

__version__ = "0.1.0"
__all__ = ["WorkbenchError", "__version__", "init", "open"]


def open(path):  # noqa: A001 - mirrors the built-in on purpose: workbench.open(DIR)
    """Open the project folder at ``path``; raises :class:`WorkbenchError` if it is none."""
    from .project import Project

    return Project.open(path)


def init(path, name, languages=None, country="", purpose="", store_url="sqlite:///store.db"):
    """Create a project folder at ``path`` (absent or empty) and return it open."""
    from .project import Project

    return Project.init(path, name, languages, country, purpose, store_url)
