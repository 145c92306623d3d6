"""Concerns and redress (issue 20): raising, proofs, triage, tracking codes, privacy, rate limit, the CLI,
and the one app a person with no code may open."""

from __future__ import annotations

import json
import re

import pytest

from workbench import concerns as C
from workbench.cli import run_cli
from workbench.consent import cards
from workbench.errors import WorkbenchError
from workbench.limits import Limiter, TooManyTries
from workbench.purpose import deliberation as D

CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")


@pytest.fixture
def secret(project):
    return C.project_secret(project)


def _raise(store, secret, about="model", text="It ignores messages in Guarani.", **kw):
    return C.raise_concern(store, about, text, secret=secret, **kw)


def _log_text(store) -> str:
    return json.dumps([e.payload for e in store.events()], ensure_ascii=False)


# -- raising and tracking codes ----------------------------------------------------------------------
def test_a_public_concern_gets_a_tracking_code_the_log_never_holds(project, secret):
    raised = _raise(project.store, secret, text="  Line one\n  line two  ", share_text=True, group="night shift",
                    stage="evaluation", language="pt-BR")
    c = raised.concern
    assert CODE_RE.match(raised.code) and len(re.sub("-", "", raised.code)) * 5 >= 60
    assert (c.about, c.channel, c.proof, c.actor, c.status) == ("model", "public", "none", "public", "received")
    assert c.text == "Line one\n  line two" and c.share_text and c.group == "night shift"
    assert (c.stage, c.language) == ("evaluation", "pt-BR")
    ev = project.store.events(kinds=["concern.raised"])[-1]
    assert set(ev.payload) == {"id", "about", "text", "share_text", "channel", "proof", "group", "stage", "decision",
                               "language", "tracking_digest"}
    raw = raised.code.replace("-", "")
    assert raw not in _log_text(project.store) and raised.code not in _log_text(project.store)
    # the digest is keyed by the project: the same code under another key finds nothing
    assert C.status_for_code(project.store, raised.code, secret=secret)["status"] == "received"
    assert C.status_for_code(project.store, raised.code, secret=b"another project") is None
    # typed the way people type it: lower case, spaces, O for 0
    typed = " ".join(raised.code.lower().replace("-", " ").split()).replace("0", "o")
    assert C.status_for_code(project.store, typed, secret=secret)["id"] == c.id
    assert C.status_for_code(project.store, "not a code", secret=secret) is None


def test_tracking_codes_are_random_and_distinct(project, secret):
    codes = {_raise(project.store, secret, text=f"concern {i}").code for i in range(20)}
    assert len(codes) == 20


@pytest.mark.parametrize(("kwargs", "key"), [
    ({"text": ""}, "concerns.error.empty"),
    ({"text": "  \n\t "}, "concerns.error.empty"),
    ({"text": "hidden \u202e reversed"}, "error.control_char"),
    ({"text": "x" * 1001}, "error.text_too_long"),
    ({"about": "weather"}, "concerns.error.about"),
    ({"stage": "lunch"}, "concerns.error.stage"),
    ({"decision": "d-0000"}, "concerns.error.unknown_decision"),
])
def test_bad_concerns_are_refused_and_nothing_is_saved(project, secret, kwargs, key):
    before = project.store.count()
    with pytest.raises(WorkbenchError) as err:
        _raise(project.store, secret, **kwargs)
    assert err.value.key == key
    assert project.store.count() == before


def test_a_concern_may_name_a_decision_that_is_in_the_log(project, secret):
    project.store.append("decision.proposed", {"id": "d-ab12", "gate": "adopt", "subject": {"hash": "h", "label": "m"},
                                               "title": "Adopt", "explain": "", "rule": "majority",
                                               "quorum_needed": 1, "open_to_phones": False}, "facilitator")
    assert _raise(project.store, secret, decision="d-ab12").concern.decision == "d-ab12"
    assert _raise(project.store, secret, text="x" * 1000).concern.text == "x" * 1000


