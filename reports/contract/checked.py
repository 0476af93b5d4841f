"""Checked reads of parsed JSON: each returns the value it accepts or raises ReportInputError naming the file and field.

The one place where a value from a results file is judged usable: a median of 0, NaN or inf, n of 1e400,
a 400 kB name or a list where an object belongs is refused here, so nothing downstream re-checks and no
figure is drawn from a broken number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

MAX_NAME = 120  # longest name (implementation, dtype, layout, …) accepted: labels and legends stay drawable
MAX_TEXT = 2000  # longer reasons and messages are cut to this: they are shown, never parsed
MAX_SIZE = 10**12  # n, m, threads, bytes above this are not a measurement this suite could make
MAX_ROUNDS = 10**6  # values per rounds entry; more would be a damaged file, not a run
MAX_FACTS = 100  # items of one list or object of grid or machine facts


class ReportInputError(Exception):
    """An input file that is missing, malformed or not a result of this suite (message names it)."""


class RepeatedKey(Exception):
    """A key that appears twice in one JSON object (args[0])."""


def unique_keys(pairs: list[tuple]) -> dict:
    """A JSON object's pairs as a dict; RepeatedKey where json would silently keep the last of two values."""
    out = dict(pairs)
    if len(out) < len(pairs):
        seen = set()
        raise RepeatedKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return out


def read_json(path: Path) -> dict:
    """The parsed JSON object in path, or ReportInputError naming the file (a key twice in one object included)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), object_pairs_hook=unique_keys)
    except OSError as exc:
        raise ReportInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except RepeatedKey as exc:
        raise ReportInputError(f"{path}: not usable JSON (key {shown(exc.args[0])} appears twice in one object: "
                               "which value is meant is unknown)") from None
    except RecursionError:
        raise ReportInputError(f"{path}: not usable JSON (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, and integers of > 4300 digits
        raise ReportInputError(f"{path}: not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(data, dict):
        raise ReportInputError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def fail(path, where: str, problem: str):
    """Raise ReportInputError for one field of one file."""
    raise ReportInputError(f"{path}: {where}: {problem}")


def shown(value) -> str:
    """A value as it may appear in one error line (cut short)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number(value, path, where: str, *, zero: bool = False) -> float:
    """A finite, positive number (or ≥ 0 with zero=True)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(path, where, f"expected a number, found {shown(value)}")
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x) or x < 0 or (x == 0 and not zero):
        fail(path, where, f"expected a {'non-negative' if zero else 'positive'} finite number, found {shown(value)}")
    return x


def count(value, path, where: str, *, minimum: int = 1, maximum: int = MAX_SIZE) -> int:
    """A whole number in [minimum, maximum] (1e3 written as a float is accepted)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        fail(path, where, f"expected a whole number in [{minimum}, {maximum:.3g}], found {shown(value)}")
    return value


def name(value, path, where: str) -> str:
    """A short one-line string (implementation, dtype, layout, level…): 1–MAX_NAME printable characters.

    A line break, tab or other control or invisible character, or space around the name, is refused: the
    name is a table cell, a legend entry and part of one-line messages, and two names that print alike
    must not be two implementations. Markdown's special characters (| * _ ` $) are accepted; the report
    escapes them where it writes Markdown.
    """
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME or not value.isprintable() \
            or value != value.strip():
        fail(path, where, f"expected a name of 1–{MAX_NAME} printable characters without surrounding space, "
                          f"found {shown(value)}")
    return value


def text(value, path, where: str) -> str:
    """Free text shown to the reader (a reason, a message), cut to MAX_TEXT."""
    if not isinstance(value, str):
        fail(path, where, f"expected text, found {shown(value)}")
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"


def mapping(value, path, where: str) -> dict:
    """A JSON object."""
    if not isinstance(value, dict):
        fail(path, where, f"expected an object, found {shown(value)}")
    return value


def sequence(value, path, where: str) -> list:
    """A JSON array."""
    if not isinstance(value, list):
        fail(path, where, f"expected a list, found {shown(value)}")
    return value


def choice(value, options: tuple, path, where: str) -> str:
    """One of the contract's names."""
    if value not in options:
        fail(path, where, f"expected one of {', '.join(options)}, found {shown(value)}")
    return value


def optional(value, read, path, where: str, **kwargs):
    """read(value) unless the value is null or absent."""
    return None if value is None else read(value, path, where, **kwargs)


def flag(value, path, where: str) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        fail(path, where, f"expected true or false, found {shown(value)}")
    return value


def names(value, path, where: str) -> tuple[str, ...]:
    """A list of names."""
    return tuple(name(v, path, f"{where}[{i}]") for i, v in enumerate(sequence(value, path, where)))


def versions(value, path, where: str) -> dict[str, str]:
    """{library: version}."""
    return {name(k, path, f"{where} key"): name(str(v), path, f"{where}.{k}")
            for k, v in mapping(value, path, where).items()}


def fact(value, path, where: str, depth: int = 0):
    """A grid or machine fact: a number, short name, bool or null, or a short list / object of them (two levels)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number(value, path, where, zero=True)
        return value
    if isinstance(value, str):
        return name(value, path, where)
    if depth < 2 and isinstance(value, list) and len(value) <= MAX_FACTS:
        return [fact(v, path, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if depth < 2 and isinstance(value, dict) and len(value) <= MAX_FACTS:
        return {name(k, path, f"{where} key"): fact(v, path, f"{where}.{k}", depth + 1) for k, v in value.items()}
    fail(path, where, f"expected a number, name, or a short list or object of them, found {shown(value)}")


def facts(value, path, where: str) -> dict:
    """An object of facts, each checked (the report states them as recorded)."""
    value = mapping(value, path, where)
    return {name(k, path, f"{where} key"): fact(v, path, f"{where}.{k}") for k, v in value.items()}
