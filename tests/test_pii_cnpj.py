"""The alphanumeric CNPJ (Brazil, from July 2026): letters and digits in the first 12 characters, two numeric
check digits computed over each character's ASCII code minus 48. Found in free text, with and without its
punctuation, in either case; a wrong check digit is not a CNPJ."""

from __future__ import annotations

import pandas as pd
import pytest
from stdnum.br import cnpj

from workbench.curation import pii
from workbench.curation.pii import Scanner

# The example of the new format in Receita Federal's material (SERPRO's check-digit manual) and python-stdnum's doctest.
EXAMPLE = "12.ABC.345/01DE-35"


def test_the_installed_stdnum_computes_the_receitas_check_digits_for_letters():
    """Receita's rule, by hand for the example: values are ASCII codes minus 48 ("A" is 17), weights 5..2, 9..2
    then 6..2, 9..2; each digit is 11 minus the sum mod 11, or 0 when that is 10 or 11."""
    values = [ord(c) - 48 for c in "12ABC34501DE"]
    assert values == [1, 2, 17, 18, 19, 3, 4, 5, 0, 1, 20, 21]
    d1 = (11 - sum(w * v for w, v in zip([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], values, strict=True))) % 11 % 10
    d2 = (11 - sum(w * v for w, v in zip([6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [*values, d1], strict=True))) % 11 % 10
    assert f"{d1}{d2}" == "35" == cnpj.calc_check_digits("12ABC34501DE")
    assert cnpj.is_valid(EXAMPLE) and not cnpj.is_valid("12.ABC.345/01DE-36")


@pytest.mark.parametrize("text", [
    f"a empresa {EXAMPLE} pediu o reembolso",
    "CNPJ 12ABC34501DE35.",
    "cnpj: 12abc34501de35",  # typed in lower case
    "12.ABC.345/01DE35 e mais nada",  # punctuation in part
    "CNPJ 11.222.333/0001-81",  # the numeric form still
])
def test_the_alphanumeric_cnpj_is_found_in_free_text(text):
    found = Scanner.default().find(pd.Series([text]))
    assert [k for k in found.columns if found.iloc[0][k]] == ["br_cnpj"]


@pytest.mark.parametrize("text", [
    "12.ABC.345/01DE-36",  # wrong check digit
    "12ABC34501DE3S",  # a letter where a check digit goes
    "ABCDEFGHIJKL35",  # fourteen characters, check digits wrong
    "000000000000-00",
])
def test_a_wrong_alphanumeric_cnpj_is_not_reported(text):
    assert not Scanner.default().find(pd.Series([text]))["br_cnpj"].iloc[0]


def test_it_is_redacted_everywhere_a_column_holds_it():
    texts = pd.Series([f"empresa {EXAMPLE} ok", "x 12abc34501de35 y", "nada aqui", None])
    assert Scanner.default().redact(texts).tolist()[:3] == ["empresa [CNPJ] ok", "x [CNPJ] y", "nada aqui"]
    summary = Scanner.default().summary(pd.DataFrame({"msg": texts}), ["msg"])
    assert summary.to_dict(orient="records") == [{"column": "msg", "kind": "br_cnpj", "rows": 2}]
    assert pii.valid_cnpj("12abc34501de35") and not pii.valid_cnpj("12abc34501de36")
