"""The one widget kit every app builds from: controls, and the few HTML pieces every screen repeats.

Every widget, layout and style is a comm message to the browser; a form of 40 controls made the usual
way opens ~200 of them (slow on a busy machine and a phone's connection). :class:`Kit` hands out
widgets that share one layout and one style per kind. Shared objects are never changed after creation;
a widget whose layout is toggled (``layout.display``) gets its own.

The HTML helpers (:func:`note`, :func:`muted`, :func:`say`, :func:`header`, :func:`heading`, :func:`card`,
:class:`Labels`) escape what they are given with :func:`workbench.text.esc`; callers pass text, never markup,
except where a parameter says ``html``. ``data`` keywords become ``data-*`` attributes (``model_id`` ->
``data-model-id``), which pages and tests select on.

Imports ipywidgets and nothing heavy: participant kernels use it.
"""

from __future__ import annotations

import ipywidgets as w

from ..text import esc
from .icons import with_icon


class Kit:
    """Widgets that share one layout and one style per kind (see the module's text)."""

    def __init__(self):
        from ipywidgets.widgets.widget_description import DescriptionStyle
        from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

        self.full, self.auto = w.Layout(width="100%"), w.Layout(width="auto")
        self.row = w.Layout(width="100%", flex_flow="wrap", align_items="center")
        self.desc = DescriptionStyle(description_width="initial")
        self.textstyle = TextStyle(description_width="initial")
        self.htmlstyle = HTMLStyle()
        self.buttonstyle = w.ButtonStyle()
        self._tall: dict[str, w.Layout] = {}
        self._high: dict[str, w.Layout] = {}
        self.touch = w.Layout(min_height="44px")

    # -- fields ----------------------------------------------------------------------------------
    def text(self, full: bool = True) -> w.Text:
        return w.Text(layout=self.full if full else self.auto, style=self.textstyle)

    def area(self, height: str | None = None) -> w.Textarea:
        """A full-width text area; ``height``: its fixed height (one shared layout per height)."""
        if height is None:
            return w.Textarea(layout=self.full, style=self.textstyle)
        layout = self._high.get(height)
        if layout is None:
            layout = self._high[height] = w.Layout(width="100%", height=height)
        return w.Textarea(layout=layout, style=self.textstyle)

    def field(self, widget=None):
        """A full-width control whose description is its label, drawn on its own line above it
        (ipywidgets draws the description as a ``<label for=...>`` tied to the input; CSS ``wb-labelled``)."""
        widget = w.Text() if widget is None else widget
        widget.layout = self.full
        widget.style = {"description_width": "initial"}
        widget.add_class("wb-labelled")
        return widget

    def drop(self, options, value=None, full: bool = False) -> w.Dropdown:
        kw = {} if value is None else {"value": value}
        return w.Dropdown(options=options, layout=self.full if full else self.auto, style=self.desc, **kw)

    def float(self, value: float, step: float) -> w.FloatText:
        return w.FloatText(value=value, step=step, layout=self.auto, style=self.desc)

    def int(self, value: int) -> w.IntText:
        return w.IntText(value=value, layout=self.auto, style=self.desc)

    def check(self, value: bool = False) -> w.Checkbox:
        return w.Checkbox(value=value, indent=False, layout=self.full)

    def upload(self, accept: str) -> w.FileUpload:
        """A one-file upload button, a touch target tall (44px)."""
        return w.FileUpload(accept=accept, multiple=False, layout=self.touch)

    # -- text and buttons ------------------------------------------------------------------------
    def html(self, value: str = "") -> w.HTML:
        return w.HTML(value, layout=self.full, style=self.htmlstyle)

    def style(self, *css: str) -> w.HTML:
        """The app's stylesheet (``STYLE`` plus its own), one HTML widget."""
        return self.html("".join(css))

    def button(self, description: str = "", style: str = "", own_layout: bool = False) -> w.Button:
        """A button as wide as its words (the stylesheet makes it a touch target tall); ``own_layout``: a layout
        of its own, for a button the view hides and shows (``layout.display``)."""
        layout = w.Layout(width="auto") if own_layout else self.auto
        return w.Button(description=description, button_style=style, layout=layout, style=self.buttonstyle)

    def big(self, description: str = "", style: str = "") -> w.Button:
        b = w.Button(description=description, button_style=style, layout=self.full, style=self.buttonstyle)
        b.add_class("wb-big")
        return b

    def tall(self, style: str = "", *, height: str = "56px", big: bool = True, icon: str | None = None) -> w.Button:
        """A full-width button at least ``height`` tall (a phone's touch target); ``big``: the app's large type
        (CSS ``wb-big``); ``icon``: a symbol beside the words, out of the button's name (:func:`with_icon`)."""
        layout = self._tall.get(height)
        if layout is None:
            layout = self._tall[height] = w.Layout(width="100%", min_height=height)
        b = w.Button(button_style=style, layout=layout, style=self.buttonstyle)
        if big:
            b.add_class("wb-big")
        return with_icon(b, icon) if icon else b

    # -- boxes -----------------------------------------------------------------------------------
    def vbox(self, children) -> w.VBox:
        return w.VBox(children, layout=self.full)

    def hbox(self, children) -> w.HBox:
        return w.HBox(children, layout=self.row)


