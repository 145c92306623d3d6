"""The personal-data scanner: every pattern, check digits, precedence, redaction, configuration."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.curation import pii
from workbench.curation.pii import Pattern, Scanner
from workbench.errors import WorkbenchError

FOUND = [
    ("write to ana.souza@exemplo.org.br", "email"),
    ("meu cpf é 529.982.247-25", "br_cpf"),
    ("cpf 52998224725", "br_cpf"),
    ("CNPJ 11.222.333/0001-81", "br_cnpj"),
    ("cuit 20-12345678-6", "ar_cuit"),
    ("mi DNI 12.345.678", "ar_dni"),
    ("DNI: 30123456", "ar_dni"),
    ("RUT 12.345.678-5", "cl_rut"),
    ("run 7.654.321-6", "cl_rut"),
    ("CURP HEGG560427MVZRRL04", "mx_curp"),
    ("RFC GODE561231GR8", "mx_rfc"),
    ("cédula 1.023.456.789", "co_cedula"),
    ("C.C. 79.456.123", "co_cedula"),
    ("ligue (11) 91234-5678", "phone_local"),
    ("whatsapp 91234-5678", "phone_local"),
    ("+55 11 91234 5678", "phone_intl"),
    ("+54 9 11 1234-5678", "phone_intl"),
    ("+52 55 1234 5678", "phone_intl"),
    ("+57 310 123 4567", "phone_intl"),
    ("+56 9 8765 4321", "phone_intl"),
]
NOT_FOUND = [
    "cpf 529.982.247-24",  # wrong check digit
    "111.111.111-11",  # all equal digits
    "CURP HEGG560427MVZRRL05",
    "RFC GODE561231GR9",
    "nothing here 2026-03-05",
    "message m-00012 at 10:30",
    "1234567",  # too short for a phone
    "email at example dot org",
]


@pytest.mark.parametrize("text,kind", FOUND)
def test_each_pattern_finds_its_kind_and_nothing_else(text, kind):
    found = Scanner.default().find(pd.Series([text]))
    assert [k for k in found.columns if found.iloc[0][k]] == [kind]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_invalid_ids_and_plain_text_are_not_reported(text):
    assert not Scanner.default().find(pd.Series([text])).to_numpy().any()


@pytest.mark.parametrize("text,kind", [
    ("CNPJ 11.222.333/0001-82", "br_cnpj"), ("cuit 20-12345678-5", "ar_cuit"), ("RUT 12.345.678-9", "cl_rut"),
])
def test_a_wrong_check_digit_is_not_that_id(text, kind):
    """The number may still look like a DNI or a phone (no check digit there), but it is not this id."""
    assert not Scanner.default().find(pd.Series([text])).iloc[0][kind]


@pytest.mark.parametrize("fn,good,bad", [
    # All-equal digits pass the CPF's check digits (python-stdnum accepts 111.111.111-11); they are placeholders.
    (pii.valid_cpf, ["529.982.247-25", "11144477735"], ["529.982.247-26", "00000000000", "111.111.111-11", "123"]),
    # The alphanumeric CNPJ issued since July 2026 (Receita Federal's example) has check digits too.
    (pii.valid_cnpj, ["11.222.333/0001-81", "11444777000161", "12.ABC.345/01DE-35"],
     ["11.222.333/0001-80", "12.ABC.345/01DE-36", "00.000.000/0000-00", "1"]),
    (pii.valid_cuit, ["20-12345678-6", "27-28033514-8"], ["20-12345678-7", "99-12345678-6"]),
    (pii.valid_rut, ["12.345.678-5", "7.654.321-6", "11.111.111-1"], ["12.345.678-K", "1"]),
    # "X" is the sex letter of a non-binary CURP; a 31st of February is no birth date, whatever the check digit.
    (pii.valid_curp, ["HEGG560427MVZRRL04", "HEGG560427XVZRRL08"],
     ["HEGG560427MVZRRL03", "HEGG560231MVZRRL00", "SHORT"]),
    # The homoclave's first two characters come from SAT's table (1-9, A-Z), never 0; dates must exist.
    (pii.valid_rfc, ["GODE561231GR8", "ABC680524P73"], ["GODE561231GR7", "GODE560231GR4", "GODE561231W02", "X"]),
])
def test_check_digits(fn, good, bad):
    assert all(fn(x) for x in good), [x for x in good if not fn(x)]
    assert not any(fn(x) for x in bad), [x for x in bad if fn(x)]


def test_redaction_replaces_with_tags_and_keeps_everything_else():
    s = pd.Series(["ligue (11) 91234-5678 ou joe@x.org", "cpf 529.982.247-25 e 529.982.247-24", None, "ok"],
                  dtype="str")
    out = Scanner.default().redact(s)
    assert out.tolist()[:2] == ["ligue [PHONE] ou [EMAIL]", "cpf [CPF] e 529.982.247-24"]
    assert pd.isna(out.iloc[2]) and out.iloc[3] == "ok" and str(out.dtype) == str(s.dtype)
    only_email = Scanner.default().redact(s, ["email"])
    assert only_email.iloc[0] == "ligue (11) 91234-5678 ou [EMAIL]"


def test_summary_counts_rows_per_column_and_kind():
    frame = pd.DataFrame({"a": ["x@y.org", "x@y.org and +55 11 91234 5678", "none"], "b": ["", None, "z@w.io"]})
    out = Scanner.default().summary(frame, ["a", "b"])
    assert out.to_dict(orient="records") == [{"column": "a", "kind": "email", "rows": 2},
                                             {"column": "a", "kind": "phone_intl", "rows": 1},
                                             {"column": "b", "kind": "email", "rows": 1}]


def test_object_and_python_string_columns_work_too():
    s = pd.Series(["x@y.org", 5, None], dtype=object)
    assert Scanner.default().find(s)["email"].tolist() == [True, False, False]


def test_configurable(tmp_path):
    sc = Scanner.default().without("phone_local").with_pattern(Pattern("ticket", r"TCK-\d{6}"))
    found = sc.find(pd.Series(["TCK-123456 91234-5678"]))
    assert found.iloc[0]["ticket"] and "phone_local" not in found.columns
    with pytest.raises(WorkbenchError) as err:
        Scanner.default().without("nope")
    assert err.value.key == "curation.error.unknown_pattern"
    with pytest.raises(WorkbenchError):
        Pattern("Bad Name", "x")
    with pytest.raises(WorkbenchError):
        Pattern("bad", "(")


def test_project_settings(tmp_path):
    from .consent_support import new_project

    p = new_project(tmp_path)
    cfg = p.root / "workbench.toml"
    cfg.write_text(cfg.read_text() + '\n[curation.pii]\ndisable = ["phone_local"]\n'
                   '[curation.pii.extra]\nticket = "TCK-\\\\d{6}"\n')
    sc = Scanner.for_project(p)
    assert "phone_local" not in sc.names and "ticket" in sc.names
    p.close()