# -- proofs --------------------------------------------------------------------------------------------
def test_a_participant_code_and_a_contributor_card_are_recorded_as_proof(project, secret):
    code = D.join(project.store, "en")
    by_participant = _raise(project.store, secret, code=code.upper().replace("-", " ")).concern
    assert (by_participant.channel, by_participant.proof, by_participant.actor) == ("participant", "participant_code",
                                                                                  code)
    card = cards.issue(project.store, "c-0042")
    by_contributor = _raise(project.store, secret, about="data", code=card.code.lower()).concern
    assert (by_contributor.channel, by_contributor.proof, by_contributor.actor) == ("contributor", "card", "c-0042")
    by_desk = _raise(project.store, secret, by_facilitator=True).concern
    assert (by_desk.channel, by_desk.proof, by_desk.actor) == ("facilitator", "facilitator", "facilitator")


def test_a_wrong_code_is_a_sentence_and_nothing_is_saved(project, secret):
    card = cards.issue(project.store, "c-0042")
    cards.revoke(project.store, "c-0042")
    raised = _raise(project.store, secret)
    before = project.store.count()
    for typed in ("rio-coral-lua-1234", card.code, "ZZZZ-ZZZZ-ZZZZ", "hello"):
        with pytest.raises(WorkbenchError) as err:
            _raise(project.store, secret, code=typed)
        assert err.value.key == "concerns.error.code_unknown", typed
    with pytest.raises(WorkbenchError) as err:
        _raise(project.store, secret, code=raised.code)
    assert err.value.key == "concerns.error.tracking_code_given"
    assert project.store.count() == before


def test_wrong_codes_count_in_the_shared_limiter(project, secret, tmp_path):
    limiter = Limiter(None, path=tmp_path / "limits.db")
    keys = ["addr:10.0.0.9"]
    for _ in range(10):
        with pytest.raises(WorkbenchError):
            _raise(project.store, secret, code="rio-coral-lua-1234", keys=keys, limiter=limiter)
    with pytest.raises(TooManyTries):
        _raise(project.store, secret, code="rio-coral-lua-1234", keys=keys, limiter=limiter)


# -- rate limit ------------------------------------------------------------------------------------------
def test_concerns_without_a_code_are_limited_per_key(project, secret, tmp_path):
    now = [1_000_000.0]
    limiter = Limiter(None, path=tmp_path / "limits.db", clock=lambda: now[0])
    keys = ["addr:10.0.0.7", "kernel:k1"]
    for i in range(5):
        _raise(project.store, secret, text=f"public {i}", keys=keys, limiter=limiter)
    before = project.store.count()
    with pytest.raises(TooManyTries) as err:
        _raise(project.store, secret, text="one too many", keys=keys, limiter=limiter)
    assert err.value.key == "concerns.error.too_many" and err.value.params["minutes"] >= 1
    assert project.store.count() == before
    # a new page from the same address is still the same address
    with pytest.raises(TooManyTries):
        _raise(project.store, secret, text="new page", keys=["addr:10.0.0.7", "kernel:k2"], limiter=limiter)
    # someone who shows their participant code is not a "no-code" submission
    code = D.join(project.store, "en")
    assert _raise(project.store, secret, code=code, keys=keys, limiter=limiter).concern.channel == "participant"
    now[0] += 3601
    assert _raise(project.store, secret, text="an hour later", keys=keys, limiter=limiter).concern.channel == "public"


# -- triage -----------------------------------------------------------------------------------------------
def test_triage_follows_received_acknowledged_then_resolved_or_upheld(project, secret):
    a = _raise(project.store, secret).concern
    assert C.triage(project.store, a.id, "acknowledged").status == "acknowledged"
    done = C.triage(project.store, a.id, "resolved", "We added Guarani messages.", actor="f-ana")
    assert (done.status, done.response, done.decided_by) == ("resolved", "We added Guarani messages.", "f-ana")
    assert [s["status"] for s in done.history] == ["acknowledged", "resolved"]
    b = _raise(project.store, secret).concern
    assert C.triage(project.store, b.id, "upheld", "The model is wrong here.").status == "upheld"
    ev = project.store.events(kinds=["concern.triaged"])[-1]
    assert ev.payload == {"id": b.id, "status": "upheld", "response": "The model is wrong here.",
                          "decided_by": "facilitator"}


