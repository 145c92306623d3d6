"""Join cards: one printed card per seat, for a workshop in ``join_mode = "cards"``.

:func:`make_cards` issues the cards (the log keeps keyed digests, never the codes) and writes an HTML
sheet to ``artifacts/join-cards/`` with print CSS (cut lines, no card split across pages) and a QR code
per card as inline SVG (segno, offline). The QR holds the app's address with ``?card=`` when the server's
address is known (``url``), else the code alone. The codes exist only on that sheet: print it, hand one
card to each person, and delete the file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from ..text import bdi, esc
from . import deliberation as dl

SHEET_CSS = """
body { font-family: system-ui, sans-serif; margin: 0; }
.sheet { display: grid; grid-template-columns: repeat(auto-fill, minmax(88mm, 1fr)); gap: 0; }
.card { border: 1px dashed #888; padding: 6mm; display: flex; gap: 5mm; align-items: center;
  break-inside: avoid; page-break-inside: avoid; min-height: 50mm; box-sizing: border-box; }
.card svg { flex: none; width: 32mm; height: 32mm; }
.code { font-size: 16pt; font-weight: 700; letter-spacing: 0.03em; font-family: ui-monospace, monospace; }
.small { font-size: 9pt; color: #333; }
h1 { font-size: 14pt; margin: 6mm; }
@media print { h1, .note { display: none; } @page { size: A4; margin: 10mm; } }
"""


def card_link(url: str | None, code: str, language: str | None = None, workshop: str | None = None) -> str:
    """What a card's QR holds: the server's login link that lands on the purpose app with ``?card=``
    (``url`` is the server's address, or its join link ``.../login?code=...``), or the bare code."""
    if not url:
        return code
    from urllib.parse import parse_qs, urlsplit

    from ..apps import by_key

    parts = urlsplit(url)
    base = parts.path
    if base.endswith("/login"):
        base = base[: -len("login")]
        workshop = workshop or (parse_qs(parts.query).get("code") or [None])[0]
    base = base.rstrip("/") + "/"
    target = by_key("purpose").url(base) + f"?card={quote(code)}" + (f"&lang={quote(language)}" if language else "")
    origin = f"{parts.scheme}://{parts.netloc}"
    if workshop:
        return f"{origin}{base}login?code={quote(workshop)}&next={quote(target, safe='')}"
    return origin + target


def sheet_html(project_name: str, codes: list[str], tr, url: str | None = None, language: str | None = None,
               workshop: str | None = None) -> str:
    import segno

    cards = []
    for code in codes:
        qr = segno.make(card_link(url, code, language, workshop), error="m").svg_inline(scale=3, border=1,
                                                                             omitsize=True)
        cards.append(f'<div class="card">{qr}<div><p class="small">{bdi(project_name)}</p>'
                     f'<p>{esc(tr("purpose.cards.sheet.your_card"))}</p>'
                     f'<p class="code">{esc(code)}</p>'
                     f'<p class="small">{esc(tr("purpose.cards.sheet.keep"))}</p></div></div>')
    return (f'<!doctype html><html lang="{esc(tr.language)}"><head><meta charset="utf-8">'
            f"<title>{esc(tr('purpose.cards.sheet.title'))}</title><style>{SHEET_CSS}</style></head><body>"
            f"<h1>{esc(tr('purpose.cards.sheet.title'))} · {bdi(project_name)}</h1>"
            f'<p class="note small" style="margin: 0 6mm 4mm">{esc(tr("purpose.cards.sheet.note"))}</p>'
            f'<div class="sheet">{"".join(cards)}</div></body></html>')


def make_cards(project, count: int, url: str | None = None, language: str | None = None,
               actor: str = dl.FACILITATOR_ACTOR) -> tuple[Path, list[str]]:
    """Issue ``count`` join cards and write their printable sheet; returns (sheet path, codes).

    Without ``url``, the address of the running ``workbench serve`` (if any) goes into the QR codes.
    """
    from .._atomic import write_atomic
    from ..i18n import Translator
    from ..presence import served_by

    language = language or project.config.default_language
    tr = Translator(language)
    if not url:
        url = (served_by(project.root) or {}).get("url") or None
    workshop = project.access_codes().workshop
    codes = dl.issue_cards(project.store, count, secret=dl.project_secret(project), actor=actor)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = project.artifacts_dir / "join-cards" / f"join-cards-{stamp}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, sheet_html(project.name, codes, tr, url, language, workshop), mode=0o600)
    return path, codes
