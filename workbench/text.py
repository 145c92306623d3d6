"""One rule for invisible and control characters in what people type (docs/security.md).

**Free text** (statements, charter fields, reasons, witness names, concern text, ...) is checked by
:func:`check_text`: a character from :data:`REFUSED` is refused with a sentence naming it and where it is,
and nothing is saved. Line breaks and tabs stay; a zero-width joiner / non-joiner stay too (emoji and
several scripts need them). Nothing is stripped silently: what was saved is what was typed. Python's
``str.split()`` counts some controls (U+001C-U+001F, U+0085) as spaces, so the check comes before any
tidying of spaces. :func:`free_text` is the check plus that tidying plus a length limit that refuses
(``error.text_too_long``) rather than cutting the text short.

**Codes** (workshop, participant, card, receipt) are normalised by their own module to their alphabet;
anything else in them is dropped before comparison, so a control character can never match.

**Echo**: when an error repeats what someone typed, it shows :func:`snippet` of it: refused characters
removed, at most :data:`ECHO_CHARS` characters, so a bidi override cannot reverse the sentence around it
and 20,000 typed characters are not sent back. Shown as HTML, participant text is escaped and isolated
in ``<bdi>`` (:func:`bdi`).

**Markdown**: participant text placed into a Markdown artifact (charter.md, datasheet.md, model cards)
goes through :func:`md_text`: one line, ``& < >`` as entities (no raw HTML), every character Markdown
gives a meaning (backslash, backtick, ``* _ [ ] ( ) ! # | ~ $ { }``, a list marker at the start)
escaped with a backslash, so it can make no link, image, heading, table cell or code span; a
``javascript:``, ``vbscript:``, ``data:`` or ``file:`` scheme has its colon escaped too, and a character
the rule refuses (in text saved before the rule) is shown as ``⟨U+202E⟩`` rather than kept invisible.
(A bare ``https://`` address may still be made a link by a viewer that autolinks; it runs no script.)

**Unexpected errors** never show a traceback: see :mod:`workbench.ui.guard`.
"""

from __future__ import annotations

import html
import re
import unicodedata

from .errors import WorkbenchError

ECHO_CHARS = 40
_ALLOWED_CONTROLS = {"\n", "\t", "\r"}
# Bidi embeddings, overrides and isolates; marks that reorder text invisibly.
_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
         "\u200e", "\u200f", "\u061c"}
# Invisible characters that make two texts look the same or hide words.
_INVISIBLE = {"\u200b", "\u2060", "\ufeff", "\u180e", "\u00ad", "\u2061", "\u2062", "\u2063", "\u2064"}


def refused_char(ch: str) -> bool:
    """True for a character free text may not hold (see the module's rule)."""
    if ch in _ALLOWED_CONTROLS:
        return False
    if ch in _BIDI or ch in _INVISIBLE:
        return True
    cat = unicodedata.category(ch)
    # Cc: C0/C1 controls (NUL, ESC, DEL, ...); Cs: lone surrogates; Co/Cn: private use, unassigned.
    return cat in ("Cc", "Cs", "Co", "Cn")


REFUSED = "C0/C1 controls but tab and line breaks, bidi overrides/isolates/marks, zero-width and invisible characters"


def first_refused(text: str) -> tuple[int, str] | None:
    for i, ch in enumerate(text):
        if refused_char(ch):
            return i, ch
    return None


def check_text(text: object, what: str = "The text") -> str:
    """``text`` as a str, or a :class:`WorkbenchError` naming the first refused character and where."""
    value = "" if text is None else str(text)
    bad = first_refused(value)
    if bad is not None:
        pos, ch = bad
        code = f"U+{ord(ch):04X}"
        name = unicodedata.name(ch, "control character")
        raise WorkbenchError(
            f"{what} holds an invisible or control character ({code} {name}) at position {pos + 1}.",
            "Delete it (retype the text if you cannot see it) and try again.",
            key="error.control_char", char=code, position=pos + 1,
        )
    return value


def free_text(text: object, what: str = "The text", max_chars: int | None = None, *, one_line: bool = True) -> str:
    """:func:`check_text`, then the text with its spaces tidied (one line unless ``one_line`` is False);
    longer than ``max_chars`` is refused with a sentence, never cut short silently."""
    value = check_text(text, what)
    value = " ".join(value.split()) if one_line else value.strip()
    if max_chars is not None and len(value) > max_chars:
        raise WorkbenchError(f"{what} is longer than {max_chars} characters ({len(value)}).", "Shorten it.",
                             key="error.text_too_long", max=max_chars, count=len(value))
    return value


def snippet(text: object, limit: int = ECHO_CHARS) -> str:
    """What may be echoed of typed text: refused characters removed, one line, at most ``limit`` chars."""
    value = "" if text is None else str(text)
    value = "".join(" " if ch in _ALLOWED_CONTROLS else ch for ch in value if not refused_char(ch))
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


# What a terminal acts on rather than shows: C0 controls but tab and line feed (ESC starts the escape
# sequences that recolour, retitle, clear or rewrite the screen; CR overwrites a line), DEL, C1 controls
# (U+009B is a one-character CSI), bidi overrides and isolates, invisible characters, lone surrogates.
_TERMINAL_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u00ad\u200b-\u200f\u202a-\u202e"
                           "\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]")


def terminal_safe(text: object) -> str:
    """Text for a terminal: every character it would act on removed (line breaks and tabs stay).

    The CLI passes everything it prints through this (text from files, bundles and names included),
    so a community name or a CSV header holding ``ESC [ 2 J`` cannot clear or rewrite the screen.
    """
    return _TERMINAL_BAD.sub("", "" if text is None else str(text))


def esc(value: object) -> str:
    """Escape any text for HTML; participant text is never trusted. (Here, below the views and the server:
    the server needs it without importing ipywidgets.)"""
    return html.escape("" if value is None else str(value), quote=True)


def bdi(text: object) -> str:
    """Participant text for HTML: escaped and isolated, so its direction cannot spill into the page."""
    return f"<bdi>{html.escape('' if text is None else str(text), quote=True)}</bdi>"


_MD_PUNCT = re.compile(r"([\\`*_\[\]()!#|~${}])")
_MD_LIST_START = re.compile(r"^([-+])|^(\d+)([.)])")
_MD_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data|file)(\s*)(\\?):")


def md_text(value: object) -> str:
    """Participant text made inert for Markdown: one line, no link, image, HTML, heading or table break."""
    text = "" if value is None else str(value)
    text = "".join(f"⟨U+{ord(ch):04X}⟩" if refused_char(ch) else ch for ch in text)
    text = " ".join(text.split())
    text = _MD_PUNCT.sub(r"\\\1", text)
    text = _MD_LIST_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", text)
    text = _MD_SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}\\:", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
