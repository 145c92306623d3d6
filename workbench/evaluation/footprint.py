"""What a candidate costs: energy and CO2 to train and to evaluate, time, size, inference speed.

Energy comes from codecarbon's ``OfflineEmissionsTracker`` (no network) with the
project's country for the grid's carbon intensity, in ``process`` mode so that
other kernels on a shared workshop machine are not counted. On machines
without power counters (no Intel RAPL: most laptops under virtualisation, and
every cloud VM) codecarbon *estimates* CPU power from the processor model
(or 4 W per thread when it does not know the model) and RAM power from its
size: the numbers are an estimate, and the card says so. The first
measurement in a process costs ~3 s while codecarbon inspects the hardware.

Without codecarbon installed, :class:`EstimateMeter` gives a cruder estimate
from CPU time, a fixed power per busy core and a world-average intensity; the
card names the method either way.
"""

from __future__ import annotations

import contextlib
import logging
import math
import pickle
import time
from dataclasses import asdict, dataclass

_log = logging.getLogger(__name__)
_log.addHandler(logging.NullHandler())  # the app decides where records go (the CLI: errors.log), never stderr

CODECARBON = "codecarbon"
ESTIMATE = "estimate"
# Fallback constants (EstimateMeter): codecarbon's own default CPU power per thread, and a world average
# carbon intensity of electricity (IEA 2023, ~480 g CO2/kWh).
WATTS_PER_BUSY_CORE = 4.0
WORLD_KG_PER_KWH = 0.48


@dataclass
class Measurement:
    kwh: float
    co2_kg: float
    seconds: float


@dataclass
class Footprint:
    """The cost of one candidate; ``method`` says how energy was obtained, ``estimated`` whether it is a guess."""

    train_kwh: float = 0.0
    train_co2_kg: float = 0.0
    train_seconds: float = 0.0
    eval_kwh: float = 0.0
    eval_co2_kg: float = 0.0
    eval_seconds: float = 0.0
    model_bytes: int = 0
    inference_ms_per_1000: float = 0.0
    method: str = ESTIMATE
    estimated: bool = True
    country: str = ""
    hardware: str = ""

    @property
    def total_kwh(self) -> float:
        return self.train_kwh + self.eval_kwh

    @property
    def total_co2_kg(self) -> float:
        return self.train_co2_kg + self.eval_co2_kg

    def add(self, phase: str, m: Measurement) -> None:
        setattr(self, f"{phase}_kwh", getattr(self, f"{phase}_kwh") + m.kwh)
        setattr(self, f"{phase}_co2_kg", getattr(self, f"{phase}_co2_kg") + m.co2_kg)
        setattr(self, f"{phase}_seconds", getattr(self, f"{phase}_seconds") + m.seconds)

    def within(self, budget_kwh: float | None) -> bool | None:
        """Whether training and evaluating fit the charter's budget (None: no budget agreed)."""
        return None if budget_kwh is None else self.total_kwh <= float(budget_kwh)

    def to_dict(self) -> dict:
        out = {**asdict(self), "total_kwh": self.total_kwh, "total_co2_kg": self.total_co2_kg}
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}

    @classmethod
    def from_dict(cls, raw: dict) -> Footprint:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: (float("nan") if v is None and k == "inference_ms_per_1000" else v)
                      for k, v in dict(raw or {}).items() if k in names})


def alpha3(country: str) -> str | None:
    """'BR' -> 'BRA' (codecarbon wants ISO 3166 alpha-3); None when unknown."""
    code = (country or "").strip().upper()
    if len(code) == 3:
        return code
    if len(code) != 2:
        return None
    try:
        import pycountry

        found = pycountry.countries.get(alpha_2=code)
        return found.alpha_3 if found else None
    except ImportError:  # pragma: no cover - pycountry comes with codecarbon
        return None


