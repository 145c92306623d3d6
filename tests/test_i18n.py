"""Catalogs are complete, placeholders agree, and views hold no literal UI text."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from workbench import apps, i18n
from workbench.i18n import Translator, available, catalog, normalise_language
from workbench.stages import STAGES

ROOT = Path(__file__).resolve().parents[1] / "workbench"
UI_DIR = ROOT / "ui"
PROSE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}", re.UNICODE)


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_the_three_workshop_languages_ship():
    assert {"en", "pt-BR", "es"} <= set(available())
    assert available()[0] == "en"


@pytest.mark.parametrize("lang", [t for t in i18n.available() if t != "en"])
def test_every_catalog_has_every_key_with_the_same_placeholders(lang):
    source, target = catalog("en"), catalog(lang)
    missing = sorted(set(source) - set(target))
    assert not missing, f"{lang} misses {missing}"
    extra = sorted(set(target) - set(source))
    assert not extra, f"{lang} has keys English lacks: {extra}"
    for key, text in source.items():
        assert _fields(text) == _fields(target[key]), f"{lang}:{key} placeholders differ"


def _keys_used_in_code() -> set[str]:
    keys = set()
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                value = node.args[0].value
                if name in ("tr", "_t", "plural") and isinstance(value, str) and re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", value):
                    keys.add(value)
            if isinstance(node, ast.keyword) and node.arg == "key" and isinstance(node.value, ast.Constant):
                keys.add(node.value.value)
    return keys


def test_every_key_the_code_uses_is_in_the_english_catalog():
    keys = _keys_used_in_code()
    keys |= {s.title_key for s in STAGES} | {s.summary_key for s in STAGES}
    keys |= {f"status.{s}" for s in ("not_started", "in_progress", "done")}
    keys |= {a.title_key for a in apps.APPS}
    missing = sorted(k for k in keys if k not in catalog("en"))
    assert not missing, f"keys used but not in en.po: {missing}"


def _docstring_nodes(tree) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _exempt_nodes(tree) -> set[int]:
    """Docstrings, the stylesheet, and errors that carry a catalog key."""
    out = _docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets):
            out |= {id(n) for n in ast.walk(node.value)}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("Error"):
            # API errors for facilitators' code; views show a catalog key for anything a participant sees.
            out |= {id(n) for n in ast.walk(node)}
    return out


def literal_ui_text(source: str) -> list[str]:
    tree = ast.parse(source)
    exempt = _exempt_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exempt:
            text = re.sub(r"<[^>]*(>|$)|&\w+;|\{[^}]*\}", " ", node.value)
            text = re.sub(r"^[^<]*>", " ", text)  # the tail of a tag begun in an earlier f-string part
            if PROSE.search(text):
                found.append(node.value)
    return found


def test_the_literal_text_check_catches_prose():
    assert literal_ui_text('w.Button(description="Send my vote")') == ["Send my vote"]
    assert literal_ui_text('x = f"<p>Thank you, {name}</p>"') == ["<p>Thank you, "]
    assert literal_ui_text('x = f\'<div class="wb-card" data-x="{k}">{esc(tr("a.b"))}</div>\'') == []
    assert literal_ui_text('w.Button(description=tr("vote.send"))') == []


@pytest.mark.parametrize("path", sorted(UI_DIR.glob("*.py")), ids=lambda p: p.name)
def test_views_hold_no_literal_ui_text(path):
    found = literal_ui_text(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name} shows literal text instead of catalog keys: {found}"


def test_translator_falls_back_and_marks_unknown_keys():
    tr = Translator("pt-BR")
    assert tr("stage.number", number=2) == "Etapa 2"
    assert tr("no.such.key") == "[no.such.key]"
    assert Translator("xx").language == "en"


def test_language_tags_are_normalised():
    assert normalise_language("pt_br") == "pt-BR"
    assert normalise_language("ES") == "es"
    assert normalise_language("es-AR") == "es"  # falls back to the base language
    assert i18n.best_language("fr-FR,pt-BR;q=0.8") == "pt-BR"
    assert i18n.best_language(None, "es") == "es"


def test_dates_and_numbers_follow_the_locale():
    from workbench.i18n import format_datetime, format_number

    moment = "2026-11-25T14:05:00+00:00"
    assert format_datetime(moment, "pt-BR") == "25/11/2026 14:05 UTC"
    assert format_datetime(moment, "en").startswith("11/25/26")
    assert format_datetime(moment, "es", with_time=False) == "25 nov 2026"
    assert format_number(1234.5, "pt-BR", 1) == "1.234,5"
    assert format_number(1234.5, "en", 1) == "1,234.5"
    assert format_number(1234.5, "es", 1) == "1234,5" or format_number(1234.5, "es", 1) == "1.234,5"


@pytest.mark.parametrize("lang", list(i18n.available()))
def test_plural_entries_have_every_form_with_the_same_placeholders(lang):
    forms, nplurals, _ = i18n.plural_forms(lang)
    source, _, _ = i18n.plural_forms("en")
    assert set(forms) == set(source), f"{lang}: plural entries differ from English"
    for key, texts in forms.items():
        assert len(texts) == nplurals, f"{lang}:{key} has {len(texts)} forms, the language needs {nplurals}"
        assert all(_fields(t) == _fields(source[key][-1]) for t in texts), f"{lang}:{key} placeholders differ"


@pytest.mark.parametrize(("lang", "one", "two"), [
    ("en", "Evaluated by 1 community", "Evaluated by 2 communities"),
    ("pt-BR", "Avaliado por 1 comunidade", "Avaliado por 2 comunidades"),
    ("es", "Evaluado por 1 comunidad", "Evaluado por 2 comunidades"),
])
def test_counts_take_the_languages_plural_form(lang, one, two):
    tr = Translator(lang)
    assert tr.plural("federation.results.heading", 1) == one
    assert tr.plural("federation.results.heading", 2) == two
    # Portuguese treats 0 as singular, English and Spanish as plural
    zero = tr.plural("federation.results.heading", 0)
    assert zero.endswith("comunidade" if lang == "pt-BR" else "es")
    # a key with no plural entry falls back to the plain message
    assert tr.plural("room.people", 1) == tr("room.people", count=1)
