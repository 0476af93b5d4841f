"""The one declaration every implementation module makes: ``SPEC = Spec(...)``.

A frozen, keyword-only dataclass instead of optional module constants read with defaults: a
misspelled field (``uses_thread=True``) is a TypeError at import, not a silently ignored flag.
Behaviour stays in module functions: ``gradients(w, b, X, Y)`` (required) and the optional hooks
``prepare(X, Y)``, ``unavailable_reason()``, ``set_num_threads(k)`` and ``close()``.

HOST and DEVICE are also the results format's words for where X lives: the benchmarks write a spec's word
into each result and a test reads each one back through the report's reader, so impls, at the bottom of
the import graph, spells them without importing the report.
"""

from __future__ import annotations

from dataclasses import dataclass

HOST, DEVICE = "host", "device"  # where prepare() leaves X: main memory, or a GPU's
COMPUTE_DTYPES = ("float64", "float32")  # the names a kernel may compute in (_validate maps them to dtypes)


@dataclass(frozen=True, kw_only=True)
class Spec:
    """What the suite needs to know about one implementation, checked when it is declared."""

    summary: str  # one line for humans
    dtypes: tuple[str, ...] = ("float64",)  # compute dtypes the kernel supports natively
    uses_threads: bool = False  # more threads can speed it up (BLAS, prange, a backend's pool)
    jit: bool = False  # its first call compiles code (benchmarks time compilation on its own)
    memory: str = HOST  # HOST or DEVICE (a GPU's memory: the host's read bandwidth does not bound it)
    cost_ns: tuple[float, float] = (0.0, 1.0)  # (ns per example, ns per element): lets benchmarks skip sizes
    copies: bool = False  # its prepare() already copies X and Y (to a device, workers, a tiled layout)
    warns: bool = False  # computes with NumPy ufuncs, which warn on inf/NaN: calls run under np.errstate

    def __post_init__(self) -> None:
        if not isinstance(self.summary, str) or not self.summary or "\n" in self.summary:
            raise ValueError(f"summary must be one non-empty line, got {self.summary!r}")
        if not self.dtypes or not set(self.dtypes) <= set(COMPUTE_DTYPES) or "float64" not in self.dtypes:
            raise ValueError(f"dtypes must include float64 and come from {COMPUTE_DTYPES}, got {self.dtypes!r}")
        for flag in ("uses_threads", "jit", "copies", "warns"):
            if not isinstance(getattr(self, flag), bool):
                raise TypeError(f"{flag} must be True or False, got {getattr(self, flag)!r}")
        if self.memory not in (HOST, DEVICE):
            raise ValueError(f"memory must be {HOST!r} or {DEVICE!r}, got {self.memory!r}")
        if len(self.cost_ns) != 2 or not all(c >= 0 for c in self.cost_ns):
            raise ValueError(f"cost_ns must be (ns per example, ns per element) >= 0, got {self.cost_ns!r}")


def spec_of(module) -> Spec:
    """The module's SPEC; a TypeError when it has none or defines no gradients."""
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, Spec):
        raise TypeError(f"{module.__name__} must declare SPEC = impls._spec.Spec(...), got {spec!r}")
    if not callable(getattr(module, "gradients", None)):
        raise TypeError(f"{module.__name__} must define gradients(w, b, X, Y)")
    return spec
