"""What the curation panels share: their tables and the one way a panel calls the domain (their controls,
labels and notices come from the one widget kit, :mod:`workbench.ui.kit`)."""

from __future__ import annotations

from ...errors import WorkbenchError
from ...text import esc
from .._base import refusal_text
from ..kit import say

ACTOR = "facilitator"


def table(headers: list[str], rows: list[list], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td{" style=text-align:right" if i in numeric else ""}>{esc(c)}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def pct(v) -> str:
    return "" if v is None or v != v else f"{100 * float(v):.1f}%"


def need(ds):
    if ds is None:
        raise WorkbenchError("This project has no dataset yet.", key="curation.error.no_dataset")
    return ds


def row_list(text: str) -> list[str]:
    return [p for p in str(text or "").replace(";", ",").replace(" ", ",").split(",") if p]


class Panel:
    """What every panel of :class:`~workbench.ui.curation.view.CurationView` uses: the project, the widget
    ``kit``, the status line, and :meth:`_run` (call the domain; its refusal shown in place; a redraw on success)."""

    def _ok(self, key: str, **params) -> None:
        say(self.status, self.tr(key, **params), ok=True, mark=True)

    def _fail(self, exc: WorkbenchError) -> None:
        say(self.status, refusal_text(self.tr, exc), role="alert", mark=True)

    def _run(self, fn, ok_key: str | None = None, **ok_params):
        """Call the domain; show its sentence on refusal; re-render on success."""
        try:
            out = fn()
        except WorkbenchError as exc:
            self._fail(exc)
            return None
        self.render()
        if ok_key:
            self._ok(ok_key, **ok_params)
        return out

    def _dataset(self):
        from ...curation.importer import current

        return current(self.project.store)

    def _use_options(self):
        from ...consent.uses import USE_KEYS
        from ...curation.datasheet import use_name

        return [(use_name(self.tr, u), u) for u in USE_KEYS]
