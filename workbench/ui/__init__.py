"""ipywidgets views, shaped like the apps (``workbench/apps.py``). No business logic, no SQL.

A stage with more than one screen or role is a package, one module per screen or role, whose
``__init__`` holds only the Voila entry points (``app()``, ``scope_app()``, ...) and imports no view
until one is opened: ``purpose/`` (participant, facilitator), ``consent/`` (contributor, facilitator),
``curation/`` (view with one module per panel, datawork, mywork), ``evaluation/`` (desk, monitoring),
``concerns/`` (form, triage). Apps of no one stage are modules: ``welcome``, ``room``, ``outcomes``,
``federation``.

Every view starts from :meth:`workbench.ui._base.View._chrome` and builds its controls and repeated HTML
with the one widget kit, :mod:`workbench.ui.kit`. Escaping is :func:`workbench.text.esc` (and ``bdi``),
below both the views and the server.

Import the module you need (``workbench.ui.purpose.participant``); this package imports nothing heavy so
participant kernels stay small.
"""
