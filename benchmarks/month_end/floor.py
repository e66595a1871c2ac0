"""The floor of the month-end benchmark: what the database alone needs to produce the same
items from the same rows, as one set-based ``INSERT ... SELECT`` (and one ``UPDATE`` marking
the entries)."""

from __future__ import annotations

import time

from django.db import connection, transaction

from benchmarks.month_end.synthetic import Synthetic, analyze

ITEM_COLUMNS = (
    "created_at", "updated_at", "tenant_id", "kind", "status", "entry_id", "task_id",
    "project_id", "contact_id", "membership_id", "product_id", "product_name", "description",
    "unit", "logged_seconds", "quantity", "unit_price", "amount", "currency", "price_source",
    "warnings", "vat_category", "vat_rate", "service_date", "source_key", "needs_quantity",
)  # fmt: skip

# One SELECT per line kind over the candidate entries, glued with UNION ALL. Placeholders:
# now, product, list; the transport defaults are the (5.00/km, 1000.00/h).
_CANDIDATES = """
    FROM work_taskentry e
    JOIN work_task t ON t.id = e.task_id
    JOIN work_project p ON p.id = t.project_id
    JOIN contacts_contact c ON c.id = t.client_id
    JOIN tenancy_membership m ON m.id = e.membership_id
    LEFT JOIN work_projectmember pm
        ON pm.project_id = t.project_id AND pm.membership_id = e.membership_id
    LEFT JOIN catalog_pricelistitem pli
        ON pli.price_list_id = {list} AND pli.product_id = {product}
    WHERE e.tenant_id = {tenant} AND e.billing_state = 'unbilled'
      AND e.approval_status = 'approved' AND t.billable AND t.client_id IS NOT NULL
      AND p.billing_model = 'time_and_materials'
"""
_VAT = """
    CASE c.tax_treatment WHEN 'reverse_charge' THEN 'AE' WHEN 'export' THEN 'G'
        WHEN 'exempt' THEN 'E' ELSE 'S' END,
    CASE WHEN c.tax_treatment = 'domestic' THEN 19 ELSE 0 END
"""
_TIME_PRICE = (
    "COALESCE(t.unit_price, pli.unit_price, pm.hourly_rate, p.hourly_rate, "
    "m.default_billing_rate, 95)"
)
_TIME_SOURCE = """CASE WHEN t.unit_price IS NOT NULL THEN 'task'
    WHEN pli.unit_price IS NOT NULL THEN 'price_list'
    WHEN pm.hourly_rate IS NOT NULL THEN 'project_member'
    WHEN p.hourly_rate IS NOT NULL THEN 'project'
    WHEN m.default_billing_rate IS NOT NULL THEN 'member_default'
    ELSE 'product_default' END"""
_HOURS = "(CAST((e.duration_seconds + 899) / 900 AS NUMERIC) * 0.25)"
_FLOOR_SQL = f"""
INSERT INTO billing_billableitem ({", ".join(ITEM_COLUMNS)})
SELECT {{now}}, {{now}}, e.tenant_id, 'task_entry', 'pending', e.id, t.id, p.id, c.id,
    e.membership_id, {{product}}, 'Consulting', e.description, 'HUR', e.duration_seconds,
    {_HOURS}, {_TIME_PRICE}, ROUND({_HOURS} * {_TIME_PRICE}, 2), p.currency, {_TIME_SOURCE},
    {{warnings}}, {_VAT}, e.date, '', FALSE
{_CANDIDATES} AND e.kind = 'time' AND e.stopped_at IS NOT NULL
UNION ALL
SELECT {{now}}, {{now}}, e.tenant_id, 'transport_distance', 'pending', e.id, t.id, p.id, c.id,
    e.membership_id, {{product}}, 'Transport', e.description, 'KMT', NULL,
    e.distance_km, COALESCE(e.unit_price, 5, t.unit_price),
    ROUND(e.distance_km * COALESCE(e.unit_price, 5, t.unit_price), 2), p.currency,
    CASE WHEN e.unit_price IS NOT NULL THEN 'entry' ELSE 'product_default' END,
    {{warnings}}, {_VAT}, e.date, '', FALSE
{_CANDIDATES} AND e.kind = 'mileage'
UNION ALL
SELECT {{now}}, {{now}}, e.tenant_id, 'transport_time', 'pending', e.id, t.id, p.id, c.id,
    e.membership_id, {{product}}, 'Transport Time', e.description, 'HUR',
    e.transport_minutes * 60, ROUND(CAST(e.transport_minutes AS NUMERIC) / 60, 4),
    COALESCE(e.unit_price, 1000, t.unit_price),
    ROUND(ROUND(CAST(e.transport_minutes AS NUMERIC) / 60, 4)
        * COALESCE(e.unit_price, 1000, t.unit_price), 2), p.currency,
    CASE WHEN e.unit_price IS NOT NULL THEN 'entry' ELSE 'product_default' END,
    {{warnings}}, {_VAT}, e.date, '', FALSE
{_CANDIDATES} AND e.kind = 'mileage' AND e.transport_minutes > 0
UNION ALL
SELECT {{now}}, {{now}}, e.tenant_id, e.kind, 'pending', e.id, t.id, p.id, c.id,
    e.membership_id, {{product}}, 'Work', e.description, 'C62', NULL,
    e.quantity, COALESCE(e.unit_price, t.unit_price, pli.unit_price, 0),
    ROUND(e.quantity * COALESCE(e.unit_price, t.unit_price, pli.unit_price, 0), 2), p.currency,
    CASE WHEN e.unit_price IS NOT NULL THEN 'entry' WHEN t.unit_price IS NOT NULL THEN 'task'
        ELSE 'price_list' END,
    {{warnings}}, {_VAT}, e.date, '', FALSE
{_CANDIDATES} AND e.kind IN ('expense', 'goods')
"""
_MARK_SQL = """
UPDATE work_taskentry SET billing_state = 'compiled'
WHERE tenant_id = %s AND billing_state = 'unbilled'
  AND EXISTS (SELECT 1 FROM billing_billableitem b WHERE b.entry_id = work_taskentry.id)
"""


def _floor_sql(data: Synthetic) -> str:
    now = "NOW()" if connection.vendor == "postgresql" else "datetime('now')"
    warnings = "CAST('[]' AS jsonb)" if connection.vendor == "postgresql" else "'[]'"
    return _FLOOR_SQL.format(
        now=now, warnings=warnings, product=int(data.product_id),
        list=int(data.default_list_id), tenant=int(data.tenant.pk),
    )  # fmt: skip


def measure_floor(data: Synthetic) -> tuple[float, float, int]:
    """(seconds of the INSERT ... SELECT, seconds of marking the entries, items inserted)."""
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with transaction.atomic():
            cursor.execute(_floor_sql(data))
            inserted = cursor.rowcount
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        with transaction.atomic():
            cursor.execute(_MARK_SQL, [data.tenant.pk])
        mark_s = time.perf_counter() - started
    return insert_s, mark_s, inserted


def reset(data: Synthetic) -> None:
    """Back to unbilled: delete the tenant's items, reset its entries (not timed)."""
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute("DELETE FROM billing_billableitem WHERE tenant_id = %s", [data.tenant.pk])
        cursor.execute(
            "UPDATE work_taskentry SET billing_state = 'unbilled' WHERE tenant_id = %s",
            [data.tenant.pk],
        )
    analyze()
