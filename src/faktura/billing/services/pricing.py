"""Product, price, unit and VAT of a billable item, resolved over preloaded rows.

`Pricing` holds what one compile run needs (product assignments, price lists, memberships,
member rates on projects, products) and loads each part once per run, or once per batch for
the part a batch adds, so pricing a million entries costs a handful of queries per batch.
The precedence itself lives in `core.pricing`; this module collects the candidates.

Product of a line (the first that applies):

0. a goods or expense entry's own product (the entry names what was delivered or spent);
1. the task's explicit product, for the line kinds it is made for: a service product prices
   the ticket's time (`task_entry`), a goods or expense product its goods or expenses.
   Transport lines never take it (a ticket is not sold per kilometre);
2. a product assignment for the line kind at the task, the customer (the task's client), the
   member who logged the entry, the member's team, the company (``PRODUCT_SCOPE_ORDER``);
3. the company's default product for the line kind, created once (`default_product_ensure`).

Unit price (``core.pricing``; the first source that has a price wins, an explicit 0 included):

- transport lines: the entry's own price, the product's default price, the task's unit price;
- other lines: the entry's own price, the task's unit price, the product's price in a price list
  (the task's, the assignment's, the customer's, the company default list of the project's
  currency; lists in another currency are passed over), and for time only the hourly rates —
  the member's rate on the project, the project's hourly rate, the member's default billing
  rate — then the product's default price. An hourly rate never prices a piece of goods or an
  expense.
- none: price 0, source ``none`` and a ``no_price`` warning; the item is still compiled.

VAT: the product's category and rate, unless the customer's tax treatment says otherwise:
reverse charge -> AE 0 %, export -> G 0 %, exempt -> E 0 % (the exemption reason is the
customer's and goes on the invoice). A reverse-charge customer without a VAT ID gets a
``contact_missing_vat_id`` warning on every item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from faktura.billing.selectors.items import (
    MemberRow,
    ProductRow,
    TaskRow,
    compile_assignments,
    compile_default_products,
    compile_members,
    compile_price_lists,
    compile_product_row,
    compile_products,
    compile_project_rates,
)
from faktura.billing.services.compile_insert import warnings_json
from faktura.catalog.models import LineKind, Product
from faktura.catalog.selectors import AssignmentIndex, price_list_prices
from faktura.catalog.services import default_product_ensure
from faktura.contacts.models import TaxTreatment
from faktura.core.money import amount_places
from faktura.core.pricing import (
    STANDARD_ORDER,
    TRANSPORT_ORDER,
    PriceCandidate,
    resolve_by_order,
    resolve_price,
)
from faktura.core.problems import Problem, warning

TRANSPORT_KINDS = frozenset({LineKind.TRANSPORT_DISTANCE, LineKind.TRANSPORT_TIME})
# The unit a line kind is counted in, whatever the product's unit: compile bills time in hours
# and distance in kilometres. Goods and expenses use the task's unit, else the product's, and
# pieces with the company's default product (whose unit, hour, is made for time).
FIXED_UNITS: dict[str, str] = {
    LineKind.TASK_ENTRY: "HUR",
    LineKind.TRANSPORT_TIME: "HUR",
    LineKind.TRANSPORT_DISTANCE: "KMT",
}
# Which line kinds a task's explicit product prices, by the product's kind.
TASK_PRODUCT_KINDS: dict[str, str] = {
    LineKind.TASK_ENTRY: Product.Kind.SERVICE,
    LineKind.GOODS: Product.Kind.GOODS,
    LineKind.EXPENSE: Product.Kind.EXPENSE,
}
# The line kinds whose entries may name their own product.
ENTRY_PRODUCT_KINDS = frozenset({LineKind.GOODS, LineKind.EXPENSE})
# Customer tax treatment -> (VAT category, rate) for all its lines.
TREATMENT_VAT: dict[str, tuple[str, Decimal]] = {
    TaxTreatment.REVERSE_CHARGE: ("AE", Decimal("0.00")),
    TaxTreatment.EXPORT: ("G", Decimal("0.00")),
    TaxTreatment.EXEMPT: ("E", Decimal("0.00")),
}
HOURLY_SOURCES = ("project_member", "project", "member_default")


@dataclass(frozen=True, slots=True)
class LineTerms:
    """Everything an item of one (task, member, line kind) shares, the entry price aside."""

    product_id: int
    product_name: str
    unit: str
    currency: str
    places: int  # amount decimals of the currency
    unit_price: Decimal
    price_source: str
    warnings: tuple[dict[str, str], ...]
    vat_category: str
    vat_rate: Decimal
    order: tuple[str, ...]
    base_warnings: tuple[dict[str, str], ...]  # those not about the price (kept on entry price)
    warnings_json: str = "[]"  # `warnings` as stored

    def with_entry_price(self, price: Decimal) -> tuple[Decimal, str, tuple[dict, ...]]:
        """Price, source and warnings of an item whose entry has its own price."""
        found = resolve_price([PriceCandidate("entry", price)])
        return found.price, found.source, self.base_warnings + _dicts(found.warnings)


def _dicts(problems: Iterable[Problem]) -> tuple[dict[str, str], ...]:
    return tuple(problem.as_dict() for problem in problems)


class Pricing:
    """Product and price resolution for one compile run of one tenant."""

    def __init__(self, tenant) -> None:
        self.tenant = tenant
        assignments = compile_assignments(tenant=tenant)
        self.assignments = AssignmentIndex(assignments)
        self.assignment_lists = {a.price_list_id for a in assignments if a.price_list_id}
        self.member_scoped_kinds = {
            a.line_kind for a in assignments if a.scope in ("membership", "team")
        }
        self._task_products: dict[tuple[int, str], tuple[ProductRow, int | None]] = {}
        self.members: dict[int, MemberRow] = compile_members(tenant=tenant)
        self.price_lists: dict[int, tuple[str, bool]] = compile_price_lists(tenant=tenant)
        self.default_lists: dict[str, int] = {
            currency: pk for pk, (currency, is_default) in self.price_lists.items() if is_default
        }
        self.products: dict[int, ProductRow] = {}
        for assignment in assignments:
            self.products[assignment.product_id] = compile_product_row(assignment.product)
        self.defaults: dict[str, ProductRow] = compile_default_products(tenant=tenant)
        for row in self.defaults.values():
            self.products[row.id] = row
        self.rates: dict[tuple[int, int], Decimal | None] = {}
        self._rated_projects: set[int] = set()
        self.prices: dict[tuple[int, int], Decimal] = {}
        self._priced_lists: set[int] = set()
        self._terms: dict[tuple[int, int, str], LineTerms] = {}
        self._by_key: dict[tuple, LineTerms] = {}
        self._time_terms: dict[tuple, LineTerms] = {}

    # -- loading ------------------------------------------------------------------------------

    def prepare(
        self,
        tasks: Iterable[TaskRow],
        member_ids: Iterable[int],
        product_ids: Iterable[int] = (),
    ) -> None:
        """Load what the tasks of a batch add: their products (and those its entries name),
        member rates on their projects, their price lists' prices; members that joined since
        the run began."""
        tasks = list(tasks)
        missing_products = {t.product_id for t in tasks if t.product_id} | set(product_ids)
        missing_products -= set(self.products)
        if missing_products:
            self.products.update(compile_products(tenant=self.tenant, product_ids=missing_products))
        projects = {t.project_id for t in tasks} - self._rated_projects
        if projects:
            self.rates.update(compile_project_rates(tenant=self.tenant, project_ids=projects))
            self._rated_projects |= projects
        if set(member_ids) - set(self.members):
            self.members = compile_members(tenant=self.tenant)
        lists = {t.price_list_id for t in tasks} | {t.client_price_list_id for t in tasks}
        lists |= self.assignment_lists | set(self.default_lists.values())
        lists = {pk for pk in lists if pk} - self._priced_lists
        if lists:
            self.prices.update(price_list_prices(tenant=self.tenant, price_list_ids=lists))
            self._priced_lists |= lists

    def default_product(self, line_kind: str) -> ProductRow:
        """The company's default product of a line kind (made once, then reused). Call it
        outside the batch transaction: a batch that rolls back must not take it along."""
        row = self.defaults.get(line_kind)
        if row is None:
            product = default_product_ensure(tenant=self.tenant, line_kind=line_kind)
            row = compile_product_row(product)
            self.defaults[line_kind] = row
            self.products[row.id] = row
        return row

    def forget_defaults(self) -> None:
        """Re-read the default products after a batch rolled back: one made inside it (only
        when an entry changed kind under the batch) went with it."""
        self.defaults = compile_default_products(tenant=self.tenant)
        for row in self.defaults.values():
            self.products[row.id] = row
        self._task_products.clear()
        self._by_key.clear()

    # -- resolution ---------------------------------------------------------------------------

    def product_for(self, task: TaskRow, membership_id: int, line_kind: str, entry_product_id=None):
        """``(product row, assignment price list id)`` of a line (see the module docstring)."""
        if entry_product_id and line_kind in ENTRY_PRODUCT_KINDS:
            product = self.products.get(entry_product_id)
            if product is not None:
                return product, None
        if task.product_id and line_kind in TASK_PRODUCT_KINDS:
            product = self.products.get(task.product_id)
            if product is not None and product.kind == TASK_PRODUCT_KINDS[line_kind]:
                return product, None
        # Without assignments to members or teams for this kind, the member changes nothing:
        # the answer is the task's, resolved once per run (bounded).
        per_task = line_kind not in self.member_scoped_kinds
        if per_task:
            found = self._task_products.get((task.id, line_kind))
            if found is not None:
                return found
        member = self.members.get(membership_id)
        assignment, _scope = self.assignments.resolve(
            line_kind=line_kind,
            task_id=task.id,
            contact_id=task.client_id,
            membership_id=membership_id,
            team_id=member.team_id if member else None,
        )
        if assignment is not None:
            found = (self.products[assignment.product_id], assignment.price_list_id)
        else:
            found = (self.default_product(line_kind), None)
        if per_task:
            self._task_products[(task.id, line_kind)] = found
        return found

    def _list_price(self, product_id: int, currency: str, lists: Iterable[int | None]):
        for pk in lists:
            if pk is None or self.price_lists.get(pk, ("",))[0] != currency:
                continue
            price = self.prices.get((pk, product_id))
            if price is not None:
                return price
        return None

    def start_batch(self) -> None:
        # Terms are cached per batch only, products per task up to a bound: a run over a
        # million entries must not keep a million combinations in memory.
        self._terms.clear()
        self._time_terms.clear()
        if len(self._task_products) > 200_000:
            self._task_products.clear()

    def terms(
        self, task: TaskRow, membership_id: int, line_kind: str, product_id: int | None = None
    ) -> LineTerms:
        """The shared terms of a line, cached per (task, member, line kind, the entry's own
        product) in a batch."""
        if line_kind not in ENTRY_PRODUCT_KINDS:
            product_id = None
        key = (task.id, membership_id, line_kind, product_id)
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = self._resolve(task, membership_id, line_kind, product_id)
        return found

    def time_terms(self, task: TaskRow, membership_id: int) -> LineTerms:
        """`terms` of a ticket's time (``task_entry``), shared in a batch by the tickets that
        resolution cannot tell apart: the ticket itself is read only through an assignment at
        the ticket; without one, the terms follow from the member and the ticket's fields
        below (product, price list, price, unit, project and its rate, customer and its tax
        treatment, VAT ID and price list, currency)."""
        line_kind = LineKind.TASK_ENTRY
        if self.assignments.has_task(task.id, line_kind):
            return self.terms(task, membership_id, line_kind)
        key = (
            membership_id, task.project_id, task.client_id, task.product_id, task.price_list_id,
            task.unit_price, task.unit_code, task.currency, task.project_rate, task.tax_treatment,
            task.client_vat_id, task.client_price_list_id,
        )  # fmt: skip
        found = self._time_terms.get(key)
        if found is None:
            found = self._time_terms[key] = self._resolve(task, membership_id, line_kind)
        return found

    def _resolve(
        self, task: TaskRow, membership_id: int, line_kind: str, product_id: int | None = None
    ) -> LineTerms:
        product, assignment_list = self.product_for(task, membership_id, line_kind, product_id)
        values: dict[str, Any]
        if line_kind in TRANSPORT_KINDS:
            order = TRANSPORT_ORDER
            values = {"product_default": product.default_price, "task": task.unit_price}
        else:
            order = STANDARD_ORDER
            lists = (
                task.price_list_id,
                assignment_list,
                task.client_price_list_id,
                self.default_lists.get(task.currency),
            )
            values = {
                "task": task.unit_price,
                "price_list": self._list_price(product.id, task.currency, lists),
                "product_default": product.default_price,
            }
            if line_kind == LineKind.TASK_ENTRY:
                member = self.members.get(membership_id)
                values["project_member"] = self.rates.get((task.project_id, membership_id))
                values["project"] = task.project_rate
                values["member_default"] = member.default_rate if member else None
        # Everything the terms depend on; tasks and members share few distinct combinations,
        # so each is built once per run (bounded) and the rest is a dictionary look-up.
        key = (
            line_kind, product.id, task.currency, task.tax_treatment, bool(task.client_vat_id),
            task.unit_code, *(values.get(source) for source in order),
        )  # fmt: skip
        found = self._by_key.get(key)
        if found is None:
            if len(self._by_key) > 50_000:
                self._by_key.clear()
            found = self._by_key[key] = self._build(task, product, line_kind, order, values)
        return found

    def _build(self, task: TaskRow, product: ProductRow, line_kind: str, order, values):
        resolution = resolve_by_order(order, values)
        base: tuple[Problem, ...] = ()
        category, rate = TREATMENT_VAT.get(
            task.tax_treatment, (product.vat_category, product.vat_rate)
        )
        if task.tax_treatment == TaxTreatment.REVERSE_CHARGE and not task.client_vat_id:
            base = (
                warning(
                    "contact_missing_vat_id",
                    "Reverse charge needs the customer's VAT ID; the customer has none.",
                    "contact_id",
                ),
            )
        found_warnings = _dicts(base) + _dicts(resolution.warnings)
        unit = FIXED_UNITS.get(line_kind) or task.unit_code
        unit = unit or ("C62" if product.auto_created else product.unit_code)
        return LineTerms(
            product_id=product.id,
            product_name=product.name,
            unit=unit,
            currency=task.currency,
            places=amount_places(task.currency),
            unit_price=resolution.price,
            price_source=resolution.source,
            warnings=found_warnings,
            vat_category=category,
            vat_rate=rate,
            order=order,
            base_warnings=_dicts(base),
            warnings_json=warnings_json(found_warnings),
        )
