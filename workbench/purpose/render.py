"""The charter as Markdown and HTML (Jinja2 templates in ``templates/``) and its criteria as JSON.

Text comes from the message catalogs in the chosen language; fields not
decided yet show a visible placeholder rather than vanishing. The HTML
template autoescapes everything and isolates people's text in ``<bdi>`` (the
``bdi`` filter); the Markdown one passes it through the ``md`` filter
(:func:`workbench.text.md_text`: one line, no HTML, no link, image or heading),
so statements typed by participants stay text wherever the file is rendered.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import markupsafe

from ..i18n import Translator
from ..text import bdi, md_text
from .charter import LISTS, CharterHistory, Version, criteria_document

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _env(autoescape: bool):
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=autoescape,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["md"] = md_text
    env.filters["bdi"] = lambda v: markupsafe.Markup(bdi(v))
    return env


def _context(version: Version, project_name: str, language: str) -> dict:
    tr = Translator(language)
    c = version.charter
    return {"tr": tr, "c": c, "v": version, "project_name": project_name, "lists": LISTS,
            "criteria": [(cr, cr.sentence(tr)) for cr in c.criteria], "hash": c.hash(),
            "language": tr.language, "placeholder": tr("purpose.charter.doc.placeholder")}


def render_markdown(version: Version, project_name: str = "", language: str = "en") -> str:
    return _env(False).get_template("charter.md.j2").render(**_context(version, project_name, language))


def render_html(version: Version, project_name: str = "", language: str = "en") -> str:
    return _env(True).get_template("charter.html.j2").render(**_context(version, project_name, language))


def write_charter(project, version: int | None = None, language: str | None = None,
                  folder: str | Path | None = None) -> tuple[Version, list[Path]]:
    """Write charter.md, charter.html and criteria.json into ``artifacts/`` (or ``folder``).

    ``version``: the version to write; by default the latest agreed one, or the
    open draft when none is agreed yet (marked as a draft in all three files).
    """
    history = CharterHistory.load(project.store)
    chosen = history.get(version) if version is not None else history.latest_agreed() or history.latest
    if chosen is None:
        from ..errors import WorkbenchError

        raise WorkbenchError("This project has no charter yet.",
                             "Write one in the charter app (notebooks/charter.ipynb) first.",
                             key="purpose.charter.error.no_draft")
    lang = language or project.config.default_language
    out = Path(folder) if folder else Path(project.artifacts_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, html_path, js = out / "charter.md", out / "charter.html", out / "criteria.json"
    md.write_text(render_markdown(chosen, project.name, lang), encoding="utf-8")
    html_path.write_text(render_html(chosen, project.name, lang), encoding="utf-8")
    doc = criteria_document(chosen, project.config.id)
    js.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return chosen, [md, html_path, js]
