"""Time reports (DESIGN.md section 6.2): value groups with their cost, utilization.

Hours are summed in SQL from logged seconds (time entries only; running timers count 0) and
converted once at the end. Cost is hours x the member's internal cost rate valid on the
entry's day (`MembershipTerms`): SQL sums the seconds per day and member (never entry by
entry), the rate of each member and day is looked up here, each rate multiplies its seconds
exactly and the total is rounded once (`core.money`, 2 decimals, half up). Time without a
cost rate has no cost and is counted in ``uncosted_hours``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from django.db.models import Case, DateField, IntegerField, Q, QuerySet, Sum, Value, When

from faktura.core.money import quantize_fraction, quantize_ratio
from faktura.reports.period import Period
from faktura.tenancy.models import Membership, MembershipTerms, Team, Tenant
from faktura.work.models import Project, Task, TaskEntry
from faktura.work.selectors import entries_visible, sees_all_entries

SECONDS_PER_HOUR = 3600
GROUPS = [g.value for g in Project.ValueGroup]
GroupBy = Literal["month", "team", "member", "project"]
TOP = 10  # waste projects and tickets listed


def hours(seconds: int) -> Decimal:
    """Seconds as hours, 2 decimals, half up."""
    return quantize_ratio(seconds, SECONDS_PER_HOUR, 2)


def money(value: Fraction) -> Decimal:
    return quantize_fraction(value, 2)


# --- the dated terms -----------------------------------------------------------------------


@dataclass(frozen=True)
class TermsSpan:
    """One `MembershipTerms` row and the days it applies: ``first`` .. ``until`` (excluded,
    the next row's day; None: open)."""

    pk: int
    membership_id: int
    first: dt.date
    until: dt.date | None
    cost_rate: Decimal | None
    weekly_hours: Decimal | None


def terms_spans(*, tenant: Tenant, membership_ids: Iterable[int] | None = None) -> list[TermsSpan]:
    qs = MembershipTerms.objects.filter(tenant=tenant).order_by("membership_id", "valid_from")
    if membership_ids is not None:
        qs = qs.filter(membership_id__in=list(membership_ids))
    rows = list(qs.values_list("pk", "membership_id", "valid_from", "cost_rate", "weekly_hours"))
    spans = []
    for i, (pk, membership_id, first, rate, weekly) in enumerate(rows):
        following = rows[i + 1] if i + 1 < len(rows) else None
        until = following[2] if following and following[1] == membership_id else None
        spans.append(TermsSpan(pk, membership_id, first, until, rate, weekly))
    return spans


class CostRates:
    """The cost rate of a member on a day: the terms row with the latest ``first`` on or
    before it (None before the first row, or where the row has no rate)."""

    def __init__(self, spans: Iterable[TermsSpan]) -> None:
        self._firsts: dict[int, list[dt.date]] = defaultdict(list)
        self._rates: dict[int, list[Decimal | None]] = defaultdict(list)
        for span in sorted(spans, key=lambda s: (s.membership_id, s.first)):
            self._firsts[span.membership_id].append(span.first)
            self._rates[span.membership_id].append(span.cost_rate)

    def rate(self, membership_id: int, day: dt.date) -> Decimal | None:
        firsts = self._firsts.get(membership_id)
        if not firsts:
            return None
        index = bisect.bisect_right(firsts, day) - 1
        return self._rates[membership_id][index] if index >= 0 else None

    def changes(self, period: Period) -> list[dt.date]:
        """The days after the period's first on which any member's terms change, oldest
        first: between two of them (and the period's first) every member has one rate."""
        days = {d for firsts in self._firsts.values() for d in firsts}
        return sorted(d for d in days if period.first < d <= period.last)

    def steps(self, membership_id: int, period: Period) -> list[tuple[dt.date, Decimal | None]]:
        """The member's rate from the period's first on and each later change in the period:
        ``(first day, rate)``, oldest first, a day only where the rate differs."""
        steps = [(period.first, self.rate(membership_id, period.first))]
        for day in self._firsts.get(membership_id, []):
            if period.first < day <= period.last:
                rate = self.rate(membership_id, day)
                if rate != steps[-1][1]:
                    steps.append((day, rate))
        return steps

    def members(self) -> list[int]:
        return sorted(self._firsts)


def _rate_day(rates: CostRates, period: Period) -> Case | Value:
    """SQL: the day of the last terms change (of any member) on or before an entry's day, at
    the earliest the period's first. The cost rate of every entry is its member's rate on
    that day, so grouping by it (instead of the entry's day) keeps the groups few. The CASE
    halves the days at each level: a few comparisons per entry, however many changes."""
    return _latest_on_or_before(rates.changes(period), period.first)


def _latest_on_or_before(days: list[dt.date], default: dt.date) -> Case | Value:
    if not days:
        return Value(default, output_field=DateField())
    middle = len(days) // 2
    return Case(
        When(
            date__gte=days[middle],
            then=_latest_on_or_before(days[middle + 1 :], days[middle]),
        ),
        default=_latest_on_or_before(days[:middle], default),
        output_field=DateField(),
    )


def _rate_key(rates: CostRates, period: Period) -> tuple[Case | Value, list[Decimal | None]]:
    """SQL: a small integer per entry that names its cost rate (its member's rate on its day),
    and the rates it names (0: no rate). Grouping by it keeps one row per distinct rate; the
    CASE halves the members, then the member's change days, at each level."""
    keys: dict[Decimal | None, int] = {None: 0}
    steps: dict[int, list[tuple[dt.date, int]]] = {}
    for member in rates.members():
        found = [
            (day, keys.setdefault(rate, len(keys))) for day, rate in rates.steps(member, period)
        ]
        if found != [(period.first, 0)]:
            steps[member] = found
    return _member_case(sorted(steps), steps), list(keys)


def _member_case(members: list[int], steps: dict[int, list[tuple[dt.date, int]]]) -> Any:
    if not members:
        return Value(0, output_field=IntegerField())
    if len(members) <= 2:
        return Case(
            *(When(membership_id=m, then=_day_case(steps[m][1:], steps[m][0][1])) for m in members),
            default=Value(0),
            output_field=IntegerField(),
        )
    middle = len(members) // 2
    return Case(
        When(membership_id__lt=members[middle], then=_member_case(members[:middle], steps)),
        default=_member_case(members[middle:], steps),
        output_field=IntegerField(),
    )


def _day_case(days: list[tuple[dt.date, int]], default: int) -> Case | Value:
    """The key of the latest of ``days`` on or before the entry's day, else ``default``."""
    if not days:
        return Value(default, output_field=IntegerField())
    middle = len(days) // 2
    day, key = days[middle]
    return Case(
        When(date__gte=day, then=_day_case(days[middle + 1 :], key)),
        default=_day_case(days[:middle], default),
        output_field=IntegerField(),
    )


# --- value groups --------------------------------------------------------------------------


@dataclass
class Cell:
    """Seconds of one value group in one bucket, and what they cost: the seconds are kept
    per cost rate and multiplied once (exact; rounded only when shown)."""

    seconds: int = 0
    uncosted: int = 0  # seconds without a cost rate
    by_rate: dict[Decimal, int] = field(default_factory=dict)

    def add(self, seconds: int, rate: Decimal | None) -> None:
        self.seconds += seconds
        if rate is None:
            self.uncosted += seconds
        else:
            self.by_rate[rate] = self.by_rate.get(rate, 0) + seconds

    @property
    def cost(self) -> Fraction:
        return (
            sum((Fraction(rate) * seconds for rate, seconds in self.by_rate.items()), Fraction(0))
            / SECONDS_PER_HOUR
        )


@dataclass
class Bucket:
    """One key of the grouping (a month, team, member, project) with a cell per value
    group."""

    key: str
    label: str
    groups: dict[str, Cell] = field(default_factory=lambda: {g: Cell() for g in GROUPS})

    @property
    def seconds(self) -> int:
        return sum(c.seconds for c in self.groups.values())

    @property
    def cost(self) -> Fraction:
        return sum((c.cost for c in self.groups.values()), Fraction(0))


@dataclass
class WasteItem:
    key: int
    label: str
    project: str
    cell: Cell = field(default_factory=Cell)


@dataclass
class ValueGroupCosts:
    period: Period
    group_by: str
    groups: dict[str, Cell]  # per value group, the whole period
    buckets: list[Bucket]  # by group_by
    months: list[Bucket]  # the trend, always by month
    waste_projects: list[WasteItem]
    waste_tickets: list[WasteItem]
    with_cost: bool

    @property
    def seconds(self) -> int:
        return sum(c.seconds for c in self.groups.values())

    @property
    def cost(self) -> Fraction:
        return sum((c.cost for c in self.groups.values()), Fraction(0))

    @property
    def uncosted(self) -> int:
        return sum(c.uncosted for c in self.groups.values())


def _member_label(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email


def value_group_costs(
    *,
    tenant: Tenant,
    viewer: Membership | None,
    period: Period,
    group_by: GroupBy = "month",
    with_cost: bool = True,
) -> ValueGroupCosts:
    """Hours and cost per value group A-D in the period, by ``group_by`` (month, team,
    member, project), the month-by-month trend and the top waste (D) projects and tickets.

    Included: the time entries the viewer may see (``entries_visible``: a member only their
    own) by their day. Cost only when ``with_cost`` (the viewer may see money); members
    without a team are under the key ``none``.

    SQL sums the seconds per day, member and value group (a few thousand rows for a year,
    however many entries); the cost rate of each member and day is looked up here. The
    project breakdown groups by project and a key of the entry's cost rate (`_rate_key`),
    the waste by the day of the last terms change instead of the day (`_rate_day`)."""
    base = (
        entries_visible(tenant=tenant, viewer=viewer)
        .filter(kind=TaskEntry.Kind.TIME, date__gte=period.first, date__lte=period.last)
        .order_by()
    )
    rates = CostRates(terms_spans(tenant=tenant) if with_cost else [])

    groups = {g: Cell() for g in GROUPS}
    months = {m: Bucket(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in period.months}
    found: dict[Any, Bucket] = {}
    team_of: dict[int, int | None] = {}
    if group_by == "team":
        team_of = dict(
            Membership.objects.filter(tenant=tenant).values_list("pk", "team_id").order_by()
        )
    month_of: dict[dt.date, Bucket] = {}
    # One row per day and member, with the seconds of each value group B-D as conditional
    # sums over their projects' tickets (A is the rest: every project is in one group). The
    # database reads the entries in index order and never joins ticket and project per entry.
    others = GROUPS[1:]
    sums = {
        f"group_{group}": Sum(
            "duration_seconds", filter=Q(task__in=_tasks(tenant, project__value_group=group))
        )
        for group in others
    }
    for row in (
        base.values("date", "membership_id")
        .annotate(seconds=Sum("duration_seconds"), **sums)
        .order_by()
    ):
        day, member = row["date"], row["membership_id"]
        rate = rates.rate(member, day)
        split = {group: row[f"group_{group}"] or 0 for group in others}
        split[GROUPS[0]] = (row["seconds"] or 0) - sum(split.values())
        month = month_of.get(day)
        if month is None:
            month = month_of[day] = months[day.replace(day=1)]
        bucket = None
        if group_by in ("team", "member"):
            key = team_of.get(member) if group_by == "team" else member
            bucket = found.get(key)
            if bucket is None:
                bucket = found[key] = Bucket(str(key) if key else "none", "")
        for group, seconds in split.items():
            if not seconds:
                continue
            groups[group].add(seconds, rate)
            month.groups[group].add(seconds, rate)
            if bucket is not None:
                bucket.groups[group].add(seconds, rate)

    if group_by == "project":
        value_group = dict(
            Project.objects.filter(tenant=tenant).values_list("pk", "value_group").order_by()
        )
        rate_key, keyed = _rate_key(rates, period)
        for key, rate, seconds in (
            base.annotate(rate_key=rate_key)
            .values_list("task__project_id", "rate_key")
            .annotate(seconds=Sum("duration_seconds"))
            .order_by()
        ):
            bucket = found.get(key)
            if bucket is None:
                bucket = found[key] = Bucket(str(key), "")
            bucket.groups[value_group[key]].add(seconds or 0, keyed[rate])

    if group_by == "month":
        buckets = list(months.values())
    else:
        labels = _labels(tenant, group_by, [k for k in found if k])
        for key, bucket in found.items():
            bucket.label = labels.get(key, "") if key else ""
        buckets = sorted(found.values(), key=lambda b: (-b.seconds, b.label))

    # Waste (D) per ticket: the entries of the D projects' tickets (a subquery, as above).
    projects: dict[int, WasteItem] = {}
    tickets: dict[int, WasteItem] = {}
    waste = base.filter(
        task__in=_tasks(tenant, project__value_group=Project.ValueGroup.D)
    ).annotate(rate_day=_rate_day(rates, period))
    for row in (
        waste.values(
            "task_id", "task__number", "task__title", "task__project_id", "task__project__name",
            "membership_id", "rate_day",
        )
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
    ):  # fmt: skip
        seconds = row["seconds"] or 0
        rate = rates.rate(row["membership_id"], row["rate_day"])
        project = projects.setdefault(
            row["task__project_id"],
            WasteItem(row["task__project_id"], row["task__project__name"], ""),
        )
        project.cell.add(seconds, rate)
        ticket = tickets.setdefault(
            row["task_id"],
            WasteItem(
                row["task_id"],
                f"#{row['task__number']} {row['task__title']}",
                row["task__project__name"],
            ),
        )
        ticket.cell.add(seconds, rate)

    def top(items: dict[int, WasteItem]) -> list[WasteItem]:
        return sorted(items.values(), key=lambda i: (-i.cell.seconds, i.label, i.key))[:TOP]

    return ValueGroupCosts(
        period=period,
        group_by=group_by,
        groups=groups,
        buckets=buckets,
        months=list(months.values()),
        waste_projects=top(projects),
        waste_tickets=top(tickets),
        with_cost=with_cost,
    )


def _tasks(tenant: Tenant, *conditions: Q, **filters: Any) -> QuerySet[Task]:
    """The ids of the company's tickets that match (a subquery for ``task__in``)."""
    return Task.objects.filter(*conditions, tenant=tenant, **filters).values("pk")


def _labels(tenant: Tenant, group_by: str, keys: list[Any]) -> dict[Any, str]:
    if group_by == "team":
        return dict(Team.objects.filter(tenant=tenant, pk__in=keys).values_list("pk", "name"))
    if group_by == "member":
        return {
            pk: _member_label(first, last, email)
            for pk, first, last, email in Membership.objects.filter(
                tenant=tenant, pk__in=keys
            ).values_list("pk", "user__first_name", "user__last_name", "user__email")
        }
    return {
        pk: f"{number} {name}".strip()
        for pk, number, name in Project.objects.filter(tenant=tenant, pk__in=keys).values_list(
            "pk", "number", "name"
        )
    }


# --- utilization ---------------------------------------------------------------------------

# What counts as billable time: a billable task of an external project that is not marked
# "not billable" (the project's billing model or the entry's billing state).
BILLABLE_TASK = Q(billable=True, project__scope=Project.Scope.EXTERNAL) & ~Q(
    project__billing_model=Project.BillingModel.NON_BILLABLE
)
WORK_DAYS_PER_WEEK = 5


@dataclass
class MemberUtilization:
    membership_id: int
    name: str
    billable: int = 0  # seconds
    non_billable: int = 0  # seconds of work that is not billable
    absence: int = 0  # seconds on absence projects
    target: Fraction = Fraction(0)  # hours the weekly target gives for the period
    has_target: bool = False

    @property
    def available(self) -> Fraction:
        """Target hours less absence, never below 0."""
        return max(self.target - Fraction(self.absence, SECONDS_PER_HOUR), Fraction(0))

    @property
    def utilization(self) -> Decimal | None:
        """Billable hours per available hour, in percent (1 decimal); None without
        available hours."""
        if not self.available:
            return None
        return quantize_fraction(
            Fraction(self.billable, SECONDS_PER_HOUR) * 100 / self.available, 1
        )


def working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Monday to Friday from ``first`` to ``last`` (public holidays are logged as absence)."""
    days = []
    day = first
    while day <= last:
        if day.weekday() < WORK_DAYS_PER_WEEK:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def target_hours(spans: list[TermsSpan], days: list[dt.date]) -> tuple[Fraction, bool]:
    """The weekly target pro rata: weekly hours / 5 per working day, with the terms valid on
    each day (a member's spans, oldest first). Also whether any day had a target."""
    total = Fraction(0)
    found = False
    for span in spans:
        if span.weekly_hours is None:
            continue
        count = sum(1 for d in days if d >= span.first and (span.until is None or d < span.until))
        if count:
            found = True
            total += Fraction(span.weekly_hours) * count / WORK_DAYS_PER_WEEK
    return total, found


def utilization(
    *, tenant: Tenant, viewer: Membership | None, period: Period
) -> list[MemberUtilization]:
    """Per member: billable, non-billable and absence hours in the period, the hours the
    weekly target makes available (pro rata over the working days, less absence) and the
    utilization (billable / available). The viewer sees the members whose time they see: a
    member only themself; active members and anyone with time in the period otherwise."""
    # Per day and member (the order of the index, no join per entry): all seconds, those on
    # absence projects' tickets and the billable ones (a ticket that is billable, not on an
    # absence project, and the entry not marked not billable); the rest is non-billable.
    absence_tasks = _tasks(tenant, project__is_absence=True)
    entries = (
        entries_visible(tenant=tenant, viewer=viewer)
        .filter(kind=TaskEntry.Kind.TIME, date__gte=period.first, date__lte=period.last)
        .values("date", "membership_id")
        .annotate(
            seconds=Sum("duration_seconds"),
            absence=Sum("duration_seconds", filter=Q(task__in=absence_tasks)),
            billable=Sum(
                "duration_seconds",
                filter=~Q(task__in=absence_tasks)
                & ~Q(task__in=_tasks(tenant, ~BILLABLE_TASK))
                & ~Q(billing_state=TaskEntry.BillingState.NOT_BILLABLE),
            ),
        )
        .order_by()
    )
    members: dict[int, MemberUtilization] = {}
    for row in entries:
        member = members.get(row["membership_id"])
        if member is None:
            member = members[row["membership_id"]] = MemberUtilization(row["membership_id"], "")
        absence, billable = row["absence"] or 0, row["billable"] or 0
        member.absence += absence
        member.billable += billable
        member.non_billable += (row["seconds"] or 0) - absence - billable
    people = Membership.objects.filter(tenant=tenant)
    if not sees_all_entries(viewer):
        people = people.filter(pk=viewer.pk)
    else:
        people = people.filter(Q(is_active=True) | Q(pk__in=list(members)))
    for pk, first, last, email in people.values_list(
        "pk", "user__first_name", "user__last_name", "user__email"
    ):
        members.setdefault(pk, MemberUtilization(pk, "")).name = _member_label(first, last, email)
    days = working_days(period.first, period.last)
    by_member: dict[int, list[TermsSpan]] = defaultdict(list)
    for span in terms_spans(tenant=tenant, membership_ids=list(members)):
        by_member[span.membership_id].append(span)
    for member in members.values():
        member.target, member.has_target = target_hours(by_member[member.membership_id], days)
    return sorted(members.values(), key=lambda m: (m.name.lower(), m.membership_id))
