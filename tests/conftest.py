"""Shared fixtures for the unit and widget tests (browser fixtures live in tests/browser/)."""

from __future__ import annotations

import pytest

import workbench


@pytest.fixture
def project(tmp_path):
    """A fresh, empty project (English and Portuguese)."""
    p = workbench.init(tmp_path / "proj", "Test co-op", ["en", "pt-BR"], "BR", "Sort messages by urgency.")
    yield p
    p.close()


@pytest.fixture
def store(project):
    return project.store
