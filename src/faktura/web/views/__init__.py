"""Pages of the back office, one module per navigation section."""
