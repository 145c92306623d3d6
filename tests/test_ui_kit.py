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
from workbench.ui.kit import Kit, Labels, card, header, heading, muted, note, relabel, say

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


def test_facilitator_controls_share_the_kits_layouts():
    kit = Kit()
    buttons = [kit.button(style="primary"), kit.button(style="warning")]
    assert buttons[0].layout is buttons[1].layout is kit.auto and buttons[1].button_style == "warning"
    hidden = kit.button(own_layout=True)  # a button the view hides: hiding it must not hide the others
    hidden.layout.display = "none"
    assert hidden.layout is not kit.auto and kit.auto.display is None
    assert kit.drop(["a"], full=True).layout is kit.full and kit.drop(["a"]).layout is kit.auto
    short, same, tall = kit.area(height="70px"), kit.area(height="70px"), kit.area(height="140px")
    assert short.layout is same.layout and (short.layout.width, short.layout.height) == ("100%", "70px")
    assert tall.layout.height == "140px" and kit.area().layout is kit.full
    up = kit.upload(".csv")
    assert (up.accept, up.multiple, up.layout.min_height) == (".csv", False, "44px")
    assert kit.upload(".zip").layout is up.layout


def test_notices_and_cards_carry_role_marks_and_data():
    assert note("x", ok=True, mark=True) == '<p class="wb-ok" role="status">✔ x</p>'
    assert note("x<", role="alert", mark=True) == '<p class="wb-error" role="alert">✖ x&lt;</p>'
    assert note("x", role=None, under_review=2) == '<p class="wb-error" data-under-review="2">x</p>'
    assert muted("m") == '<p class="wb-muted">m</p>'
    assert muted("m", role="status", kept=3) == '<p class="wb-muted" role="status" data-kept="3">m</p>'
    assert (card(html="<p>h</p>", role="alert", model_id='a"b')
            == '<div class="wb-card" role="alert" data-model-id="a&quot;b"><p>h</p></div>')
    area = w.HTML()
    say(area, "done", ok=True, mark=True)
    assert area.value == note("done", ok=True, mark=True)


def test_labels_are_drawn_from_their_keys_in_the_views_language():
    kit = Kit()
    labels = Labels(kit)
    plain, head, help_, quiet = (labels.label("app.name"), labels.heading("app.name", 3),
                                 labels.heading("app.name", help="app.name"), labels.muted("app.name"))
    for lang in ("en", "es"):
        tr = Translator(lang)
        labels.relabel(tr)
        name = tr("app.name")
        assert plain.value == f"<label>{name}</label>" and head.value == f"<h3>{name}</h3>"
        assert help_.value == heading(name, help=name) and quiet.value == muted(name)
    assert plain.layout is kit.full


def test_facilitator_views_build_no_control_the_kit_makes():
    """Buttons, text fields, text areas, dropdowns, checkboxes and uploads in the evaluation desk, monitoring,
    the catalog (federation), curation and the decision box come from the kit, not from ipywidgets directly."""
    files = [ROOT / "ui" / "federation.py", ROOT / "ui" / "decide.py", *(ROOT / "ui" / "evaluation").glob("*.py"),
             *(ROOT / "ui" / "curation").glob("*.py")]
    made = [(p.name, kind) for p in files for kind in ("Button", "Text", "Textarea", "Dropdown", "Checkbox",
                                                        "FileUpload")
            if f"w.{kind}(" in p.read_text(encoding="utf-8")]
    assert made == []


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
