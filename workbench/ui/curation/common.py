"""What the curation panels share: their controls, tables, labels and the one way a panel calls the domain."""

from __future__ import annotations

import ipywidgets as w

from ...errors import WorkbenchError
from ...text import esc

FULL = w.Layout(width="100%")
ACTOR = "facilitator"


def text(**kw) -> w.Text:
    return w.Text(layout=FULL, style={"description_width": "initial"}, **kw)


def dropdown(**kw) -> w.Dropdown:
    return w.Dropdown(layout=FULL, style={"description_width": "initial"}, **kw)


def button(style: str = "primary") -> w.Button:
    return w.Button(button_style=style, layout=w.Layout(min_height="44px", width="auto"))


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


def ok_html(text: str) -> str:
    return f'<p class="wb-ok" role="status">✔ {esc(text)}</p>'


def fail_html(tr, exc: WorkbenchError) -> str:
    text = tr(exc.key, **exc.params) if exc.key and tr.has(exc.key) else exc.sentence
    return f'<p class="wb-error" role="alert">✖ {esc(text)}</p>'


class Labels:
    """The text around a panel's controls, each made with its catalog key and relabelled by :meth:`relabel`
    (never addressed by position)."""

    def __init__(self):
        self._items: list[tuple[w.HTML, str, str, str | None]] = []

    def _add(self, tag: str, key: str, help: str | None = None) -> w.HTML:
        widget = w.HTML()
        self._items.append((widget, tag, key, help))
        return widget

    def label(self, key: str) -> w.HTML:
        return self._add("label", key)

    def h2(self, key: str, help: str | None = None) -> w.HTML:
        return self._add("h2", key, help)

    def h3(self, key: str) -> w.HTML:
        return self._add("h3", key)

    def relabel(self, tr) -> None:
        for widget, tag, key, help in self._items:
            widget.value = f"<{tag}>{esc(tr(key))}</{tag}>" + (f"<p>{esc(tr(help))}</p>" if help else "")


class Panel:
    """What every panel of :class:`~workbench.ui.curation.view.CurationView` uses: the project, the
    status line, and :meth:`_run` (call the domain; its refusal shown in place; a redraw on success)."""

    def _ok(self, key: str, **params) -> None:
        self.status.value = ok_html(self.tr(key, **params))

    def _fail(self, exc: WorkbenchError) -> None:
        self.status.value = fail_html(self.tr, exc)

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
