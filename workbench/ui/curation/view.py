"""The facilitators' curation app: one panel per job in a tab bar, each panel its own module.

Views call the domain (:mod:`workbench.curation`) and re-read state; an error is the domain's sentence
in the view's language, shown in place. pandas, Altair and vl-convert are imported here, lazily, never in
participant apps.
"""

from __future__ import annotations

import ipywidgets as w

from ... import apps
from .._base import View
from ..kit import header
from .dataset import ImportPanel
from .datasheet import DatasheetPanel
from .datawork import DataWorkView
from .log import LogPanel
from .pii import PiiPanel
from .profile import ProfilePanel
from .waterfall import ConsentPanel

PANELS = ("import", "consent", "profile", "pii", "log", "datasheet", "datawork")


class CurationView(ImportPanel, ConsentPanel, ProfilePanel, PiiPanel, LogPanel, DatasheetPanel, View):
    """``CurationView(project, role, language, charts=True)``.

    Panels (attribute ``tabs``; each panel's controls are attributes of the view, listed on its class):
    import (:class:`~.dataset.ImportPanel`), consent (:class:`~.waterfall.ConsentPanel`), profile
    (:class:`~.profile.ProfilePanel`), pii (:class:`~.pii.PiiPanel`), log (:class:`~.log.LogPanel`),
    datasheet (:class:`~.datasheet.DatasheetPanel`), datawork (the controls of :class:`DataWorkView`, ``work``);
    ``status``: the last result or error sentence.
    """

    def __init__(self, project, role: str = apps.FACILITATOR, language: str | None = None, charts: bool = True):
        from ...i18n import available

        lang = language if language in available() else project.config.default_language
        super().__init__(lang)
        self.project, self.role, self.charts = project, role, charts
        self._preview = None
        self._chrome()
        self.status = self.kit.html()
        if role != apps.FACILITATOR:
            self.widget.children = [self.style, self.header, self.status]
            self.render()
            return
        self._build_import()
        self._build_consent()
        self._build_profile()
        self._build_pii()
        self._build_log()
        self._build_datasheet()
        self.work = DataWorkView(project, role, lang, charts=charts, embedded=True)
        self.tabs = w.Tab(children=[self.import_panel, self.consent_panel, self.profile_panel, self.pii_panel,
                                    self.log_panel, self.datasheet_panel, self.work.widget], layout=self.kit.full)
        self.widget.children = [self.style, self.header, self.language_switch, self.status, self.tabs]
        self.render()

    def render(self) -> None:
        tr = self.tr
        self.header.value = header(tr, f"{tr('app.curation.title')}: {self.project.name}")
        if self.refused_to_participants("curation.facilitators_only"):
            return
        self.tabs.titles = tuple(tr(f"curation.tab.{p}") for p in PANELS)
        ds = self._dataset()
        for relabel in (self._relabel_import, self._relabel_consent, self._relabel_profile, self._relabel_pii,
                        self._relabel_log, self._relabel_datasheet):
            relabel(tr, ds)
        self.render_log()
        self.render_pii()
        self.work.set_language(self.language)

    def set_language(self, language: str) -> None:
        super().set_language(language)
        if self.role == apps.FACILITATOR and self.waterfall_table.value:
            self.render_consent()

