"""Shared fixtures for the unit and widget tests (browser fixtures live in tests/browser/).

``backend_url`` runs each test that uses it twice: with the store in the SQLite
file in the project folder, and on a real PostgreSQL server (a fresh schema per
test) when one can be started. Stage tests pass it to ``Project.init`` or the
demo builders; ``project`` is a fresh project on it.

``once_store_url`` is for heavy end-to-end fixtures that run once, not per
backend: it gives PostgreSQL when a server is up (always in CI, which sets
WORKBENCH_REQUIRE_POSTGRES=1) and the SQLite file otherwise.
``sqlite_project`` is for tests about the SQLite file itself.
"""

from __future__ import annotations

import pytest

import workbench

from . import _pg
from ._pg import SQLITE_URL, fresh_schema_url

BACKENDS = ["sqlite", "postgresql"]


def pytest_sessionfinish(session, exitstatus):
    _pg.stop_shared_server()


@pytest.fixture(scope="session")
def pg_url():
    try:
        url = _pg.shared_server_url()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    if url is None:
        pytest.skip(f"no PostgreSQL server: {_pg.why_no_server()}")
    return url


def _url_for(request) -> str:
    if request.param == "postgresql":
        return fresh_schema_url(request.getfixturevalue("pg_url"))
    return SQLITE_URL


@pytest.fixture(params=BACKENDS)
def backend_url(request) -> str:
    """A store URL for a new project: the folder's SQLite file, or a fresh PostgreSQL schema."""
    return _url_for(request)


@pytest.fixture(scope="session")
def once_store_url():
    """A callable giving a new store URL: a fresh PostgreSQL schema when a server is up, else SQLite."""
    return _pg.once_store_url


def _new_project(path, store_url=SQLITE_URL):
    return workbench.init(path, "Test co-op", ["en", "pt-BR"], "BR", "Sort messages by urgency.", store_url)


@pytest.fixture
def project(backend_url, tmp_path):
    """A fresh, empty project (English and Portuguese) on each store backend."""
    p = _new_project(tmp_path / "proj", backend_url)
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
