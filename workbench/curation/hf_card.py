"""The Hugging Face dataset card: ``README.md`` with a YAML metadata block, the datasheet as prose, no rows.

The folder it writes is the layout of a Hugging Face dataset repository without the data:

- ``README.md``: metadata (``license: other`` naming the community's consent scope, ``language``,
  ``task_categories``, ``pretty_name``, ``size_categories``, tags), then the structure (columns, types and
  roles, label and group counts), the consent scope (each use, the community's choice, its DUO term, the
  conditions, Local Contexts labels), the datasheet's answers (Gebru et al.'s sections) and a citation.
- ``croissant.json`` (:mod:`workbench.curation.croissant`) and ``consent_scope.jsonld``
  (:mod:`workbench.consent.jsonld`), the machine-readable versions the card points to.

People's words (the datasheet's answers, the scope's texts, column and group names) go through
:func:`workbench.text.md_text`: one line, no link, image, HTML or table break. The metadata is written by
``yaml.safe_dump``. No row of the data is ever written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .._atomic import atomic_path

TEMPLATES = Path(__file__).parent / "templates"
README, CROISSANT, SCOPE = "README.md", "croissant.json", "consent_scope.jsonld"


def size_category(rows: int) -> str:
    """Hugging Face's ``size_categories`` value for a number of rows."""
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")]
    for bound, name in bounds:
        if rows < bound:
            return name
    return "1B<n<10B"


@dataclass
class DatasetCardData:
    """The metadata block of the card (the keys Hugging Face's ``DatasetCardData`` reads)."""

    pretty_name: str
    language: list[str]
    rows: int
    text: bool = True
    has_target: bool = True
    scope_version: int | None = None
    tags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        tasks = (["text-classification"] if self.text else ["tabular-classification"]) if self.has_target else []
        out = {"pretty_name": self.pretty_name,
               "language": list(dict.fromkeys(x.split("-")[0].lower() for x in self.language)),
               "license": "other",
               "license_name": (f"community-consent-scope-v{self.scope_version}" if self.scope_version
                                else "community-consent-scope"),
               "license_link": SCOPE if self.scope_version else "README.md#consent-and-scope",
               "size_categories": [size_category(self.rows)],
               "task_categories": tasks,
               "tags": ["commons-workbench", "consent", "community-curated", *self.tags]}
        if not tasks:
            out.pop("task_categories")
        return out

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


@cache
def _env():
    import jinja2

    from ..text import md_text

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["md"] = md_text
    return env


def context(project, at=None) -> dict:
    from ..consent.scope import ScopeHistory
    from ..consent.uses import USES as CONSENT_USES
    from ..i18n import Translator
    from . import croissant
    from .datasheet import SECTIONS, answers, facts
    from .importer import require_current

    ds = require_current(project.store)
    f = facts(project, croissant.USES, at)
    doc = croissant.build(project, at, known=f)
    scope = ScopeHistory.load(project.store).latest
    _cases, limits, _labels = croissant._scope_sentences(scope) if scope is not None else ([], [], "")
    uses = [] if scope is None else [
        {"key": k, "choice": {"always": "always", "chooses": "each contributor chooses", "never": "forbidden"}[ch],
         "duo": ", ".join(f"{t['id']} ({t.get('shorthand', '')})" for t in CONSENT_USES[k].mapping(ch)["duo"])}
        for k, ch in scope.scope.uses.items()]
    rows_set = next(r for r in doc["recordSet"] if r["@id"] == "rows")
    kept = f.get("kept_profile") or {}
    groups = [f"{g['attribute']} = {'(missing)' if g.get('group') is None else g['group']}: {g['count']} rows"
              + (f" (fewer than {kept.get('min_group_size')})" if g.get("small") else "") for g in kept.get("groups") or []]
    tr = Translator("en")
    card = DatasetCardData(doc["name"], list(project.config.languages), ds.rows, bool(ds.mapping.text),
                           bool(ds.mapping.target), scope.version if scope else None)
    return {"yaml": card.to_yaml(), "card": card, "title": doc["name"], "description": doc["description"],
            "holder": scope.scope.holder if scope else "", "f": f, "fields": rows_set["field"],
            "target": ds.mapping.target or "", "groups": groups, "scope": scope, "uses": uses, "limits": limits,
            "waterfall": (f.get("waterfall") or {}).get("train"), "sections": SECTIONS,
            "answers": answers(project.store), "tr": tr, "placeholder": tr("curation.ds.placeholder"),
            "sensitive": doc.get("rai:personalSensitiveInformation", []), "cite": doc["citeAs"], "croissant": doc}


def render(ctx: dict) -> str:
    return _env().get_template("hf_dataset_card.md.j2").render(**ctx)


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write(project, folder=None, at=None, *, force: bool = False) -> list[Path]:
    """Write ``README.md``, ``croissant.json`` and ``consent_scope.jsonld`` into ``folder``
    (default ``artifacts/hf_dataset/``, replaced freely; another folder that already holds a README.md only
    with ``force``); return their paths."""
    from ..consent import jsonld
    from ..consent.scope import ScopeHistory
    from . import croissant

    if folder:
        croissant.check_target(project, folder, True, "dataset card")
        croissant.check_target(project, Path(folder) / README, force, "dataset card")
    ctx = context(project, at)
    out = Path(folder) if folder else Path(project.artifacts_dir) / "hf_dataset"
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / README, out / CROISSANT]
    _write(paths[0], render(ctx))
    _write(paths[1], croissant.to_json(ctx["croissant"]))
    latest = ScopeHistory.load(project.store).latest
    if latest is not None:
        paths.append(out / SCOPE)
        _write(paths[2], jsonld.to_json(jsonld.build(latest)))
    return paths
