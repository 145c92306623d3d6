"""No traceback, install path or file name from an app kernel reaches the browser (issue 19).

A real kernel (jupyter_client, no browser) runs a tiny app the way Voila does (``VOILA_KERNEL_ID`` set,
``open_app_project``), and a hostile page drives it with raw ``comm_msg`` messages: a click whose callback
raises, a bad value for an integer trait, an observer that raises, a comm id that does not exist, an
unknown method. Every IOPub message the page could receive is collected: none holds a traceback, a
``site-packages`` path, the project's path or a ``.py`` file name. The person's view shows one sentence in
their language with an error id, and ``.workbench/errors.log`` holds that id with the traceback.
"""

from __future__ import annotations

import json
import os
import re
import time
from html import escape as html_escape
from pathlib import Path

import pytest

from workbench.i18n import Translator

from ..consent_support import new_project

APP = r'''
import warnings
import ipywidgets as w
from IPython.display import display
from workbench.ui._base import View
from workbench.ui.context import open_app_project

project, ctx = open_app_project("purpose")


class Tiny(View):
    def __init__(self):
        super().__init__("pt-BR")
        self.status = w.HTML()
        self.button = w.Button(description="go")
        self.button.on_click(self._boom)
        self.number = w.IntText()
        self.word = w.Text()
        self.word.observe(self._observer, names="value")
        self.widget.children = [self.status, self.button, self.number, self.word]

    def _boom(self, _b):
        warnings.warn("a warning from " + __file__ if "__file__" in globals() else "a warning")
        open(str(project.root) + "/no/such/file.csv")  # FileNotFoundError naming a path

    def _observer(self, change):
        raise RuntimeError("observer failed in " + w.__file__)

    def render(self):
        pass


view = Tiny()
display(view)
print("IDS", view.button.comm.comm_id, view.number.comm.comm_id, view.word.comm.comm_id, view.status.comm.comm_id)
'''

FORBIDDEN = re.compile(r"Traceback|site-packages|\.py\b|File \"|/no/such/|Error:|Exception in", re.I)


@pytest.fixture
def kernel(tmp_path):
    from jupyter_client.manager import KernelManager

    project = new_project(tmp_path)
    root = str(project.root)
    project.close()
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}  # ipykernel watches fd 2 then
    env.update(WORKBENCH_PROJECT=root, VOILA_KERNEL_ID="test-kernel-hardening", VOILA_PREHEAT="False",
               HTTP_X_WORKBENCH_ROLE="participant", QUERY_STRING="lang=pt-BR")
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=root)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        yield kc, Path(root)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _until_idle(kc, msg_id, timeout=120.0) -> list[dict]:
    out, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=timeout)
        out.append(msg)
        if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                and msg["parent_header"].get("msg_id") == msg_id):
            return out
    raise TimeoutError("the kernel did not finish")


def _collect(kc, seconds: float) -> list[dict]:
    out, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            out.append(kc.get_iopub_msg(timeout=0.5))
        except Exception:
            continue
    return out


def _send(kc, comm_id: str, data: dict) -> None:
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))


