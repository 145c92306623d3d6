"""A run's id, below both :mod:`.run` (which executes the templates) and :mod:`.pipeline` (which the templates
call): neither imports the other's module for it (issue 23: the two imported each other)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def new_run_id(now: datetime | None = None) -> str:
    """Sortable by time, unique enough for one project: ``20260101T120000Z-1a2b3c``."""
    return f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
