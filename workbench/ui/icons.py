"""Icons beside the words of a choice: decorative, never instead of the words.

A button gets its icon from CSS (``.wb-icon-<name>::before``), not from its label: the label stays the
translated text alone, so a screen reader says "Agree", not "check mark Agree". The icon's CSS
``content`` carries an empty alternative text (``content: "✓" / ""``), which takes it out of the
accessible name (checked in Chromium's accessibility tree, tests/browser/test_phone_a11y.py); a browser
without that syntax falls back to the plain declaration and shows the icon all the same. In HTML (links,
cards) :func:`icon_html` wraps the symbol in ``aria-hidden``.

Plain Unicode symbols, no icon font: nothing to download, nothing that fails offline, and a phone's
own fonts draw them (the participant pages carry no icon font; Font Awesome's glyphs, in Voila's own bundle,
would enter the accessible name).
"""

from __future__ import annotations

import html

# name -> symbol. Choices read the same in every language: ✓ yes / agree, ✗ no / disagree, ? not sure.
ICONS: dict[str, str] = {
    "agree": "✓",
    "disagree": "✗",
    "pass": "?",
    "yes": "✓",
    "no": "✗",
    "give": "✓",
    "decline": "✗",
    "withdraw": "↩",
    "next": "→",
    "back": "←",
    "open": "→",
    "refresh": "↻",
}


def _css_string(symbol: str) -> str:
    return '"' + symbol.replace("\\", "\\\\").replace('"', '\\"') + '\\00a0"'  # a no-break space after it


ICON_STYLE = "<style>\n" + "\n".join(
    f".wb-app .wb-icon-{name}::before {{ content: {_css_string(s)}; content: {_css_string(s)} / \"\"; "
    "font-weight: 700; }"
    for name, s in ICONS.items()
) + "\n.wb-app a.wb-link .wb-icon:first-child { margin-right: 0.4em; }\n</style>\n"  # a link is a flex box


def with_icon(button, name: str):
    """Give an ipywidgets ``Button`` the icon ``name`` (from :data:`ICONS`) before its label; returns it."""
    if name not in ICONS:
        raise KeyError(f"no icon named {name!r}; add it to ICONS")
    for cls in list(button._dom_classes):
        if cls.startswith("wb-icon-"):
            button.remove_class(cls)
    button.add_class(f"wb-icon-{name}")
    return button


def icon_html(symbol: str) -> str:
    """A symbol for HTML beside text: hidden from screen readers (the text beside it says it)."""
    return f'<span class="wb-icon" aria-hidden="true">{html.escape(symbol)}</span> '
