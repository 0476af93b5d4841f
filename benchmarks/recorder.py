"""One run's readings (skips, first calls, DRAM probe readings, bandwidth and noise at its ends) and its run record.

A pytest session owns one ``RunRecorder`` (benchmarks/conftest.py keeps it in ``config.stash``) and
hands it to what records into it: ``checks.checked_problem`` and ``checks.first_call`` (first calls),
``bandwidth.read_gbs`` and the probes built on it (DRAM readings), the ``skip_case`` fixture (skips).
Code run without pytest (asv's suites, the counting processes) passes no recorder and keeps nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import impls
from benchmarks import bandwidth, environment, grid
from reports.contract import events, schema
from reports.contract.records import FirstCall, Skip, to_json


@dataclass
class RunRecorder:
    """What one benchmark run measured about itself, turned into its run record (schema.RUN_FIELDS)."""

    noise_start: dict = field(default_factory=environment.noise_snapshot)
    bandwidth_start: dict[str, dict[str, float]] | None = None  # {level: {threads: GB/s}} before the first case
    skipped: list[Skip] = field(default_factory=list)
    first_calls: dict[str, FirstCall] = field(default_factory=dict)  # per JIT implementation, in call order
    dram_readings: dict[str, list[float]] = field(default_factory=dict)  # per thread count (str), in order
    final: dict | None = None  # the run record at the end, made once (autosave and --benchmark-json both ask)

    def skip(self, case: grid.Case, benchmark: str, reason: str) -> None:
        """A case the run skips (its Case.info() fields), and why."""
        self.skipped.append(Skip(reason=reason, benchmark=benchmark, **case.info()))

    def first_call(self, name: str, seconds: float, cache: str | None) -> None:
        """A JIT implementation's first call, sent at once: the process may die in this very case."""
        self.first_calls[name] = FirstCall(seconds, cache)
        events.emit({events.RUN_RECORD: {schema.FIRST_CALL: self._first_calls()}})

    def dram_reading(self, threads: int, gbs: float) -> None:
        """One DRAM read bandwidth reading (GB/s) at a thread count: the probe's drift comes from these."""
        self.dram_readings.setdefault(str(threads), []).append(gbs)

    def measure_start(self, thread_counts) -> None:
        """Every level's bandwidth at each thread count, before the first case."""
        self.bandwidth_start = bandwidth.level_bandwidths(thread_counts, self)

    def finish(self, grid_facts: dict, thread_counts) -> dict:
        """The run record at the run's end, every level's bandwidth measured once more (the first time asked)."""
        if self.final is None:
            end = {schema.BW_WHEN: "end", schema.BW_LEVELS: bandwidth.level_bandwidths(thread_counts, self)}
            self.final = self.record(grid_facts, end)
        return self.final

    def record(self, grid_facts: dict, *more_samples: dict) -> dict:
        """The run record from what is measured so far: bandwidth at the start (and more_samples), noise until now.

        schema.RUN_FIELDS that the benchmarks know (the sweep adds FAILED and INTERRUPTED), and the format version.
        """
        start = [] if self.bandwidth_start is None else [
            {schema.BW_WHEN: "start", schema.BW_LEVELS: self.bandwidth_start}]
        noise = environment.noise_record(self.noise_start, environment.noise_snapshot(), self.dram_readings)
        return {
            schema.FORMAT_VERSION_KEY: schema.FORMAT_VERSION,
            schema.PROFILE: grid.profile_name(),
            schema.ROLES: {schema.REFERENCE_ROLE: impls.REFERENCE, schema.BASELINE_ROLE: impls.BASELINE},
            schema.GRID: grid_facts,
            schema.SKIPPED: [to_json(skip) for skip in self.skipped],
            schema.UNAVAILABLE: environment.unavailable(),
            schema.BANDWIDTH: bandwidth.bandwidth_record([*start, *more_samples]),
            schema.NOISE: to_json(noise),
            schema.FIRST_CALL: self._first_calls(),
        }

    def _first_calls(self) -> dict[str, dict]:
        return {name: to_json(call) for name, call in self.first_calls.items()}
