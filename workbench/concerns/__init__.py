"""Concerns and redress (issue 20): anyone raises a concern about the data, the model, the process or data
work, and follows it with a tracking code; facilitators acknowledge, resolve or uphold it with a response.

::

    raised = raise_concern(store, "model", "It ignores messages in Guarani.", secret=project_secret(project))
    raised.code                       # '7K3M9-QXD2B-4F8RT', shown once
    triage(store, raised.concern.id, "upheld", "We retrain with Guarani messages.")
    status_for_code(store, raised.code, secret=project_secret(project))  # {'status': 'upheld', 'response': ...}
    summary(store); under_review_reasons(store, since_seq)
    concern_link("http://10.0.0.2:8866", "pt-BR"); qr_svg(url)

See :mod:`.log` for the events, :mod:`.codes` for tracking codes.
"""

from __future__ import annotations

from .codes import project_secret
from .link import concern_link, qr_svg
from .log import (
    ABOUT,
    ACKNOWLEDGED,
    CHANNELS,
    KINDS,
    PUBLIC_LIMITS,
    RECEIVED,
    RESOLVED,
    STAGES,
    STATUSES,
    TRIAGE_STATUSES,
    UPHELD,
    Concern,
    Concerns,
    Proof,
    Raised,
    prove,
    raise_concern,
    status_for_code,
    summary,
    triage,
    under_review_reasons,
)

__all__ = ["ABOUT", "ACKNOWLEDGED", "CHANNELS", "KINDS", "PUBLIC_LIMITS", "RECEIVED", "RESOLVED", "STAGES",
           "STATUSES", "TRIAGE_STATUSES", "UPHELD", "Concern", "Concerns", "Proof", "Raised", "concern_link",
           "project_secret", "prove", "qr_svg", "raise_concern", "status_for_code", "summary", "triage",
           "under_review_reasons"]
