"""The one-line plain reading under each chart, on small tables whose answer is known."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.charts import readings as R
from workbench.i18n import Translator

EN, PT, ES = Translator("en"), Translator("pt-BR"), Translator("es")
HOSTILE = "<img src=x onerror=alert(1)>"


def statements(rows):
    df = pd.DataFrame(rows, columns=["id", "text", "agree", "disagree", "pass"])
    df["votes"] = df["agree"] + df["disagree"] + df["pass"]
    df["consensus"] = (df["agree"] + 1) / (df["votes"] + 2)
    return df


def test_votes_name_the_statement_most_people_agree_with():
    df = statements([(1, "Urgent first.", 3, 1, 0), (2, "Read all.", 4, 0, 0), (3, "Never sell.", 1, 1, 1)])
    assert R.votes_reading(df, EN) == "Most people agree with: “Read all.” (100% of 4 votes)."
    assert R.votes_reading(df, PT) == "A maioria concorda com: “Read all.” (100% de 4 votos)."
    assert R.consensus_reading(df, ES) == "Más acuerdo entre los grupos: “Read all.” (consenso 0,83)."


def test_votes_without_a_majority_or_without_votes_say_so():
    split = statements([(1, "A", 1, 1, 0), (2, "B", 0, 2, 1)])
    assert R.votes_reading(split, EN) == "No statement has a majority agreeing yet."
    assert R.votes_reading(statements([(1, "A", 0, 0, 0)]), EN) == "No votes yet."
    assert R.votes_reading(statements([]), ES) == "Todavía no hay votos."


def test_a_long_statement_is_cut_and_participant_text_is_escaped_as_html():
    df = statements([(1, HOSTILE + " " + "word " * 40, 2, 0, 0)])
    sentence = R.votes_reading(df, EN)
    assert len(sentence) < 160 and "…" in sentence
    html = R.reading_html(sentence)
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.startswith('<p class="wb-reading">')


def test_opinion_map_names_the_largest_group():
    people = pd.DataFrame({"clustered": [True, True, True, False], "group": ["A", "A", "B", None]})
    assert R.map_reading(people, EN) == "3 people form 2 opinion groups. The largest is group A, with 2."
    nobody = pd.DataFrame({"clustered": [False], "group": [None]})
    assert R.map_reading(nobody, PT) == "Ainda não há votos suficientes para achar grupos de opinião."


def test_waterfall_names_what_is_kept_and_the_biggest_loss():
    steps = pd.DataFrame({"step": ["raw", "no_record", "withdrawn", "kept"], "rows": [1000, -300, -50, 650]})
    assert R.waterfall_reading(steps, EN) == (
        f"650 of 1,000 rows are kept. The biggest loss: {EN('curation.reason.no_record')} (300 rows).")
    none_lost = pd.DataFrame({"step": ["raw", "withdrawn", "kept"], "rows": [12, 0, 12]})
    assert R.waterfall_reading(none_lost, ES) == "Se conservan las 12 filas."


def test_representation_names_the_group_below_its_reference():
    groups = pd.DataFrame({"attribute": ["region"] * 3, "group": ["A", "B", HOSTILE],
                           "count": [12, 60, 28], "share": [0.12, 0.60, 0.28], "reference": [0.30, 0.45, 0.25],
                           "small": [False, False, False]})
    assert R.representation_reading(groups, "region", EN) == "Group A is 12% of the rows, below the reference 30%."
    assert R.representation_reading(groups, "region", PT) == (
        "O grupo A é 12% das linhas, abaixo da referência de 30%.")
    close = groups.assign(reference=[0.10, 0.62, 0.28])
    assert R.representation_reading(close, "region", EN) == "Every group of region is close to its reference share."
    no_ref = groups.assign(reference=float("nan"))
    assert R.representation_reading(no_ref, "region", EN) == "The smallest group is A: 12% of the rows."
    missing = pd.DataFrame({"attribute": ["age"], "group": [None], "count": [3], "share": [1.0],
                            "reference": [float("nan")], "small": [True]})
    assert EN("curation.missing_value") in R.representation_reading(missing, "age", EN)


def test_missing_labels_lengths_and_personal_data():
    cols = pd.DataFrame({"column": ["text", "region"], "missing": [0, 5], "missing_share": [0.0, 0.25]})
    assert R.missing_reading(cols, EN) == "The column region misses the most values: 25%."
    assert R.missing_reading(cols.assign(missing=0), EN) == "No values are missing."
    labels = pd.DataFrame({"label": ["urgent", "later", "spam"], "count": [60, 30, 10], "share": [0.6, 0.3, 0.1]})
    assert R.label_balance_reading(labels, EN) == "The most common label is urgent (60%). The rarest is spam (10%)."
    hist = pd.DataFrame({"bin_start": [0, 50, 100], "bin_end": [50, 100, 150], "rows": [10, 70, 20]})
    assert R.text_lengths_reading(hist, EN) == "Most often, a message has 50 to 100 characters (70% of them)."
    pii = pd.DataFrame({"column": ["text", "text", "note"], "kind": ["email", "phone", "phone"], "rows": [4, 3, 2]})
    assert R.pii_reading(pii, EN) == f"Personal data was found. Most often: {EN('curation.pii.phone')}, in 5 rows."
    assert R.pii_reading(pii.iloc[0:0], ES) == "No se encontraron datos personales."
    assert R.pii_reading(pii.iloc[2:3].assign(rows=1), PT).endswith("em 1 linha.")


def test_pay_against_the_floor():
    workers = pd.DataFrame({"worker": ["w1", "w2", "w3"], "hours": [2.0, 3.0, 0.0], "hourly": [8.0, 12.0, None],
                            "below_floor": [True, False, False]})
    assert R.pay_reading(workers, 10.0, EN) == "1 of 2 workers is paid below the floor."
    assert R.pay_reading(workers, 10.0, ES) == "1 de 2 trabajadores cobra menos del mínimo."
    assert R.pay_reading(workers.assign(below_floor=False), 10.0, PT) == (
        "Todos os 2 trabalhadores recebem o piso ou mais.")
    assert R.pay_reading(workers, None, EN) == "2 workers were paid. No pay floor is agreed yet."
    one = workers.iloc[1:3]
    assert R.pay_reading(one, None, EN) == "1 worker was paid. No pay floor is agreed yet."
    assert R.pay_reading(one, 10.0, PT) == "O 1 trabalhador recebe o piso ou mais."


@pytest.mark.parametrize(("direction", "threshold", "expected"), [
    (">=", 0.8, "Group rural misses the threshold of 0.80: 0.70."),
    (">=", 0.6, "Every group meets the threshold of 0.60. Group rural is closest to it: 0.70."),
    ("<=", 0.85, "Group city misses the threshold of 0.85: 0.90."),
])
def test_per_group_metric_names_the_group_that_does_worst(direction, threshold, expected):
    rows = pd.DataFrame({"group": ["city", "rural"], "value": [0.9, 0.7], "lo": [0.85, 0.6], "hi": [0.95, 0.8],
                         "n": [100, 40]})
    assert R.group_metric_reading(rows, threshold, EN, direction) == expected


def test_models_the_one_that_passes_and_uses_least_energy():
    models = pd.DataFrame({"title": ["Model X", "Model Y", "Model Z"], "kwh": [0.002, 0.0005, 0.0001],
                           "accuracy": [0.9, 0.88, 0.6], "status": ["pass", "pass", "fail"]})
    assert R.performance_energy_reading(models, EN) == "2 models pass every criterion. Model Y uses the least energy."
    assert R.performance_energy_reading(models.iloc[[0, 2]], EN) == "Only Model X passes every criterion."
    assert R.performance_energy_reading(models.assign(status="fail"), ES) == "Ningún modelo cumple todos los criterios."


def test_curation_app_shows_a_reading_under_each_chart(tmp_path):
    import re

    from workbench.ui.curation.view import CurationView

    from .curation_support import curation_project

    p, _ds = curation_project(tmp_path)
    try:
        view = CurationView(p, "facilitator", "en", charts=True)
        view.use.value = "train"
        view.show_button.click()
        html = view.waterfall_chart.value
        assert html.count("<svg") == 1 and html.count('<p class="wb-reading">') == 1
        assert re.search(r'<p class="wb-reading">\d+ of 9 rows are kept\. The biggest loss: [^<]+ \(\d+ rows\)\.</p>',
                         html)
        view.profile_button.click()
        charts = view.profile_charts.value
        assert charts.count("<svg") == charts.count('<p class="wb-reading">') >= 4
        assert "The most common label is" in charts and "The smallest group is" in charts
        view.language_switch.value = "pt-BR"
        view.profile_button.click()
        assert "O rótulo mais comum é" in view.profile_charts.value
    finally:
        p.close()


NBSP = "\u00a0"  # CLDR puts a no-break space before % in es (12 %)


def test_numbers_are_written_the_way_each_language_writes_them():
    df = statements([(1, "Read all.", 4, 0, 0), (2, "Wait.", 1, 3, 1)])
    assert R.consensus_reading(df, EN).endswith("(consensus 0.83).")
    assert R.consensus_reading(df, PT).endswith("(consenso 0,83).")
    assert R.consensus_reading(df, ES).endswith("(consenso 0,83).")
    groups = pd.DataFrame({"attribute": ["region"] * 2, "group": ["A", "B"], "count": [12, 88],
                           "share": [0.12, 0.88], "reference": [0.30, 0.70], "small": [False, False]})
    assert R.representation_reading(groups, "region", EN) == "Group A is 12% of the rows, below the reference 30%."
    assert R.representation_reading(groups, "region", PT) == (
        "O grupo A é 12% das linhas, abaixo da referência de 30%.")
    assert R.representation_reading(groups, "region", ES) == (
        f"El grupo A es el 12{NBSP}% de las filas, por debajo de la referencia de 30{NBSP}%.")
    rows = pd.DataFrame({"group": ["city", "rural"], "value": [0.9, 0.75], "lo": [0.85, 0.6], "hi": [0.95, 0.8],
                         "n": [100, 40]})
    assert R.group_metric_reading(rows, 0.8, PT).endswith("0,80: 0,75.")
    assert R.group_metric_reading(rows, 0.8, ES) == "El grupo rural no cumple el umbral de 0,80: 0,75."
    steps = pd.DataFrame({"step": ["raw", "no_record", "kept"], "rows": [12000, -2500, 9500]})
    assert R.waterfall_reading(steps, EN).startswith("9,500 of 12,000 rows")
    assert "9.500" in R.waterfall_reading(steps, PT) and "12.000" in R.waterfall_reading(steps, PT)


def coverage(rows):
    """The consent chart's table: (at, use, permitted) at each time."""
    return pd.DataFrame([{"at": pd.Timestamp(at, tz="UTC"), "use": use, "permitted": n} for at, use, n in rows],
                        columns=["at", "use", "permitted"])


