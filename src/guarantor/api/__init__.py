"""The HTTP service: FastAPI app over the ledger, with per-party tokens and roles."""
