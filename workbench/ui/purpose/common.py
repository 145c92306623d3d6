"""What the purpose stage's screens share: their stylesheet, how a refusal reads, and the base of the desk's tabs."""

from __future__ import annotations

from ...errors import WorkbenchError
from ..kit import say

PURPOSE_STYLE = """
<style>
.wb-app .wb-vote button.jupyter-button, .wb-app button.wb-big { min-height: 64px; font-size: 19px;
  font-weight: 600; border-radius: 10px; }
.wb-app .wb-statement { font-size: 1.25em; min-height: 3em; }
.wb-app textarea { font-size: 17px; min-height: 5em; }
.wb-app .wb-code { font-size: 1.3em; font-weight: 700; letter-spacing: 0.04em; }
.wb-app .wb-row { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
</style>
"""


def message(tr, exc: WorkbenchError) -> str:
    """A refusal in the reader's language when the catalog has it, else its English sentence; a charter
    field named in it reads in that language too."""
    if exc.key and tr.has(exc.key):
        params = dict(exc.params)
        if "field" in params and tr.has(f"purpose.charter.field.{params['field']}"):
            params["field"] = tr(f"purpose.charter.field.{params['field']}")
        return tr(exc.key, **params)
    return exc.sentence


class DeskPart:
    """What each tab of the facilitators' desk uses: the one ``status`` line and :meth:`_act` (call the domain;
    its refusal said in the desk's language)."""

    def _ok(self, text: str) -> None:
        say(self.status, text, ok=True)

    def _fail(self, exc: WorkbenchError) -> None:
        say(self.status, message(self.tr, exc))

    def _act(self, fn) -> bool:
        try:
            fn()
        except WorkbenchError as exc:
            self._fail(exc)
            return False
        return True
