"""`python -m reports compare`: verdicts, the gate's exit code, one-sided cases, machines, bad input."""

import copy
import json
from pathlib import Path

import pytest

from reports import cli, compare
from reports.contract import schema

RUN = Path(__file__).parent / "data" / "pytest-benchmark-new.json"


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def slowed(data: dict, implementation: str, size: tuple, factor: float) -> dict:
    """A copy of a run in which one implementation got `factor` times slower at one size (rounds and summary)."""
    out = copy.deepcopy(data)
    for entry in out["benchmarks"]:
        info = entry["extra_info"]
        if tuple(info[k] for k in schema.SIZE_FIELDS) != size:
            continue
        seconds = info.get(schema.ROUND_SECONDS, {})
        if info[schema.BENCHMARK] == schema.ROUNDS and implementation in seconds:
            seconds[implementation] = [t * factor for t in seconds[implementation]]
        elif info.get(schema.IMPLEMENTATION) == implementation:
            for key in ("min", "max", "mean", "median", "q1", "q3"):
                entry["stats"][key] *= factor
    return out


def test_a_run_against_itself_finds_no_change(tmp_path, capsys):
    """Identical runs: every case 'no detectable difference', exit 0, a Markdown file and a figure."""
    code = cli.main(["compare", str(RUN), str(RUN), "--out", str(tmp_path)])
    found = compare.compare(RUN, RUN)
    assert code == 0
    assert found.rows and {r.verdict for r in found.rows} == {"no detectable difference"}
    assert all(r.lo <= 1 <= r.hi for r in found.rows)
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert (folder / "compare.md").read_text().count("\n| ") == len(found.rows) + 1  # header + a row per case
    assert (folder / "compare.png").stat().st_size > 10_000
    assert f"{len(found.rows)} cases in both" in capsys.readouterr().out


def test_a_real_slowdown_beyond_the_noise_is_caught_and_fails_the_gate(tmp_path):
    """The case this run resolves best, made 2·(1 + detectable) times slower: 'slower' and exit 1."""
    best = min((r for r in compare.compare(RUN, RUN).rows if r.exact), key=lambda r: r.detectable)
    kind, impl, *size, _, _ = best.case
    factor = 2 * (1 + best.detectable)
    new = write(tmp_path, "new.json", slowed(json.loads(RUN.read_text()), impl, tuple(size), factor))
    found = compare.compare(RUN, new)
    (changed,) = [r for r in found.rows if r.case == best.case]
    assert changed.verdict == "slower" and changed.ratio.median == pytest.approx(factor, rel=1e-9)
    assert changed in found.failing
    assert cli.main(["compare", str(RUN), str(new), "--out", str(tmp_path / "out")]) == 1
    assert cli.main(["compare", str(RUN), str(new), "--out", str(tmp_path / "out"),
                     "--fail-above", str(100 * factor)]) == 0  # a gate above the change lets it pass


def test_cases_in_one_run_only_are_listed(tmp_path):
    """A case missing from NEW is named under 'Only in old', not dropped."""
    data = json.loads(RUN.read_text())
    dropped = next(e for e in data["benchmarks"] if e["extra_info"][schema.BENCHMARK] == schema.PREPARE)
    data["benchmarks"].remove(dropped)
    found = compare.compare(RUN, write(tmp_path, "new.json", data))
    assert [c[1] for c in found.only_old] == [dropped["extra_info"][schema.IMPLEMENTATION]]
    assert "## Only in old" in compare.markdown(found)


def test_different_machines_are_said_to_differ(tmp_path):
    """Another CPU model in NEW: the comparison says its ratios include the machines' difference."""
    data = json.loads(RUN.read_text())
    data["machine_info"][schema.SUITE_KEY][schema.CPU_MODEL] = "Some Other CPU"
    found = compare.compare(RUN, write(tmp_path, "new.json", data))
    assert not found.same_machine and "**Different machines**" in compare.markdown(found)


def test_unusable_input_exits_2_and_leaves_no_folder(tmp_path, capsys):
    """A folder that is not a run folder: one error line, exit 2, nothing written to --out."""
    out = tmp_path / "out"
    assert cli.main(["compare", str(tmp_path), str(RUN), "--out", str(out)]) == 2
    assert "not a report run folder" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
    with pytest.raises(Exception, match="fail-above"):
        compare.compare(RUN, RUN, fail_above=-1)
