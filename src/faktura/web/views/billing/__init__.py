"""Billing screens: billable items and compile, invoice review with the draft overlay, issued
invoices with their documents and numbering. One module per screen; every number
shown comes from the billing services and selectors (computed by `core`), never from templates.
"""
