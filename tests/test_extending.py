"""The recipes of docs/extending.md, performed as a newcomer would (issue 23's newcomer check).

The page's code blocks are applied verbatim to a temporary copy of the package (the repository's files are
never edited) and what the page promises is checked there, in a fresh interpreter: the new candidate, use or
language is picked up with no other edit, and a forgotten catalog key fails the catalog tests naming the key.
The candidate recipe also runs in this process through the public ``register``, removed again afterwards.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.consent.uses import USES
from workbench.evaluation import candidates as cands
from workbench.i18n import catalog

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "extending.md"
CATALOGS = {"en": "en.po", "es": "es.po", "pt-BR": "pt_BR.po"}
FENCE = re.compile(r"^```(\w+) ([^\n]+)\n(.*?)^```$", re.M | re.S)
MESSAGE = re.compile(r'^msgid "([^"]+)"\nmsgstr "([^"]*)"$', re.M)
USES_END = "\n    )\n}\nUSE_KEYS"  # the close of the USES table in workbench/consent/uses.py
CATALOG_CHECKS = [f"tests/test_i18n.py::{name}" for name in (
    "test_the_three_workshop_languages_ship", "test_every_catalog_has_every_key_with_the_same_placeholders",
    "test_every_key_the_code_uses_is_in_the_english_catalog",
    "test_plural_entries_have_every_form_with_the_same_placeholders")]
KEYS_CHECK = "tests/test_extending.py::test_every_candidate_and_use_has_its_catalog_keys"
COPIED_TESTS = ("__init__.py", "test_i18n.py", "test_extending.py", "test_candidates_all.py",
                "test_evaluation_flow.py", "consent_support.py", "gates.py")


def test_every_candidate_and_use_has_its_catalog_keys():
    """The guard docs/extending.md names: a key forgotten in en.po (so in every catalog) fails here."""
    needed = {k for c in cands.REGISTRY.values() for k in (c.title_key, c.description_key)}
    needed |= {k for u in USES.values() for k in (u.title_key, u.explain_key)}
    missing = sorted(needed - set(catalog("en")))
    assert not missing, f"en.po lacks {missing}: add them to en.po, es.po and pt_BR.po (docs/extending.md)"


# -- the recipes, as the page gives them ----------------------------------------------------------------------
def recipe(title: str) -> list[tuple[str, str]]:
    """The ``(file, code)`` blocks of one section of docs/extending.md, in order."""
    section = DOC.read_text(encoding="utf-8").split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [(path.strip(), code) for _, path, code in FENCE.findall(section)]


def messages(blocks, path: str) -> dict[str, str]:
    return {k: v for p, code in blocks if p == path for k, v in MESSAGE.findall(code)}


def po(lang: str) -> str:
    return f"workbench/i18n/locales/{CATALOGS[lang]}"


def test_the_page_names_exactly_the_files_its_examples_touch():
    candidate, use, language = recipe("Add a candidate model"), recipe("Add a consent use"), recipe("Add a language")
    catalogs = {po(lang) for lang in CATALOGS}
    assert {p for p, _ in candidate} == {"workbench/evaluation/candidates.py"} | catalogs
    assert {p for p, _ in use} == {"workbench/consent/uses.py"} | catalogs
    assert {p for p, _ in language} == {"workbench/i18n/locales/fr.po"}
    for blocks, kind, suffixes in ((candidate, "evaluation.candidate", ("title", "description")),
                                   (use, "consent.use", ("title", "explain"))):
        for lang in CATALOGS:  # the same two keys, named by the pattern the page states, in each catalog
            keys = sorted(messages(blocks, po(lang)))
            assert len(keys) == 2 and all(re.fullmatch(rf"{kind}\.\w+\.({'|'.join(suffixes)})", k) for k in keys)
            assert keys == sorted(messages(blocks, po("en")))


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the package and of the tests the page names, to perform a recipe in."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "workbench", root / "workbench", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "tests").mkdir()
    for name in COPIED_TESTS:
        shutil.copy2(ROOT / "tests" / name, root / "tests" / name)
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def apply(tree: Path, blocks, skip: str | None = None) -> None:
    """Do what the page says with each block: append to a catalog or to candidates.py, or add to the USES table."""
    for path, code in blocks:
        if path == skip:
            continue
        target = tree / path
        text = target.read_text(encoding="utf-8")
        if path.endswith("consent/uses.py"):
            assert text.count(USES_END) == 1
            text = text.replace(USES_END, "\n" + code.rstrip("\n") + USES_END)
        else:
            text = text.rstrip("\n") + "\n\n" + code
        target.write_text(text, encoding="utf-8")


def _env(tree: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(tree)}


def python(tree: Path, code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter that imports the copy; it prints one JSON line."""
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=tree, env=_env(tree), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["from"].startswith(str(tree)), out["from"]  # the copy, not the repository, was imported
    return out


