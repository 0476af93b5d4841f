"""The run's recorder: the run record it builds from the contract's records, as the results file holds it."""

import pytest

import impls
from benchmarks import bandwidth, grid
from benchmarks.recorder import RunRecorder
from reports.contract import events, schema


def test_the_run_record_holds_the_format_version_and_the_fields_the_benchmarks_know():
    """The version first, then every RUN_FIELD but those the sweep adds (FAILED, INTERRUPTED)."""
    record = RunRecorder().record({schema.GRID_VISITS: 3})
    assert list(record) == [schema.FORMAT_VERSION_KEY, *(f for f in schema.RUN_FIELDS
                                                         if f not in (schema.FAILED, schema.INTERRUPTED))]
    assert record[schema.FORMAT_VERSION_KEY] == schema.FORMAT_VERSION and record[schema.GRID] == {schema.GRID_VISITS: 3}
    assert record[schema.ROLES] == {schema.REFERENCE_ROLE: impls.REFERENCE, schema.BASELINE_ROLE: impls.BASELINE}
    assert set(record[schema.NOISE]) == set(schema.NOISE_FIELDS) and record[schema.NOISE][schema.PROBE_DRIFT] is None
    assert record[schema.BANDWIDTH][schema.BW_SAMPLES] == []


def test_a_skip_holds_its_cases_info_its_benchmark_and_reason():
    """A skipped case is written with exactly Case.info()'s fields (a scaling case's workers and chunk cap
    included, and only there), its benchmark kind and the reason."""
    recorder = RunRecorder()
    cases = [grid.Case("cupy", 10, 100), grid.ScalingCase(impls.REFERENCE, 10, 100),
             grid.ScalingCase("dask", 10, 100, threads=2, workers=2, chunk_bytes=2**20)]
    for case in cases:
        recorder.skip(case, schema.SCALING, f"why {case}")
    written = recorder.record({})[schema.SKIPPED]
    assert written == [{**case.info(), schema.BENCHMARK: schema.SCALING, schema.REASON: f"why {case}"}
                       for case in cases]
    assert schema.WORKERS not in written[0] and written[1][schema.CHUNK_BYTES] is None


def test_first_calls_and_dram_readings_make_the_record(monkeypatch):
    """First calls are written as {seconds, cache}; the DRAM readings per thread count give the probe's drift."""
    monkeypatch.delenv(events.PROGRESS_ENV, raising=False)
    recorder = RunRecorder()
    recorder.first_call("numba", 1.5, schema.CACHE_MISS)
    for gbs in (10.0, 12.0, 11.0):
        recorder.dram_reading(1, gbs)
    record = recorder.record({})
    assert record[schema.FIRST_CALL] == {"numba": {schema.FIRST_SECONDS: 1.5, schema.FIRST_CACHE: schema.CACHE_MISS}}
    assert record[schema.NOISE][schema.PROBE_DRIFT] == pytest.approx(2 / 11)


def test_the_final_record_measures_the_end_once(monkeypatch):
    """Autosave and --benchmark-json both ask for the record: the end's bandwidth is measured once, after the start."""
    measured = []

    def level_bandwidths(thread_counts, recorder=None):
        measured.append(thread_counts)
        return {schema.DRAM: {"1": 20.0 + len(measured)}}

    monkeypatch.setattr(bandwidth, "level_bandwidths", level_bandwidths)
    recorder = RunRecorder()
    recorder.measure_start([1])
    first, again = recorder.finish({}, [1]), recorder.finish({}, [1])
    assert first is again and len(measured) == 2
    samples = first[schema.BANDWIDTH][schema.BW_SAMPLES]
    assert [s[schema.BW_WHEN] for s in samples] == ["start", "end"]
    assert first[schema.BANDWIDTH][schema.BW_LEVELS][schema.DRAM] == {"1": 22.0}