def test_no_traceback_reaches_the_page_and_the_log_has_it(kernel):
    kc, root = kernel
    setup = _until_idle(kc, kc.execute(APP))
    printed = "".join(m["content"].get("text", "") for m in setup if m["msg_type"] == "stream")
    assert "IDS" in printed, f"the app did not start: {[m['content'] for m in setup][-5:]}"
    button, number, word, status = printed.split("IDS", 1)[1].split()[:4]

    _send(kc, button, {"method": "custom", "content": {"event": "click"}})
    _send(kc, number, {"method": "update", "state": {"value": "not a number"}, "buffer_paths": []})
    _send(kc, word, {"method": "update", "state": {"value": "x"}, "buffer_paths": []})
    _send(kc, "/etc/passwd-no-such-comm", {"method": "update", "state": {}})
    _send(kc, number, {"method": "no-such-method"})
    _send(kc, number, {"method": "update", "state": {"layout": "IPY_MODEL_nope"}, "buffer_paths": []})
    # Until the view has said so for the click, the observer and the bad value (a loaded machine is slow),
    # then a little longer for anything else the kernel would send.
    seen, deadline = [], time.monotonic() + 90
    while time.monotonic() < deadline and sum(
            "(erro " in json.dumps(m["content"], ensure_ascii=False) for m in seen if m["msg_type"] == "comm_msg") < 3:
        seen += _collect(kc, 1.0)
    seen += _collect(kc, 3.0)

    for msg in setup + seen:
        text = json.dumps(msg["content"], ensure_ascii=False)
        assert msg["msg_type"] not in ("error", "stream") or "IDS" in text, f"{msg['msg_type']} reached the page: {text[:300]}"
        assert not FORBIDDEN.search(text.replace("IDS", "")) or msg["msg_type"] == "execute_input", text[:400]
        assert str(root) not in text, text[:400]

    shown = [m["content"]["data"]["state"]["value"] for m in seen
             if m["msg_type"] == "comm_msg" and m["content"].get("comm_id") == status
             and "value" in (m["content"]["data"].get("state") or {})]
    assert shown, "the view did not say that something went wrong"
    sentence = Translator("pt-BR")("error.unexpected", id="XXXXXX").split("XXXXXX")[0]
    assert any(sentence in s for s in shown), shown
    ids = {i for s in shown for i in re.findall(r"\(erro ([2-9A-Z]{6})\)", s)}
    assert ids, shown

    log = (root / ".workbench" / "errors.log").read_text(encoding="utf-8")
    assert all(f"error {i} " in log for i in ids), log[:2000]
    assert "Traceback" in log and "FileNotFoundError" in log and "observer failed" in log
    assert "app=purpose" in log
    assert "No such comm" in log  # the comm manager's log went to the file, not to stderr


def test_a_failing_app_cell_shows_one_sentence_not_a_traceback(kernel):
    kc, root = kernel
    first = _until_idle(kc, kc.execute(
        "from workbench.ui.context import open_app_project\n"
        "project, ctx = open_app_project('welcome')\n"
        "import workbench\n"
        "raise RuntimeError('broken at ' + workbench.__file__)\n"))
    thread = _until_idle(kc, kc.execute(
        "import threading, time\n"
        "t = threading.Thread(target=lambda: open('/no/such/thread/file'))\n"
        "t.start(); t.join(); time.sleep(0.5)\n"))
    second = _until_idle(kc, kc.execute(
        "from workbench.errors import WorkbenchError\n"
        "raise WorkbenchError('This app does not know which project to open.', key='error.no_project')\n"))
    for msg in first + thread + second + _collect(kc, 2.0):
        if msg["msg_type"] == "execute_input":
            continue
        text = json.dumps(msg["content"], ensure_ascii=False)
        assert msg["msg_type"] not in ("error", "stream"), text[:300]
        assert not FORBIDDEN.search(text) and str(root) not in text, text[:400]
    shown = [m["content"]["data"]["text/html"] for m in first + second if m["msg_type"] == "display_data"]
    tr = Translator("pt-BR")  # the page's ?lang=
    assert len(shown) == 2 and tr("error.unexpected", id="X").split("X")[0] in shown[0], shown
    assert html_escape(tr("error.no_project")) in shown[1], shown
    error_id = re.search(r"\(erro ([2-9A-Z]{6})\)", shown[0]).group(1)
    log = (root / ".workbench" / "errors.log").read_text(encoding="utf-8")
    assert f"error {error_id} app=welcome" in log and "broken at" in log and "/no/such/thread/file" in log


