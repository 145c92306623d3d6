"""Stage 1, Purpose: deliberation (statements and votes) and the community's charter.

Modules, each with one job:

- :mod:`.deliberation` -- participant codes, statements, votes, moderation; the
  state is a fold over the log (``Deliberation.from_events``). Pure Python, so
  participant kernels can import it without pandas.
- :mod:`.analysis` -- the Pol.is method (PCA, k-means, group-informed consensus,
  representative statements) with pandas and scikit-learn.
- :mod:`.charter` -- the charter, its success criteria as data, versions and the
  agreement decision.
- :mod:`.export` -- the conversation in the Pol.is export shape.
- :mod:`.render` -- charter.md / charter.html (Jinja2) and criteria.json.

Nothing heavy is imported here.
"""
