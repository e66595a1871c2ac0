"""EN 16931 e-invoices built by pure functions over a frozen invoice snapshot.

- ``formats``: the public entry point: ``build(snapshot, format)`` (XRechnung 3.0 UBL and CII,
  Peppol BIS Billing 3.0, the Factur-X/ZUGFeRD EN 16931 XML), ``problems(snapshot, format)``,
  the specification identifiers, file names and media types.
- ``snapshot``: the frozen invoice every document is rendered from.
- ``model`` and ``groups``: the EN 16931 business groups and their builders, shared by
  ``ubl`` and ``cii``, the two syntax writers.
- ``checks``: the pre-check behind ``problems``; ``values``: how numbers and dates are written.

No Django here (an import contract forbids it): lxml, schwifty and python-stdnum (for the
checks), the standard library and ``faktura.core``.
"""
