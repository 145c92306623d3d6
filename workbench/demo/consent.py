"""The demo co-op's consent stage: a published scope, forms in three languages, and a ledger.

The ledger follows the seeded plan (:func:`workbench.demo.dataset.consent_plan`): ``all`` grants every
use the person may choose, ``evaluate_only`` only evaluation, ``no_record`` nothing, ``refuses`` a
refusal, ``withdraws_later`` a grant and, some weeks later, a withdrawal (of everything for half of them,
of training only for the rest). A few early paper forms are older than the 24-month limit: expired.
Dates are relative to today, so nothing is ever in the future.

Who decided, as the ledger requires (issue 19): people who used the app hold a contributor card (issued
here; their codes are not kept, so a facilitator reissues one to try the app); paper and spoken decisions
were recorded by a facilitator with a witness and the paper's reference. Contributors who never used the
app have no card yet: ``workbench consent cards DIR`` prints theirs.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ..consent import cards as C
from ..consent import ledger as L
from ..consent.form import write_forms
from ..consent.scope import ALWAYS, CHOOSES, NEVER, Conditions, Scope, publish

HOLDER = ("Cooperativa Comunitária de Saúde Vila Esperança, no computador da própria cooperativa, "
          "guardado no posto de saúde")
CONTACT = "Sala da cooperativa no posto de saúde, terças e quintas, 9h às 12h; ou a agente de saúde do seu bairro"
BENEFIT = ("Os resultados são apresentados primeiro na assembleia da cooperativa; o que o modelo melhorar no "
           "atendimento fica para a comunidade, sem custo.")
APPROVER = "Assembleia geral da cooperativa"
EXPIRY_MONTHS = 24


def demo_scope() -> Scope:
    return Scope(
        holder=HOLDER,
        contact=CONTACT,
        language="pt-BR",
        uses={"train": CHOOSES, "evaluate": CHOOSES, "publish_aggregates": ALWAYS, "publish_examples": NEVER,
              "share_data": NEVER, "share_models": CHOOSES, "commercial": NEVER, "monitor": CHOOSES},
        conditions=Conditions(expiry_months=EXPIRY_MONTHS, stays_on_machine=True, benefit_sharing=BENEFIT,
                              collaboration_required=True, derived_data_returned=True, new_use_approver=APPROVER),
        labels=("bc_provenance", "bc_consent_verified", "tk_community_use_only"),
    )


def build(project, rows, plan, seed: int = 7, now: datetime | None = None) -> None:
    from ..decisions import decide, subjects

    scope = demo_scope()
    decide(project.store, "scope", subjects.scope(scope), present=19, in_favour=17, against=1, abstain=1,
           title="Consent scope for the urgent-first model",
           outcome="Agreed: training and evaluation each by choice; examples never published.")
    version = publish(project.store, scope, actor="facilitator")
    rng = random.Random(seed + 4)
    now = now or datetime.now(UTC)
    choosable = version.scope.choosable()
    items, card_items, card_of = [], [], {}
    for intent in plan:
        who, choice = intent.contributor_id, intent.choice
        if choice == "no_record":
            continue
        method = rng.choices(("app", "paper", "spoken"), weights=(0.7, 0.25, 0.05))[0]
        witness = "" if method == "app" else "f-ana"
        actor = who if method == "app" else "facilitator"
        if method == "app":
            issued, _code = C.issue_events(who, "facilitator", "", "first", None)
            card_items += issued
            card_of[who] = issued[-1][1]["card_id"]
            proof = {"proof": "card", "card_id": card_of[who]}
        else:
            proof = {"proof": "witness", "paper_ref": f"pasta de fichas 2025, ficha {len(items) + 1}"}
        at = now - timedelta(days=rng.randint(20, 300), minutes=rng.randint(0, 600))
        if choice == "all" and method == "paper" and rng.random() < 0.2:
            at = now - timedelta(days=rng.randint(750, 800))  # an early paper form: past the 24 months
        if choice == "refuses":
            items.append((L.REFUSED_KIND, {**L.refuse_payload(version, who, method=method, at=at, witness=witness,
                                                              language="pt-BR"), **proof}, actor))
            continue
        answers = dict.fromkeys(choosable, True) if choice != "evaluate_only" else {"evaluate": True}
        items.append((L.GRANTED, {**L.grant_payload(version, who, answers, method=method, at=at, witness=witness,
                                                    language="pt-BR"), **proof}, actor))
        if choice == "withdraws_later":
            later = min(at + timedelta(days=rng.randint(7, 60)), now - timedelta(days=1))
            uses = None if rng.random() < 0.5 else ["train"]
            if who not in card_of:  # a paper person who later used the app: they got a card first
                issued, _code = C.issue_events(who, "facilitator", "", "first", None)
                card_items += issued
                card_of[who] = issued[-1][1]["card_id"]
            items.append((L.WITHDRAWN_KIND, {**L.withdraw_payload(who, uses, method="app", at=later,
                                                                  language="pt-BR"),
                                             "proof": "card", "card_id": card_of[who]}, who))
    project.store.append_many(card_items)
    project.store.append_many(items)
    write_forms(project, version.version)