def run_tests(tree: Path, *nodes: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", *nodes], cwd=tree,
                          env=_env(tree), capture_output=True, text=True, timeout=600)


def passes(tree: Path, *nodes: str) -> None:
    done = run_tests(tree, *nodes)
    assert done.returncode == 0, done.stdout[-4000:]


# -- (a) a candidate model ------------------------------------------------------------------------------------
def test_a_candidate_registered_in_one_place_is_listed_offered_fitted_and_saved(tmp_path):
    import workbench
    from workbench.cli import run_cli
    from workbench.cli._options import candidate_names

    from .test_candidates_all import SHAPES, _takes
    from .test_candidates_all import test_candidate_fits_scores_and_survives_a_skops_round_trip as round_trip

    (path, code), = [b for b in recipe("Add a candidate model") if b[0].endswith(".py")]
    key = re.search(r'@register\("(\w+)"', code)[1]
    before = dict(cands.REGISTRY)
    assert key not in before
    try:
        # The block as it runs at the end of candidates.py: the module's names, the module's registry.
        exec(compile(code, path, "exec"), dict(vars(cands)))
        assert list(cands.REGISTRY) == [*before, key]

        code_, out, err = run_cli(["evaluate", str(tmp_path / "any"), "--list"])
        assert code_ == 0, err
        assert out.splitlines()[-1].startswith(f"{key} ") and cands.get(key).title in out.splitlines()[-1]
        assert candidate_names([f"logistic_regression,{key}"]) == ["logistic_regression", key]  # --candidates

        from workbench.ui.evaluation.desk import EvaluationView

        with workbench.init(tmp_path / "p", "Extending") as project:
            desk = EvaluationView(project, "en")
            assert key in desk.candidates

        # needs="text" refuses data without a text column; a missing `requires` is listed, naming its extra
        assert cands.get("tfidf_logistic").unusable(cands.FeatureSpec(("a",))) == "evaluation.candidate.needs_text"
        heavy = code.replace(f'"{key}"', '"needs_a_package"', 1).replace(
            "title=", 'requires=("no_such_module_for_extending",), extra="demo", title=', 1)
        exec(compile(heavy, path, "exec"), dict(vars(cands)))
        assert cands.get("needs_a_package").unusable(cands.FeatureSpec(("a",))) == "evaluation.candidate.needs_extra"
        assert run_cli(["evaluate", str(tmp_path / "any"), "--list"])[1].splitlines()[-1].endswith(
            "[needs the 'demo' extra]")
        cands.REGISTRY.pop("needs_a_package")

        shapes = [s for s in SHAPES if _takes(cands.get(key), s)]
        assert shapes == list(SHAPES)  # needs="columns" (the default) takes columns, text, or both
        for shape in shapes:
            (tmp_path / shape).mkdir()
            round_trip(key, shape, tmp_path / shape)
    finally:
        cands.REGISTRY.pop(key, None)
        cands.REGISTRY.pop("needs_a_package", None)
    assert before == cands.REGISTRY


CANDIDATE_SCRIPT = r"""
import json, sys
import workbench
from workbench.evaluation import candidates as c
from workbench.i18n import Translator

key = sys.argv[1]
print(json.dumps({"from": workbench.__file__, "keys": list(c.REGISTRY),
                  "titles": {lang: Translator(lang)(c.get(key).title_key) for lang in ("en", "es", "pt-BR")}}))
"""


@pytest.mark.slow
def test_the_candidate_recipe_in_a_copy_passes_the_catalog_and_all_candidates_tests(tree):
    blocks = recipe("Add a candidate model")
    apply(tree, blocks)
    key = re.search(r'@register\("(\w+)"', blocks[0][1])[1]
    out = python(tree, CANDIDATE_SCRIPT, key)
    assert out["keys"][-1] == key
    assert out["titles"] == {lang: messages(blocks, po(lang))[f"evaluation.candidate.{key}.title"]
                             for lang in CATALOGS}
    passes(tree, *CATALOG_CHECKS, KEYS_CHECK)
    done = run_tests(tree, "tests/test_candidates_all.py", "-k", f"covered or {key}")
    assert done.returncode == 0, done.stdout[-4000:]
    ran = re.findall(r"^PASSED tests/test_candidates_all\.py::(\S+)", done.stdout, re.M)
    assert sorted(ran) == sorted(["test_every_registered_candidate_is_covered",
                                  *(f"test_candidate_fits_scores_and_survives_a_skops_round_trip[{key}-{shape}]"
                                    for shape in ("columns", "text", "text+columns"))]), done.stdout[-4000:]


