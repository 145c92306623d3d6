"""The desk's charter tab: the draft's fields, lists, mitigations and criteria, saved as new versions."""

from __future__ import annotations

from ...errors import WorkbenchError
from ...purpose import charter as ch
from ...text import bdi, check_text, esc
from .common import DeskPart


class CharterTab(DeskPart):
    """``fields[name]``, ``min_consensus``, ``groups``, ``footprint``, ``list_choice``, ``item_text``, ``item_add``,
    ``item_remove_choice``, ``item_remove``, ``harm_choice``, ``mitigation``, ``mitigation_set``, the criterion
    editor ``crit_*``, ``crit_add``, ``crit_remove_choice``, ``crit_remove``, ``save``."""

    def _build_charter(self) -> None:
        self.version_info = self.kit.html()
        self.fields = {"title": self.kit.text(), "problem": self.kit.area(),
                       "community": self.kit.area()}
        self.min_consensus = self.kit.float(value=ch.DEFAULT_MIN_CONSENSUS, step=0.05)
        self.groups = self.kit.text()
        self.footprint = self.kit.float(value=0.0, step=0.1)
        self.preview = self.kit.html()
        self.list_choice = self.kit.drop(options=list(ch.LISTS), value="intended_uses")
        self.item_text = self.kit.text()
        self.item_add = self.kit.button()
        self.item_add.on_click(self._on_item_add)
        self.item_remove_choice = self.kit.drop(options=[])
        self.item_remove = self.kit.button()
        self.item_remove.on_click(self._on_item_remove)
        self.harm_choice = self.kit.drop(options=[])
        self.mitigation = self.kit.text()
        self.mitigation_set = self.kit.button()
        self.mitigation_set.on_click(self._on_mitigation)
        self.crit_metric = self.kit.drop(options=list(ch.METRICS), value="recall")
        self.crit_label = self.kit.text(full=False)
        self.crit_threshold = self.kit.float(value=0.8, step=0.05)
        self.crit_direction = self.kit.drop(options=list(ch.DIRECTIONS), value=">=")
        self.crit_scope = self.kit.drop(options=list(ch.SCOPES), value="overall")
        self.crit_attribute = self.kit.text(full=False)
        self.crit_min = self.kit.int(value=ch.DEFAULT_MIN_GROUP_SIZE)
        self.crit_add = self.kit.button()
        self.crit_add.on_click(self._on_crit_add)
        self.crit_remove_choice = self.kit.drop(options=[])
        self.crit_remove = self.kit.button()
        self.crit_remove.on_click(self._on_crit_remove)
        self.save = self.kit.button(style="primary")
        self.save.on_click(self._on_save)
        self.charter_box = self.kit.vbox([
            self.version_info, *self.fields.values(), self.min_consensus, self.groups, self.footprint, self.save,
            self.preview,
            self.kit.hbox([self.list_choice, self.item_text, self.item_add]),
            self.kit.hbox([self.item_remove_choice, self.item_remove]),
            self.kit.hbox([self.harm_choice, self.mitigation, self.mitigation_set]),
            self.kit.vbox([self.crit_metric, self.crit_label, self.crit_threshold, self.crit_direction, self.crit_scope,
                    self.crit_attribute, self.crit_min, self.crit_add]),
            self.kit.hbox([self.crit_remove_choice, self.crit_remove]),
        ])

    def _form_charter(self) -> ch.Charter:
        """The open draft from the log, with the form's text fields on top."""
        _version, charter = ch.CharterHistory.load(self.store).draft()
        for name, widget in self.fields.items():
            setattr(charter, name, widget.value)
        charter.min_consensus = self.min_consensus.value
        charter.groups = [g.strip() for g in self.groups.value.split(",") if g.strip()]
        charter.footprint_kwh = self.footprint.value if self.footprint.value else None
        return charter

    def _save(self, charter: ch.Charter, change: str) -> None:
        version = ch.save_draft(self.store, charter, change, self.attributes, self.labels)
        self.render()
        self._ok(self.tr("purpose.fac.saved", version=version))

    def _on_save(self, _b) -> None:
        self._act(lambda: self._save(self._form_charter(), "edit"))

    def _on_item_add(self, _b) -> None:
        def go():
            charter = self._form_charter()
            text = " ".join(check_text(self.item_text.value).split())
            if not text:
                raise WorkbenchError("An entry cannot be empty.", key="purpose.error.empty")
            getattr(charter, self.list_choice.value).append(ch.Item(text))
            self._save(charter, f"add:{self.list_choice.value}")
            self.item_text.value = ""
        self._act(go)

    def _on_item_remove(self, _b) -> None:
        if not self.item_remove_choice.value:
            return
        name, index = self.item_remove_choice.value

        def go():
            charter = self._form_charter()
            del getattr(charter, name)[index]
            self._save(charter, f"remove:{name}")
        self._act(go)

    def _on_mitigation(self, _b) -> None:
        if self.harm_choice.value is None:
            return

        def go():
            charter = self._form_charter()
            charter.harms[self.harm_choice.value].mitigation = " ".join(
                check_text(self.mitigation.value).split())
            self._save(charter, "mitigation")
            self.mitigation.value = ""
        self._act(go)

    def _on_crit_add(self, _b) -> None:
        def go():
            charter = self._form_charter()
            crit = ch.Criterion(self.crit_metric.value, self.crit_threshold.value, self.crit_direction.value,
                                self.crit_scope.value, self.crit_label.value or None,
                                self.crit_attribute.value or None, self.crit_min.value)
            crit.validate(charter.groups, self.labels)
            charter.criteria.append(crit)
            self._save(charter, f"criterion:{crit.id}")
        self._act(go)

    def _on_crit_remove(self, _b) -> None:
        if self.crit_remove_choice.value is None:
            return

        def go():
            charter = self._form_charter()
            del charter.criteria[self.crit_remove_choice.value]
            self._save(charter, "criterion:remove")
        self._act(go)

    def _render_charter(self, fields: bool = True) -> None:
        tr = self.tr
        history = ch.CharterHistory.load(self.store)
        version, charter = history.draft()
        agreed = history.latest_agreed()
        info = tr("purpose.fac.version", version=version)
        if agreed is not None:
            info += " · " + tr("purpose.fac.last_agreed", version=agreed.version)
        self.version_info.value = f"<h2>{esc(info)}</h2>"
        for name, widget in self.fields.items():
            widget.description = tr(f"purpose.charter.field.{name}")
        self.min_consensus.description = tr("purpose.charter.field.min_consensus")
        self.groups.description = tr("purpose.charter.field.groups")
        self.groups.placeholder = ", ".join(sorted(self.attributes or []))
        self.footprint.description = tr("purpose.charter.field.footprint_kwh")
        if fields:
            for name, widget in self.fields.items():
                widget.value = getattr(charter, name)
            self.min_consensus.value = charter.min_consensus
            self.groups.value = ", ".join(charter.groups)
            self.footprint.value = charter.footprint_kwh or 0.0
        self.save.description = tr("purpose.fac.save")
        names = [(tr(f"purpose.charter.field.{n}"), n) for n in ch.LISTS]
        self.list_choice.options = names
        self.list_choice.description = tr("purpose.fac.list")
        self.item_text.description = tr("purpose.fac.new_item")
        self.item_add.description = tr("purpose.fac.add")
        self.item_remove_choice.options = [(f"{tr(f'purpose.charter.field.{n}')}: {it.text[:40]}", (n, i))
                                           for n in ch.LISTS for i, it in enumerate(getattr(charter, n))]
        self.item_remove_choice.description = tr("purpose.fac.remove")
        self.item_remove.description = tr("purpose.fac.remove")
        self.harm_choice.options = [(h.text[:50], i) for i, h in enumerate(charter.harms)]
        self.harm_choice.description = tr("purpose.charter.field.harms")
        self.mitigation.description = tr("purpose.fac.mitigation")
        self.mitigation_set.description = tr("purpose.fac.set_mitigation")
        self.crit_metric.options = [(tr(f"purpose.metric.{m}"), m) for m in ch.METRICS]
        self.crit_metric.description = tr("purpose.fac.metric")
        self.crit_label.description = tr("purpose.fac.label")
        self.crit_label.placeholder = ", ".join(sorted(self.labels or []))
        self.crit_threshold.description = tr("purpose.fac.threshold")
        self.crit_direction.options = [(tr("purpose.direction.at_least"), ">="), (tr("purpose.direction.at_most"), "<=")]
        self.crit_direction.description = tr("purpose.fac.direction")
        self.crit_scope.options = [(tr(f"purpose.scope.{s}"), s) for s in ch.SCOPES]
        self.crit_scope.description = tr("purpose.fac.scope")
        self.crit_attribute.description = tr("purpose.fac.attribute")
        self.crit_attribute.placeholder = ", ".join(charter.groups)
        self.crit_min.description = tr("purpose.fac.min_group_size")
        self.crit_add.description = tr("purpose.fac.add_criterion")
        self.crit_remove_choice.options = [(cr.sentence(tr)[:80], i) for i, cr in enumerate(charter.criteria)]
        self.crit_remove_choice.description = tr("purpose.fac.criterion")
        self.crit_remove.description = tr("purpose.fac.remove")
        self.preview.value = self._charter_html(charter)

    def _charter_html(self, charter: ch.Charter) -> str:
        tr = self.tr
        parts = []
        for name in ch.LISTS:
            parts.append(f"<h3>{esc(tr(f'purpose.charter.field.{name}'))}</h3><ul>")
            for it in getattr(charter, name):
                extra = ""
                if it.statement is not None:
                    extra = " · " + tr("purpose.charter.doc.from_statement", statement=it.statement,
                                       consensus=format(it.consensus or 0, ".2f"))
                if name == "harms":
                    extra += " · " + tr("purpose.charter.doc.mitigation",
                                        text=it.mitigation or tr("purpose.charter.doc.placeholder"))
                parts.append(f'<li>{bdi(it.text)}<span class="wb-muted">{esc(extra)}</span></li>')
            parts.append("</ul>")
        parts.append(f"<h3>{esc(tr('purpose.charter.field.criteria'))}</h3><ul>")
        parts += [f"<li>{esc(cr.sentence(tr))}</li>" for cr in charter.criteria]
        parts.append("</ul>")
        return '<div class="wb-card">' + "".join(parts) + "</div>"
