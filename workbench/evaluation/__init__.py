"""Stage 4, small-model evaluation: fit for purpose, and the community can see why.

- :mod:`.candidates`: the registry of candidate models (one registration each), sklearn pipelines.
- :mod:`.metrics`: per-group metrics from confusion counts (vectorised), bootstrap intervals, gaps.
- :mod:`.criteria`: each charter criterion checked: pass / fail / not enough evidence.
- :mod:`.footprint`: energy and CO2 (codecarbon, offline), wall time, model size, inference time.
- :mod:`.protocol`: the seeded split or k-fold, the run with progress and cancellation, its events.
- :mod:`.choose`: the recommendation rule and the community's recorded decision.
- :mod:`.card`: the model card (Markdown, HTML, Hugging Face metadata) and the saved model.
- :mod:`.drift`: consent drift: the chosen model's contributors who later withdrew.
- :mod:`.inputs`: the adapter from a project (curated views, consent, charter) to plain pandas inputs.
- :mod:`.run`: the one evaluation path (``run_evaluation``) the app, the CLI, the pipeline and the demo call.

Everything works on plain pandas inputs (a train and a test DataFrame, the target
column, the group columns, an optional text column); only :mod:`.inputs` knows
about the project, and :mod:`.run`, which starts from one. scikit-learn, pandas
and codecarbon are imported where used.
"""
