"""The guarantee in operation: scheduled fetch, incremental evaluation, signed ledger records, notifications."""
