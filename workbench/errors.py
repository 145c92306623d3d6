"""The one error type of the workbench.

Every refusal the domain makes is a :class:`WorkbenchError` carrying a single
human sentence that names the problem and, where there is one, the fix. The
CLI prints that sentence on one line (exit 2); the widgets show it in place.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """A refusal with a plain sentence for people, not a traceback.

    Parameters
    ----------
    message:
        What is wrong, in one sentence.
    fix:
        What to do about it, in one sentence (optional).
    key:
        Message-catalog key, so a participant view can show the sentence in the
        participant's language; ``params`` fill its placeholders.
    """

    def __init__(self, message: str, fix: str | None = None, *, key: str | None = None, **params):
        self.message = message
        self.fix = fix
        self.key = key
        self.params = params
        super().__init__(self.sentence)

    @property
    def sentence(self) -> str:
        text = self.message.rstrip()
        if self.fix:
            if not text.endswith((".", "!", "?")):
                text += "."
            text += " " + self.fix.rstrip()
        return " ".join(text.split())


class StoreError(WorkbenchError):
    """The event store cannot be opened or written."""


class NotSaved(StoreError):
    """A write did not commit: the caller must not claim success."""
