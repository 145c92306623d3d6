"""Stage 1, the facilitators' desk: moderation, live analysis, the charter and the agreement, in four tabs.

Imports the analysis, charts and charter rendering when it first needs them. Controls are attributes,
so tests and facilitators can drive the desk.
"""

from __future__ import annotations

import ipywidgets as w

from ...purpose import charter as ch
from ...purpose import deliberation as dl
from .._base import View, app_language
from ..kit import header
from .agreement import AgreementTab
from .analysis import AnalysisTab
from .charter import CharterTab
from .common import PURPOSE_STYLE
from .moderation import ModerationTab


class FacilitatorView(ModerationTab, AnalysisTab, CharterTab, AgreementTab, View):
    """Moderation, live analysis, charter editing and the agreement, in four tabs.

    Moderation: ``seed_text``, ``seed_topic``, ``seed_button``, ``moderate_choice``, ``hide``, ``show``,
    ``statement_list``,
    ``merge_from``, ``merge_into``, ``merge_button``. Analysis: ``refresh``, ``summary``, ``charts``,
    ``promote_to``, ``promote_buttons[id]``, ``share``, ``export``. Charter: ``fields[name]``,
    ``min_consensus``, ``groups``, ``footprint``, ``list_choice``, ``item_text``, ``item_add``,
    ``item_remove_choice``, ``item_remove``, ``harm_choice``, ``mitigation``, ``mitigation_set``, the
    criterion editor ``crit_*``, ``crit_add``, ``crit_remove_choice``, ``crit_remove``, ``save``.
    Agreement: ``present``, ``in_favour``, ``against``, ``abstain``, ``rule``, ``record``, ``write_files``.
    Each action reports in ``status``.
    """

    def __init__(self, project, language: str | None = None, charts: bool = True, poll_seconds: float = 0):
        super().__init__(app_language(project, language))
        self.project = project
        self.store = project.store
        self.with_charts = charts
        self.analysis = None
        self._analysis_stale = True
        self.attributes, self.labels = ch.project_columns(project)
        self._chrome(PURPOSE_STYLE)
        self.status = self.kit.html()
        self.tabs = w.Tab(layout=w.Layout(width="100%"))
        self._build_moderation()
        self._build_analysis()
        self._build_charter()
        self._build_agreement()
        self.tabs.children = [self.moderation_box, self.analysis_box, self.charter_box, self.agreement_box]
        self.tabs.observe(self._on_tab, names="selected_index")
        self.widget.children = [self.style, self.header, self.language_switch, self.status, self.tabs]
        self._timer = None
        self.render()
        if poll_seconds:
            self.start_polling(poll_seconds)

    def render(self) -> None:
        tr = self.tr
        self.language_switch.tooltip = tr("welcome.language_label")
        self.header.value = header(tr, tr("purpose.fac.title"), self.project.name)
        for i, key in enumerate(("moderate", "analysis", "charter", "agree")):
            self.tabs.set_title(i, tr(f"purpose.fac.tab.{key}"))
        self._live()
        self._render_charter()

    def _live(self) -> None:
        """Redraw what others change (statements, votes, decisions), never the charter form being typed."""
        self._seen_seq = self.store.head()[0]
        delib = dl.current(self.store)  # caught up from its last event, not re-read whole
        self._render_moderation(delib)
        # The analysis (scikit-learn, Altair: seconds to import in a fresh kernel) is drawn when its tab is open.
        self._analysis_stale = True
        if self.tabs.selected_index == 1:
            self._render_analysis(delib)
        self._render_agreement()

    def poll(self) -> None:
        """Redraw the live parts only when the log has grown (see ``View.start_polling``)."""
        if self.store.head()[0] != self._seen_seq:
            self._live()
