"""A cap on live kernels: the next person gets "the room is full" instead of a dead server.

Each participant page is a kernel (~40-60 MB). Past ``workshop.max_kernels``
kernels in use (preheated spares not counted), a render request gets a small,
translated 503 page with ``Retry-After: 60``; kernels of closed tabs are culled
and the room frees up.
"""

from __future__ import annotations

from tornado import web

from ..i18n import Translator, best_language
from ..text import esc

FULL_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>{title}</title>
<style>body {{ font-family: system-ui, sans-serif; margin: 0; padding: 16px; font-size: 18px; }}
main {{ max-width: 420px; margin: 0 auto; }}
a {{ display: inline-flex; align-items: center; min-height: 48px; padding: 0 16px; margin-top: 12px;
  background: #0b5cad; color: #fff; border-radius: 10px; text-decoration: none; font-weight: 600; }}</style>
</head><body><main><h1>⏳ {title}</h1><p>{text}</p><a href="">{retry}</a></main></body></html>
"""


def kernels_in_use(kernel_manager) -> int:
    """Kernels started minus the preheated spares waiting in the pools."""
    return count_in_use(kernel_manager.list_kernel_ids(), getattr(kernel_manager, "_pools", {}))


def count_in_use(kernel_ids, pools: dict) -> int:
    """Kernels serving a page: ``kernel_ids`` less the spares in Voila's ``pools``.

    A pool holds one task per spare: done with ``{"kernel_id": ...}`` once its kernel
    started; still running while it waits or starts (its kernel, if already listed,
    counts as in use for that moment: better a full room a moment early than a
    cap that is not kept); failed or cancelled (no kernel; a cancelled task has no
    exception to ask for, ``exception()`` would raise CancelledError).
    """
    spare_ids = set()
    for pool in pools.values():
        for task in pool:
            if task.done() and not task.cancelled() and task.exception() is None:
                result = task.result()
                if isinstance(result, dict) and result.get("kernel_id"):
                    spare_ids.add(result["kernel_id"])
    return len(set(kernel_ids) - spare_ids)


def capped(handler_class, max_kernels: int, default_language: str):
    """A subclass of Voila's render handler that refuses politely when the room is full."""

    class CappedVoilaHandler(handler_class):
        async def prepare(self):
            await super().prepare()
            if self._finished:
                return
            # The kernel this page gets (started for it or a spare) belongs to this session (pools.py, auth.py).
            from .auth import ROLE_HEADER, SESSION_HEADER
            from .pools import RENDER_OWNER

            RENDER_OWNER.set((self.request.headers.get(ROLE_HEADER, ""), self.request.headers.get(SESSION_HEADER, "")))
            note = getattr(self.kernel_manager, "note_render", None)
            if note is not None:  # spare kernels wait for the burst of arrivals to pass (pools.py)
                note()
            if max_kernels <= 0:
                return
            if kernels_in_use(self.kernel_manager) >= max_kernels:
                lang = best_language(self.get_argument("lang", None)
                                     or self.request.headers.get("Accept-Language"), default_language)
                tr = Translator(lang)
                self.set_status(503)
                self.set_header("Retry-After", "60")
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.set_header("Cache-Control", "no-store")
                self.finish(FULL_PAGE.format(lang=esc(lang), title=esc(tr("room.full.title")),
                                             text=esc(tr("room.full.text")), retry=esc(tr("room.full.retry"))))
                raise web.Finish()

    return CappedVoilaHandler
