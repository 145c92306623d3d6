"""Icons beside the words of a choice: decorative, never instead of the words.

A button gets its icon from CSS (``.wb-icon-<name>::before``), not from its label: the label stays the
translated text alone, so a screen reader says "Agree", not "check mark Agree". The icon's CSS
``content`` carries an empty alternative text (``content: "✓" / ""``), which takes it out of the
accessible name (checked in Chromium's accessibility tree, tests/browser/test_phone_a11y.py); a browser
without that syntax falls back to the plain declaration and shows the icon all the same. In HTML (links,
cards) :func:`icon_html` wraps the symbol in ``aria-hidden``.

Plain Unicode symbols, no icon font: nothing to download, nothing that fails offline. Only symbols that
the fonts every system ships draw (✓ ✗ ← → ↩ ↻ ⚠ ○ ◐ ●: DejaVu, Liberation, Noto Sans, Roboto, San
Francisco, Segoe); pictures that would need an emoji font (a target, a hand, scales, a globe) are small
inline SVGs drawn with the text's colour (:data:`SVG_ICONS`, :func:`svg_icon`): a laptop without an emoji
font showed empty boxes in their place (Debian's Chromium, as on many facilitators' Linux machines).
The participant pages carry no icon font; Font Awesome's glyphs, in Voila's own bundle, would enter the
accessible name.
"""

from __future__ import annotations

from ..text import esc

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
    return f'<span class="wb-icon" aria-hidden="true">{esc(symbol)}</span> '


def _svg(body: str) -> str:
    return ('<svg class="wb-svg" viewBox="0 0 24 24" width="1.15em" height="1.15em" fill="none" stroke="currentColor" '
            'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" focusable="false" '
            f'style="vertical-align:-0.2em">{body}</svg>')


# Pictures for which no symbol is in every system font: inline SVG, stroked in the text's colour.
SVG_ICONS: dict[str, str] = {
    "purpose": _svg('<circle cx="12" cy="12" r="9"/><circle cx="12" cy="12" r="5"/><circle cx="12" cy="12" r="1"/>'),
    "consent": _svg('<rect x="4" y="4" width="16" height="16" rx="2"/><path d="M8 12l3 3 5-6"/>'),
    "curation": _svg('<path d="M4 6h16M4 12h16M4 18h10"/><path d="M17 16l2 2 3-4"/>'),
    "evaluation": _svg('<path d="M12 4v16M8 20h8M5 8h14"/><path d="M5 8l-3 6h6zM19 8l-3 6h6z"/>'),
    "people": _svg('<circle cx="9" cy="8" r="3"/><circle cx="17" cy="9" r="2.5"/>'
                   '<path d="M3 20c0-4 3-6 6-6s6 2 6 6M15 14c3 0 6 2 6 5"/>'),
    "concern": _svg('<path d="M4 5h16v11H9l-5 4z"/><path d="M12 8v4M12 14v.5"/>'),
    "books": _svg('<path d="M4 4h4v16H4zM10 4h4v16h-4z"/><path d="M16 5l4-1 2 15-4 1z"/>'),
    "language": _svg('<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18"/>'),
}


def svg_icon(name: str) -> str:
    """An inline SVG picture for HTML beside text, hidden from screen readers (the text says it)."""
    return f'<span class="wb-icon" aria-hidden="true">{SVG_ICONS[name]}</span> '
