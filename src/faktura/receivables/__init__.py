"""Receivables: what customers owe on issued invoices, the payments and other allocations that
settle them, and the overdue and aging views (DESIGN.md section 4, invariant 7)."""
