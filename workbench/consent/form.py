"""The plain-language consent form and receipts, from the scope, in the contributor's language.

:class:`ConsentForm` holds what the form says (texts from the message catalogs, the community's own
words from the scope) and the steps of the phone app, one decision per screen. Documents are rendered
from the Jinja2 templates in ``templates/``; the HTML ones autoescape, so the community's free texts
stay text. A field the templates ask for but nobody filled shows a visible placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..i18n import Translator, format_datetime
from . import _time
from .ledger import Receipt
from .scope import ALWAYS, CHOOSES, Scope, ScopeHistory, ScopeVersion
from .uses import LABELS, USES

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _env(autoescape: bool):
    import jinja2

    class Visible(jinja2.Undefined):
        """An unknown field reads as a visible placeholder instead of vanishing."""

        def __str__(self):
            return f"[{self._undefined_name}?]"

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=autoescape,
                              undefined=Visible, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class Step:
    """One screen of the phone form: ``kind`` is intro / holder / use / never / conditions / labels / withdraw / review."""

    kind: str
    use: str | None = None


class ConsentForm:
    """The form for one scope version in one language."""

    def __init__(self, version: ScopeVersion | Scope, language: str = "en", project_name: str = ""):
        if isinstance(version, Scope):
            self.scope, self.version, self.hash = version, None, version.content_hash
        else:
            self.scope, self.version, self.hash = version.scope, version.version, version.hash
        self.tr = Translator(language)
        self.language = self.tr.language
        self.project_name = project_name

    # -- content -----------------------------------------------------------------
    def use_text(self, key: str) -> dict:
        tr, u = self.tr, USES[key]
        choice = self.scope.uses[key]
        note = {ALWAYS: "consent.form.always_note", CHOOSES: "consent.form.choose_note"}.get(choice)
        return {"key": key, "choice": choice, "title": tr(u.title_key), "explain": tr(u.explain_key),
                "note": tr(note) if note else ""}

    def uses(self) -> list[dict]:
        return [self.use_text(k) for k in self.scope.offered()]

    def never(self) -> list[dict]:
        return [self.use_text(k) for k in self.scope.never()]

    def conditions(self) -> list[str]:
        tr, c = self.tr, self.scope.conditions
        out = [tr("consent.cond.expiry", months=c.expiry_months) if c.expiry_months else tr("consent.cond.no_expiry"),
               tr("consent.cond.stays_on_machine" if c.stays_on_machine else "consent.cond.may_leave")]
        if c.collaboration_required:
            out.append(tr("consent.cond.collaboration"))
        if c.derived_data_returned:
            out.append(tr("consent.cond.returned"))
        if c.benefit_sharing:
            out.append(tr("consent.cond.benefit", text=c.benefit_sharing))
        if c.new_use_approver:
            out.append(tr("consent.cond.approver", who=c.new_use_approver))
        return out

    def labels(self) -> list[dict]:
        tr = self.tr
        return [{"key": k, "name": tr(LABELS[k].name_key), "code": LABELS[k].code, "kind": LABELS[k].kind,
                 "explain": tr(LABELS[k].explain_key)} for k in self.scope.labels]

    def steps(self) -> list[Step]:
        """The phone app's screens, one decision (or one thing to read) per screen."""
        steps = [Step("holder")]
        steps += [Step("use", k) for k in self.scope.offered()]
        if self.scope.never():
            steps.append(Step("never"))
        steps.append(Step("conditions"))
        if self.scope.labels:
            steps.append(Step("labels"))
        steps += [Step("withdraw"), Step("review")]
        return steps

    def answer_text(self, key: str, value: bool | None) -> str:
        if self.scope.uses[key] == ALWAYS:
            return self.tr("consent.form.answer_always")
        if value is None:
            return self.tr("consent.form.unanswered")
        return self.tr("consent.form.answer_yes" if value else "consent.form.answer_no")

    # -- documents -----------------------------------------------------------------
    def _context(self, answers: dict[str, bool] | None = None) -> dict:
        uses = self.uses()
        if answers is not None:
            for u in uses:
                u["answer"] = self.answer_text(u["key"], answers.get(u["key"]))
        return {"t": self.tr, "lang": self.language, "project_name": self.project_name or self.tr("app.name"),
                "holder": self.scope.holder, "contact": self.scope.contact, "uses": uses, "never": self.never(),
                "conditions": self.conditions(), "labels": self.labels(), "version": self.version or "-",
                "hash": self.hash, "short_hash": self.hash[:12], "answers": answers is not None}

    def markdown(self, answers: dict[str, bool] | None = None) -> str:
        return _env(False).get_template("form.md.j2").render(**self._context(answers))

    def html(self, answers: dict[str, bool] | None = None) -> str:
        return _env(True).get_template("form.html.j2").render(**self._context(answers))

    def printable_html(self) -> str:
        """The form as a page to print and fill in by hand: a tick box per use the person chooses, their
        decision, and lines for their card or code, signature, date, the witness and the paper's reference
        (what 'workbench consent import' reads back). A4 or Letter, black and white, 375 px on a phone."""
        return _env(True).get_template("form_print.html.j2").render(**self._context(None))


