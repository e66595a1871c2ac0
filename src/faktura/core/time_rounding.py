"""From logged seconds to billed hours: the time-rounding policy.

Logged time is stored as integer seconds and never rewritten; the billed quantity is derived here:

1. round the seconds to the policy's increment (up / nearest / down; ``none`` keeps them exact);
   "nearest" rounds a half increment up;
2. raise any *nonzero* logged duration to the minimum charge (after step 1, so a minimum that is
   not a multiple of the increment is billed as it is); zero stays zero;
3. convert to hours, ROUND_HALF_UP to 4 decimals (the stored and displayed quantity; the line
   amount is computed from exactly this value).

Step 3 is exact for increments of 6, 15, 30 and 60 minutes (0.1 h, 0.25 h, ...). Increments of
1, 5 and 10 minutes are not whole in 4-decimal hours (10 min = 0.1667 h), nor is "none", so there
the billed quantity is the rounded value and 6 x 10 min billed as six entries is 1.0002 h.
The ``task_day`` level avoids that drift within a group: a ticket's entries of one day are summed,
rounded once, and the hours distributed back with ``money.allocate`` so they sum exactly.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeGuard, TypeVar

from faktura.core.money import QUANTITY_PLACES, allocate, exact_mul, quantize_ratio, to_decimal
from faktura.core.problems import Problem, error

Direction = Literal["up", "nearest", "down", "none"]
Level = Literal["entry", "task_day"]

INCREMENTS_MINUTES: tuple[int, ...] = (1, 5, 6, 10, 15, 30, 60)
DIRECTIONS: tuple[Direction, ...] = ("up", "nearest", "down", "none")
LEVELS: tuple[Level, ...] = ("entry", "task_day")
POLICY_FIELDS = ("increment_minutes", "direction", "minimum_minutes", "level")
# A minimum charge above a full working day is almost certainly a typo (minutes vs hours).
MAX_MINIMUM_MINUTES = 24 * 60
SECONDS_PER_HOUR = 3600

K = TypeVar("K", bound=Hashable)
G = TypeVar("G", bound=Hashable)


class PolicyError(ValueError):
    """An invalid rounding policy; ``field`` names the offending setting."""

    code = "invalid_rounding_policy"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass; True must not pass as a 1-minute increment.
    return isinstance(value, int) and not isinstance(value, bool)


def _field_problems(name: str, value: object) -> list[Problem]:
    code = "invalid_rounding_policy"
    if name == "increment_minutes" and not (_is_int(value) and value in INCREMENTS_MINUTES):
        allowed = ", ".join(str(minutes) for minutes in INCREMENTS_MINUTES)
        return [error(code, f"must be one of {allowed} (minutes), got {value!r}", name)]
    if name == "direction" and value not in DIRECTIONS:
        return [error(code, f"must be one of {', '.join(DIRECTIONS)}, got {value!r}", name)]
    if name == "minimum_minutes" and not (_is_int(value) and 0 <= value <= MAX_MINIMUM_MINUTES):
        return [
            error(
                code, f"must be a whole number from 0 to {MAX_MINIMUM_MINUTES}, got {value!r}", name
            )
        ]
    if name == "level" and value not in LEVELS:
        return [error(code, f"must be one of {', '.join(LEVELS)}, got {value!r}", name)]
    return []


@dataclass(frozen=True, slots=True)
class RoundingPolicy:
    """How logged time becomes billed hours (set on the tenant, overridable per customer and
    project). Invalid values raise ``PolicyError`` naming the field."""

    increment_minutes: int = 15
    direction: Direction = "up"
    minimum_minutes: int = 0
    level: Level = "entry"

    def __post_init__(self) -> None:
        for name in POLICY_FIELDS:
            problems = _field_problems(name, getattr(self, name))
            if problems:
                raise PolicyError(name, problems[0].message)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], base: RoundingPolicy | None = None
    ) -> RoundingPolicy:
        """A policy from stored/posted settings. Missing keys come from ``base`` (default:
        ``DEFAULT_POLICY``), so a project can override only some fields. Unknown keys and bad
        values raise ``PolicyError`` for the first offending field (``policy_problems`` lists
        all of them)."""
        problems = policy_problems(data)
        if problems:
            raise PolicyError(problems[0].path, problems[0].message)
        merged = (base or DEFAULT_POLICY).to_dict() | dict(data)
        return cls(
            increment_minutes=merged["increment_minutes"],
            direction=merged["direction"],
            minimum_minutes=merged["minimum_minutes"],
            level=merged["level"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in POLICY_FIELDS}

    @property
    def increment_seconds(self) -> int:
        return self.increment_minutes * 60


DEFAULT_POLICY = RoundingPolicy(increment_minutes=15, direction="up", minimum_minutes=0)


def policy_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Every problem of a (partial) policy dict, ``path`` = the field name."""
    problems: list[Problem] = []
    for name, value in data.items():
        if name not in POLICY_FIELDS:
            problems.append(error("invalid_rounding_policy", "unknown setting", str(name)))
        else:
            problems += _field_problems(name, value)
    return problems


