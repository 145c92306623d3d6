"""Shared fixtures for the unit and widget tests (browser fixtures live in tests/browser/).

``project`` runs each test that uses it twice: on the SQLite file in the folder
and on a real PostgreSQL server (a fresh schema per test) when one can be
started; ``sqlite_project`` is for tests about the SQLite file itself.
"""

from __future__ import annotations

import os

import pytest

import workbench

from ._pg import PostgresServer, fresh_schema_url


@pytest.fixture(scope="session")
def pg_url():
    try:
        server = PostgresServer()
        url = server.start()
    except Exception as exc:
        if os.environ.get("WORKBENCH_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but could not start: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield url
    server.stop()


def _new_project(path, store_url="sqlite:///store.db"):
    return workbench.init(path, "Test co-op", ["en", "pt-BR"], "BR", "Sort messages by urgency.", store_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request, tmp_path):
    """A fresh, empty project (English and Portuguese) on each store backend."""
    url = "sqlite:///store.db"
    if request.param == "postgresql":
        url = fresh_schema_url(request.getfixturevalue("pg_url"))
    p = _new_project(tmp_path / "proj", url)
    yield p
    p.close()


@pytest.fixture
def sqlite_project(tmp_path):
    p = _new_project(tmp_path / "proj")
    yield p
    p.close()


@pytest.fixture
def store(project):
    return project.store