def _receipt_context(receipt: Receipt, language: str, project_name: str, code: str | None) -> dict:
    tr = Translator(language)
    choices = []
    for key, value in receipt.choices.items():
        if receipt.kind == "withdrawn":
            answer = tr("consent.app.status.withdrawn")
        else:
            answer = tr("consent.form.yes" if value and receipt.kind == "granted" else "consent.form.no")
        choices.append({"key": key, "value": "yes" if value else "no", "title": tr(USES[key].title_key),
                        "answer": answer})
    return {"t": tr, "lang": tr.language, "project_name": project_name or tr("app.name"), "r": receipt,
            "date": format_datetime(_time.to_datetime(receipt.at), tr.language),
            "expires": format_datetime(_time.to_datetime(receipt.expires), tr.language, with_time=False)
            if receipt.expires else "",
            "version": receipt.scope_version, "short_hash": (receipt.scope_hash or "")[:12], "choices": choices,
            "code": code if code is not None else receipt.code}


def receipt_markdown(receipt: Receipt, language: str = "en", project_name: str = "", code: str | None = None) -> str:
    """A printable summary of one decision (Markdown)."""
    return _env(False).get_template("receipt.md.j2").render(**_receipt_context(receipt, language, project_name, code))


def receipt_html(receipt: Receipt, language: str = "en", project_name: str = "", code: str | None = None) -> str:
    """A printable summary of one decision (HTML; everything escaped)."""
    return _env(True).get_template("receipt.html.j2").render(**_receipt_context(receipt, language, project_name, code))


def write_forms(project, version: int | None = None, languages: list[str] | None = None,
                folder: str | Path | None = None) -> list[Path]:
    """Write the form (Markdown and HTML) for each project language, plus the scope's JSON export.

    Files are named by version and hash (``artifacts/consent/form-v2-1a2b3c4d5e6f.pt-BR.md``), so a
    printed form can always be matched to the scope it was made from.
    """
    import json

    history = ScopeHistory.load(project.store)
    chosen = history.require_latest() if version is None else next(
        (v for v in history.versions if v.version == version), None) or history.require_latest()
    out_dir = Path(folder) if folder else project.artifacts_dir / "consent"
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"form-v{chosen.version}-{chosen.hash[:12]}"
    written = []
    for lang in languages or project.config.languages:
        form = ConsentForm(chosen, lang, project.name)
        for ext, text in (("md", form.markdown()), ("html", form.printable_html())):
            path = out_dir / f"{stem}.{lang}.{ext}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    path = out_dir / f"scope-v{chosen.version}-{chosen.hash[:12]}.json"
    path.write_text(json.dumps(chosen.export(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written


__all__ = ["ConsentForm", "Step", "receipt_html", "receipt_markdown", "write_forms"]
