"""Crontab lines as cron reads them: every bad value named with its range, weekdays numbered as in cron.

APScheduler 3 reads a weekday number as Monday = 0 (its issue 286), so `0 6 * * 1` would run on
Tuesdays; cron's Sunday = 0 (and 7) is what people write. A line is read here, field by field, and
handed to APScheduler with the weekdays as names, which it cannot misread. The @monthly family of
macros is accepted, as cron accepts it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_RANGES = dict(zip(FIELDS, ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7)), strict=True))
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_APS_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # names APScheduler reads right
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# One comma-separated part: *, a value, a range a-b, each with an optional /step.
_PART = re.compile(
    r"^(?:(?P<all>\*)|(?P<first>[0-9a-z]+)(?:-(?P<last>[0-9a-z]+))?)(?:/(?P<step>[^/]*))?$", re.IGNORECASE
)
# APScheduler's own form for the last day of the month, kept: it is useful for monthly reports.
_DAY_EXTRAS = {"last"}
_ALLOWED = {
    "minute": "0-59",
    "hour": "0-23",
    "day of month": "1-31 or last",
    "month": "1-12 or jan-dec",
    "day of week": "0-7 or sun-sat; 0 and 7 are Sunday",
}
SHAPE = "five fields: minute hour day-of-month month day-of-week, e.g. '0 6 1 * *'"


class CronLineError(ValueError):
    """A crontab line that cannot be read; `problems` names every bad value."""

    def __init__(self, line: str, problems: list[str]) -> None:
        self.line = line
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class CronFields:
    """A read crontab line as APScheduler's CronTrigger arguments (weekdays as names)."""

    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str


def read_cron(line: str) -> CronFields:
    """The line's fields for APScheduler; a CronLineError naming every bad value otherwise."""
    text = " ".join(line.split())
    text = _MACROS.get(text.lower(), text)
    if text.startswith("@"):
        raise CronLineError(line, [f"{text!r} is not a cron macro (known: {', '.join(_MACROS)})"])
    values = text.split(" ")
    if len(values) != 5:
        raise CronLineError(line, [f"it has {len(values)} field(s); a cron line has {SHAPE}"])
    problems: list[str] = []
    read: list[list[int] | str] = []
    for name, value in zip(FIELDS, values, strict=True):
        field_problems, numbers = _read_field(name, value)
        problems.extend(field_problems)
        read.append(numbers)
    if not problems:
        problems.extend(_never_runs(read[2], read[3]))
    if problems:
        raise CronLineError(line, problems)
    minute, hour, day, month, _ = values
    weekdays = read[4]
    return CronFields(
        minute=minute,
        hour=hour,
        day=day,
        month=_join(read[3]) if isinstance(read[3], list) else month,
        day_of_week="*"
        if weekdays == "*"
        else ",".join(_APS_DAYS[d] for d in sorted({d % 7 for d in weekdays})),
    )


def _read_field(name: str, value: str) -> tuple[list[str], list[int] | str]:
    """Every problem of one field, and its values (or "*" for every value, or the field as written)."""
    low, high = _RANGES[name]
    problems: list[str] = []
    numbers: set[int] = set()
    whole = False
    for part in value.split(","):
        if name == "day of month" and part.lower() in _DAY_EXTRAS:
            whole = True  # APScheduler's forms: pass them through as written
            continue
        m = _PART.match(part)
        if not m:
            problems.append(f"{name} {part!r} is not a value, a range or a step (allowed: {_ALLOWED[name]})")
            continue
        step = 1
        if m["step"] is not None:
            if not m["step"].isdigit() or int(m["step"]) == 0:
                problems.append(f"{name} step {m['step']!r} in {part!r} must be a whole number above 0")
                continue
            step = int(m["step"])
        if m["all"]:
            first, last = low, high
        else:
            first_n = _number(name, m["first"], problems)
            last_n = _number(name, m["last"], problems, end=True) if m["last"] else None
            if first_n is None or (m["last"] and last_n is None):
                continue
            first = first_n
            last = last_n if last_n is not None else (high if m["step"] is not None else first_n)
            if last < first:
                problems.append(f"{name} range {part!r} runs backwards; write the smaller value first")
                continue
        numbers.update(range(first, last + 1, step))
    if problems:
        return problems, []
    if whole:
        return [], value
    if value == "*":
        return [], "*"
    return [], sorted(numbers)


def _number(name: str, token: str, problems: list[str], *, end: bool = False) -> int | None:
    """One value of a field, a number or a month or day name; a problem naming it and its range if bad."""
    low, high = _RANGES[name]
    if token.isdigit():
        n = int(token)
        if low <= n <= high:
            return n
        problems.append(f"{name} {n} is not in {low}-{high}" + ("; 0 and 7 are Sunday" if high == 7 else ""))
        return None
    names = _MONTHS if name == "month" else _DAYS if name == "day of week" else {}
    if token.lower() in names:
        n = names[token.lower()]
        return 7 if end and name == "day of week" and n == 0 else n  # "fri-sun" ends on Sunday, 7
    problems.append(f"{name} {token!r} is not a value (allowed: {_ALLOWED[name]})")
    return None


def _never_runs(days: list[int] | str, months: list[int] | str) -> list[str]:
    """A problem when the days of the month never occur in the months chosen (e.g. 30 2: 30 February)."""
    if not isinstance(days, list) or not days:
        return []
    chosen = months if isinstance(months, list) else list(range(1, 13))
    longest = max(29 if m == 2 else calendar.monthrange(2001, m)[1] for m in chosen)
    if min(days) > longest:
        names = ", ".join(calendar.month_abbr[m] for m in chosen)
        return [f"it never runs: no day {min(days)} in {names}"]
    return []


def _join(values: list[int]) -> str:
    return ",".join(str(v) for v in values)
