"""The datasheet panel: answer the datasheet's questions, write it, and put the dataset to the community's gate."""

from __future__ import annotations

import ipywidgets as w

from ..kit import Labels, muted
from .common import ACTOR, Panel


class DatasheetPanel(Panel):
    """``ds_section``, ``ds_question``, ``ds_answer``, ``ds_save``, ``ds_write``, ``ds_status``; the gate
    ``accept_gate`` and ``accept_button``."""

    def _build_datasheet(self):
        from ...curation.datasheet import SECTIONS

        self.ds_section = self.kit.drop(list(SECTIONS), "motivation", full=True)
        self.ds_question = self.kit.drop(list(SECTIONS["motivation"]), full=True)
        self.ds_section.observe(lambda _ch: self._questions(), names="value")
        self.ds_question.observe(lambda _ch: self._load_answer(), names="value")
        self.ds_answer = self.kit.area(height="140px")
        self.ds_save = self.kit.button(style="primary")
        self.ds_save.on_click(lambda _b: self.save_answer())
        self.ds_write = self.kit.button(style="success")
        self.ds_write.on_click(lambda _b: self.write_datasheet())
        self.ds_status = self.kit.html()
        from ...decisions import subjects
        from ..decide import DecisionBox

        # Accepting the curated data with its datasheet is a gate: the community's decision on the data as it is.
        self.accept_gate = DecisionBox(self.project, self.tr, "dataset", lambda: subjects.dataset(self.project),
                                       kit=self.kit)
        self.accept_button = self.kit.button(style="success")
        self.accept_button.on_click(lambda _b: self.accept_dataset())
        lb = self.ds_labels = Labels(self.kit)
        self.datasheet_panel = w.VBox([lb.heading("curation.ds.heading", help="curation.ds.help"),
                                       lb.label("curation.ds.section"), self.ds_section,
                                       lb.label("curation.ds.question"), self.ds_question,
                                       lb.label("curation.ds.answer"), self.ds_answer,
                                       self.ds_save, self.ds_write, self.ds_status, self.accept_gate.widget,
                                       self.accept_button], layout=self.kit.full)

    def _questions(self) -> None:
        from ...curation.datasheet import SECTIONS

        self.ds_question.options = [(self.tr(f"curation.ds.q.{q}"), q) for q in SECTIONS[self.ds_section.value]]
        self._load_answer()

    def _load_answer(self) -> None:
        from ...curation.datasheet import answers

        a = answers(self.project.store).get((self.ds_section.value, self.ds_question.value))
        self.ds_answer.value = a["text"] if a else ""

    def save_answer(self):
        from ...curation.datasheet import answer

        ev = self._run(lambda: answer(self.project.store, self.ds_section.value, self.ds_question.value,
                                      self.ds_answer.value, self.language, ACTOR))
        if ev is not None:
            self._ok("curation.ds.saved")
        return ev

    def write_datasheet(self):
        from ...curation.datasheet import write

        paths = self._run(lambda: write(self.project, self.language, actor=ACTOR))
        if paths is not None:
            self._ok("curation.ds.written", path=str(paths[0].parent))
            self.ds_status.value = "".join(muted(str(p)) for p in paths)
        return paths

    def accept_dataset(self):
        from ...curation.accept import accept

        out = self._run(lambda: accept(self.project, language=self.language, actor=ACTOR))
        if out is not None:
            self._ok("curation.accept.done", hash=out["hash"][:12])
            self.accept_gate.refresh()
        return out


    def _relabel_datasheet(self, tr, ds) -> None:
        from ...curation.datasheet import SECTIONS

        self.ds_labels.relabel(tr)
        section = self.ds_section.value
        self.ds_section.options = [(tr(f"curation.ds.section.{s}"), s) for s in SECTIONS]
        self.ds_section.value = section
        question = self.ds_question.value
        self.ds_question.options = [(tr(f"curation.ds.q.{q}"), q) for q in SECTIONS[section]]
        if question in SECTIONS[section]:
            self.ds_question.value = question
        self.ds_save.description = tr("curation.ds.save")
        self.ds_write.description = tr("curation.ds.write")
        self.accept_button.description = tr("curation.accept.button")
        self.accept_gate.relabel(tr)
