"""Contributor cards (issue 19): codes, the fold, issuing and reissuing, the printed sheet and its CLI."""

from __future__ import annotations

import os
import re
import stat

import pytest

from workbench.cli import run_cli
from workbench.consent import cards
from workbench.consent import ledger as L
from workbench.errors import WorkbenchError

from .consent_support import fake_events, new_project, published_version, scoped_project  # noqa: F401


# -- codes ----------------------------------------------------------------------------------------
def test_codes_are_60_bits_of_crockford_base32_in_three_groups():
    codes = {cards.new_code() for _ in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
        assert cards.normalise(code) == code.replace("-", "")
    assert len(cards.ALPHABET) == 32 and cards.CODE_CHARS * 5 == 60


def test_typed_codes_are_normalised_and_anything_else_is_not_a_code():
    assert cards.normalise(" 7k3m 9qxd–2b4f ") == "7K3M9QXD2B4F"  # spaces, an en dash from a phone keyboard
    assert cards.normalise(" 7k3m 9qxd-2b4f ") == "7K3M9QXD2B4F"
    assert cards.normalise("7K3M-9QXD-2B4F") == cards.normalise("7k3m9qxd2b4f")
    assert cards.normalise("O1IL-0000-0000") == "0111" + "0" * 8  # O reads as 0, I and L as 1
    for bad in ("", None, "c-0179", "7K3M-9QXD-2B4", "7K3M-9QXD-2B4FF", "UUUU-UUUU-UUUU", "7K3M\x009QXD2B4F",
                "\u202e7K3M-9QXD-2B4F", "7K3M-9QXD-2B4F" + " " * 100, "A" * 20_000):
        assert cards.normalise(bad) is None, repr(bad)[:40]


def test_card_codes_never_look_like_participant_codes():
    from workbench.purpose import deliberation

    for _ in range(2000):
        code = cards.new_code()
        assert not cards.looks_like_participant_code(code)
        assert not deliberation.CODE_RE.match(deliberation.normalise_code(code))
    assert cards.looks_like_participant_code(deliberation.new_participant_code())
    assert cards.looks_like_participant_code(" Rio Coral 4821 ")
    assert not cards.looks_like_participant_code("c-browser-0375") and not cards.looks_like_participant_code("c-0179")


# -- issuing, the fold ----------------------------------------------------------------------------
def test_issue_returns_the_code_once_and_the_log_keeps_only_a_slow_digest(project):
    issued = cards.issue(project.store, "c-0001", actor="facilitator")
    logged = str([e.payload for e in project.store.events()])
    assert issued.code not in logged and issued.code.replace("-", "") not in logged
    ev = project.store.events(kinds=[cards.ISSUED])[-1]
    assert ev.payload["contributor"] == "c-0001" and ev.payload["digest"].startswith("pbkdf2-sha256:")
    assert ev.payload["code_digest"] == cards.code_digest(issued.code) and ev.payload["reason"] == "first"
    assert issued.code not in repr(issued)
    proof = cards.verify(project.store, issued.code.lower())
    assert proof.contributor == "c-0001" and proof.card_id == issued.card.card_id
    assert issued.code not in repr(proof)


def test_reissue_revokes_the_old_card_in_the_same_act_and_needs_a_witness(project):
    first = cards.issue(project.store, "c-0002")
    with pytest.raises(WorkbenchError) as exc:
        cards.issue(project.store, "c-0002")
    assert exc.value.key == "consent.card.reissue_needs_witness"
    before = project.store.count()
    second = cards.issue(project.store, "c-0002", witness="f-ana", reason="lost at the market")
    new = project.store.events(after=before)
    assert [e.kind for e in new] == [cards.REVOKED, cards.ISSUED]
    assert new[0].payload["card_id"] == first.card.card_id and new[0].payload["witness"] == "f-ana"
    assert new[1].payload["replaces"] == first.card.card_id and new[1].payload["reason"] == "lost at the market"
    assert cards.verify(project.store, first.code) is None
    assert cards.verify(project.store, second.code).card_id == second.card.card_id
    reg = cards.CardRegister.load(project.store)
    assert reg.live("c-0002").card_id == second.card.card_id and reg.cards[first.card.card_id].revoked
    cards.revoke(project.store, "c-0002", witness="f-ana", reason="moved away")
    assert cards.verify(project.store, second.code) is None and cards.CardRegister.load(project.store).holders == []
    with pytest.raises(WorkbenchError, match="no card"):
        cards.revoke(project.store, "c-0002")


def test_without_a_revoke_event_only_the_newest_card_is_live():
    a = ("card.issued", {"contributor": "c-1", "card_id": "a", "code_digest": "da"}, "2026-01-01T00:00:00+00:00")
    b = ("card.issued", {"contributor": "c-1", "card_id": "b", "code_digest": "db"}, "2026-01-02T00:00:00+00:00")
    reg = cards.CardRegister.from_events(fake_events([a, b]))
    assert reg.by_digest("da") is None and reg.by_digest("db").card_id == "b" and reg.live("c-1").card_id == "b"


def test_issue_all_gives_cards_only_to_those_without_one(project):
    cards.issue(project.store, "c-1")
    issued = cards.issue_all(project.store, ["c-1", "c-2", "c-3", "c-2"])
    assert [i.card.contributor for i in issued] == ["c-2", "c-3"]
    assert cards.issue_all(project.store, ["c-1", "c-2", "c-3"]) == []
    with pytest.raises(WorkbenchError):
        cards.issue_all(project.store, ["c 4"])


def test_witness_and_reason_are_checked_free_text(project):
    cards.issue(project.store, "c-1")
    with pytest.raises(WorkbenchError) as exc:
        cards.issue(project.store, "c-1", witness="f-ana\u202e")
    assert exc.value.key == "error.control_char"


def test_old_ledger_events_without_proof_fields_still_fold():
    version, scope_ev = published_version()
    old = ("consent.granted", {"contributor": "c-1", "scope_hash": version.hash, "scope_version": 1,
                               "choices": {"train": True}, "method": "app", "at": "2026-01-01T00:00:00+00:00",
                               "expires": None, "receipt_id": "r1"}, "2026-01-01T00:00:00+00:00")
    led = L.ConsentLedger.from_events(fake_events([scope_ev, old]))
    assert led.permits("c-1", "train", "2026-02-01") and led.receipts[0].proof == ""


# -- the sheet and the CLI ------------------------------------------------------------------------
def test_cli_prints_a_sheet_of_cards_for_the_contributors_in_the_data(tmp_path):
    from workbench.curation import importer

    with new_project(tmp_path) as p:
        csv = tmp_path / "messages.csv"
        csv.write_text("contributor_id,text\nc-0001,oi\nc-0002,olá\nc-0001,tchau\n,sem dono\n", encoding="utf-8")
        importer.add_file(p, csv, importer.ColumnMapping("contributor_id", text="text"))
    out = tmp_path / "cards.html"
    code, stdout, err = run_cli(["consent", "cards", str(tmp_path / "p"), "--language", "es", "--out", str(out),
                                 "--server", "http://192.168.1.10:8866"])
    assert code == 0, err
    assert "Issued 2 contributor card(s)" in stdout and "secret" in stdout
    html = out.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert '<meta name="viewport"' in html and "@page { size: A4" in html and 'lang="es"' in html
    assert "Tarjeta de consentimiento" in html and "Test co-op" in html and html.count("<svg") == 2
    found = re.findall(r'<p class="wb-code">([0-9A-Z-]{14})</p>', html)
    assert len(found) == 2
    # where anyone can raise a concern, no code needed (issue 20)
    assert html.count("Sin código: http://192.168.1.10:8866/voila/render/concern.ipynb?lang=es") == 2
    with _open(tmp_path / "p") as p:
        assert sorted(cards.verify(p.store, c).contributor for c in found) == ["c-0001", "c-0002"]
        assert not any(c in str([e.payload for e in p.store.events()]) for c in found)
    # again: everyone has a card, nothing is written
    code, stdout, err = run_cli(["consent", "cards", str(tmp_path / "p")])
    assert code == 0 and "already has a card" in stdout
    # a lost card: reissued only with a witness; the old code stops working
    code, _out, err = run_cli(["consent", "cards", str(tmp_path / "p"), "--reissue", "c-0001"])
    assert code == 2 and "--witness" in err
    out2 = tmp_path / "again.html"
    code, stdout, err = run_cli(["consent", "cards", str(tmp_path / "p"), "--reissue", "c-0001", "--witness",
                                 "f-ana", "--out", str(out2)])
    assert code == 0, err
    new_code = re.findall(r'<p class="wb-code">([0-9A-Z-]{14})</p>', out2.read_text(encoding="utf-8"))[0]
    with _open(tmp_path / "p") as p:
        assert cards.verify(p.store, new_code).contributor == "c-0001"
        assert sum(cards.verify(p.store, c) is not None for c in found) == 1  # c-0001's old card is dead


def test_cli_cards_for_an_explicit_list_default_to_the_private_folder(tmp_path):
    new_project(tmp_path).close()
    code, stdout, err = run_cli(["consent", "cards", str(tmp_path / "p"), "--contributors", "c-9,c-8"])
    assert code == 0, err
    sheets = list((tmp_path / "p" / ".workbench" / "cards").glob("cards-pt-BR-*.html"))
    assert len(sheets) == 1 and sheets[0].read_text(encoding="utf-8").count('class="wb-card"') == 2
    code, _out, err = run_cli(["consent", "cards", str(tmp_path / "p"), "--contributors", "c 9"])
    assert code == 2 and "contributor code" in err


def _open(path):
    import workbench

    return workbench.open(path)
