"""Stage 2, consent: the community's scope, the plain-language form, the ledger of grants and withdrawals.

- :mod:`.uses`: the uses a scope can permit, mapped to GA4GH DUO and W3C DPV terms; Local Contexts labels.
- :mod:`.scope`: :class:`~.scope.Scope` (versioned, content-hashed), publishing, :class:`~.scope.ScopeHistory`.
- :mod:`.ledger`: recording grants / refusals / withdrawals and :class:`~.ledger.ConsentLedger`, whose
  ``permits`` and vectorised ``permitted_mask`` the curation stage relies on.
- :mod:`.cards`: contributor cards, the proof a person shows before their consent changes (issue 19).
- :mod:`.form`: the consent form and receipts, rendered from Jinja2 templates in three languages.
- :mod:`.paper`: importing paper consent records from CSV or Excel, every bad row reported.

Nothing here imports pandas at import time; only the vectorised functions do.
"""

from .ledger import REASONS, ConsentLedger, Receipt, give, refuse, withdraw
from .scope import ALWAYS, CHOICES, CHOOSES, NEVER, Conditions, Scope, ScopeHistory, ScopeVersion, publish
from .uses import LABELS, USE_KEYS, USES

__all__ = [
    "ALWAYS", "CHOICES", "CHOOSES", "LABELS", "NEVER", "REASONS", "USES", "USE_KEYS", "Conditions",
    "ConsentLedger", "Receipt", "Scope", "ScopeHistory", "ScopeVersion", "give", "publish", "refuse", "withdraw",
]
