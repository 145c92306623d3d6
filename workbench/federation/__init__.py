"""Federation: many small communities share what they may share, and nothing else.

- :mod:`.keys`: the community's Ed25519 key pair (the private half never leaves ``.workbench/``).
- :mod:`.bundle`: :func:`~.bundle.plan_bundle` (what will and will not be shared, in plain words) and
  :func:`~.bundle.export_bundle` (the signed commons bundle).
- :mod:`.verify`: :func:`~.verify.verify_bundle`, every hash and the signature, zip-slip and zip bombs refused.
- :mod:`.catalog`: other communities' bundles in ``DIR/catalog/``, and results others sent back.
- :mod:`.usecheck`: "may we use model X for our purpose?": yes / no / ask them, with the reasons.
- :mod:`.federated`: federated evaluation: their model on our permitted rows; only aggregates leave.
"""
