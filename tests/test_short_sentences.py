"""Short sentences (issue 8): what participants read, and the readings under charts, in every language.

A sentence here is text up to ``.``, ``!``, ``?``, ``:`` or ``;``; a placeholder counts as one word.
"""

from __future__ import annotations

import re

import pytest

from workbench.i18n import available, catalog

MAX_WORDS = 20
PARTICIPANT = ("welcome.", "stage.", "status.", "purpose.", "consent.form.", "consent.use.", "consent.app.",
               "consent.label.", "consent.cond.", "consent.receipt.", "login.", "error.", "reading.")
FACILITATOR_ONLY = ("purpose.fac.", "purpose.charter.", "purpose.analysis.", "purpose.chart.")


def long_sentences(text: str, limit: int = MAX_WORDS) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?:;])\s+", text) if len(s.split()) > limit]


def test_the_check_finds_a_long_sentence():
    assert long_sentences(" ".join(["word"] * 21) + ". Short one.") == [" ".join(["word"] * 21) + "."]
    assert long_sentences("One. Two: three; four?") == []


@pytest.mark.parametrize("lang", available())
def test_participant_sentences_are_short(lang):
    found = {k: long_sentences(v) for k, v in catalog(lang).items()
             if k.startswith(PARTICIPANT) and not k.startswith(FACILITATOR_ONLY)}
    found = {k: v for k, v in found.items() if v}
    assert not found, f"sentences over {MAX_WORDS} words in {lang}: split them: {found}"
