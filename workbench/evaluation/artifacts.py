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
# What a skops file may unpack to before it is loaded. A TF-IDF model of 60,000 words is ~40 MB (most of it
# the vocabulary in schema.json); a 2.9 MB file of deflated zeros declared itself a 3 GB array and took 6 GB.
MAX_MODEL_UNPACKED = 200_000_000
MAX_MODEL_MEMBERS = 100_000
MAX_SCHEMA_DEPTH = 200  # skops nests a node per object level: a pipeline of pipelines is a few dozen


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


def load_model(path: str | os.PathLike, sha256: str | None = None, budget: int = MAX_MODEL_UNPACKED):
    """Load a model saved by :func:`save_model`; a skops file with an untrusted type is refused, and a file
    whose hash is not ``sha256`` (when given) is not loaded at all. ``budget``: bytes it may unpack to
    (another community's model: the project's ``[limits] model_mb``)."""
    path = Path(path)
    if sha256 is not None and (not path.is_file() or sha256_file(path) != sha256):
        raise WorkbenchError(f"The saved model {path.name} is missing or was changed.", "Run the evaluation again.",
                             key="evaluation.error.model_changed", file=path.name)
    if path.suffix == ".skops":
        import skops.io as sio

        check_model_size(path, budget)
        untrusted = sio.get_untrusted_types(file=path)
        unknown = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if unknown:
            raise WorkbenchError(f"The model file {path.name} holds types the workbench does not trust: "
                                 f"{', '.join(unknown)}.", "Do not load it; ask whoever sent it how it was made.",
                                 key="evaluation.error.untrusted_model", types=", ".join(unknown))
        return sio.load(path, trusted=untrusted)
    import joblib

    return joblib.load(path)


def _too_big(path: Path, what: str, size: int, budget: int) -> WorkbenchError:
    return WorkbenchError(f"The model file {path.name} {what} {size / 1e6:,.0f} MB, more than the "
                          f"{budget / 1e6:,.0f} MB the workbench loads.",
                          "Do not load it; ask whoever sent it for the model as it was saved.",
                          key="evaluation.error.model_too_big", file=path.name, size=f"{size / 1e6:,.0f} MB",
                          limit=f"{budget / 1e6:,.0f} MB")


def check_model_size(path: str | os.PathLike, budget: int = MAX_MODEL_UNPACKED) -> None:
    """Refuse a skops file that would unpack past ``budget`` bytes, from its zip directory and array headers.

    Nothing is decompressed but each ``.npy`` header (a few hundred bytes) and the schema's nesting: the
    members' declared sizes, the shapes the arrays declare (a header may claim more than its member holds),
    and arrays inside ``.npz`` members are all counted against the budget before skops reads a byte.
    """
    import io
    import zipfile
    import zlib

    import numpy as np

    from ..filecheck import json_depth

    path = Path(path)

    def damaged() -> WorkbenchError:
        return WorkbenchError(f"The model file {path.name} is damaged (not a skops file).",
                              "Do not load it; ask whoever sent it for a new copy.",
                              key="evaluation.error.model_damaged", file=path.name)

    def arrays(zf: zipfile.ZipFile, depth: int = 0) -> int:
        infos = zf.infolist()
        if len(infos) > MAX_MODEL_MEMBERS:
            raise WorkbenchError(f"The model file {path.name} holds {len(infos):,} files, more than a model has.",
                                 "Do not load it; ask whoever sent it how it was made.",
                                 key="evaluation.error.model_damaged", file=path.name)
        declared = sum(max(0, i.file_size) for i in infos)
        if declared > budget:
            raise _too_big(path, "unpacks to", declared, budget)
        total = 0
        for info in infos:
            name = info.filename
            if info.flag_bits & 0x1:  # an encrypted member: skops never writes one (zipfile would raise RuntimeError)
                raise damaged()
            try:
                if name.endswith(".npy"):
                    with zf.open(info) as fh:
                        fmt = np.lib.format
                        major, _minor = fmt.read_magic(fh)
                        read_header = fmt.read_array_header_1_0 if major == 1 else fmt.read_array_header_2_0
                        shape, _order, dtype = read_header(fh, max_header_size=10_000)
                    count = 1
                    for n in shape:
                        count *= int(n)
                    total += count * (dtype.itemsize or 1)
                elif name.endswith(".npz") and depth == 0:
                    with zipfile.ZipFile(io.BytesIO(zf.read(info))) as inner:
                        total += arrays(inner, depth + 1)
                elif name == "schema.json" and depth == 0 and json_depth(zf.read(info)) > MAX_SCHEMA_DEPTH:
                    raise WorkbenchError(f"The model file {path.name} nests deeper than any model does.",
                                         "Do not load it; ask whoever sent it how it was made.",
                                         key="evaluation.error.model_damaged", file=path.name)
            except (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error, NotImplementedError):
                raise damaged() from None  # a damaged header or member, or a compression skops never uses
            if total > budget:
                raise _too_big(path, "declares arrays of", total, budget)
        return total

    try:
        with zipfile.ZipFile(path) as zf:
            arrays(zf)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise damaged() from None
