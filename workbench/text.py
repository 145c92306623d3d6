"""One rule for invisible and control characters in what people type (docs/security.md).

**Free text** (statements, charter fields, reasons, witness names, concern text, ...) is checked by
:func:`check_text`: a character from :data:`REFUSED` is refused with a sentence naming it and where it is,
and nothing is saved. Line breaks and tabs stay; a zero-width joiner / non-joiner stay too (emoji and
several scripts need them). Nothing is stripped silently: what was saved is what was typed.

**Codes** (workshop, participant, card, receipt) are normalised by their own module to their alphabet;
anything else in them is dropped before comparison, so a control character can never match.

**Echo**: when an error repeats what someone typed, it shows :func:`snippet` of it: refused characters
removed, at most :data:`ECHO_CHARS` characters, so a bidi override cannot reverse the sentence around it
and 20,000 typed characters are not sent back. Shown as HTML, participant text is escaped and isolated
in ``<bdi>`` (:func:`bdi`).
"""

from __future__ import annotations

import html
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


def snippet(text: object, limit: int = ECHO_CHARS) -> str:
    """What may be echoed of typed text: refused characters removed, one line, at most ``limit`` chars."""
    value = "" if text is None else str(text)
    value = "".join(" " if ch in _ALLOWED_CONTROLS else ch for ch in value if not refused_char(ch))
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def bdi(text: object) -> str:
    """Participant text for HTML: escaped and isolated, so its direction cannot spill into the page."""
    return f"<bdi>{html.escape('' if text is None else str(text), quote=True)}</bdi>"