@pytest.mark.parametrize(("steps", "bad", "key"), [
    ([], ("resolved", ""), "concerns.error.response_needed"),
    ([], ("upheld", "   "), "concerns.error.response_needed"),
    ([], ("received", ""), "concerns.error.triage_status"),
    ([("acknowledged", "")], ("acknowledged", ""), "concerns.error.transition"),
    ([("resolved", "done")], ("upheld", "now upheld"), "concerns.error.transition"),
    ([("upheld", "yes")], ("acknowledged", ""), "concerns.error.transition"),
    ([], ("resolved", "bad \x1b[2J"), "error.control_char"),
])
def test_triage_refusals(project, secret, steps, bad, key):
    c = _raise(project.store, secret).concern
    for status, response in steps:
        C.triage(project.store, c.id, status, response)
    before = project.store.count()
    with pytest.raises(WorkbenchError) as err:
        C.triage(project.store, c.id, *bad)
    assert err.value.key == key
    assert project.store.count() == before


def test_triage_of_an_unknown_concern_is_refused(project):
    with pytest.raises(WorkbenchError) as err:
        C.triage(project.store, "cn-nope", "acknowledged")
    assert err.value.key == "concerns.error.unknown"


def test_the_fold_skips_a_triage_out_of_order(project, secret):
    """Two facilitators at once: the log may hold a step the order forbids; state keeps the first valid one."""
    c = _raise(project.store, secret).concern
    project.store.append("concern.triaged", {"id": c.id, "status": "resolved", "response": "first",
                                             "decided_by": "f-a"}, "f-a")
    project.store.append("concern.triaged", {"id": c.id, "status": "upheld", "response": "second",
                                             "decided_by": "f-b"}, "f-b")
    now = C.Concerns.load(project.store).get(c.id)
    assert (now.status, now.response, now.decided_by) == ("resolved", "first", "f-a")


# -- what others see ---------------------------------------------------------------------------------------
def test_status_lookup_shows_status_and_response_never_text(project, secret):
    mine = _raise(project.store, secret, text="my private words about the data", about="data")
    other = _raise(project.store, secret, text="someone else's words", share_text=True)
    C.triage(project.store, other.concern.id, "resolved", "answered")
    seen = C.status_for_code(project.store, mine.code, secret=secret)
    assert seen["status"] == "received" and seen["response"] == "" and seen["about"] == "data"
    assert "words" not in json.dumps(seen)
    C.triage(project.store, mine.concern.id, "resolved", "We checked the rows you named.")
    seen = C.status_for_code(project.store, mine.code, secret=secret)
    assert (seen["status"], seen["response"]) == ("resolved", "We checked the rows you named.")
    assert "words" not in json.dumps(seen)


def test_summary_counts_and_shows_only_shared_words(project, secret):
    private = _raise(project.store, secret, text="PRIVATE-secret-words", about="process").concern
    shared = _raise(project.store, secret, text="shared words, please read", about="datawork",
                    share_text=True).concern
    _raise(project.store, secret, about="model")
    C.triage(project.store, private.id, "upheld", "We change how we meet.")
    C.triage(project.store, shared.id, "acknowledged")
    s = C.summary(project.store)
    assert s["total"] == 3
    assert s["by_status"] == {"received": 1, "acknowledged": 1, "resolved": 0, "upheld": 1}
    assert s["by_about"] == {"data": 0, "model": 1, "process": 1, "datawork": 1}
    assert [r["response"] for r in s["responses"]] == ["We change how we meet."]
    assert [x["text"] for x in s["shared"]] == ["shared words, please read"]
    assert "PRIVATE-secret-words" not in json.dumps(s)


