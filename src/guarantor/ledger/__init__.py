"""The ledger: append-only, hash-chained records of pledges, deliveries and everything owed."""
