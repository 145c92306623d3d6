"""The welcome and room views without a browser: set values, click, assert on state."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench
from workbench.i18n import Translator
from workbench.ui.room import RoomView
from workbench.ui.welcome import WelcomeView

HOSTILE = '<img src=x onerror=alert(1)>'


def test_welcome_shows_project_stages_and_switches_language(project):
    view = WelcomeView(project, "participant", "en")
    assert "Test co-op" in view.header.value
    assert "Sort messages by urgency." in view.purpose.value
    assert view.stage_cards.value.count('class="wb-card wb-stage"') == 4
    assert view.stage_cards.value.count('data-status="not_started"') == 4
    en = Translator("en")
    assert en("stage.consent.title") in view.stage_cards.value

    view.language_switch.value = "pt-BR"
    pt = Translator("pt-BR")
    assert view.language == "pt-BR"
    assert pt("welcome.intro") in view.header.value
    assert pt("stage.consent.title") in view.stage_cards.value
    assert en("welcome.intro") not in view.header.value
    view.language_switch.value = "es"
    assert Translator("es")("welcome.stages_heading") in view.stage_cards.value


def test_welcome_defaults_to_the_project_language(tmp_path):
    p = workbench.init(tmp_path / "p", "Coop", ["es"])
    view = WelcomeView(p, "participant")
    assert view.language == "es" and view.language_switch.value == "es"
    p.close()


def test_links_depend_on_the_role(project):
    participant = WelcomeView(project, "participant", "en")
    facilitator = WelcomeView(project, "facilitator", "en")
    assert 'data-app="room"' not in participant.links.value
    assert 'data-app="room"' in facilitator.links.value
    assert "room.ipynb?lang=en" in facilitator.links.value
    with pytest.raises(workbench.WorkbenchError):
        WelcomeView(project, "admin")


def test_stage_status_follows_the_log(project):
    view = WelcomeView(project, "participant", "en")
    project.store.append("statement.added", {"text": "x"}, actor="river-42")
    view.render()
    assert 'data-stage="purpose" data-status="in_progress"' in view.stage_cards.value
    project.store.append("charter.agreed", {"version": 1}, actor="facilitator")
    view.render()
    assert 'data-stage="purpose" data-status="done"' in view.stage_cards.value


def test_project_text_is_escaped(tmp_path):
    p = workbench.init(tmp_path / "p", f"Coop {HOSTILE}", ["en"], purpose=HOSTILE)
    view = WelcomeView(p, "participant")
    for html in (view.header.value, view.purpose.value):
        assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    p.close()


def test_room_shows_codes_health_and_activity(project):
    from workbench.purpose import deliberation as dl

    first = dl.join(project.store, "en")
    project.store.append("vote.cast", {"v": 1}, actor=first)
    room = RoomView(project, "en")
    codes = project.access_codes()
    assert codes.workshop in room.codes.value and codes.facilitator in room.codes.value
    assert "The log is intact: 3 events." in room.health.value
    assert first not in room.activity.value and "Person 1" in room.activity.value  # never the code
    second = dl.join(project.store, "en")
    project.store.append("vote.cast", {"v": 1}, actor=second)
    room.refresh.click()
    assert "The log is intact: 5 events." in room.health.value
    assert "Person 2" in room.activity.value and second not in room.activity.value
    room.language_switch.value = "es"
    assert "El registro está íntegro: 5 eventos." in room.health.value


def test_room_counts_people_connected_by_language(project, monkeypatch):
    import subprocess
    import sys

    from workbench import presence

    # Two live participant kernels and one that was killed (its file stays, its process is gone).
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        monkeypatch.setattr(presence.os, "getpid", lambda: sleeper.pid)
        presence.announce(project.root, "welcome", "participant", "pt-BR")
        monkeypatch.setattr(presence.os, "getpid", lambda: 999_999_1)
        presence.announce(project.root, "welcome", "participant", "es")
        monkeypatch.undo()
        presence.announce(project.root, "welcome", "participant", "pt-BR")
        room = RoomView(project, "en")
        assert "People connected now: 2" in room.presence.value
        assert "Português (Brasil): 2" in room.presence.value
        assert "Español" not in room.presence.value
        assert len(list((project.root / ".workbench" / "presence").glob("*.json"))) == 2
    finally:
        sleeper.kill()
        sleeper.wait()


def test_room_poll_redraws_the_log_only_when_it_grew(project, monkeypatch):
    room = RoomView(project, "en")
    calls = []
    monkeypatch.setattr(project.store, "verify", lambda real=project.store.verify: calls.append(1) or real())
    room.poll()
    assert calls == []  # nothing new in the log: no chain recomputation, presence only
    from workbench.purpose import deliberation as dl

    project.store.append("vote.cast", {"v": 1}, actor=dl.join(project.store, "en"))
    room.poll()
    assert calls == [1] and "Person 1" in room.activity.value


def test_stage_links_and_cards_have_icons_hidden_from_screen_readers(project):
    import re

    view = WelcomeView(project, "participant", "en")
    links = re.findall(r'<a class="wb-link".*?</a>', view.links.value)
    assert len(links) == 4  # purpose, consent, my data work, raise a concern (outcomes once a stage is done)
    icon = r'<span class="wb-icon" aria-hidden="true">(?:<svg.*?</svg>|[^<]+)</span>'
    for link in links:
        icons = re.findall(icon, link)
        assert len(icons) == 2  # the stage's icon before the title, the arrow after it
        text = re.sub(icon, "", link)
        assert re.sub(r"<[^>]+>", "", text).strip() in {Translator("en")(f"app.{k}.title")
                                                        for k in ("purpose", "consent", "mywork", "concern")}
    assert view.stage_cards.value.count('aria-hidden="true"><svg') == 4  # one picture per stage
    assert view.stage_cards.value.count('<span class="wb-icon" aria-hidden="true">○</span>') == 4


def test_icons_need_no_emoji_font():
    """Every picture on the welcome page is a symbol every system font draws, or an inline SVG (issue 24)."""
    import unicodedata

    from workbench.ui import icons

    for symbol in icons.ICONS.values():
        assert all(unicodedata.category(ch) != "So" or ord(ch) < 0x2800 for ch in symbol), symbol
    source = (Path(icons.__file__).parent / "welcome.py").read_text(encoding="utf-8")
    assert not [ch for ch in source if ord(ch) >= 0x1F000], "an emoji in the welcome view"
    assert all(v.startswith("<svg") and 'focusable="false"' in v for v in icons.SVG_ICONS.values())
