"""The machine a run is on: its identity (stable from run to run), its cache levels, and its noise.

``machine_record`` goes to pytest-benchmark's ``machine_info`` and must read the same in two runs
on one machine, or pytest-benchmark's compare calls the machine "different"; live readings
(bandwidth, steal, load) belong to the run record instead (benchmarks/conftest.py).
"""

import os
import platform
import statistics
import sys
import time
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np

import impls
from reports.contract import schema
from reports.contract.records import Noise

_CACHE_DIR = Path("/sys/devices/system/cpu/cpu0/cache")
_LLC_FALLBACK = 32 * 2**20  # where Linux lists no caches


def cpu_model() -> str:
    """The CPU's marketing name (Linux /proc/cpuinfo), or what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _size_bytes(text: str) -> int | None:
    text = text.strip().upper()
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    if text[:-1].isdigit() and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text) if text.isdigit() else None


@cache
def caches() -> dict[str, int]:
    """Data cache sizes in bytes seen by one core ({"L1d", "L2", "L3"}; L2 per core, L3 shared), from Linux."""
    found = {}
    for index in sorted(_CACHE_DIR.glob("index*")):
        try:
            level, kind, size = ((index / f).read_text().strip() for f in ("level", "type", "size"))
        except OSError:
            continue
        if kind != "Instruction" and (nbytes := _size_bytes(size)):
            found["L1d" if level == "1" else f"L{level}"] = nbytes
    found.setdefault(schema.L3, found.get(schema.L2, _LLC_FALLBACK))  # no L3: L2 is the last level
    found.setdefault(schema.L2, min(found[schema.L3], 2**20))
    return found


def installed_memory() -> int:
    """Bytes of physical memory (Linux; 0 where unknown)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def memory_level(bytes_x: int, threads: int) -> str:
    """The memory level X is read from when a gradient is called again and again on it.

    X fits in L2 when it is at most ``threads`` cores' L2 together (each thread reads its share),
    in L3 when it is at most the shared L3, and is streamed from DRAM beyond. Y, w and the
    temporaries share those caches, so near a boundary X can spill to the next level: that only
    makes a timing slower than its ceiling, never faster.
    """
    return schema.level_of(bytes_x, threads, caches())


def level_bytes() -> dict[str, int]:
    """Each level's capacity as memory_level uses it: L2 per core, L3 shared, DRAM installed."""
    return {schema.L2: caches()[schema.L2], schema.L3: caches()[schema.L3], schema.DRAM: installed_memory()}


@cache
def packages() -> tuple[str, ...]:
    """The installed distributions of the libraries the interface and the implementations import, as the
    registry declares them (cupy's is cupy-cuda12x, say); none is imported."""
    registry = impls._registry
    libraries = [*registry.INTERFACE_LIBRARIES, *(lib for e in registry.MODULES.values() for lib in e.libraries)]
    provided = metadata.packages_distributions()  # top-level package -> the distributions that install it
    return tuple(dict.fromkeys(dist for lib in libraries for dist in provided.get(lib, ())))


def versions() -> dict[str, str]:
    """Python and the installed versions of the libraries the implementations use."""
    found = {"python": sys.version.split()[0]}
    for name in packages():
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def gpu() -> str | None:
    """The accelerator an implementation of this run computed on (its device() hook), or None."""
    found = (impls.get(name).device() for name in impls.imported() if impls.get(name).available)
    return next((d for d in found if d), None)


BLAS_APIS = ("openblas", "mkl", "blis", "accelerate")  # threadpoolctl's internal_api names of a BLAS


def blas() -> list[dict]:
    """The BLAS NumPy was built with (its API and version), from NumPy's own build record.

    Not the libraries loaded right now: SciPy, PyTorch or JAX each bring an OpenBLAS of their own
    when first imported, so the loaded list depends on import order and on which extras are
    installed, and two runs on one machine would read as two machines to pytest-benchmark's compare.
    """
    found = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    name = str(found.get("name") or "").lower()
    api = next((a for a in BLAS_APIS if a in name), name or None)
    return [{"internal_api": api, "version": found.get("version")}] if api else []


@cache
def machine_record() -> dict:
    """The machine's identity (schema.MACHINE_FIELDS): nothing that changes between two runs on it."""
    unavailable()  # imports every backend first, so gpu() sees every implementation's device
    return {schema.CPU_MODEL: cpu_model(), schema.CORES: os.cpu_count(), schema.CACHES: caches(),
            schema.BLAS: blas(), schema.VERSIONS: versions(), schema.GPU: gpu()}


def unavailable() -> dict[str, str]:
    """Registered implementations that cannot run here, with the reason."""
    return {name: impls.get(name).unavailable_reason for name in impls.names() if not impls.get(name).available}


def cpu_ticks() -> list[int]:
    """The aggregate CPU line of /proc/stat (user … steal), or [] where there is none."""
    try:
        with open("/proc/stat", encoding="utf-8") as f:
            fields = f.readline().split()
    except OSError:
        return []
    return [int(v) for v in fields[1:9]] if fields and fields[0] == "cpu" else []


def noise_snapshot() -> dict:
    """CPU ticks and the 1-minute load now: one end of a run's noise record."""
    return {"ticks": cpu_ticks(), "load": os.getloadavg()[0], "time": time.time()}


def steal_fraction(start: dict, end: dict) -> float | None:
    """Stolen ticks over all ticks between two snapshots (the 8th field of /proc/stat's cpu line)."""
    if len(start["ticks"]) < 8 or len(end["ticks"]) < 8:
        return None
    delta = [b - a for a, b in zip(start["ticks"], end["ticks"], strict=True)]
    return delta[7] / sum(delta) if sum(delta) > 0 else 0.0


def drift(readings) -> float | None:
    """(max − min) / median of readings (None below two)."""
    readings = list(readings)
    return (max(readings) - min(readings)) / statistics.median(readings) if len(readings) > 1 else None


def noise_record(start: dict, end: dict, dram_readings: dict[str, list[float]]) -> Noise:
    """Steal between start and end, load at both, the DRAM probe's largest drift.

    ``dram_readings`` holds each thread count's DRAM readings of the run; the drift is taken per
    thread count (1 and 2 threads read different bandwidths) and the largest is kept.
    """
    drifts = [d for values in dram_readings.values() if (d := drift(values)) is not None]
    return Noise(steal_fraction(start, end), (start["load"], end["load"]), max(drifts, default=None))
