"""The demo's curation stage: the messages mapped, a few curation actions, datasheet answers, paid data work.

Runs after the purpose and consent modules (see :mod:`workbench.demo`). The
data-work ledger has a few paid labellers and translators at or above the
agreed floor, one labeller paid below it, one unpaid facilitation entry and one
payment still outstanding past the agreed days, so every check has something to show.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ..curation import actions, datasheet, datawork
from ..curation.importer import ColumnMapping, map_received
from ..curation.profile import set_reference

MAPPING = ColumnMapping("contributor_id", "label", ("neighbourhood", "age_band", "language"), "text")
# From the co-op's own household survey (fictional): the neighbourhoods' share of residents.
NEIGHBOURHOOD_SHARES = {"Morro Alto": 0.26, "Beira-Rio": 0.22, "Jardim Sul": 0.20, "Vila Nova": 0.18,
                        "Campo Verde": 0.14}
ANSWERS = {
    ("motivation", "purpose"): "Para que as promotoras de saúde vejam primeiro as mensagens urgentes dos "
                               "moradores, sem que nenhuma mensagem saia da cooperativa.",
    ("motivation", "creators"): "A Cooperativa de Saúde Comunitária Vila Esperança, com as promotoras de saúde "
                                "e os moradores que enviaram mensagens.",
    ("collection", "how_collected"): "Mensagens de texto enviadas ao número da cooperativa entre março e "
                                     "setembro de 2026, exportadas do celular da cooperativa.",
    ("preprocessing", "cleaning"): "Telefones e e-mails escritos nas mensagens foram ocultados; mensagens "
                                   "encaminhadas duas vezes foram excluídas. Os rótulos foram revisados em dupla.",
    ("uses", "avoid"): "Nunca para decidir quem recebe atendimento sem uma promotora ler a mensagem.",
    ("maintenance", "maintainer"): "A coordenação da cooperativa, às terças-feiras no posto.",
}


def build(project, rows, plan, today: date | None = None) -> None:
    received = project.store.events(kinds=["data.received"])[-1]
    ds = map_received(project, received.payload["file"], MAPPING)
    set_reference(project.store, "neighbourhood", NEIGHBOURHOOD_SHARES, "Co-op household survey 2025")
    actions.exclude_rule(project.store, ds, None, "duplicate", reason="Messages forwarded twice (exact duplicates).")
    actions.redact(project.store, ds, ["text"], ["phone_intl", "phone_local"],
                   reason="Residents wrote their phone numbers in messages.")
    actions.redact(project.store, ds, ["text"], ["email"], reason="Residents wrote their e-mail in messages.")
    drop = actions.exclude_rule(project.store, ds, "text", "missing", reason="Empty messages carry nothing to learn.")
    actions.revert(project.store, ds, drop.id, reason="Kept: empty messages still count in the waterfall review.")
    for (section, question), text in ANSWERS.items():
        datasheet.answer(project.store, section, question, text, "pt-BR")
    from ..curation.accept import accept
    from ..decisions import decide, subjects

    decide(project.store, "dataset", subjects.dataset(project), present=16, in_favour=15, against=0, abstain=1,
           title="Accept the curated messages and their datasheet",
           outcome="Accepted after reading the datasheet; duplicates out, phone numbers and e-mails redacted.")
    accept(project, language="pt-BR")
    today = today or datetime.now(UTC).date()
    datawork.set_terms(project.store, 25, "BRL", 30,
                       "10% of any grant the model brings goes to the co-op's health fund.",
                       "Municipal living-wage estimate, 2026")
    day = today - timedelta(days=60)
    for worker, task, hours, pay, paid in (
        ("w-01", "labelling", 12, 360, 10), ("w-02", "labelling", 10, 280, 12), ("w-03", "translation", 6, 180, 5),
        ("w-04", "labelling", 14, 210, 20),  # 15 BRL/h: below the floor
        ("w-05", "transcription", 8, 240, None),  # not paid yet, past 30 days: late
    ):
        datawork.record(project.store, task, worker, hours=hours, pay=pay, currency="BRL", on=day,
                        paid_on=None if paid is None else day + timedelta(days=paid))
    datawork.record(project.store, "facilitation", "w-06", hours=3, pay=0, currency="BRL", on=day,
                    note="Volunteered the first workshop evening.")
