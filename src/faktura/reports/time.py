"""Time reports (DESIGN.md section 6.2): value groups with their cost, utilization.

Hours are summed in SQL from logged seconds (time entries only; running timers count 0) and
converted once at the end. Cost is hours x the member's internal cost rate valid on the
entry's day (`MembershipTerms`): SQL groups the seconds by the terms row that applies
(a CASE over the few dated rows), Python multiplies each sum by its exact rate and the total
is rounded once (`core.money`, 2 decimals, half up). Time without a cost rate has no cost and
is counted in ``uncosted_hours``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from django.db.models import Case, IntegerField, Q, Sum, Value, When
from django.db.models.functions import TruncMonth

from faktura.core.money import quantize_fraction, quantize_ratio
from faktura.reports.period import Period
from faktura.tenancy.models import Membership, MembershipTerms, Team, Tenant
from faktura.work.models import Project, TaskEntry
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


def _terms_case(spans: list[TermsSpan], period: Period) -> Case | Value:
    """SQL: the pk of the terms row that applies to an entry (by member and day), 0 for
    none. Only rows that overlap the period."""
    whens = []
    for span in spans:
        if span.first > period.last or (span.until is not None and span.until <= period.first):
            continue
        condition = Q(membership_id=span.membership_id, date__gte=span.first)
        if span.until is not None:
            condition &= Q(date__lt=span.until)
        whens.append(When(condition, then=Value(span.pk)))
    if not whens:
        return Value(0, output_field=IntegerField())
    return Case(*whens, default=Value(0), output_field=IntegerField())


# --- value groups --------------------------------------------------------------------------


@dataclass
class Cell:
    seconds: int = 0
    cost: Fraction = Fraction(0)
    uncosted: int = 0  # seconds without a cost rate

    def add(self, seconds: int, rate: Decimal | None) -> None:
        self.seconds += seconds
        if rate is None:
            self.uncosted += seconds
        else:
            self.cost += Fraction(seconds) * Fraction(rate) / SECONDS_PER_HOUR


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
    without a team are under the key ``none``."""
    base = (
        entries_visible(tenant=tenant, viewer=viewer)
        .filter(kind=TaskEntry.Kind.TIME, date__gte=period.first, date__lte=period.last)
        .order_by()
    )
    spans = terms_spans(tenant=tenant) if with_cost else []
    rates = {span.pk: span.cost_rate for span in spans}
    base = base.annotate(terms=_terms_case(spans, period))

    def rows(*keys: str, qs: Any = base) -> Iterable[dict[str, Any]]:
        return (
            qs.values(*keys, "task__project__value_group", "terms")
            .annotate(seconds=Sum("duration_seconds"))
            .order_by()
        )

    groups = {g: Cell() for g in GROUPS}
    months = {m: Bucket(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in period.months}
    for row in rows("month", qs=base.annotate(month=TruncMonth("date"))):
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        seconds = row["seconds"] or 0
        rate = rates.get(row["terms"])
        group = row["task__project__value_group"]
        groups[group].add(seconds, rate)
        months[month.replace(day=1)].groups[group].add(seconds, rate)

    if group_by == "month":
        buckets = list(months.values())
    else:
        key_fields = {
            "team": ("membership__team_id",),
            "member": ("membership_id",),
            "project": ("task__project_id",),
        }[group_by]
        found: dict[Any, Bucket] = {}
        for row in rows(*key_fields):
            key = row[key_fields[0]]
            bucket = found.setdefault(key, Bucket(str(key) if key else "none", ""))
            bucket.groups[row["task__project__value_group"]].add(
                row["seconds"] or 0, rates.get(row["terms"])
            )
        labels = _labels(tenant, group_by, [k for k in found if k])
        for key, bucket in found.items():
            bucket.label = labels.get(key, "") if key else ""
        buckets = sorted(found.values(), key=lambda b: (-b.seconds, b.label))

    waste = base.filter(task__project__value_group=Project.ValueGroup.D)
    projects: dict[int, WasteItem] = {}
    tickets: dict[int, WasteItem] = {}
    for row in (
        waste.values(
            "task_id", "task__number", "task__title", "task__project_id", "task__project__name",
            "terms",
        )
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
    ):  # fmt: skip
        seconds, rate = row["seconds"] or 0, rates.get(row["terms"])
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
BILLABLE = (
    Q(task__billable=True, task__project__scope=Project.Scope.EXTERNAL)
    & ~Q(task__project__billing_model=Project.BillingModel.NON_BILLABLE)
    & ~Q(billing_state=TaskEntry.BillingState.NOT_BILLABLE)
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
    entries = (
        entries_visible(tenant=tenant, viewer=viewer)
        .filter(kind=TaskEntry.Kind.TIME, date__gte=period.first, date__lte=period.last)
        .annotate(
            billable=Case(
                When(BILLABLE, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .values("membership_id", "billable", "task__project__is_absence")
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
    )
    members: dict[int, MemberUtilization] = {}
    for row in entries:
        member = members.setdefault(
            row["membership_id"], MemberUtilization(row["membership_id"], "")
        )
        seconds = row["seconds"] or 0
        if row["task__project__is_absence"]:
            member.absence += seconds
        elif row["billable"]:
            member.billable += seconds
        else:
            member.non_billable += seconds
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