def test_under_review_reasons_are_upheld_model_concerns_after_a_seq(project, secret):
    early = _raise(project.store, secret, text="early").concern
    C.triage(project.store, early.id, "upheld", "old")
    since = project.store.head()[0]
    data = _raise(project.store, secret, about="data").concern
    C.triage(project.store, data.id, "upheld", "data, not model")
    model = _raise(project.store, secret, text="private model words").concern
    resolved = _raise(project.store, secret).concern
    C.triage(project.store, resolved.id, "resolved", "not a problem")
    assert C.under_review_reasons(project.store, since) == []
    C.triage(project.store, model.id, "acknowledged")
    assert C.under_review_reasons(project.store, since) == []
    C.triage(project.store, model.id, "upheld", "It fails on Guarani.")
    reasons = C.under_review_reasons(project.store, since)
    assert [(r["id"], r["response"], r["text"]) for r in reasons] == [(model.id, "It fails on Guarani.", None)]
    assert [r["id"] for r in C.under_review_reasons(project.store, 0)] == [early.id, model.id]
    assert C.under_review_reasons(project.store, project.store.head()[0]) == []


def test_the_link_and_its_qr_code():
    assert C.concern_link("http://10.0.0.2:8866/", "pt-BR") == "http://10.0.0.2:8866/voila/render/concern.ipynb?lang=pt-BR"
    assert C.concern_link("https://hub.example/user/x/", "es").endswith("/user/x/voila/render/concern.ipynb?lang=es")
    one, two = C.qr_svg("http://a.example/x"), C.qr_svg("http://b.example/y")
    assert one.startswith("<svg") and "<path" in one and one != two
    assert "http" not in one  # the image, not a link that would fetch anything


# -- the CLI ----------------------------------------------------------------------------------------------------
def test_cli_raise_list_show_triage(sqlite_project):
    root = str(sqlite_project.root)
    code, out, err = run_cli(["concern", "raise", root, "--about", "model", "--text", "On paper: <b>unfair</b>",
                              "--share", "--stage", "evaluation"])
    assert code == 0, err
    tracking = re.search(r"Tracking code: (\S+)", out).group(1)
    assert CODE_RE.match(tracking)
    cid = re.search(r"Recorded (cn-[0-9a-f]+)", out).group(1)
    secret = C.project_secret(sqlite_project)
    assert C.status_for_code(sqlite_project.store, tracking, secret=secret)["id"] == cid
    c = C.Concerns.load(sqlite_project.store).get(cid)
    assert (c.channel, c.proof, c.share_text, c.stage) == ("facilitator", "facilitator", True, "evaluation")
    code, out, _ = run_cli(["concern", "list", root])
    assert code == 0 and cid in out and "received" in out and "1 concern(s)." in out
    assert run_cli(["concern", "list", root, "--status", "upheld"])[1].strip() == "0 concern(s)."
    code, out, _ = run_cli(["concern", "show", root, cid])
    assert code == 0 and "On paper: <b>unfair</b>" in out and "shared publicly" in out
    code, out, err = run_cli(["concern", "triage", root, cid, "--status", "upheld"])
    assert code == 2 and err.count("\n") == 1 and "needs a response" in err
    code, out, _ = run_cli(["concern", "triage", root, cid, "--status", "upheld", "--response", "We retrain."])
    assert code == 0 and f"{cid} is now upheld." in out
    assert "upheld by facilitator: We retrain." in run_cli(["concern", "show", root, cid])[1]


def test_cli_errors_are_one_line_and_terminal_safe(sqlite_project):
    root = str(sqlite_project.root)
    code, out, err = run_cli(["concern", "raise", root, "--about", "data", "--text", "clear \x1b[2J screen"])
    assert code == 2 and "\x1b" not in err and err.count("\n") == 1 and "U+001B" in err
    code, _, err = run_cli(["concern", "show", root, "cn-\x1b[31mred"])
    assert code == 2 and "\x1b" not in err and err.count("\n") == 1
    code, _, err = run_cli(["concern", "raise", root, "--about", "data", "--text", ""])
    assert code == 2 and "empty" in err
    assert run_cli(["concern", "triage", root, "cn-x", "--status", "received"])[0] == 2
    # what was stored hostile before is shown without its controls
    sqlite_project.store.append("concern.raised", {"id": "cn-old", "about": "data", "text": "old \x1b]0;owned\x07 text",
                                                   "share_text": False, "channel": "public", "proof": "none",
                                                   "group": None, "stage": None, "decision": None, "language": "en",
                                                   "tracking_digest": "x"}, "public")
    code, out, _ = run_cli(["concern", "show", root, "cn-old"])
    assert code == 0 and "\x1b" not in out and "\x07" not in out


