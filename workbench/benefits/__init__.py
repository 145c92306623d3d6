"""What the community was promised back and what reached it; data workers' own records (issue 20).

- :mod:`.ledger`: the benefits ledger (``benefit.promised`` / ``benefit.delivered`` / ``benefit.withdrawn``),
  :func:`summary` and :func:`card_summary` for a model card or report.
- :mod:`.worker_cards`: data-worker cards, so a worker can open their own data-work record
  (``workbench.ui.curation.mywork``) with a code, not a pseudonym.
"""

from .ledger import BenefitsLedger, card_summary, deliver, promise, summary, withdraw
from .worker_cards import verify_worker_card

__all__ = ["BenefitsLedger", "card_summary", "deliver", "promise", "summary", "verify_worker_card", "withdraw"]
