"""guarantor: multilateral security guarantees as code."""

__version__ = "0.1.0"

# The rooms, upstream first: each imports only rooms before it (tests/test_architecture.py).
FLOW: tuple[str, ...] = (
    "model",
    "rules",
    "spec",
    "sources",
    "territory",
    "monitor",
    "obligations",
    "respond",
    "ledger",
    "watch",
    "negotiate",
    "simulate",
    "report",
    "api",
)
