"""The one declaration every implementation module makes: ``SPEC = Spec(...)``.

A frozen, keyword-only dataclass instead of optional module constants read with defaults: a
misspelled field (``uses_thread=True``) is a TypeError at import, not a silently ignored flag.
Behaviour stays in module functions: ``gradients(w, b, X, Y)`` (required) and the optional hooks
``prepare(X, Y)``, ``unavailable_reason()``, ``set_num_threads(k)`` and ``close()``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Where prepare() leaves X: the same words as reports.contract.schema.HOST/DEVICE (a test keeps them equal;
# impls never imports the report).
HOST, DEVICE = "host", "device"
COMPUTE_DTYPES = ("float64", "float32")

# Module constants of the protocol this dataclass replaced: a module that still defines one would
# look configured while its value is ignored.
LEGACY_NAMES = ("SUMMARY", "DTYPES", "USES_THREADS", "USE_THREADS", "JIT", "MEMORY", "COST_NS")


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
    """The module's SPEC; a TypeError when it has none or still defines a constant SPEC replaced."""
    legacy = [name for name in LEGACY_NAMES if hasattr(module, name)]
    if legacy:
        raise TypeError(f"{module.__name__} defines {', '.join(legacy)}: declare SPEC = Spec(...) fields instead")
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, Spec):
        raise TypeError(f"{module.__name__} must declare SPEC = impls._spec.Spec(...), got {spec!r}")
    if not callable(getattr(module, "gradients", None)):
        raise TypeError(f"{module.__name__} must define gradients(w, b, X, Y)")
    return spec
