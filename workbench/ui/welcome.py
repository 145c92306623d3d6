"""The welcome app: the project, its purpose so far, the four stages, the way in."""

from __future__ import annotations

from .. import apps
from ..errors import WorkbenchError
from ..stages import DONE
from ..text import esc
from ._base import View, app_language
from .icons import ICON_STYLE, icon_html, svg_icon
from .kit import card, heading, language_label

STAGE_ICONS = {"purpose": "purpose", "consent": "consent", "curation": "curation", "evaluation": "evaluation"}
STATUS_ICONS = {"not_started": "○", "in_progress": "◐", "done": "●"}
# apps of no stage (and the concern form, open to anyone); the others take their stage's icon
APP_ICONS = {"room": "people", "catalog": "books", "outcomes": "evaluation", "concern": "concern"}


class WelcomeView(View):
    """``WelcomeView(project, role)``: controls are attributes for tests and facilitators.

    - ``language``: the switch (a ToggleButtons); setting its value relabels the view.
    - ``header``, ``purpose``, ``stage_cards``, ``links``: HTML widgets.
    """

    def __init__(self, project, role: str = apps.PARTICIPANT, language: str | None = None):
        if role not in apps.ROLES:
            raise WorkbenchError(f"{role!r} is not a role.", f"Use one of: {', '.join(apps.ROLES)}.")

        super().__init__(app_language(project, language))
        self.project = project
        self.role = role
        self._chrome(ICON_STYLE)
        self.language_label = self.kit.html()
        self.purpose = self.kit.html()
        self.stage_cards = self.kit.html()
        self.links = self.kit.html()
        self.widget.children = [
            self.style, self.header, self.language_label, self.language_switch,
            self.purpose, self.stage_cards, self.links,
        ]
        self.render()

    def _model_state(self) -> str:
        """The adopted model under review (an upheld concern, or a group below the charter in use) or retired."""
        from ..evaluation.lifecycle import status

        state = status(self.project)["state"].replace(" ", "_")  # a state key, not text shown
        if state not in ("under_review", "retired"):
            return ""
        return f'<p class="wb-model" data-model="{state}">{icon_html("⚠")}{esc(self.tr("welcome.model." + state))}</p>'

    def render(self) -> None:
        tr = self.tr
        self.language_switch.tooltip = tr("welcome.language_label")
        self.header.value = (
            f'<p class="wb-muted">{esc(tr("app.name"))}</p>'
            f"<h1>{esc(self.project.name)}</h1>"
            f"<p>{esc(tr('welcome.intro'))}</p>"
            f'<p class="wb-muted">{esc(tr("welcome.role." + self.role))}</p>'
        )
        self.language_label.value = language_label(tr)
        purpose = self.project.purpose_so_far()
        self.purpose.value = heading(tr("welcome.purpose_heading")) + card(purpose or tr("welcome.purpose_empty"))
        cards = [heading(tr("welcome.stages_heading"))]
        for st in self.project.stages():
            s = st.stage
            cards.append(
                f'<div class="wb-card wb-stage" data-stage="{s.key}" data-status="{st.status}">'
                f"<p><strong>{svg_icon(STAGE_ICONS[s.key])}{esc(tr('stage.number', number=s.number))}: "
                f"{esc(tr(s.title_key))}</strong></p>"
                f"<p>{esc(tr(s.summary_key))}</p>"
                f'<p><span class="wb-badge {st.status}">{icon_html(STATUS_ICONS[st.status])}'
                f"{esc(tr(st.status_key if st.status != DONE else 'status.done'))}</span></p>"
                f"{self._model_state() if s.key == 'evaluation' and st.status == DONE else ''}</div>"
            )
        self.stage_cards.value = "".join(cards)
        links = [heading(tr("welcome.apps_heading"))]
        done = any(st.status == DONE for st in self.project.stages())  # the outcomes app once a stage has one
        visible = [a for a in apps.for_role(self.role) if a.key != "welcome" and (a.key != "outcomes" or done)]
        if not visible:
            links.append(f"<p>{esc(tr('welcome.no_apps'))}</p>")
        for app in visible:
            href = f"{app.notebook}?lang={self.language}"
            icon = APP_ICONS.get(app.key) or STAGE_ICONS.get(app.stage or "", "")
            links.append(f'<a class="wb-link" href="{esc(href)}" data-app="{app.key}">'
                         f"{svg_icon(icon) if icon else ''}{esc(tr(app.title_key))}"
                         f'<span class="wb-icon" aria-hidden="true">&nbsp;→</span></a>')
        self.links.value = "".join(links)


def app():
    """The Voila entry point: ``from workbench.ui.welcome import app; app()``."""
    from .context import open_app_project

    project, ctx = open_app_project("welcome")
    return WelcomeView(project, ctx.role, ctx.language)
