"""``<html lang>`` and ``<title>`` in the person's language on the served Voila pages (issue 19).

The head is rendered in the project's first language (``workbench/ui/page.py``, run by the templates'
``conf.json``: a preheated page is rendered before its request); a script in the head switches both to
the page's ``?lang=``. Here: the real server's HTML; the browser test checks the switch itself.
"""

from __future__ import annotations

import html
import json
import re

import pytest

import workbench
from workbench import apps
from workbench.i18n import Translator, available
from workbench.ui.page import PageLanguage, page_info, title

from . import _server

PAGES = [("welcome.ipynb", "welcome"), ("purpose.ipynb", "purpose"), ("room.ipynb", "room")]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    with _server.shared_server(tmp_path_factory) as srv:
        yield srv


def _head(body: str) -> tuple[str, str, dict]:
    lang = re.search(r'<html lang="([^"]*)"', body)
    name = re.search(r"<title>(.*?)</title>", body, re.S)
    info = re.search(r"var page = (\{.*?\});\n", body)
    assert lang and name and info, body[:1500]
    return lang.group(1), html.unescape(name.group(1).strip()), json.loads(info.group(1))


def test_titles_come_from_the_catalogs(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKBENCH_PROJECT", raising=False)
    assert title("purpose", "pt-BR") == "Propósito: conversar e votar · Bancada Comum"
    info = page_info("consent")
    assert info["app"] == "consent" and info["default"] == "en" and info["languages"] == list(available())
    assert info["titles"]["es"] == f"{Translator('es')('app.consent.title')} · {Translator('es')('app.name')}"
    assert page_info("not-an-app")["titles"]["en"] == Translator("en")("app.name")


def test_the_preprocessor_writes_the_projects_language(monkeypatch, tmp_path):
    import nbformat

    from .consent_support import new_project  # languages pt-BR, es, en

    project = new_project(tmp_path)
    monkeypatch.setenv("WORKBENCH_PROJECT", str(project.root))
    project.close()
    nb = nbformat.v4.new_notebook(metadata={"title": "Purpose"})
    nb, resources = PageLanguage().preprocess(nb, {"metadata": {"name": "purpose"}, "language_code": "en"})
    assert resources["language_code"] == "pt-BR"
    assert nb.metadata["title"] == title("purpose", "pt-BR")
    assert resources["workbench_page"]["titles"]["es"] == title("purpose", "es")


@pytest.mark.parametrize(("notebook", "key"), PAGES)
def test_the_served_page_says_its_language(server, notebook, key):
    cookie = server.login(server.codes.facilitator)
    with workbench.open(server.project_path) as project:
        default = project.config.default_language
    assert default == "pt-BR"  # the demo co-op
    status, _, body = server.request("GET", f"{server.prefix}/voila/render/{notebook}?lang=pt-BR",
                                     headers={"Cookie": cookie}, timeout=120)
    assert status == 200, body[:500]
    lang, name, info = _head(body)
    assert lang == "pt-BR"
    assert name == title(key, "pt-BR") and apps.by_key(key)
    assert Translator("pt-BR")(f"app.{key}.title") in name
    # every language's title is there for the page's ?lang= to pick (the script after it)
    assert info["app"] == key and info["titles"] == {t: title(key, t) for t in available()}
    assert "apply(norm)" in body and "document.title = page.titles[tag]" in body