# -- who may open the concern app --------------------------------------------------------------------------
class _Connection:
    """What tornado's RequestHandler needs of a connection to be built outside a server."""

    def set_close_callback(self, _cb):
        return None


def _handler(path: str, cookie: str = ""):
    from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
    from tornado.web import Application, RequestHandler

    app = Application(cookie_secret="s" * 32, base_url="/")
    headers = HTTPHeaders({"Host": "127.0.0.1:8866", **({"Cookie": cookie} if cookie else {})})
    request = HTTPServerRequest(start_line=RequestStartLine("GET", path, "HTTP/1.1"), headers=headers,
                                connection=_Connection())
    request.remote_ip = "10.0.0.5"
    return RequestHandler(app, request)


def _cookie_from(handler) -> str:
    from http.cookies import SimpleCookie

    jar = SimpleCookie()
    for value in handler._new_cookie.values():
        jar.load(value.OutputString())
    return "; ".join(f"{k}={m.coded_value}" for k, m in jar.items())


def test_only_the_concern_app_opens_without_a_code():
    from workbench import apps
    from workbench.serve.auth import PUBLIC, WorkshopIdentityProvider, required_role

    idp = WorkshopIdentityProvider()
    assert required_role("/voila/render/concern.ipynb") == PUBLIC
    assert [a.key for a in apps.APPS if PUBLIC in a.roles] == ["concern"]
    assert required_role("/voila/render/concerns_triage.ipynb") == apps.FACILITATOR
    for nb in ("welcome", "purpose", "consent", "concerns_triage", "room"):
        assert idp.get_user(_handler(f"/voila/render/{nb}.ipynb")) is None, nb
    first = _handler("/voila/render/concern.ipynb?lang=es")
    user = idp.get_user(first)
    assert user is not None and user.name == PUBLIC
    assert first.request.headers["X-Workbench-Role"] == PUBLIC and first.request.headers["X-Workbench-Session"]
    cookie = _cookie_from(first)
    assert "workbench-access=" in cookie and "_xsrf=" in cookie
    # the public cookie opens the concern app again (same session), and nothing else
    again = _handler("/voila/render/concern.ipynb", cookie)
    assert idp.get_user(again).name == PUBLIC
    assert again.request.headers["X-Workbench-Session"] == first.request.headers["X-Workbench-Session"]
    for path in ("/voila/render/welcome.ipynb", "/voila/render/consent.ipynb", "/voila/render/purpose.ipynb",
                 "/voila/render/concerns_triage.ipynb", "/voila/tree", "/api/kernels", "/voila/static/x.js"):
        assert idp.get_user(_handler(path, cookie)) is None, path


def test_a_public_cookie_reaches_only_its_own_pages_kernel():
    from tornado.web import HTTPError

    from workbench.serve.auth import WorkshopIdentityProvider

    idp = WorkshopIdentityProvider()
    first = _handler("/voila/render/concern.ipynb")
    idp.get_user(first)
    cookie, sid = _cookie_from(first), first.request.headers["X-Workbench-Session"]

    class Kernels:
        kernel_owners = {"k-mine": ("public", sid), "k-part": ("participant", sid), "k-other": ("public", "zz")}

    def get(path, with_cookie=cookie):
        h = _handler(path, with_cookie)
        h.settings["kernel_manager"] = Kernels()
        try:
            return idp.get_user(h)
        except HTTPError as exc:
            return exc.status_code

    assert get("/api/kernels/k-mine/channels").name == "public"
    assert get("/api/kernels/k-other/channels") == 404
    assert get("/api/kernels/k-part/channels") == 404  # a participant's kernel needs a participant's cookie
    assert get("/api/kernels/k-nobody") == 404
    assert get("/api/kernels/k-mine/channels", with_cookie="") is None  # no cookie: refused before any kernel