# -- the handler without a kernel: what it logs and what the view says ----------------------------------------
class FakeShell:
    def showtraceback(self, *a, **k):  # pragma: no cover - replaced
        raise AssertionError("the shell's own showtraceback ran")

    def showsyntaxerror(self, *a, **k):  # pragma: no cover - replaced
        raise AssertionError("the shell's own showsyntaxerror ran")


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    import logging
    import threading

    from workbench.ui import guard

    saved, hook = dict(guard._state), threading.excepthook
    loggers = {n: (list(logging.getLogger(n).handlers), logging.getLogger(n).propagate) for n in guard.QUIET_LOGGERS}
    monkeypatch.setitem(guard._state, "installed", False)
    monkeypatch.setitem(guard._state, "views", [])
    shell = FakeShell()
    assert guard.install(tmp_path, "charter", shell=shell)
    yield guard, shell, tmp_path / ".workbench" / "errors.log"
    guard._state.update(saved)
    threading.excepthook = hook
    logging.captureWarnings(False)
    for n, (handlers, propagate) in loggers.items():
        logging.getLogger(n).handlers[:] = handlers
        logging.getLogger(n).propagate = propagate


def test_an_unexpected_error_is_logged_and_told_in_the_views_language(guarded):
    import ipywidgets as w

    from workbench.ui._base import View

    guard, shell, log = guarded

    class Plain(View):  # no message area of its own: the alert above the app says it
        def render(self):
            pass

    class WithStatus(View):
        def __init__(self):
            super().__init__("es")
            self.status = w.HTML()

        def render(self):
            pass

    plain, with_status = Plain("pt-BR"), WithStatus()
    try:
        raise KeyError("/srv/secret/path.py")
    except KeyError:
        shell.showtraceback()
    (error_id,) = re.findall(r"error ([2-9A-Z]{6}) ", log.read_text(encoding="utf-8"))
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError" in text and "app=charter" in text
    assert f"(erro {error_id})" in plain.alert.value and 'role="alert"' in plain.alert.value
    assert f"(error {error_id})" in with_status.status.value and with_status.alert.value == ""
    assert "secret" not in plain.alert.value + with_status.status.value
    assert plain._repr_mimebundle_() and plain._shown.children[1] is plain.alert


def test_warnings_and_comm_logs_go_to_the_file(guarded):
    import logging
    import warnings

    _guard, _shell, log = guarded
    logging.getLogger("Comm").warning("No such comm: %s", "x" * 10)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("careful", UserWarning, stacklevel=1)
    text = log.read_text(encoding="utf-8")
    assert "No such comm: xxxxxxxxxx" in text and "careful" in text


def test_install_outside_a_kernel_does_nothing(monkeypatch):
    from workbench.ui import guard

    monkeypatch.setitem(guard._state, "installed", False)
    assert guard.install(None, "welcome") is False and guard._state["installed"] is False


# -- free text: refused with a sentence, never stripped or cut ---------------------------------------------------
@pytest.mark.parametrize("char", ["\x00", "\u202e", "\u2066", "\u200b", "\ufeff", "\x1f", "\x85", "\ud800"])
def test_free_text_refuses_invisible_and_control_characters(char):
    from workbench.errors import WorkbenchError
    from workbench.text import check_text, free_text

    with pytest.raises(WorkbenchError) as refused:
        free_text(f"ab{char}c", "The note", 500)
    assert refused.value.key == "error.control_char" and refused.value.params["position"] == 3
    assert check_text("line\nbreak\tand tab, 👨\u200d👩 joiner") == "line\nbreak\tand tab, 👨\u200d👩 joiner"


def test_free_text_refuses_what_is_too_long_instead_of_cutting_it():
    from workbench.errors import WorkbenchError
    from workbench.text import free_text

    assert free_text("  a \n b  ", "The note", 5) == "a b"
    with pytest.raises(WorkbenchError) as refused:
        free_text("x" * 20_000, "The note", 500)
    assert refused.value.key == "error.text_too_long" and refused.value.params["max"] == 500


