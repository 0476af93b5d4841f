"""The contract between the benchmarks and the report: standard library only, importing nothing else of the suite.

- ``schema``: every name a results file, a run record and summary.json use (keys, kinds, layouts, levels).
- ``records``: the typed records a results file holds: ``to_json`` for the writers, ``from_json`` (checked) for
  the readers, read by the report.
- ``checked``: the checked reads of JSON values the records are read with (ReportInputError names file and field).
- ``events``: the progress events a benchmark process sends to the sweep that started it.
- ``stats``: the one interval statistic every ratio and median the suite states comes from.

``benchmarks/`` imports this package and nothing else of ``reports``; ``impls`` imports none of it.
"""
