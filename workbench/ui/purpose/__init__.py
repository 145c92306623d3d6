"""Stage 1 views: the participants' conversation (:mod:`.participant`) and the facilitators' desk
(:mod:`.facilitator`), one module per role.

Importing this package loads neither screen: :func:`app` loads the one the person's role opens, so a
participant kernel never imports the desk's analysis.
"""

from __future__ import annotations


def app():
    """The Voila entry point: participants vote, facilitators get the desk."""
    import os
    from urllib.parse import parse_qs

    from ... import apps
    from ..context import open_app_project

    project, ctx = open_app_project("purpose")
    if ctx.role == apps.FACILITATOR:
        from .facilitator import FacilitatorView

        return FacilitatorView(project, ctx.language, poll_seconds=5)
    from .participant import ParticipantView

    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    return ParticipantView(project, ctx.language, (query.get("code") or [None])[0], (query.get("card") or [None])[0])


def charter_app():
    """The facilitators' charter notebook: the desk opened on the charter tab."""
    from ..context import open_facilitator_app
    from .facilitator import FacilitatorView

    project, ctx = open_facilitator_app("charter")
    view = FacilitatorView(project, ctx.language)
    view.tabs.selected_index = 2
    return view
