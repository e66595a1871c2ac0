"""Tests of the pure calculation package ``faktura.core`` (no database, no Django).

This file makes ``tests/core`` a package so its module names (``test_numbering``, ...) cannot
collide with test modules of the same name that mirror other apps.
"""
