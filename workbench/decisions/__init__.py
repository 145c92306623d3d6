"""The community's decisions at every gate, and the member register (issue 20).

See :mod:`workbench.decisions.core` for the events and the rules, :mod:`workbench.decisions.members`
for who may vote, and :mod:`workbench.decisions.subjects` for what each gate's decision is about.
"""

from . import subjects
from .core import (
    CHOICES,
    GATES,
    Decision,
    DecisionLog,
    close,
    decide,
    override,
    propose,
    require,
    rule_and_quorum,
    vote,
)
from .members import Register

__all__ = ["CHOICES", "GATES", "Decision", "DecisionLog", "Register", "close", "subjects", "decide", "override",
           "propose", "require", "rule_and_quorum", "vote"]
