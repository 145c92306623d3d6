"""Hostile files made on the spot (too large to commit): used by tests/test_hostile_limits.py and
benchmarks/bench_hostile.py, so the benchmark measures the very inputs the tests refuse."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def skops_model(folder: Path) -> Path:
    """A real, small LogisticRegression saved by skops as ``folder/model.skops``."""
    import numpy as np
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.arange(40, dtype=float).reshape(20, 2), [0, 1] * 10)
    path = Path(folder) / "model.skops"
    sio.dump(model, path)
    return path


def swap_array(src: Path, dst: Path, header_shape: tuple, zeros: int) -> Path:
    """The model with its first array replaced: a header declaring ``header_shape`` and ``zeros`` bytes, deflated."""
    import numpy as np

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        swapped = False
        for info in zin.infolist():
            if info.filename.endswith(".npy") and not swapped:
                swapped = True
                header = io.BytesIO()
                np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                              "shape": header_shape})
                with zout.open(info.filename, "w", force_zip64=True) as member:
                    member.write(header.getvalue())  # magic and header
                    block = bytes(1 << 22)
                    for start in range(0, zeros, len(block)):
                        member.write(block[: min(len(block), zeros - start)])
            else:
                zout.writestr(info, zin.read(info.filename))
    return Path(dst)
