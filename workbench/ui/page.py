"""The page around an app: ``<html lang>`` and ``<title>`` in the person's language (issue 19).

Voila renders a page's ``<head>`` before it knows the request: a preheated kernel's page is rendered
when its pool fills, long before anyone asks for it with ``?lang=``. So the page is written in two steps:

1. :class:`PageLanguage`, an nbconvert preprocessor the project templates run (their ``conf.json``),
   sets ``resources.language_code`` (nbconvert's ``<html lang>``) and the notebook's title to the
   project's default language (``WORKBENCH_PROJECT``'s ``workbench.toml``), and hands the template every
   language's title (``resources.workbench_page``);
2. a few lines in the template's ``<head>`` (``index.html.j2``) switch ``lang`` and the title to the page's
   ``?lang=`` when it names a language with a catalog (normalised as :func:`workbench.i18n.normalise_language`
   does), before anything in ``<body>`` is drawn; then they follow the language the app's view is shown
   in (its connection notice carries ``lang=``, :func:`workbench.ui._base.connection_notice`), so the
   language switch inside an app relabels the page as well.

Titles come from the catalogs: ``app.<key>.title`` · ``app.name``.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor

from .context import default_language


def title(app_key: str | None, language: str) -> str:
    from ..i18n import Translator

    tr = Translator(language)
    key = f"app.{app_key}.title"
    return f"{tr(key)} · {tr('app.name')}" if app_key and tr.has(key) else tr("app.name")


def page_info(notebook_name: str) -> dict:
    """What the template needs: the app, the default language and every language's title."""
    from .. import apps
    from ..i18n import available

    app = apps.by_notebook(f"{notebook_name}.ipynb")
    key = app.key if app else None
    return {"app": key, "default": default_language(), "languages": list(available()),
            "titles": {tag: title(key, tag) for tag in available()}}


class PageLanguage(Preprocessor):
    """Give the page the project's language and the app's title in it (see the module's text)."""

    def preprocess(self, nb, resources):
        try:
            name = (resources.get("metadata") or {}).get("name") or ""
            info = page_info(name)
        except Exception:  # never stop a page from rendering over its title
            return nb, resources
        resources["workbench_page"] = info
        resources["language_code"] = info["default"]
        nb.metadata["title"] = info["titles"].get(info["default"]) or nb.metadata.get("title", "")
        return nb, resources
