"""The time-rounding rule of a compiled entry: the company's rule, overridden field by field
by the customer's (the task's client), then by the project's (`core.time_rounding` rounds).

Rules stored through the API are complete, so in practice the most specific one applies
whole; a partial rule (older or imported data) overrides only the fields it names. A stored
rule that is invalid is passed over with an ``invalid_rounding_policy`` warning on the items it
would have rounded, so one bad setting never stops a month-end run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from faktura.billing.selectors.items import TaskRow
from faktura.core.problems import warning
from faktura.core.time_rounding import DEFAULT_POLICY, PolicyError, RoundingPolicy

_POLICY_WARNING = "invalid_rounding_policy"


def merged_policy(layers: Iterable[tuple[str, Any]]) -> tuple[RoundingPolicy, tuple]:
    """The company's rule, overridden field by field by each later layer. A stored rule that
    is invalid is passed over with a warning rather than failing the run."""
    policy, problems = DEFAULT_POLICY, []
    for name, data in layers:
        if not data:
            continue
        try:
            policy = RoundingPolicy.from_dict(data, base=policy)
        except (PolicyError, TypeError, AttributeError) as exc:
            message = f"The {name}'s time-rounding rule is invalid and was ignored ({exc})."
            problems.append(warning(_POLICY_WARNING, message, "quantity").as_dict())
    return policy, tuple(problems)


def invoice_policy(invoice, *, tenant) -> RoundingPolicy:
    """The rule the invoice's work was rounded by: the company's, the customer's, then the
    project's, as compile merges them (an invalid stored rule is passed over)."""
    layers = [("company", tenant.time_rounding), ("customer", invoice.contact.time_rounding)]
    if invoice.project_id is not None:
        layers.append(("project", invoice.project.time_rounding))
    return merged_policy(layers)[0]


class RoundingPolicies:
    """Rounding policy per (project, customer), from the rows the batch already read."""

    def __init__(self, tenant) -> None:
        self.tenant_rule = tenant.time_rounding
        self._cache: dict[tuple[int, int], tuple[RoundingPolicy, tuple]] = {}

    def for_task(self, task: TaskRow) -> tuple[RoundingPolicy, tuple]:
        key = (task.project_id, task.client_id)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = merged_policy(
                (
                    ("company", self.tenant_rule),
                    ("customer", task.client_rounding),
                    ("project", task.project_rounding),
                )
            )
        return found