class EstimateMeter:
    """CPU time x a fixed power per busy core x an average intensity: a rough estimate, no extra package."""

    method = ESTIMATE
    estimated = True

    def __init__(self, country: str = "", watts_per_core: float = WATTS_PER_BUSY_CORE,
                 kg_per_kwh: float = WORLD_KG_PER_KWH):
        self.country = country
        self.watts = watts_per_core
        self.intensity = kg_per_kwh
        self.hardware = "CPU time x a fixed power per busy core"

    @contextlib.contextmanager
    def measure(self):
        out = Measurement(0.0, 0.0, 0.0)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield out
        finally:
            out.seconds = time.perf_counter() - t0
            out.kwh = (time.process_time() - c0) * self.watts / 3.6e6
            out.co2_kg = out.kwh * self.intensity


class CodecarbonMeter:
    """codecarbon's OfflineEmissionsTracker around each phase, for the project's country."""

    method = CODECARBON

    def __init__(self, country: str = ""):
        self.country = country
        self.iso3 = alpha3(country) or "USA"  # codecarbon needs one; the card names the country used
        self.estimated = True
        self.hardware = ""

    def warm_up(self) -> None:
        """Start codecarbon's one-time hardware inspection (~3 s, mostly a ``cpuinfo`` subprocess) in the
        background, so it overlaps with preparing the data; the first measurement waits for it."""
        import threading

        def inspect():
            try:
                with self.measure():
                    pass
            except Exception:  # noqa: BLE001 - a seam: codecarbon in a thread; the real measurement raises it again
                _log.info("codecarbon's warm-up failed", exc_info=True)

        threading.Thread(target=inspect, daemon=True).start()

    @contextlib.contextmanager
    def measure(self):
        from codecarbon import OfflineEmissionsTracker

        logging.getLogger("codecarbon").setLevel(logging.ERROR)  # after the import, which sets its own level
        out = Measurement(0.0, 0.0, 0.0)
        tracker = OfflineEmissionsTracker(country_iso_code=self.iso3, output_methods=[], log_level="error",
                                          tracking_mode="process", measure_power_secs=15, allow_multiple_runs=True)
        tracker.start()
        t0 = time.perf_counter()
        try:
            yield out
        finally:
            out.seconds = time.perf_counter() - t0
            emissions = tracker.stop()
            data = tracker.final_emissions_data
            out.kwh = float(getattr(data, "energy_consumed", 0.0) or 0.0)
            out.co2_kg = float(emissions or 0.0)
            cpu = str(getattr(tracker, "_conf", {}).get("cpu_model", "") or "")
            modes = [str(getattr(h, "_mode", "")) for h in getattr(tracker, "_hardware", [])]
            mode = next((m for m in modes if m), "")
            # Power counters (RAPL, powermetrics, Power Gadget, Windows EMI) measure; the rest estimate.
            self.estimated = not any(c in mode for c in ("rapl", "powermetrics", "power_gadget", "emi"))
            self.hardware = f"{cpu} ({mode or 'unknown method'})".strip()


def default_meter(country: str = ""):
    """codecarbon when installed, else the rough estimate."""
    import importlib.util

    return CodecarbonMeter(country) if importlib.util.find_spec("codecarbon") else EstimateMeter(country)


def model_size_bytes(model) -> int:
    """Bytes of the fitted model as pickled (the saved file is within a few percent of this)."""
    return len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))


def inference_ms_per_1000(model, rows, repeat: int = 3) -> float:
    """Milliseconds to predict 1,000 rows like ``rows`` (best of ``repeat``; rows are tiled to 1,000)."""
    import pandas as pd

    if len(rows) == 0:
        return float("nan")
    reps = -(-1000 // len(rows))
    batch = pd.concat([rows] * reps).iloc[:1000] if reps > 1 else rows.iloc[:1000]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.predict(batch)
        best = min(best, time.perf_counter() - t0)
    return best * 1000.0 * 1000 / len(batch)
