"""The catalog app without a browser: keys, the export preview and export, adding bundles, the use check,
federated evaluation and the results sent back; community text is escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workbench.consent.scope import ALWAYS, CHOOSES, Scope
from workbench.project import Project
from workbench.ui.federation import FederationView

from .gates import publish
from .test_federation_flow import communities


@pytest.fixture
def fresh(tmp_path, backend_url):
    p = Project.init(tmp_path / "p", "<b>Evil</b> co-op", ["en", "es"], "BR", "", backend_url)
    publish(p.store, Scope(holder="x", uses={"train": CHOOSES, "evaluate": ALWAYS, "share_models": CHOOSES,
                                             "publish_aggregates": ALWAYS}))
    yield p
    p.close()


def test_keys_preview_and_export(fresh):
    view = FederationView(fresh, "en")
    assert 'data-keys="no"' in view.keys_status.value and view.make_keys.layout.display is None
    assert 'data-list="share"' in view.plan.value and "the consent scope (version 1)" in view.plan.value
    assert "the trained model" in view.plan.value and "no model has been adopted yet" in view.plan.value
    assert "never leaves this folder" in view.plan.value
    view.export.click()
    assert "wb-error" in view.export_message.value and "signing key" in view.export_message.value
    view.make_keys.click()
    assert 'data-keys="yes"' in view.keys_status.value and view.make_keys.layout.display == "none"
    view.export.click()
    assert "wb-ok" in view.export_message.value, view.export_message.value
    event = fresh.store.events(kinds=["federation.bundle_exported"])[-1].payload
    assert view.out_path.value.endswith(event["file"])
    assert (fresh.artifacts_dir / "federation" / event["file"]).is_file()
    view.language_switch.value = "es"
    assert "Esto va a compartir" in view.plan.value and "Nuestro paquete para los comunes" in view.plan_heading.value


def test_add_check_and_evaluate_in_c(tmp_path):
    folders = communities()
    with Project.open(folders["C"]) as c:
        view = FederationView(c, "en")
        view.add_bundle(folders["A.zip"].read_bytes())
        assert "wb-ok" in view.catalog_message.value and "Rio Claro" in view.catalog_message.value
        assert 'data-shares-model="yes"' in view.catalog_list.value and 'data-intact="yes"' in view.catalog_list.value
        assert "BC Provenance" in view.catalog_list.value or "Procedência" in view.catalog_list.value
        view.model.value = view.model.options[0][1]
        view.commercial.value = "yes"
        view.check.click()
        assert 'data-answer="no"' in view.answer.value and 'data-reason="federation.use.ncu"' in view.answer.value
        assert "Never sell the messages." in view.answer.value
        view.commercial.value = "no"
        view.check.click()
        assert 'data-answer="yes"' in view.answer.value
        view.evaluate.click()
        assert "wb-ok" in view.evaluate_message.value, view.evaluate_message.value
        made = sorted((c.artifacts_dir / "federation").glob("result-*.zip"))
        assert made
    with Project.open(folders["A"]) as a:
        view = FederationView(a, "pt-BR")
        view.add_bundle(made[-1].read_bytes())
        assert "wb-ok" in view.catalog_message.value
        assert "Avaliado por 1 comunidade" in view.results.value and "Lagoa Verde" in view.results.value


def test_a_bad_upload_is_refused_and_community_text_is_escaped(fresh, tmp_path):
    from workbench.federation import keys
    from workbench.federation.bundle import export_bundle

    keys.init_keys(fresh)
    bundle = export_bundle(fresh, tmp_path / "evil.zip").path
    other = Project.init(tmp_path / "o", "Other", ["en"])
    try:
        view = FederationView(other, "en")
        view.upload.value = ({"name": "x.zip", "type": "application/zip", "size": 3, "content": memoryview(b"abc"),
                              "last_modified": datetime(2026, 5, 1, tzinfo=UTC)},)
        assert "wb-error" in view.catalog_message.value and "not a zip" in view.catalog_message.value
        assert not other.store.events(prefix="federation.")
        view.add_bundle(bundle.read_bytes())
        assert "&lt;b&gt;Evil&lt;/b&gt; co-op" in view.catalog_list.value and "<b>Evil</b>" not in view.catalog_list.value
        assert "<b>Evil</b>" not in view.catalog_message.value
        assert view.model.value == view.model.options[0][1]  # the bundle just added is chosen
        view.check.click()
        assert 'data-answer="no"' in view.answer.value  # they adopted no model, so none travels
        assert 'data-reason="federation.reason.no_model"' in view.answer.value
        assert "<b>Evil</b>" not in view.answer.value
        view.evaluate.click()
        assert "wb-error" in view.evaluate_message.value  # no model shared, and no key of our own
    finally:
        other.close()


def test_an_empty_catalog_says_so(fresh):
    view = FederationView(fresh, "pt-BR")
    assert "O catálogo está vazio." in view.catalog_list.value
    view.check.click()
    assert "Escolha primeiro um modelo" in view.answer.value
    assert "Nenhuma outra comunidade" in view.results.value
