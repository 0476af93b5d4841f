"""The contract between the benchmarks and the report: standard library only, importing nothing else of the suite.

- ``schema``: every name a results file, a run record and summary.json use (keys, kinds, layouts, levels).
- ``records``: the typed records a results file holds, built by the readers and read by the report.
- ``events``: the progress events a benchmark process sends to the sweep that started it.
- ``stats``: the one interval statistic every ratio and median the suite states comes from.

``benchmarks/`` imports this package and nothing else of ``reports``; ``impls`` imports none of it.
"""