# -- (b) a consent use ----------------------------------------------------------------------------------------
USE_SCRIPT = r"""
import json, sys
import workbench
from workbench.cli import run_cli
from workbench.consent import jsonld, scope as S, uses as U
from workbench.consent.form import ConsentForm
from workbench.consent.ledger import ConsentLedger

path, stored, key = sys.argv[1:4]
out = {"from": workbench.__file__, "use_keys": list(U.USE_KEYS)}
with workbench.open(path) as project:
    history = S.ScopeHistory.load(project.store)
    out["latest_hash"] = history.latest.hash
    out["recomputed_hash"] = history.latest.scope.content_hash
    out["grant_scope_version"] = history.by_hash(stored).version
    out["old_scope_choice"] = history.latest.scope.uses[key]
    out["old_grant_permits"] = ConsentLedger.load(project.store).permits("c-0001", "train", at="2026-02-01")
out["verify"] = run_cli(["verify", path])[0]
scope = S.Scope(holder="Test co-op", uses={"train": S.CHOOSES, key: S.CHOOSES})
out["new_scope_choice"] = scope.uses[key]
out["forms"] = {lang: ConsentForm(scope, lang).html() + ConsentForm(scope, lang).markdown()
                for lang in ("en", "es", "pt-BR")}
out["always"] = S.Scope(holder="Test co-op", uses={key: S.ALWAYS}).uses[key]
doc = jsonld.build(S.ScopeVersion(1, scope, scope.content_hash, "2026-01-01T00:00:00+00:00", 1, "f"))


def rules(node):
    if isinstance(node, dict):
        if node.get("dct:identifier") == key:
            yield node
        for v in node.values():
            yield from rules(v)
    elif isinstance(node, list):
        for v in node:
            yield from rules(v)


out["rules"] = list(rules(doc))
print(json.dumps(out))
"""


def test_a_consent_use_declared_in_uses_py_reaches_scope_form_and_export_and_old_grants_still_verify(tree,
                                                                                                     tmp_path):
    import workbench
    from workbench.consent.ledger import give

    from .consent_support import make_scope
    from .gates import publish

    # Yesterday's code: a scope published and a grant against it.
    project = workbench.init(tmp_path / "p", "Extending")
    version = publish(project.store, make_scope())
    give(project.store, "c-0001", {"train": True, "evaluate": True}, at="2026-01-01", method="paper",
         witness="f-ana", paper_ref="form 1")
    assert project.store.events(kinds=["consent.granted"])[-1].payload["scope_hash"] == version.hash
    project.close()

    # Today's code: the recipe applied.
    blocks = recipe("Add a consent use")
    apply(tree, blocks)
    key = re.search(r'Use\("(\w+)"', blocks[0][1])[1]
    assert key not in USES
    out = python(tree, USE_SCRIPT, str(tmp_path / "p"), version.hash, key)
    assert out["use_keys"][-1] == key
    assert out["latest_hash"] == version.hash != out["recomputed_hash"]  # the log's hash, not today's recompute
    assert out["grant_scope_version"] == 1 and out["old_grant_permits"] and out["verify"] == 0
    assert out["old_scope_choice"] == "never" and out["new_scope_choice"] == "chooses"
    for lang in CATALOGS:
        said = messages(blocks, po(lang))
        for suffix in ("title", "explain"):
            assert html.escape(said[f"consent.use.{key}.{suffix}"]) in out["forms"][lang], (lang, suffix)
    assert out["always"] == "always"
    rule, = out["rules"]  # the JSON-LD export: the ODRL action, DUO and DPV terms declared with the use
    assert rule["odrl:action"] == {"@id": re.search(r'"(odrl:\w+)"\),\s*$', blocks[0][1])[1]}
    assert rule["dct:type"] == [{"@id": "http://purl.obolibrary.org/obo/DUO_0000042"}]  # GRU, as permitted
    assert rule["dpv:hasPurpose"] == [{"@id": "https://w3id.org/dpv#ResearchAndDevelopment"}]
    assert rule["dpv:hasProcessing"] == [{"@id": "https://w3id.org/dpv#Use"}]
    passes(tree, *CATALOG_CHECKS, KEYS_CHECK)


