"""Message catalogs: every string a participant sees comes from here.

Catalogs are gettext PO files in ``locales/``, one per language, named by the
language tag with ``_`` (``pt_BR.po``). Message ids are stable keys such as
``welcome.title``; ``en.po`` is the source. Adding a language is adding one PO
file (see README, "Adding a language"). PO files are read with Babel at first
use and cached per process; nothing is compiled.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locales"
SOURCE_LANGUAGE = "en"
_TAG_RE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def normalise_language(tag: str) -> str:
    """'pt_br' -> 'pt-BR'; refuses languages without a catalog."""
    from ..errors import WorkbenchError

    text = str(tag or "").strip()
    if not _TAG_RE.match(text):
        raise WorkbenchError(f"{tag!r} is not a language tag.", f"Use one of: {', '.join(available())}.")
    parts = re.split("[-_]", text)
    norm = "-".join([parts[0].lower(), *[p.upper() if len(p) == 2 else p.title() for p in parts[1:]]])
    if norm not in available():
        base = parts[0].lower()
        if base in available():
            return base
        raise WorkbenchError(
            f"There is no catalog for the language {tag!r}.",
            f"Use one of: {', '.join(available())}, or add {LOCALE_DIR / (norm.replace('-', '_') + '.po')}.",
        )
    return norm


@lru_cache(maxsize=1)
def available() -> tuple[str, ...]:
    """Language tags that have a catalog, English first."""
    tags = sorted(p.stem.replace("_", "-") for p in LOCALE_DIR.glob("*.po"))
    return tuple(sorted(tags, key=lambda t: (t != SOURCE_LANGUAGE, t)))


@cache
def _read(tag: str):
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / f"{tag.replace('-', '_')}.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=tag.replace("-", "_"))


@cache
def catalog(tag: str) -> dict[str, str]:
    """The messages of one language as a dict key -> text (untranslated entries omitted).

    A plural entry (``msgid_plural`` with ``msgstr[0]``, ``msgstr[1]``, ...) appears here under its key
    with its last form (the general "other" form); ``Translator.plural`` picks the right one.
    """
    out = {}
    for m in _read(tag):
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, tuple):
            forms = [str(s) for s in m.string if s]
            if forms and len(forms) == len(m.string):
                out[str(m.id[0])] = forms[-1]
        elif m.string:
            out[str(m.id)] = str(m.string)
    return out


@cache
def plural_forms(tag: str) -> tuple[dict[str, tuple[str, ...]], int, str]:
    """A language's plural entries (key -> forms), its number of forms and its gettext plural rule."""
    cat = _read(tag)
    forms = {
        str(m.id[0]): tuple(str(s) for s in m.string)
        for m in cat
        if isinstance(m.id, tuple) and not m.fuzzy and all(m.string)
    }
    return forms, cat.num_plurals, cat.plural_expr


@cache
def _plural_rule(expr: str):
    import gettext

    return gettext.c2py(expr)


class Translator:
    """``tr("welcome.title", name=...)`` in one language, falling back to English."""

    def __init__(self, language: str = SOURCE_LANGUAGE):
        self.language = language if language in available() else SOURCE_LANGUAGE
        self._messages = catalog(self.language)
        self._fallback = catalog(SOURCE_LANGUAGE)

    def __call__(self, key: str, **params) -> str:
        text = self._messages.get(key) or self._fallback.get(key)
        if text is None:
            return f"[{key}]"  # visible, never silently empty
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                return text
        return text

    def plural(self, key: str, n: int, /, **params) -> str:
        """The form of ``key`` for the number ``n`` by the language's plural rule.

        ``tr.plural("federation.results.heading", 1)`` -> "Evaluated by 1 community". ``{count}`` is ``n``
        unless a ``count=`` is passed (for example the number formatted for the locale).
        """
        params = {"count": n, **params}
        for tag in (self.language, SOURCE_LANGUAGE):
            forms, _, expr = plural_forms(tag)
            if key in forms:
                text = forms[key][min(_plural_rule(expr)(abs(int(n))), len(forms[key]) - 1)]
                try:
                    return text.format(**params)
                except (KeyError, IndexError, ValueError):
                    return text
        return self(key, **params)

    def has(self, key: str) -> bool:
        return key in self._messages or key in self._fallback

    def language_name(self, tag: str | None = None) -> str:
        return catalog(tag or self.language).get("language.name", tag or self.language)


def tr(language: str, key: str, **params) -> str:
    return Translator(language)(key, **params)


def best_language(accept: str | None, default: str = SOURCE_LANGUAGE) -> str:
    """Pick a catalog language from an Accept-Language header or a ?lang= value."""
    from ..errors import WorkbenchError

    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip()
        if not tag:
            continue
        try:
            return normalise_language(tag)
        except WorkbenchError:  # a language we have no catalog for: try the next one
            continue
    return default


def _babel_locale(language: str) -> str:
    return language.replace("-", "_")


def format_datetime(value, language: str, with_time: bool = True) -> str:
    """A moment the way people of ``language`` write it (``25/11/2026 14:05`` in pt-BR), in UTC."""
    from datetime import UTC, date, datetime

    from babel.dates import format_date as _fd
    from babel.dates import format_datetime as _fdt

    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    loc = _babel_locale(language if language in available() else SOURCE_LANGUAGE)
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        if with_time:
            return _fdt(value, "short", tzinfo=UTC, locale=loc) + " UTC"
        value = value.date()
    if isinstance(value, date):
        return _fd(value, "medium", locale=loc)
    return str(value)


def format_number(value, language: str, decimals: int | None = None) -> str:
    """A number with the locale's separators (``1.234,5`` in pt-BR and es, ``1,234.5`` in en)."""
    from babel.numbers import format_decimal

    loc = _babel_locale(language if language in available() else SOURCE_LANGUAGE)
    if decimals is not None:
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=loc)
    return format_decimal(value, locale=loc)