def test_markdown_text_is_inert():
    from markdown_it import MarkdownIt

    from workbench.text import md_text

    render = MarkdownIt("commonmark", {"html": True}).enable("table").render
    for text in ["[click](javascript:alert(1))", "![x](data:image/png;base64,AAAA)", "<script>alert(1)</script>",
                 "<javascript:alert(1)>", "[x]: vbscript:msgbox(1)", "# heading", "- item", "1. item", "---",
                 "`code`", "a | b", "&#106;avascript:alert(1)", "<img src=x onerror=alert(1)>", "x\n\n# y"]:
        line = md_text(text)
        assert "\n" not in line
        for where in (line, f"- {line}", f"| {line} |\n|---|\n| {line} |"):
            out = render(where)
            assert not re.search(r"<(a|img|script|h1|h2|code|ol|hr|table)\b", out.replace("<table>\n<thead>", "")
                                 if where.startswith("|") else out), (text, out)
    assert md_text("Invoice \u202egnp.exe") == "Invoice ⟨U+202E⟩gnp.exe"


def test_charter_markdown_and_html_neutralise_links(tmp_path):
    from workbench.purpose import charter as ch
    from workbench.purpose.render import write_charter

    from ..consent_support import new_project

    project = new_project(tmp_path)
    try:
        ch.save_draft(project.store, ch.Charter(
            title="[click](javascript:alert(1))", problem="<script>alert(1)</script>",
            community="![x](data:text/html;base64,PHNjcmlwdD4=)",
            harms=[ch.Item("Missed <b>urgent</b>", mitigation="[see](vbscript:msgbox(1))")]))
        _v, (md, page, _js) = write_charter(project)
        md_text, html_text = md.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")
        for scheme in ("javascript:", "vbscript:", "data:"):
            assert scheme not in md_text
        assert "<script" not in md_text and "<b>" not in md_text
        assert not re.search(r"<(a|img|script|b)\b", html_text)
        assert "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi>" in html_text
        assert "<bdi>[see](vbscript:msgbox(1))</bdi>" in html_text  # text, in an isolate
    finally:
        project.close()


@pytest.mark.parametrize("field", ["title", "problem", "community"])
def test_a_charter_field_with_a_nul_saves_nothing(tmp_path, field):
    from workbench.errors import WorkbenchError
    from workbench.purpose import charter as ch

    from ..consent_support import new_project

    project = new_project(tmp_path)
    try:
        before = project.store.count()
        with pytest.raises(WorkbenchError) as refused:
            ch.save_draft(project.store, ch.Charter(**{field: "clean\x00water"}))
        assert refused.value.key == "error.control_char" and project.store.count() == before
    finally:
        project.close()


def test_reasons_and_notes_refuse_a_nul(tmp_path):
    from workbench.curation import actions, datasheet, datawork, importer
    from workbench.errors import WorkbenchError
    from workbench.evaluation import choose

    from ..consent_support import new_project
    from ..curation_support import MAPPING, ROWS, frame_csv

    project = new_project(tmp_path)
    try:
        ds = importer.add(project, importer.inspect(frame_csv(ROWS), "messages.csv"), MAPPING)
        before = project.store.count()
        calls = [
            lambda: actions.exclude_rows(project.store, ds, [0], reason="dup\x00licate"),
            lambda: actions.correct_labels(project.store, ds, [0], "urgent\u202e", reason="typo"),
            lambda: datasheet.answer(project.store, "motivation", datasheet.SECTIONS["motivation"][0], "why\u200b"),
            lambda: datawork.record(project.store, "labelling", "w-07", hours=2, pay=40, currency="BRL",
                                    on="2026-03-10", note="ok\ufeff"),
            lambda: datawork.void(project.store, "x", "wrong\u2066"),
            lambda: choose.record_decision(project.store, {"run": "r", "status": "completed", "candidates": {}},
                                           None, "we\x00 decided"),
        ]
        for call in calls:
            with pytest.raises(WorkbenchError) as refused:
                call()
            assert refused.value.key == "error.control_char", refused.value.sentence
        with pytest.raises(WorkbenchError) as refused:
            datawork.record(project.store, "labelling", "w-07", hours=2, pay=40, currency="BRL", on="2026-03-10",
                            note="n" * 20_000)
        assert refused.value.key == "error.text_too_long"
        assert project.store.count() == before
    finally:
        project.close()