# -- (c) a forgotten catalog key ------------------------------------------------------------------------------
@pytest.mark.parametrize("section", ["Add a consent use", "Add a candidate model"])
def test_a_key_forgotten_in_one_catalog_fails_the_catalog_test_naming_it(tree, section):
    blocks = recipe(section)
    apply(tree, blocks, skip=po("es"))
    done = run_tests(tree, *CATALOG_CHECKS, KEYS_CHECK)
    assert done.returncode == 1
    for key in messages(blocks, po("en")):
        assert re.search(rf"es misses \[[^]]*'{re.escape(key)}'", done.stdout), done.stdout[-3000:]
    assert "FAILED tests/test_i18n.py::test_every_catalog_has_every_key_with_the_same_placeholders[es]" in done.stdout
    assert "1 failed" in done.stdout  # pt_BR and the rest pass


@pytest.mark.parametrize("section", ["Add a consent use", "Add a candidate model"])
def test_keys_forgotten_in_every_catalog_fail_the_registry_test_naming_them(tree, section):
    blocks = recipe(section)
    apply(tree, [b for b in blocks if b[0].endswith(".py")])
    done = run_tests(tree, *CATALOG_CHECKS, KEYS_CHECK)
    assert done.returncode == 1
    assert f"FAILED {KEYS_CHECK}" in done.stdout and "1 failed" in done.stdout, done.stdout[-3000:]
    named = re.search(r"AssertionError: en\.po lacks \[([^]]*)\]", done.stdout)[1]
    assert sorted(named.replace("'", "").split(", ")) == sorted(messages(blocks, po("en")))


# -- (d) a language -------------------------------------------------------------------------------------------
LANGUAGE_SCRIPT = r"""
import importlib, json, sys
from pathlib import Path
import workbench
from workbench import i18n
from workbench.cli import run_cli

root = Path(workbench.__file__).parent
switch = next(p for p in sorted((root / "ui").rglob("*.py")) if "def language_switch(" in p.read_text())
module = importlib.import_module(".".join(switch.relative_to(root.parent).with_suffix("").parts))
out = {"from": workbench.__file__, "available": list(i18n.available()),
       "switch": [list(o) for o in module.language_switch("fr").options],
       "browser": i18n.best_language("fr-FR,en;q=0.5"), "normalised": i18n.normalise_language("fr_fr"),
       "name": i18n.Translator("fr")("language.name"), "plural": i18n.plural_forms("fr")[2],
       "one_zero": i18n.Translator("fr").plural("federation.results.heading", 0)}
out["init"] = run_cli(["init", sys.argv[1], "--name", "Coop", "--language", "fr"])[0]
with workbench.open(sys.argv[1]) as project:
    out["languages"] = project.config.languages
print(json.dumps(out))
"""


def test_a_language_is_one_po_file_picked_up_by_the_switch_the_browser_and_init(tree, tmp_path):
    blocks = recipe("Add a language")
    locales = tree / "workbench" / "i18n" / "locales"
    shutil.copy2(locales / "en.po", locales / "fr.po")  # the page's `cp`
    fr = locales / "fr.po"
    text = fr.read_text(encoding="utf-8")
    for _, code in blocks:  # each block replaces the lines of the copy that carry the same msgid or header field
        if code.startswith('"'):
            for line in code.splitlines():
                field = line.split(":", 1)[0] + ":"
                text, n = re.subn(rf"^{re.escape(field)}.*$", lambda _m, line=line: line, text, count=1, flags=re.M)
                assert n == 1, line
        else:
            for key, value in MESSAGE.findall(code):
                text, n = re.subn(rf'^(msgid "{re.escape(key)}"\nmsgstr ).*$', lambda m, v=value: f'{m[1]}"{v}"',
                                  text, count=1, flags=re.M)
                assert n == 1, key
    fr.write_text(text, encoding="utf-8")

    out = python(tree, LANGUAGE_SCRIPT, str(tmp_path / "fr-project"))
    name = messages(blocks, "workbench/i18n/locales/fr.po")["language.name"]
    assert out["available"] == ["en", "es", "fr", "pt-BR"]
    assert [name, "fr"] in out["switch"] and out["name"] == name
    assert out["browser"] == out["normalised"] == "fr"
    assert out["plural"] == "(n > 1)" and out["one_zero"].endswith("community")  # French: 0 is singular
    assert out["init"] == 0 and out["languages"] == ["fr"]
    passes(tree, *CATALOG_CHECKS)
