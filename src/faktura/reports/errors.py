"""Error codes of the reports, one class each; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from faktura.common.errors import ValidationFailed


class PeriodInvalid(ValidationFailed):
    """The period ends before it starts or is longer than a report covers."""

    code = "period_invalid"


class QueryInvalid(ValidationFailed):
    """A filter of the report is not understood (a date, a format, a grouping)."""

    code = "invalid"
