"""The demo's stage 1: a deliberation with two camps of opinion and an agreed charter.

25 fictional participants (pseudonymous codes, no names) vote on seeded
statements in pt-BR, es and en. One camp wants the model to do more (answer
information questions, use older messages, be shared with other co-ops); the
other wants it kept narrow. Both agree that urgent messages come first and that
messages never leave the co-op, and those statements are promoted into the
charter, which the assembly agrees with three success criteria and more, one
per group of the demo data (neighbourhood, age_band, language).
"""

from __future__ import annotations

import random

from ..purpose import charter as ch
from ..purpose import deliberation as dl

N_PARTICIPANTS = 25
# (text, language, topic, how camp "more" votes, how camp "narrow" votes); probabilities of agree.
STATEMENTS = [
    ("Mensagens urgentes têm que chegar primeiro a uma agente de saúde.", "pt-BR", "benefit", 1.0, 0.97),
    ("Los mensajes nunca deben salir de la cooperativa.", "es", "never", 0.95, 1.0),
    ("O modelo nunca decide quem recebe atendimento; só ordena a fila.", "pt-BR", "never", 0.95, 1.0),
    ("A person still reads every message the same day.", "en", "harm", 0.85, 1.0),
    ("Tem que funcionar igual para quem escreve em espanhol e para os idosos.", "pt-BR", "harm", 0.95, 0.97),
    ("El modelo puede responder solo las preguntas de información.", "es", "benefit", 0.9, 0.1),
    ("Podemos usar as mensagens de todos os anos, não só de 2026.", "pt-BR", "problem", 0.85, 0.1),
    ("Quem quiser deve poder ficar totalmente fora do modelo.", "pt-BR", "harm", 0.2, 0.95),
    ("Speed matters more than explaining each decision.", "en", "problem", 0.8, 0.05),
    ("Deberíamos compartir el modelo con otras cooperativas.", "es", "benefit", 0.85, 0.15),
    ("As agentes de saúde perdem tempo lendo mensagens de horário do posto.", "pt-BR", "problem", 0.8, 0.6),
    ("Un error que deja pasar una urgencia es peor que una falsa alarma.", "es", "harm", 0.97, 0.97),
]
PARTICIPANT_STATEMENTS = [
    ("A fila da manhã é a pior hora: tudo chega junto.", "pt-BR", "problem"),
    ("Las promotoras deben poder corregir al modelo.", "es", "benefit"),
]
# statement index -> charter list
PROMOTE = {0: "intended_uses", 1: "out_of_scope", 2: "out_of_scope", 4: "beneficiaries", 11: "harms"}


def _code(rng: random.Random) -> str:
    return f"{rng.choice(dl.WORDS)}-{rng.choice(dl.WORDS)}-{rng.randint(1000, 9999)}"


def build(project, rows, plan) -> None:
    store = project.store
    rng = random.Random(2026)
    ids = [dl.seed_statement(store, text, lang, topic) for text, lang, topic, _a, _b in STATEMENTS]
    codes, langs = [], []
    while len(codes) < N_PARTICIPANTS:
        code = _code(rng)
        if code not in codes:
            codes.append(code)
            langs.append(rng.choices(["pt-BR", "es", "en"], weights=(0.6, 0.3, 0.1))[0])
    store.append_many([("participant.joined", {"code": c, "language": lang}, c) for c, lang in zip(codes, langs,
                                                                                                strict=True)])
    for (text, lang, topic), code in zip(PARTICIPANT_STATEMENTS, codes[:2], strict=True):
        ids.append(dl.add_statement(store, code, text, lang, topic))
    votes = []
    for i, code in enumerate(codes):
        camp_more = i % 2 == 0
        for k, (_t, _l, _topic, p_more, p_narrow) in enumerate(STATEMENTS):
            if rng.random() < 0.06:
                continue  # did not get to this card
            p = p_more if camp_more else p_narrow
            roll = rng.random()
            votes.append((code, ids[k], "agree" if roll < p else "pass" if roll < p + 0.05 else "disagree"))
        for sid in ids[len(STATEMENTS):]:
            if rng.random() < 0.7:
                votes.append((code, sid, rng.choice(["agree", "agree", "pass", "disagree"])))
    dl.cast_votes(store, votes)
    # Someone changes their mind: both votes stay in the log, the later one counts.
    dl.cast_vote(store, codes[3], ids[6], "pass")
    # A duplicate, merged by the facilitators, and an off-topic message, hidden.
    dup = dl.add_statement(store, codes[5], "mensagens urgentes primeiro!!", "pt-BR", "benefit")
    dl.merge(store, dup, ids[0])
    spam = dl.add_statement(store, codes[7], "vendo bicicleta, chama no zap", "pt-BR", "other")
    dl.hide(store, spam, "off topic")

    from ..purpose.analysis import analyse

    result = analyse(dl.Deliberation.load(store))
    consensus = result.statements.set_index("id")["consensus"]
    dl.share_results(store, result.summary())

    charter = ch.Charter(
        title="Urgentes primeiro / Urgent first",
        problem=("Residents' urgent messages wait in the same queue as questions about opening hours; "
                 "our health promoters read them late."),
        community=("Residents of Vila Esperança who message the co-op, through the co-op's monthly assembly "
                   "and its health promoters."),
        alternatives=[ch.Item("A rota of promoters answering a shared phone line in the morning peak."),
                      ch.Item("A keyword rule that flags words like 'dor no peito' or 'sangramento'.")],
        min_consensus=0.7,
        groups=["neighbourhood", "age_band", "language"],
        criteria=[
            ch.Criterion("recall", 0.8, ">=", "overall", label="urgent"),
            ch.Criterion("recall", 0.7, ">=", "every_group", label="urgent", attribute="neighbourhood",
                         min_group_size=30),
            ch.Criterion("accuracy", 0.1, "<=", "gap", attribute="age_band", min_group_size=30),
            ch.Criterion("false_negative_rate", 0.3, "<=", "every_group", label="urgent", attribute="language",
                         min_group_size=20),
        ],
        footprint_kwh=0.5,
        gate_rule="two_thirds",  # how the co-op decides its gates (scope, dataset, model)
        quorum=0.5,  # half of the registered members present
    )
    attributes, labels = ch.project_columns(project)
    ch.save_draft(store, charter, "first draft from the assembly", attributes, labels)
    for index, to in PROMOTE.items():
        ch.promote(store, ids[index], to, float(consensus[ids[index]]))
    _version, charter = ch.CharterHistory.load(store).draft()
    charter.harms[0].mitigation = "Promoters still read every message the same day; the model only orders the queue."
    charter.harms.append(ch.Item("Messages in Spanish or from older residents are sorted worse.",
                                 mitigation="Recall of 'urgent' is checked per language and per age band."))
    ch.save_draft(store, charter, "mitigations", attributes, labels)
    ch.record_decision(store, present=23, in_favour=20, against=1, abstain=2, rule="two_thirds")
    # The co-op's member register: everyone who took part votes; two of them are stewards of the data.
    store.append_many([("member.added", {"member": c, "roles": ["member", "steward"] if i < 2 else ["member"]},
                        "facilitator") for i, c in enumerate(codes)])