def billable_seconds(seconds: int, policy: RoundingPolicy) -> int:
    """The billed duration in seconds for one logged duration (steps 1 and 2 of the module
    docstring). Integer arithmetic only; ``ValueError`` for negative durations."""
    if not _is_int(seconds):
        raise TypeError("seconds must be an int")
    if seconds < 0:
        raise ValueError("a logged duration cannot be negative")
    if seconds == 0:
        return 0
    step = policy.increment_seconds
    if policy.direction == "up":
        rounded = -(-seconds // step) * step
    elif policy.direction == "down":
        rounded = seconds // step * step
    elif policy.direction == "nearest":
        rounded = (2 * seconds + step) // (2 * step) * step
    else:
        rounded = seconds
    return max(rounded, policy.minimum_minutes * 60)


# Travel time is billed on a grid of 3 minutes: whole multiples of 3 minutes are exact in
# hours with two decimals (3 min = 0.05 h), so the billed quantity, the H:MM shown for it and
# quantity x price = amount all agree; 35 minutes is billed as 0:36 = 0.60 h, never 0.5833 h.
TRAVEL_STEP_MINUTES = 3
_TRAVEL_STEP_HOURS = Decimal("0.05")


def travel_minutes(minutes: int) -> int:
    """Billed minutes of a logged travel time: the nearest multiple of `TRAVEL_STEP_MINUTES`
    (a third of a step is never a tie); a nonzero travel time is at least one step."""
    if not _is_int(minutes):
        raise TypeError("minutes must be an int")
    if minutes < 0:
        raise ValueError("a travel time cannot be negative")
    if minutes == 0:
        return 0
    steps = (2 * minutes + TRAVEL_STEP_MINUTES) // (2 * TRAVEL_STEP_MINUTES)
    return max(steps, 1) * TRAVEL_STEP_MINUTES


def travel_hours(minutes: int) -> Decimal:
    """Billed hours of a logged travel time (`travel_minutes` / 60): exact, two decimals at
    most, at the 4 decimals quantities are stored with."""
    steps = travel_minutes(minutes) // TRAVEL_STEP_MINUTES
    return (steps * _TRAVEL_STEP_HOURS).quantize(Decimal(1).scaleb(-QUANTITY_PLACES))


def seconds_to_hours(seconds: int) -> Decimal:
    """Exact seconds -> hours, ROUND_HALF_UP to 4 decimals (no policy applied)."""
    return quantize_ratio(seconds, SECONDS_PER_HOUR, QUANTITY_PLACES)


def billable_hours(seconds: int, policy: RoundingPolicy) -> Decimal:
    """The billed quantity in hours for one logged duration: ``billable_seconds`` converted
    and quantised ROUND_HALF_UP to 4 decimals. This is the value that is shown and billed."""
    return seconds_to_hours(billable_seconds(seconds, policy))


def round_group(
    entries: Sequence[tuple[K, int]], policy: RoundingPolicy
) -> list[tuple[K, Decimal]]:
    """Billed hours for ``(key, seconds)`` entries, in input order.

    Level ``entry``: each entry is rounded on its own (``billable_hours``).
    Level ``task_day``: the entries are taken as *one* group (a ticket's entries on one day, the
    caller groups them; see ``round_entries``); the group's seconds are summed and rounded once,
    the minimum applies once per group, and the group's hours are split back in proportion to the
    logged seconds with ``money.allocate`` at 4 decimals, so the per-entry hours sum exactly to
    the group's billed hours. Entries with 0 seconds get 0.
    """
    if policy.level == "entry":
        return [(key, billable_hours(seconds, policy)) for key, seconds in entries]
    if any(seconds < 0 for _, seconds in entries):
        raise ValueError("a logged duration cannot be negative")
    total_seconds = sum(seconds for _, seconds in entries)
    total_hours = billable_hours(total_seconds, policy)
    if total_seconds == 0:
        return [(key, total_hours) for key, _ in entries]
    weights = [Decimal(seconds) for _, seconds in entries]
    parts = allocate(total_hours, weights, QUANTITY_PLACES)
    return [(key, part) for (key, _), part in zip(entries, parts, strict=True)]


def round_entries(entries: Iterable[tuple[K, G, int]], policy: RoundingPolicy) -> dict[K, Decimal]:
    """Billed hours for ``(entry_key, group_key, seconds)`` triples, e.g. group_key =
    ``(task_id, local_date)``. At level ``task_day`` each group is rounded with ``round_group``;
    at level ``entry`` the group key is ignored. Keys must be unique."""
    groups: dict[G, list[tuple[K, int]]] = {}
    for key, group, seconds in entries:
        groups.setdefault(group, []).append((key, seconds))
    result: dict[K, Decimal] = {}
    for members in groups.values():
        for key, hours in round_group(members, policy):
            if key in result:
                raise ValueError(f"duplicate entry key: {key!r}")
            result[key] = hours
    return result


def step_seconds(policy: RoundingPolicy) -> int:
    """The increment in seconds (also for direction ``none``: the +/- buttons still step)."""
    return policy.increment_seconds


def step_hours(policy: RoundingPolicy) -> Decimal:
    """The increment in hours, HALF_UP to 4 decimals (0.25 for 15 min, 0.1667 for 10 min)."""
    return seconds_to_hours(policy.increment_seconds)


def stepped_quantity(
    quantity: Decimal, policy: RoundingPolicy, direction: str, *, time: bool
) -> Decimal:
    """The billed quantity one step up or down (the review's +/- buttons), never below zero.

    Time quantities (hours) step on the grid of the policy's increment, whatever its
    direction (15 min: 10:47 -> 11:00 -> 11:15, and down 11:00 -> 10:45); other quantities
    step by one unit. ``direction`` is ``"up"`` or ``"down"``.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    if not time:
        if direction == "up":
            return quantity + 1
        return max(quantity - 1, Decimal(0))
    seconds = hours_to_seconds(quantity)
    grid = RoundingPolicy(
        increment_minutes=policy.increment_minutes, direction="up" if direction == "up" else "down"
    )
    if direction == "up":
        return seconds_to_hours(billable_seconds(max(seconds, 0) + 1, grid))
    if seconds <= 0:
        return seconds_to_hours(0)
    return seconds_to_hours(billable_seconds(seconds - 1, grid))


def format_duration(seconds: int, *, signed: bool = False) -> str:
    """``"H:MM"`` (hours unbounded, e.g. ``"27:05"``), minutes ROUND_HALF_UP from seconds.
    Negative values get ``-``; with ``signed`` positive values get ``+`` (zero never a sign)."""
    minutes = int(quantize_ratio(seconds, 60, 0))
    sign = "-" if minutes < 0 else ("+" if signed and minutes > 0 else "")
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def format_correction(seconds: int) -> str:
    """A correction (billed minus logged) with its sign: ``"+1:15"``, ``"-0:30"``, ``"0:00"``."""
    return format_duration(seconds, signed=True)


def hours_to_seconds(hours: Decimal) -> int:
    """Decimal hours -> whole seconds, ROUND_HALF_UP (for formatting a billed quantity)."""
    numerator, denominator = exact_mul(to_decimal(hours), SECONDS_PER_HOUR).as_integer_ratio()
    return int(quantize_ratio(numerator, denominator, 0))


def format_hours(hours: Decimal, *, signed: bool = False) -> str:
    """Decimal hours as ``"H:MM"`` (``Decimal("1.25")`` -> ``"1:15"``)."""
    return format_duration(hours_to_seconds(hours), signed=signed)
