"""asv tracks of the counts per gradient call (benchmarks/counting.py): history that the machine's state cannot move.

Counted under callgrind at one thread, a count repeats within 0.1% between runs of one tree, where a
time moves 15-60%; asv records no spread for a track and judges it by ``--factor`` alone, so compare
two commits' counts with a factor that fits that noise: ``asv compare --factor 1.01 A B``. One
setup_cache counts every case once (a few minutes: valgrind starts in seconds and runs a call
50-100x slower than natively); each track reads it. Cases that cannot be counted here (valgrind or
pytest-codspeed missing, a case whose count failed) show as n/a with the reason.
"""

from dataclasses import asdict

from benchmarks import counting, grid
from reports.contract import schema

CASES = {f"{case.implementation}-n{case.n}-m{case.m}": case for case in grid.count_cases()}


class _Counted:
    """One setup_cache for every count suite: asv keys a cache by where setup_cache is defined, so the
    subclasses share one counting run."""

    param_names = ("case",)
    timeout = 1200

    def setup_cache(self):
        if reason := counting.unavailable_reason():
            return {schema.REASON: reason}
        fields = {name: case.info() for name, case in CASES.items()}  # count_cases() are one-thread cases
        found = counting.count(list(fields.values()), counting_timeout(len(fields)))
        return {name: (asdict(got) if isinstance(got := found[counting.window_name(f, 1)], counting.Counts)
                       else got) for name, f in fields.items()}

    def setup(self, found, case):
        got = found.get(case, found.get(schema.REASON, "not counted"))
        if not isinstance(got, dict):
            raise NotImplementedError(got)



class Counts(_Counted):
    """Per-call instructions, estimated cycles and bytes from memory, one case per parameter."""

    params = (list(CASES),)

    def track_instructions(self, found, case):
        return found[case][schema.INSTRUCTIONS]

    def track_estimated_cycles(self, found, case):
        return found[case][schema.ESTIMATED_CYCLES]

    def track_memory_bytes(self, found, case):
        return found[case][schema.MEMORY_BYTES]

    track_instructions.unit = "instructions per call"
    track_estimated_cycles.unit = "estimated cycles per call (L1 hit 1, LL hit 5, RAM 35)"
    track_memory_bytes.unit = "bytes from memory per call (simulated LL misses x 64 B)"


class XReads(_Counted):
    """Reads of X per call, for the cases where X is several times the simulated last-level cache."""

    params = ([name for name, case in CASES.items() if case.bytes_x >= counting.X_READS_FROM * counting.LL_BYTES],)

    def track_x_reads(self, found, case):
        return round(found[case][schema.X_READS], 3)

    track_x_reads.unit = "reads of X per call (memory bytes / bytes of X)"


def counting_timeout(cases: int) -> float:
    """Seconds the counting processes may take together: generous, each case's calls take seconds under valgrind."""
    return 120.0 + 60.0 * cases
