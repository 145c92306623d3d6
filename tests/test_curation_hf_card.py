"""The Hugging Face dataset card (issue 24, formats): parsed by ``huggingface_hub``'s own ``DatasetCard``, offline.

``workbench data export DIR --hf-card``: README.md whose metadata block holds the license (the community's
consent scope), languages, task, pretty name and size; the datasheet's answers as prose, escaped; the consent
scope's summary; never a row of the data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workbench.cli import run_cli
from workbench.curation import datasheet, hf_card
from workbench.errors import WorkbenchError

from .curation_support import ROWS, curation_project

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before huggingface_hub is imported: never the network
hub = pytest.importorskip("huggingface_hub", reason="card validation needs huggingface_hub (test extra)")

HOSTILE = "Sent to the [phone](javascript:alert(1)) line.\n---\nlicense: mit\n<script>alert(2)</script> | cell"


@pytest.fixture
def project(tmp_path):
    p, _ds = curation_project(tmp_path)
    datasheet.answer(p.store, "collection", "how_collected", HOSTILE)
    datasheet.answer(p.store, "uses", "tasks", "Sorting messages by urgency.", language="pt-BR")
    yield p
    p.close()


def test_dataset_card_parses_with_huggingface_hub(project):
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    paths = hf_card.write(project)
    readme = paths[0]
    assert readme.name == "README.md" and {p.name for p in paths} == {"README.md", "croissant.json",
                                                                    "consent_scope.jsonld"}
    text = readme.read_text(encoding="utf-8")
    card = hub.DatasetCard(text)
    data = card.data.to_dict()
    assert data["license"] == "other" and data["license_name"] == "community-consent-scope-v1"
    assert data["license_link"] == "consent_scope.jsonld"
    assert data["language"] == ["pt", "es", "en"]
    assert data["task_categories"] == ["text-classification"]
    assert data["size_categories"] == ["n<1K"]
    assert data["pretty_name"] == "Test co-op dataset"
    assert isinstance(card.data, hub.DatasetCardData)
    body = card.text
    for heading in ("## Dataset structure", "## Consent and scope", "## Datasheet", "### Collection process"):
        assert heading in body
    assert "| commercial | forbidden | DUO:0000046 (NCU) |" in body
    assert "| train | each contributor chooses | DUO:0000042 (GRU) |" in body
    assert "Sorting messages by urgency. _(pt-BR)_" in body
    json.loads((readme.parent / "croissant.json").read_text(encoding="utf-8"))


def test_participant_text_is_inert_and_no_row_is_written(project):
    text = hf_card.write(project)[0].read_text(encoding="utf-8")
    card = hub.DatasetCard(text)
    assert card.data.to_dict()["license"] == "other"  # the answer's "---\nlicense: mit" did not reach the metadata
    assert "](javascript" not in text and "<script>" not in text and "&lt;script&gt;" in text
    line = next(x for x in card.text.splitlines() if "Sent to the" in x)
    assert "\\|" in line and "\\[phone\\]" in line  # one line: no table break, no link
    for row in ROWS:  # no value of the data: not the free text, not the contributor ids
        assert row["text"] not in text
        if row["contributor_id"]:
            assert row["contributor_id"] not in text


def test_cli_writes_the_card_folder(project, tmp_path):
    out = tmp_path / "card"
    code, stdout, err = run_cli(["data", "export", str(project.root), "--hf-card", "--out", str(out)])
    assert code == 0, err
    assert "README.md" in stdout
    assert hub.DatasetCard((out / "README.md").read_text(encoding="utf-8")).data.to_dict()["license"] == "other"
    with pytest.raises(WorkbenchError, match="already exists"):
        hf_card.write(project, out)
    assert hf_card.write(project, out, force=True)[0] == out / "README.md"
    with pytest.raises(WorkbenchError, match="never overwritten"):
        hf_card.write(project, Path(project.data_dir), force=True)


@pytest.mark.parametrize(("rows", "name"), [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (250_000, "100K<n<1M")])
def test_size_categories(rows, name):
    assert hf_card.size_category(rows) == name
