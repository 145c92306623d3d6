"""Saving and loading fitted models, and small file helpers.

The **adopted** model is saved with **skops** (``.skops``) when it is installed,
else with joblib. Why skops: a pickle (joblib's format) runs arbitrary code when
it is loaded, and an adopted model is meant to travel between co-ops of the
federation; ``skops.io.load`` rebuilds only the types it is told to trust and
lists any other type instead of running it. We trust scikit-learn, numpy and
scipy types and the workbench's own :class:`~.candidates.PrepareColumns` and
:class:`~.candidates.SentenceEmbedder`; anything else in a file is refused.

Every candidate of a run is also kept, as a **joblib** file in the run's folder:
a scratch copy written and read by the project's own process, loaded only after
its logged SHA-256 matches. skops costs here 0.1-0.8 s and ~1 MB per TF-IDF
model against joblib's 0.04-0.09 s and ~60 KB, which a run of eight candidates
pays eight times; the conversion to skops happens once, at adoption.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from .._atomic import atomic_path
from .._atomic import write_atomic as write_atomic  # public here too: protocol, card and catalog use it
from ..errors import WorkbenchError

OUR_TYPES = ("workbench.evaluation.candidates.PrepareColumns", "workbench.evaluation.candidates.SentenceEmbedder")
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.", "workbench.evaluation.candidates.")


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_format() -> str:
    return "skops" if importlib.util.find_spec("skops") else "joblib"


def save_model(model, folder: Path, name: str = "model", fmt: str | None = None) -> Path:
    """Save ``model`` as ``folder/name.skops`` (or ``.joblib``, or as ``fmt`` says); returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    fmt = fmt or model_format()
    path = folder / f"{name}.{fmt}"
    with atomic_path(path) as tmp:
        if fmt == "skops":
            import skops.io as sio

            sio.dump(model, tmp)
        else:
            import joblib

            joblib.dump(model, tmp)
    return path


def load_model(path: str | os.PathLike, sha256: str | None = None):
    """Load a model saved by :func:`save_model`; a skops file with an untrusted type is refused, and a file
    whose hash is not ``sha256`` (when given) is not loaded at all."""
    path = Path(path)
    if sha256 is not None and (not path.is_file() or sha256_file(path) != sha256):
        raise WorkbenchError(f"The saved model {path.name} is missing or was changed.", "Run the evaluation again.",
                             key="evaluation.error.model_changed", file=path.name)
    if path.suffix == ".skops":
        import skops.io as sio

        untrusted = sio.get_untrusted_types(file=path)
        unknown = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if unknown:
            raise WorkbenchError(f"The model file {path.name} holds types the workbench does not trust: "
                                 f"{', '.join(unknown)}.", "Do not load it; ask whoever sent it how it was made.",
                                 key="evaluation.error.untrusted_model", types=", ".join(unknown))
        return sio.load(path, trusted=untrusted)
    import joblib

    return joblib.load(path)