# -- HTML every screen repeats ---------------------------------------------------------------------
def _attrs(role: str | None, data: dict) -> str:
    """`` role="..."`` (when given) and a ``data-*`` attribute per ``data`` keyword, escaped."""
    out = "" if role is None else f' role="{esc(role)}"'
    return out + "".join(f' data-{k.replace("_", "-")}="{esc(str(v))}"' for k, v in data.items())


def note(text: str, ok: bool = False, role: str | None = "status", mark: bool = False, **data) -> str:
    """A result sentence: green for done, red for refused (``role`` for screen readers, ``None`` for none);
    ``mark``: a ✔ or ✖ before the words, for who cannot tell the colours apart."""
    sign = ("✔ " if ok else "✖ ") if mark else ""
    return f'<p class="{"wb-ok" if ok else "wb-error"}"{_attrs(role, data)}>{sign}{esc(text)}</p>'


def muted(text: str, role: str | None = None, **data) -> str:
    """A quiet line: a help, a state, a progress (``role="status"`` for one that changes as the person waits)."""
    return f'<p class="wb-muted"{_attrs(role, data)}>{esc(text)}</p>'


def say(widget: w.HTML, text: str, ok: bool = False, role: str | None = "status", mark: bool = False) -> None:
    """Show :func:`note` in ``widget``."""
    widget.value = note(text, ok, role, mark)


def header(tr, title: str, project: str | None = None, intro: str | None = None) -> str:
    """The top of an app: the workbench's name (and the project's, when given) over the ``<h1>`` title,
    then an optional introduction."""
    top = tr("app.name") if project is None else f'{tr("app.name")} · {project}'
    out = f'<p class="wb-muted">{esc(top)}</p><h1>{esc(title)}</h1>'
    return out + (f"<p>{esc(intro)}</p>" if intro is not None else "")


def heading(text: str, level: int = 2, help: str | None = None) -> str:
    """A section heading, with an optional muted line of help under it."""
    out = f"<h{level}>{esc(text)}</h{level}>"
    return out + (f'<p class="wb-muted">{esc(help)}</p>' if help is not None else "")


def card(text: str | None = None, html: str = "", role: str | None = None, **data) -> str:
    """A bordered card holding one paragraph of ``text`` (escaped) and/or ready ``html``."""
    inner = (f"<p>{esc(text)}</p>" if text is not None else "") + html
    return f'<div class="wb-card"{_attrs(role, data)}>{inner}</div>'


class Labels:
    """The text around a form's controls, each made with its catalog key and relabelled by :meth:`relabel`
    in the view's language (never addressed by position)."""

    def __init__(self, kit: Kit):
        self.kit = kit
        self._items: list[tuple[w.HTML, object]] = []

    def _add(self, draw) -> w.HTML:
        widget = self.kit.html()
        self._items.append((widget, draw))
        return widget

    def label(self, key: str) -> w.HTML:
        """The words over a control."""
        return self._add(lambda tr: f"<label>{esc(tr(key))}</label>")

    def heading(self, key: str, level: int = 2, help: str | None = None) -> w.HTML:
        """A section's :func:`heading`; ``help``: the catalog key of its muted line of help."""
        return self._add(lambda tr: heading(tr(key), level, None if help is None else tr(help)))

    def muted(self, key: str) -> w.HTML:
        """A :func:`muted` line (an introduction, a help)."""
        return self._add(lambda tr: muted(tr(key)))

    def relabel(self, tr) -> None:
        for widget, draw in self._items:
            widget.value = draw(tr)


def relabel(choices, options: list[tuple[str, object]]) -> None:
    """New labels for a ToggleButtons or Dropdown, keeping what was chosen."""
    value = choices.value
    choices.options = options
    choices.value = value


def language_label(tr) -> str:
    """The words beside the language switch, with the language icon."""
    from .icons import svg_icon

    return f'<span class="wb-muted">{svg_icon("language")}{esc(tr("welcome.language_label"))}</span>'
