"""Frame orders (a customer's blanket purchase order: a pool of hours and/or money) and
retainers."""
