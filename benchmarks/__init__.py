"""Faktura's benchmarks, run by ``faktura bench <name>`` from a source checkout.

- `benchmarks.month_end`: compile and draft generation against a raw-SQL floor;
- `benchmarks.documents`: Factur-X PDF and XRechnung rendering on every core.

They are tools of the people who build Faktura, not part of the product package; results and
how to read them are in ``docs/performance.md``.
"""
