"""Where to raise a concern: the app's address and a QR code for it, for the model card and the report."""

from __future__ import annotations

from urllib.parse import quote


def concern_link(base_url: str, language: str) -> str:
    """The URL of the concern app on the server at ``base_url``, in ``language`` (no code needed to open it)."""
    from ..apps import by_key

    return by_key("concern").url(str(base_url or "/"), quote(str(language or "en"), safe="-_"))


def qr_svg(url: str) -> str:
    """``url`` as a QR image, inline SVG made offline (segno, as the contributor cards: one QR library)."""
    from ..consent.cards import qr_svg as card_qr

    return card_qr(str(url))
