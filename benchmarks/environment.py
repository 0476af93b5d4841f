"""What every result records about the machine: CPU, cores, BLAS and its threads, library versions."""

import os
import platform
import sys
from importlib import metadata

import impls

PACKAGES = ("numpy", "numba", "llvmlite", "threadpoolctl", "torch", "jax", "cupy-cuda12x", "cupy-cuda13x", "dask",
            "distributed")


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


def versions() -> dict[str, str]:
    """Python and the installed versions of the libraries the implementations use."""
    found = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def gpu() -> str | None:
    """The CUDA device the cupy column runs on (name and memory), or None where it cannot run."""
    if not impls.get("cupy").available:
        return None
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    return f"{props['name'].decode()}, {props['totalGlobalMem'] / 2**30:.0f} GiB"


def read_bandwidth() -> dict[str, float]:
    """Read GB/s for each thread count of the grid (1 and all cores), whatever the profile."""
    from benchmarks import grid, roofline

    return roofline.bandwidth_by_threads(grid.THREADS)


def machine_record(start: dict[str, float] | None = None) -> dict:
    """CPU model, cores, BLAS libraries, Numba threads, versions, profile, and read bandwidth.

    The bandwidth is measured here, in the same run as the benchmarks (at its end), for each
    thread count; ``start`` is the same measurement from the run's beginning, when there was one.
    Per thread count the larger reading is kept, and the largest of those is the machine's one-read
    limit that every timing is compared with: a limit taken from a slow moment would flatter them.
    """
    from benchmarks import grid

    threads = impls.thread_info()
    end = read_bandwidth()
    samples = {"start": start, "end": end} if start else {"end": end}
    by_threads = {k: max(s.get(k, 0.0) for s in samples.values()) for k in end}
    return {"cpu_model": cpu_model(), "cores": os.cpu_count(), "numba_threads": threads["numba_threads"],
            "blas": threads["blas"], "versions": versions(), "profile": grid.profile_name(),
            "read_bandwidth_gbs": max(by_threads.values()), "read_bandwidth_gbs_by_threads": by_threads,
            "read_bandwidth_samples": samples, "gpu": gpu()}


def unavailable() -> dict[str, str]:
    """Registered implementations that cannot run here, with the reason."""
    return {name: impls.get(name).unavailable_reason for name in impls.names() if not impls.get(name).available}
