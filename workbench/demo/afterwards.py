"""The demo co-op after adoption: what the model is doing, what people raised, what came back to them.

- A monitoring batch (:mod:`workbench.demo.monitoring`) in which Campo Verde's urgent messages are missed
  too often, so the model goes under review.
- Two concerns: one from a resident who has no workshop code, about the model, which the facilitators
  uphold; one from a participant about the process, answered and resolved.
- The benefits the charter promised (a share of any grant to the health fund; evening sessions for
  residents) and what was delivered so far.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def build(project, rows, plan) -> None:
    from ..concerns import project_secret
    from ..evaluation.lifecycle import in_use

    store = project.store
    secret = project_secret(project)
    if in_use(store) is not None:
        _model_in_use(project, secret)
    _process_and_benefits(project, secret)


def _model_in_use(project, secret) -> None:
    from ..concerns import raise_concern, triage
    from ..monitoring import add_batch
    from .monitoring import demo_batch

    store = project.store
    add_batch(project, demo_batch(project, project.root / "monitoring-batch.csv"))
    model = raise_concern(store, "model", "Meus recados urgentes de Campo Verde ficaram esperando dias.",
                          share_text=True, language="pt-BR", secret=secret)
    triage(store, model.concern.id, "acknowledged")
    triage(store, model.concern.id, "upheld", "Monitoring confirms it: recall for Campo Verde is too low. "
           "Promoters read that queue by hand until the assembly decides.")


def _process_and_benefits(project, secret) -> None:
    from ..benefits import deliver, promise
    from ..concerns import raise_concern, triage

    store = project.store
    code = next(iter(sorted(store.events(kinds=["member.added"]), key=lambda e: e.seq))).payload["member"]
    process = raise_concern(store, "process", "The assembly was at a time I work.", code=code, language="en",
                            secret=secret)
    triage(store, process.concern.id, "resolved", "The next assembly is on a Saturday morning.")
    today = datetime.now(UTC).date()
    fund = promise(store, "10% of any grant the model brings, to the co-op's health fund", "money", amount=1200,
                   currency="BRL", to_groups=["Morro Alto", "Beira-Rio", "Jardim Sul", "Vila Nova", "Campo Verde"],
                   due=today + timedelta(days=90), source="charter")
    promise(store, "Evening sessions where residents see how the model sorts messages", "service",
            to_groups=["Morro Alto", "Beira-Rio", "Jardim Sul", "Vila Nova", "Campo Verde"], due=today + timedelta(days=30),
            source="charter")
    deliver(store, fund.payload["id"], "First grant share paid to the health fund", amount=400, currency="BRL",
            on=today - timedelta(days=3), to_groups=["Campo Verde", "Morro Alto"])
