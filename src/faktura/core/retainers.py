"""A retainer's month: the hours a project's retainer includes, what rolls over and what is
billed as overage. Pure values in and out; `faktura.frameorders` writes the month's ledger row
and the draft's lines.

Order of use within a month: the hours rolled over from the previous month first (they roll
once and expire when unused), then the month's own included hours, then overage. With rollover
`next_month` the month's own unused hours carry to the next month, at most `cap` hours (no cap
when None); with `none` they expire. No rounding happens here: hours are the billed quantities
of the month's time lines (at most 4 decimals) and sums of them stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

NONE = "none"  # unused hours expire at the end of the month
NEXT_MONTH = "next_month"  # unused hours can be used in the next month
ZERO = Decimal("0")


@dataclass(frozen=True)
class RetainerMonth:
    used: Decimal  # hours worked in the month
    included: Decimal  # the retainer's hours per month
    rolled_in: Decimal  # carried over from the previous month
    from_rolled: Decimal  # used out of the rolled-in hours
    from_included: Decimal  # used out of the month's own hours
    overage: Decimal  # beyond included + rolled in: billed extra
    carried: Decimal  # rolls over to the next month
    expired: Decimal  # unused and gone


def retainer_month(
    *,
    used: Decimal,
    included: Decimal,
    rolled_in: Decimal = ZERO,
    rollover: str = NONE,
    cap: Decimal | None = None,
) -> RetainerMonth:
    if min(used, included, rolled_in) < 0:
        raise ValueError("hours are never negative")
    from_rolled = min(used, rolled_in)
    rest = used - from_rolled
    from_included = min(rest, included)
    overage = rest - from_included
    own_unused = included - from_included
    carried = ZERO
    if rollover == NEXT_MONTH:
        carried = own_unused if cap is None else min(own_unused, cap)
    expired = own_unused - carried + (rolled_in - from_rolled)
    return RetainerMonth(
        used=used,
        included=included,
        rolled_in=rolled_in,
        from_rolled=from_rolled,
        from_included=from_included,
        overage=overage,
        carried=carried,
        expired=expired,
    )
