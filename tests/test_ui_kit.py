"""The shape of ui/ (issue 23): one widget kit for every app, one escaping helper, stage packages that load a
view only when it is opened."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ipywidgets as w

import workbench
from workbench.i18n import Translator
from workbench.ui.kit import Kit, card, header, heading, note, relabel

ROOT = Path(workbench.__file__).resolve().parent


def test_the_kit_shares_one_layout_per_kind():
    kit = Kit()
    tall, plain = kit.tall("primary"), kit.tall(big=False)
    assert tall.layout is plain.layout  # one comm message for every such button, not one each
    assert (tall.layout.width, tall.layout.min_height) == ("100%", "56px")
    assert "wb-big" in tall._dom_classes and "wb-big" not in plain._dom_classes
    assert kit.tall(height="48px").layout.min_height == "48px"
    text, area = kit.field(), kit.field(w.Textarea())
    assert text.layout is area.layout is kit.full
    assert "wb-labelled" in text._dom_classes and "wb-labelled" in area._dom_classes
    assert kit.check().indent is False


def test_the_html_pieces_escape_what_they_are_given():
    tr = Translator("en")
    assert note("<b>", ok=True) == '<p class="wb-ok" role="status">&lt;b&gt;</p>'
    assert note("x", role="alert") == '<p class="wb-error" role="alert">x</p>'
    top = header(tr, "T<i>", "P&Q", intro="I")
    assert top == f'<p class="wb-muted">{tr("app.name")} · P&amp;Q</p><h1>T&lt;i&gt;</h1><p>I</p>'
    assert card("x<") == '<div class="wb-card"><p>x&lt;</p></div>'
    assert heading("a", help="b") == '<h2>a</h2><p class="wb-muted">b</p>'


def test_relabel_keeps_the_choice():
    toggle = w.ToggleButtons(options=[("a", 1), ("b", 2)], value=2)
    relabel(toggle, [("A", 1), ("B", 2)])
    assert toggle.value == 2 and toggle.options == (("A", 1), ("B", 2))


def test_views_and_server_escape_with_the_one_helper():
    """``workbench.text.esc`` / ``bdi``: no other copy in the views or the server."""
    copies = [str(p.relative_to(ROOT)) for folder in ("ui", "serve") for p in (ROOT / folder).rglob("*.py")
              if "html.escape" in p.read_text(encoding="utf-8") or "def esc(" in p.read_text(encoding="utf-8")]
    assert copies == []


def test_a_stage_package_loads_no_view_until_one_is_opened():
    code = ("import json, sys; import workbench.ui.purpose, workbench.ui.consent, workbench.ui.curation, "
            "workbench.ui.evaluation, workbench.ui.concerns; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('workbench.ui.') and m.count('.') > 2)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout) == []
