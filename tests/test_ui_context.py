"""What a served app reads from its request: role and a language that has a catalog."""

from __future__ import annotations

import pytest

from workbench.ui import context


@pytest.mark.parametrize(("query", "expected"), [
    ("lang=pt-BR", "pt-BR"),
    ("lang=pt_br", "pt-BR"),
    ("lang=es&x=1", "es"),
    ("lang=es-AR", "es"),  # no Argentine catalog: the Spanish one
    ("lang=xx", None),  # no catalog: the project's default
    ("lang=%3Cscript%3E", None),
    ("", None),
])
def test_the_language_from_the_query_is_a_catalog_language_or_none(monkeypatch, query, expected):
    monkeypatch.setenv("QUERY_STRING", query)
    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)
    monkeypatch.delenv(context.ROLE_ENV, raising=False)
    ctx = context.app_context()
    assert ctx.language == expected
    assert ctx.role == context.FACILITATOR  # outside `workbench serve`: the person at the keyboard