def test_consent_coverage_names_the_biggest_drop_else_the_most_and_least_permitted():
    grew = coverage([("2026-01-01", "train", 1), ("2026-01-01", "evaluate", 1),
                     ("2026-02-01", "train", 3), ("2026-02-01", "evaluate", 5)])
    assert R.coverage_reading(grew, EN) == (
        f"Most permitted now: “{EN('consent.use.evaluate.title')}” (5 people). "
        f"Least: “{EN('consent.use.train.title')}” (3).")
    fell = coverage([("2026-01-01", "train", 4), ("2026-01-01", "evaluate", 2),
                     ("2026-02-01", "train", 1), ("2026-02-01", "evaluate", 2)])
    assert R.coverage_reading(fell, EN) == (
        f"People who permit “{EN('consent.use.train.title')}”: 1 now, down from 4 after withdrawals or expiries.")
    assert R.coverage_reading(fell, PT) == (
        f"Pessoas que permitem “{PT('consent.use.train.title')}”: 1 agora, eram 4 antes de retiradas ou vencimentos.")
    assert R.coverage_reading(fell, ES).startswith(f"Personas que permiten “{ES('consent.use.train.title')}”: 1 ahora")
    same = coverage([("2026-02-01", "train", 2), ("2026-02-01", "evaluate", 2)])
    assert R.coverage_reading(same, ES) == "Cada uso está permitido por 2 personas ahora."
    assert R.coverage_reading(coverage([]), PT) == "Ninguém decidiu sobre o consentimento ainda."
