"""The typed domain model of a guarantee (no I/O, imports nothing else of guarantor)."""
